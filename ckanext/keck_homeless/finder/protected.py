"""Protected (``hidden``) offers in the finder: name, category and phone only.

They are never in the feature store; the view reads them from CKAN's search
index and passes the package dicts here. ``public_view`` is a whitelist, so
no address, position, e-mail, notes or hours can slip through.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.finder.present import ICONS, tel_uri
from ckanext.keck_homeless.offers import codes, rules
from ckanext.keck_homeless.offers.messages import languages

#: Solr filter for published protected offers of our dataset type.
SEARCH_FQ = "+dataset_type:hilfsangebot +location_visibility:hidden -offer_status:ended"


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
    if filters.tonight or filters.wheelchair:
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


def public_view(pkg: dict[str, Any], lang: str = "de") -> dict[str, Any]:
    """The only fields of a protected offer that leave CKAN."""
    category = pkg.get("category") or ""
    return {
        "name": pkg["name"],
        "title": pkg.get("title") or pkg["name"],
        "category": category,
        "category_label": codes.label("category", category, lang),
        "icon": ICONS.get(category, "?"),
        "phone": pkg.get("phone") or "",
        "tel": tel_uri(pkg.get("phone")),
    }


def select(packages: Iterable[dict[str, Any]], filters: Filters,
           lang: str = "de") -> list[dict[str, Any]]:
    """Protected offers that pass ``filters``, reduced to ``public_view``."""
    out = [public_view(p, lang) for p in packages
           if p.get("location_visibility") == "hidden"
           and p.get("offer_status") != "ended" and not p.get("private")
           and p.get("state", "active") == "active" and matches(p, filters)]
    return sorted(out, key=lambda o: o["title"].lower())
