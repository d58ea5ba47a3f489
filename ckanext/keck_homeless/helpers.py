"""Template helpers (all prefixed ``keck_homeless_``)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers import codes, rules

_helpers: dict[str, Any] = {}


def helper(fn):
    _helpers[fn.__name__] = fn
    return fn


def get_helpers() -> dict[str, Any]:
    return dict(_helpers)


@helper
def keck_homeless_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Choices of a coded schema field, labels as ``{de, en}``."""
    return codes.choices(field["field_name"])


@helper
def keck_homeless_label(field: str, code: str, lang: str = "de") -> str:
    return codes.label(field, code, lang)


@helper
def keck_homeless_point(value: Any) -> dict[str, float] | None:
    """``{"lon", "lat"}`` of a stored GeoJSON point (for the location form)."""
    try:
        point = rules.parse_point(value)
    except (TypeError, ValueError):
        return None
    return {"lon": point[0], "lat": point[1]} if point else None


@helper
def keck_homeless_is_stale(last_verified: Any) -> bool:
    """Whether an offer was not verified for longer than configured."""
    try:
        day = rules.parse_date(last_verified)
    except (TypeError, ValueError):
        return True
    if day is None:
        return True
    return (dt.date.today() - day).days > kconfig.stale_after_days()
