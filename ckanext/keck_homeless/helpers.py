"""Template helpers (prefixed ``keck_homeless_``; ``humanize_entity_type`` chains CKAN's own)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless import validators
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


#: How CKAN names the help-offer dataset type in each place it names it.
_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "add link": ("Hilfsangebot hinzufügen", "Add help offer"),
    "breadcrumb": ("Hilfsangebote", "Help offers"),
    "content tab": ("Hilfsangebote", "Help offers"),
    "create label": ("Hilfsangebot anlegen", "Create help offer"),
    "create title": ("Hilfsangebot anlegen", "Create help offer"),
    "delete confirmation": ("Soll dieses Hilfsangebot wirklich gelöscht werden?",
                            "Do you really want to delete this help offer?"),
    "edit label": ("Hilfsangebot bearbeiten", "Edit help offer"),
    "facet label": ("Hilfsangebote", "Help offers"),
    "form label": ("Hilfsangebot", "Help offer"),
    "main nav": ("Hilfsangebote", "Help offers"),
    "my label": ("Meine Hilfsangebote", "My help offers"),
    "no any objects": ("Noch keine Hilfsangebote.", "No help offers yet."),
    "page title": ("Hilfsangebote", "Help offers"),
    "save label": ("Hilfsangebot speichern", "Save help offer"),
    "search placeholder": ("Hilfsangebote durchsuchen …", "Search help offers …"),
    "update label": ("Hilfsangebot aktualisieren", "Update help offer"),
    "view label": ("Hilfsangebote ansehen", "View help offers"),
}


@helper
@tk.chained_helper
def humanize_entity_type(next_helper, entity_type: str, object_type: str, purpose: str):
    """German and English names of the ``hilfsangebot`` type in CKAN's UI
    (CKAN would say "Hilfsangebots")."""
    if object_type != "hilfsangebot":
        return next_helper(entity_type, object_type, purpose)
    de, en = _TYPE_LABELS.get(purpose, ("Hilfsangebot", "Help offer"))
    return en if validators.current_lang() == "en" else de


@helper
def keck_homeless_map_config() -> dict[str, str]:
    """Base map settings for the map previews and the location picker
    (options ``ckanext.keck_homeless.finder.*``)."""
    import ckan.plugins.toolkit as tk

    prefix = "ckanext.keck_homeless.finder."
    return {
        "tiles": tk.config.get(prefix + "tile_url") or "",
        "wms": tk.config.get(prefix + "wms_url") or "",
        "wmsLayers": tk.config.get(prefix + "wms_layers") or "",
        "attribution": tk.config.get(prefix + "attribution") or "",
    }


@helper
def keck_homeless_published_point(name: str) -> dict[str, Any] | None:
    """The position of an offer *as published* (from the feature store: so
    approximate offers are coarsened and hidden ones give ``None``)."""
    from ckan import model

    from ckanext.keck_homeless.finder import query

    with model.meta.engine.connect() as conn:
        row = query.select_offer(conn, name)
    if row is None:
        return None
    return {"lat": round(row["lat"], 6), "lon": round(row["lon"], 6),
            "approximate": row["location_visibility"] == "approximate",
            "category": row["category"]}
