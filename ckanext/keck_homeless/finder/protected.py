"""Protected (``hidden``) offers in the finder: name, category, phone and hours.

They are never in the feature store; the view reads them from CKAN's search
index and passes the package dicts here. ``public_view`` is a whitelist, so
no address, position, e-mail or description can slip through. When an offer
is open is not a location: the hours, their note and the status are shown
(a women's shelter open 24/7 must say so), and the time filters apply.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.finder.present import icon, tel_uri
from ckanext.keck_homeless.offers import codes, rules
from ckanext.keck_homeless.offers.messages import languages

#: Solr filter for published protected offers of our dataset type.
SEARCH_FQ = "+dataset_type:hilfsangebot +location_visibility:hidden -offer_status:ended"


def published_packages() -> list[dict[str, Any]]:
    """The package dicts of published protected offers, from CKAN's search
    index (the one query the finder and HSDS share; callers
    reduce them with :func:`select` or read only what they count)."""
    import ckan.plugins.toolkit as tk

    result = tk.get_action("package_search")(
        {"ignore_auth": True}, {"fq": SEARCH_FQ, "rows": 1000, "include_private": False})
    return result["results"]


def _flag(pkg: dict[str, Any], key: str) -> bool:
    return rules.as_bool_safe(pkg.get(key))


def matches(pkg: dict[str, Any], filters: Filters) -> bool:
    """Whether a protected offer passes the (non-time) filters.

    Text search only looks at what is shown (title, category label in any UI
    language), so a search can never reveal hidden fields by narrowing the result.
    """
    if filters.categories and pkg.get("category") not in filters.categories:
        return False
    if filters.municipality and pkg.get("municipality") != filters.municipality:
        return False
    if filters.organization and pkg.get("owner_org") != filters.organization:
        return False
    if filters.wheelchair:
        return False
    if filters.dogs and not _flag(pkg, "dogs_allowed"):
        return False
    if filters.women and not _flag(pkg, "women_only"):
        return False
    if filters.free and not _flag(pkg, "free_of_charge"):
        return False
    if filters.text:
        category = pkg.get("category") or ""
        shown = " ".join([pkg.get("title") or "", *(codes.label("category", category, lang)
                                                     for lang in languages())]).lower()
        if not all(w.lower() in shown for w in filters.text.split()):
            return False
    return True


_date = rules.parse_date_safe
_list = rules.as_list_safe


def public_view(pkg: dict[str, Any], lang: str = "de") -> dict[str, Any]:
    """The only fields of a protected offer that leave CKAN."""
    category = pkg.get("category") or ""
    return {
        "id": pkg.get("id"),
        "name": pkg["name"],
        "title": pkg.get("title") or pkg["name"],
        "category": category,
        "category_label": codes.label("category", category, lang),
        "icon": icon(category, lang),
        "phone": pkg.get("phone") or "",
        "tel": tel_uri(pkg.get("phone")),
        "services": _list(pkg.get("services")),
        "opening_hours": pkg.get("opening_hours") or "",
        "opening_hours_note": pkg.get("opening_hours_note") or "",
        "admission_until": pkg.get("admission_until") or "",
        "requirements_note": pkg.get("requirements_note") or "",
        "offer_status": pkg.get("offer_status") or "active",
        "status_note": pkg.get("status_note") or "",
        "closed_until": _date(pkg.get("closed_until")),
        "valid_from": _date(pkg.get("valid_from")),
        "valid_until": _date(pkg.get("valid_until")),
    }


def select(packages: Iterable[dict[str, Any]], filters: Filters,
           lang: str = "de") -> list[dict[str, Any]]:
    """Protected offers that pass ``filters``, reduced to ``public_view``."""
    out = [public_view(p, lang) for p in packages
           if p.get("location_visibility") == "hidden"
           and p.get("offer_status") != "ended" and not p.get("private")
           and p.get("state", "active") == "active" and matches(p, filters)]
    return sorted(out, key=lambda o: o["title"].lower())
