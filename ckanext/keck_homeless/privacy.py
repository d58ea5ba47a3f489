"""Keep what may not be published out of CKAN's own outputs.

The feature store publishes only coarsened positions of ``approximate``
offers and nothing of ``hidden`` ones, but CKAN itself would still show the
stored values: ``package_show`` and the dataset page, ``package_search``
results (served from the search index) and the Solr fields that spatial and
text search match against. People who may edit an offer see everything;
everybody else sees :func:`offers.rules.redact`.
"""
from __future__ import annotations

import contextvars
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.search import DATASET_TYPE

#: Set by trusted internal callers (the export with --include-protected)
#: that read offers through package_search without a user.
trusted: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "keck_homeless_trusted", default=False)

_LOCATION_FIELDS = ("spatial", "street", "district")


def _needs_redaction(pkg_dict: dict[str, Any]) -> bool:
    return (pkg_dict.get("type") == DATASET_TYPE
            and (pkg_dict.get("location_visibility") or "public") != "public")


def _may_edit(pkg_id: str, user: str | None, context: dict[str, Any] | None = None) -> bool:
    if trusted.get() or (context or {}).get("ignore_auth"):
        return True
    if not user:
        return False
    try:
        tk.check_access("package_update", {"user": user}, {"id": pkg_id})
    except tk.NotAuthorized:
        return False
    return True


def _current_user() -> str | None:
    try:
        user = tk.current_user
        return None if user.is_anonymous else user.name
    except (RuntimeError, AttributeError):
        return None


def after_show(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    """Redact in place (package_show's hook must mutate the dict)."""
    if not _needs_redaction(pkg_dict):
        return
    if _may_edit(pkg_dict["id"], context.get("user"), context):
        return
    redacted = rules.redact(pkg_dict, kconfig.approximate_grid_m())
    pkg_dict.clear()
    pkg_dict.update(redacted)


def after_search(search_results: dict[str, Any]) -> dict[str, Any]:
    user = _current_user()
    grid = kconfig.approximate_grid_m()
    results = search_results.get("results") or []
    for index, pkg_dict in enumerate(results):
        if isinstance(pkg_dict, dict) and _needs_redaction(pkg_dict) \
                and not _may_edit(pkg_dict["id"], user):
            results[index] = rules.redact(pkg_dict, grid)
    return search_results


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """What spatial and text search may match: the published position only,
    never a protected street (the stored data_dict stays complete so that
    editors' package_show from the index cache is exact)."""
    if not _needs_redaction(pkg_dict):
        return pkg_dict
    redacted = rules.redact(pkg_dict, kconfig.approximate_grid_m())
    for field in _LOCATION_FIELDS:
        pkg_dict.pop("extras_" + field, None)
        pkg_dict.pop(field, None)
        if redacted.get(field):
            pkg_dict[field] = redacted[field]
            pkg_dict["extras_" + field] = redacted[field]
    return pkg_dict
