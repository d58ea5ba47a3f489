"""What the KECK-Atlas figures read: areas, published offers, protected ones.

Located offers come from the feature store with their area code of the
level (``offer_area``); protected offers from CKAN's search index with the
municipality they name (their package holds no point) — figures.py decides
where they may be counted.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.exchange import figures
from ckanext.keck_homeless.finder import protected
from ckanext.keck_homeless.offers import rules


class UnknownLevel(LookupError):
    pass


def _areas(conn, level: str) -> tuple[list[dict[str, Any]], str]:
    rows = [dict(r) for r in conn.execute(sa.text(
        "SELECT code, name, population, population_date, source FROM keck_homeless.area "
        "WHERE level = :level ORDER BY code"), {"level": level}).mappings()]
    if not rows:
        raise UnknownLevel(level)
    return rows, rows[0]["source"] or ""


def _located(conn, level: str) -> list[figures.Offer]:
    rows = conn.execute(sa.text(
        "SELECT oa.code, o.category, o.capacity, o.free_of_charge, o.opening_hours "
        "FROM keck_homeless.offer o LEFT JOIN keck_homeless.offer_area oa "
        "ON oa.package_id = o.package_id AND oa.level = :level"), {"level": level})
    return [figures.Offer(r.code, r.category, r.capacity, bool(r.free_of_charge),
                          r.opening_hours) for r in rows]


def _capacity(value: Any) -> int | None:
    try:
        return int(str(value)) if str(value or "").strip() else None
    except ValueError:
        return None


def _protected() -> list[figures.Offer]:
    return [figures.Offer(p.get("municipality") or None, p.get("category") or "",
                          _capacity(p.get("capacity")),
                          rules.as_bool_safe(p.get("free_of_charge")),
                          p.get("opening_hours"), protected=True)
            for p in protected.published_packages()
            if p.get("location_visibility") == "hidden" and not p.get("private")]


def load(engine, level: str, day: dt.date | None = None) -> tuple[list[dict[str, Any]], str]:
    """The figures of ``level`` and the areas' source note."""
    from ckanext.keck_homeless.offers import hours

    day = day or dt.datetime.now(hours.TZ).date()
    with engine.connect() as conn:
        areas, note = _areas(conn, level)
        offers = _located(conn, level)
    if level == figures.MUNICIPALITY_LEVEL:
        offers += _protected()
    return figures.compute(areas, offers, level, day), note
