"""Import and export help offers through CKAN's own actions.

Every row goes through ``package_create`` / ``package_patch``, so the
importer applies exactly the validation of the form and the API, and each
row is its own transaction: a refused row writes nothing, neither to CKAN
nor to the feature store. ``dry_run`` runs the same actions with
``defer_commit`` and rolls back.
"""
from __future__ import annotations

import contextlib
import functools
import gettext
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.keck_homeless.exchange import tabular
from ckanext.keck_homeless.search import DATASET_TYPE

log = logging.getLogger(__name__)


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    failed: list[tabular.Row] = field(default_factory=list)
    #: set when a service went away and the import stopped
    stopped: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed


def _site_context(**extra) -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True, **extra}


def find_by_external_id(external_id: str) -> str | None:
    row = (
        model.Session.query(model.Package.id)
        .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
        .filter(model.PackageExtra.key == "external_id",
                model.PackageExtra.value == external_id,
                model.Package.type == DATASET_TYPE,
                model.Package.state != "deleted")
        .first()
    )
    return row[0] if row else None


#: Rows between two commits of the search index during an import.
SEARCH_COMMIT_EVERY = 200


@contextlib.contextmanager
def search_commit_per_batch(every: int = SEARCH_COMMIT_EVERY):
    """Index every offer as it is written, but make Solr commit once per
    ``every`` rows (and at the end) instead of once per offer — a Solr
    commit costs more than the indexing itself. Yields a callable to call
    after each row. New offers appear in CKAN's search at the next batch
    commit (within seconds); the database, the feature store, the finder
    and the OGC services see each offer at once."""
    from ckan.lib import search

    key = "ckan.search.solr_commit"
    before = tk.config.get(key)
    counter = [0]

    def row_done() -> None:
        counter[0] += 1
        if counter[0] % every == 0:
            search.commit()

    tk.config[key] = False
    try:
        yield row_done
    finally:
        tk.config[key] = before
        if counter[0] % every:
            try:
                search.commit()
            except Exception:  # Solr went away: `keck-homeless check` shows what to reindex
                log.warning("search index commit after the import failed", exc_info=True)


def import_rows(rows: list[tabular.Row], dry_run: bool = False) -> Report:
    if dry_run:  # nothing is indexed: the transactions roll back
        return _import_rows(rows, True, lambda: None)
    with search_commit_per_batch() as row_done:
        return _import_rows(rows, False, row_done)


#: A service the import needs went away: this row and the rest are not
#: imported (a rerun updates what was imported, by external_id).
STOPPED = ("Import abgebrochen: {what} nicht erreichbar – Zeile nicht importiert; den Import "
           "wiederholen, sobald er wieder läuft / import stopped: {what_en} unreachable – row "
           "not imported; run the import again once it is back")


def _unavailable(err: Exception) -> tuple[str, str] | None:
    """(German, English) name of the service ``err`` says is down, if any."""
    from ckan.lib.search import SearchIndexError
    from ckan.lib.search.common import SolrConnectionError

    from ckanext.keck_homeless.ogc.query import database_unavailable

    if isinstance(err, (SearchIndexError, SolrConnectionError)):
        return "Suchindex (Solr)", "search index (Solr)"
    if database_unavailable(err):
        return "Datenbank", "database"
    return None


def _import_rows(rows: list[tabular.Row], dry_run: bool, row_done) -> Report:
    report = Report()
    for index, row in enumerate(rows):
        if row.errors:
            report.failed.append(row)
            continue
        data, errors = tabular.row_to_dataset(row.values)
        if errors:
            row.errors = errors
            report.failed.append(row)
            continue
        existing = find_by_external_id(data["external_id"]) if data.get("external_id") else None
        try:
            _write(data, existing, dry_run)
        except tk.ValidationError as err:
            row.errors = _flatten_errors(err.error_dict)
            report.failed.append(row)
            model.Session.rollback()
            continue
        except tk.ObjectNotFound as err:
            row.errors = {"_row": [str(err) or "not found"]}
            report.failed.append(row)
            model.Session.rollback()
            continue
        except Exception as err:
            down = _unavailable(err)
            if down is None:
                raise
            model.Session.remove()
            message = STOPPED.format(what=down[0], what_en=down[1])
            for rest in rows[index:]:
                rest.errors = {**(rest.errors or {}), "_row": [message]}
                report.failed.append(rest)
            report.stopped = message
            return report
        row_done()
        if existing:
            report.updated += 1
        else:
            report.created += 1
    return report


def _write(data: dict[str, Any], existing: str | None, dry_run: bool) -> None:
    # the result is not used: return_id_only spares a package_show per row
    context = _site_context(defer_commit=dry_run, return_id_only=True)
    try:
        if existing:
            tk.get_action("package_patch")(context, {**data, "id": existing})
        else:
            tk.get_action("package_create")(context, data)
    finally:
        if dry_run:
            model.Session.rollback()


@functools.lru_cache(maxsize=16)
def _ckan_catalogue(lang: str) -> gettext.NullTranslations:
    import ckan

    return gettext.translation("ckan", os.path.join(os.path.dirname(ckan.__file__), "i18n"),
                               languages=[lang], fallback=True)


class CkanText(str):
    """A message of CKAN's own validators ("Missing value"): CKAN writes it
    in English outside a web request; ``text(lang)`` looks it up in CKAN's
    catalogue, so the row report is German too."""

    def text(self, lang: str | None = "de") -> str:
        return _ckan_catalogue((lang or "de").replace("-", "_")).gettext(str(self))


def _flatten_errors(error_dict: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in error_dict.items():
        if key == "spatial":
            key = "lat/lon"
        if isinstance(value, list):
            out[key] = [CkanText(v) if isinstance(v, str)
                        else json.dumps(v, ensure_ascii=False) for v in value]
        else:
            out[key] = [CkanText(value)]
    return out


def iter_offers(include_private: bool = False) -> Iterator[dict[str, Any]]:
    """All offers as package dicts, from the search index, 1000 a page."""
    search = tk.get_action("package_search")
    start = 0
    while True:
        result = search(_site_context(), {
            "q": "*:*", "fq": f"+dataset_type:{DATASET_TYPE}", "rows": 1000, "start": start,
            "sort": "name asc", "include_private": include_private,
        })
        yield from result["results"]
        start += len(result["results"])
        if not result["results"] or start >= result["count"]:
            return


def export_rows(include_private: bool = False, include_protected: bool = False) -> Iterator[dict]:
    """Export rows as CKAN publishes them (a protected offer without street
    and position, an approximate one at its coarsened position, town only) —
    unless ``include_protected``: then the exact values from the protected
    table, a county-internal backup that round-trips exactly."""
    from ckanext.keck_homeless.store import protected

    for page in _pages(iter_offers(include_private), 1000):
        exact = (protected.get_many(model.Session.connection(), [p["id"] for p in page])
                 if include_protected else {})
        for pkg in page:
            if pkg["id"] in exact:
                pkg = {**pkg, **exact[pkg["id"]]}
            yield tabular.dataset_to_row(pkg)


def _pages(items: Iterator[dict], size: int) -> Iterator[list[dict]]:
    page: list[dict] = []
    for item in items:
        page.append(item)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page
