"""Solr indexing and facets of help offers."""
from __future__ import annotations

from typing import Any

from ckanext.keck_homeless.offers import codes, rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.offers.messages import Msg

#: Multi-valued fields are indexed as ``vocab_<field>`` (multi-valued string
#: fields in CKAN's Solr schema); single codes stay under their own name.
LIST_FIELDS = ("services", "target_groups", "languages")

#: facet field → (schema field of its codes, title)
FACETS: dict[str, tuple[str, Msg]] = {
    "category": ("category", Msg("Category")),
    "municipality": ("municipality", Msg("Municipality")),
    "vocab_target_groups": ("target_groups", Msg("Target group")),
}


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if pkg_dict.get("type") != DATASET_TYPE:
        return pkg_dict
    for field in LIST_FIELDS:
        value = pkg_dict.pop(field, None)
        pkg_dict.pop("extras_" + field, None)
        try:
            pkg_dict["vocab_" + field] = rules.as_list(value)
        except (TypeError, ValueError):
            pkg_dict["vocab_" + field] = []
    return pkg_dict


def dataset_facets(facets: dict[str, Any], package_type: str, lang: str) -> dict[str, Any]:
    if package_type != DATASET_TYPE:
        return facets
    ours = {name: title.text(lang) for name, (_f, title) in FACETS.items()}
    keep = {k: v for k, v in facets.items() if k in ("organization",)}
    return {**ours, **keep}


def label_facets(search_results: dict[str, Any], lang: str) -> dict[str, Any]:
    """Replace codes by their labels in the facets' ``display_name``."""
    for name, (field, _title) in FACETS.items():
        facet = search_results.get("search_facets", {}).get(name)
        if not facet:
            continue
        for item in facet.get("items", []):
            item["display_name"] = codes.label(field, item["name"], lang)
    return search_results
