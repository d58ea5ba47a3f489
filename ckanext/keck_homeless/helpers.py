"""Template helpers (prefixed ``keck_homeless_``; ``humanize_entity_type`` chains CKAN's own)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless import validators
from ckanext.keck_homeless.offers import codes, messages, rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.offers.messages import Msg

_helpers: dict[str, Any] = {}


def helper(fn):
    _helpers[fn.__name__] = fn
    return fn


def get_helpers() -> dict[str, Any]:
    return dict(_helpers)


@helper
def keck_homeless_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Choices of a coded schema field, labels as ``{lang: label}``."""
    return codes.choices(field["field_name"])


@helper
def keck_homeless_label(field: str, code: str, lang: str | None = None) -> str:
    """The label of a code (default: in the request's language)."""
    return codes.label(field, code, lang or validators.current_lang())


@helper
def keck_homeless_ui_languages() -> list[str]:
    """UI languages with a catalogue of ours (and English) that CKAN offers
    (``ckan.locales_offered``), in CKAN's order."""
    return messages.offered_languages(tk.aslist(tk.config.get("ckan.locales_offered")))


@helper
def keck_homeless_flyer_language() -> str:
    """The flyer language for this request: the UI language where a flyer
    exists in it, else the site's default language."""
    lang = validators.current_lang()
    return lang if lang in messages.languages() else kconfig.default_lang()


@helper
def keck_homeless_language_name(code: str, in_lang: str | None = None) -> str:
    """Name of a language, in ``in_lang`` (default: in itself, "Deutsch")."""
    return messages.language_name(code, in_lang)


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
_TYPE_LABELS: dict[str, Msg] = {
    "add link": Msg("Add help offer"),
    "breadcrumb": Msg("Help offers"),
    "content tab": Msg("Help offers"),
    "create label": Msg("Create help offer"),
    "create title": Msg("Create help offer"),
    "delete confirmation": Msg("Do you really want to delete this help offer?"),
    "edit label": Msg("Edit help offer"),
    "facet label": Msg("Help offers"),
    "form label": Msg("Help offer"),
    "main nav": Msg("Help offers"),
    "my label": Msg("My help offers"),
    "no any objects": Msg("No help offers yet."),
    "page title": Msg("Help offers"),
    "save label": Msg("Save help offer"),
    "search placeholder": Msg("Search help offers …"),
    "update label": Msg("Update help offer"),
    "view label": Msg("View help offers"),
}


@helper
@tk.chained_helper
def humanize_entity_type(next_helper, entity_type: str, object_type: str, purpose: str):
    """Names of the ``hilfsangebot`` type in CKAN's UI, in the UI language
    (CKAN would say "Hilfsangebots")."""
    if object_type != DATASET_TYPE:
        return next_helper(entity_type, object_type, purpose)
    return _TYPE_LABELS.get(purpose, _TYPE_LABELS["form label"]).text(validators.current_lang())


@helper
def keck_homeless_map_config() -> dict[str, str]:
    """Base map settings for the map previews and the location picker
    (options ``ckanext.keck_homeless.finder.*``)."""
    import ckan.plugins.toolkit as tk

    finder = kconfig.settings().finder
    return {
        "tiles": finder.tile_url,
        "wms": finder.wms_url,
        "wmsLayers": finder.wms_layers,
        "attribution": finder.attribution,
        # titles (tooltips, accessible names) of the map's zoom buttons
        "zoomIn": tk._("Zoom in"),
        "zoomOut": tk._("Zoom out"),
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


@helper
def keck_homeless_facet_label(item: dict[str, Any]) -> str:
    """A facet item's whole label (CKAN truncates to 22 characters)."""
    return item.get("display_name") or item.get("name") or ""


@helper
def keck_homeless_review_pending(org_id: str | None, package_id: str | None) -> bool:
    """Would saving the form hold the offer for the county's review? Without
    an organisation yet: does any organisation the user may publish in
    need review."""
    import ckan.plugins.toolkit as tk

    from ckanext.keck_homeless.partners import review

    if not review.threshold():
        return False
    if package_id or org_id:
        return review.pending_in_form(org_id, package_id)
    return any(review.org_needs_review(o["id"])
               for o in tk.h.organizations_available("create_dataset"))


@helper
def keck_homeless_open_reports(package_id: str | None = None,
                               org_id: str | None = None) -> list[dict[str, Any]]:
    """Open problem reports of an offer or an organisation — only for users
    who may edit them (empty list otherwise)."""
    from ckanext.keck_homeless.partners import reports

    return reports.open_reports_for_user(package_id=package_id, org_id=org_id)


@helper
def keck_homeless_location_warning(package_id: str | None,
                                   municipality: str | None) -> dict[str, Any] | None:
    """``{"named": …, "found": … or None}`` when the offer's point lies
    outside the municipality it names (areas loaded), for its editors only;
    None otherwise."""
    if not package_id or not municipality:
        return None
    try:
        tk.check_access("package_update", {}, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    from ckan import model

    from ckanext.keck_homeless.store import areas

    found = areas.municipality_mismatch(model.Session.connection(), package_id, municipality)
    return {"named": found[0], "found": found[1]} if found else None


@helper
def keck_homeless_report_kind(kind: str) -> str:
    from ckanext.keck_homeless.partners import reports

    return reports.kind_label(kind, validators.current_lang())
