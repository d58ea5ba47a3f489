"""Import and export help offers through CKAN's own actions.

Every row goes through ``package_create`` / ``package_patch``, so the
importer applies exactly the validation of the form and the API. Rows are
written in batches, one transaction each (database, feature store, activity
stream, and the search index in one request at the commit); a refused row
writes nothing, neither to CKAN nor to the feature store, and the other rows
of its batch are saved. ``dry_run`` runs the validation of those actions on
every row and writes nothing.
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

from ckanext.keck_homeless.exchange import batch_index, tabular
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
    return {"user": _site_user(), "ignore_auth": True, **extra}


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


#: Rows written in one database transaction and indexed in one Solr request.
BATCH_ROWS = 50


def import_rows(rows: list[tabular.Row], dry_run: bool = False,
                batch_rows: int = BATCH_ROWS) -> Report:
    """Create or update an offer per row, ``batch_rows`` rows per transaction.

    Each row goes through ``package_create`` / ``package_patch``. A batch
    is committed as a whole and its offers are indexed in one Solr request
    (``batch_index``). When a row of a batch is refused, CKAN rolls the
    transaction back: the rows before it are written again as one batch,
    the refused row alone (so its errors are its own and it writes nothing),
    the rest as the next batch. If Solr or PostgreSQL goes away, the batch
    and all later rows are reported as not imported (``Report.stopped``);
    the batches before it are saved and indexed."""
    report = Report()
    user = _site_user()
    if dry_run:
        return _dry_run(rows, user, report)
    with search_commit_per_batch() as row_done, batch_index.deferred():
        for start in range(0, len(rows), batch_rows):
            ready = []
            for row, data in map(_prepared, rows[start:start + batch_rows]):
                if data is None:
                    report.failed.append(row)
                else:
                    ready.append((row, data))
            stopped = _write_batch(ready, user, report, row_done)
            if stopped:
                for row in rows[start + batch_rows:]:
                    _stop(row, stopped, report)
                report.stopped = stopped
                break
    report.failed.sort(key=lambda row: row.number)
    return report


def _dry_run(rows: list[tabular.Row], user: str, report: Report) -> Report:
    """Validate every row as ``package_create`` / ``package_patch`` would
    (the same schema, validators and look-ups), without writing: no
    transaction to roll back, no activity, no index. Two new rows of the
    file that would get the same URL name are reported as the real import
    would refuse the second."""
    names: set[str] = set()  # of the new rows so far
    try:
        for number, (row, data) in enumerate(map(_prepared, rows), 1):
            if number % 200 == 0:
                model.Session.rollback()  # no long-lived transaction (it only read)
            if data is None:
                report.failed.append(row)
                continue
            existing = (find_by_external_id(data["external_id"])
                        if data.get("external_id") else None)
            try:
                name = _validate(data, existing, user)
            except (tk.ValidationError, tk.ObjectNotFound) as err:
                row.errors = _row_errors(err)
                report.failed.append(row)
                continue
            if not existing and name in names:
                row.errors = {"name": [CkanText("That URL is already in use.")]}
                report.failed.append(row)
                continue
            if not existing:
                names.add(name)
            if existing:
                report.updated += 1
            else:
                report.created += 1
    finally:
        model.Session.rollback()  # validators only read; leave nothing behind
    report.failed.sort(key=lambda row: row.number)
    return report


def _validate(data: dict[str, Any], existing: str | None, user: str) -> str:
    """Run the validation of ``package_patch`` (an existing offer) or
    ``package_create`` on ``data``; the validated URL name. Mirrors what
    those actions do before they validate: a patch starts from the offer
    as ``package_show`` gives it, with the offer in the context."""
    from ckan.lib import plugins as lib_plugins

    context = {"model": model, "session": model.Session, "user": user, "ignore_auth": True}
    plugin = lib_plugins.lookup_package_plugin(DATASET_TYPE)
    if existing:
        shown = tk.get_action("package_show")(dict(context), {"id": existing})
        data = {**shown, **data, "id": shown["id"], "type": shown["type"]}
        context["package"] = model.Package.get(existing)
        schema, action = plugin.update_package_schema(), "package_update"
    else:
        data = {"type": DATASET_TYPE, **data}
        schema, action = plugin.create_package_schema(), "package_create"
    validated, errors = lib_plugins.plugin_validate(plugin, context, data, schema, action)
    if errors:
        raise tk.ValidationError(errors)
    return validated.get("name") or ""


def _row_errors(err: Exception) -> dict[str, list[str]]:
    if isinstance(err, tk.ValidationError):
        return _flatten_errors(err.error_dict)
    return {"_row": [str(err) or "not found"]}


def _prepared(row: tabular.Row) -> tuple[tabular.Row, dict[str, Any] | None]:
    """The row and its dataset dict, or ``None`` if the row has errors."""
    if row.errors:
        return row, None
    data, errors = tabular.row_to_dataset(row.values)
    if errors:
        row.errors = errors
        return row, None
    return row, data


def _stop(row: tabular.Row, message: str, report: Report) -> None:
    row.errors = {**(row.errors or {}), "_row": [message]}
    report.failed.append(row)


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


def _write_batch(ready: list[tuple[tabular.Row, dict[str, Any]]], user: str, report: Report,
                 row_done) -> str:
    """Write ``ready`` in one transaction; the stop message if a service
    went away (then none of them is written), else ``""``."""
    if not ready:
        return ""
    progress: list[bool] = []  # per row written so far: whether it updated an offer
    try:
        _attempt(ready, user, progress)
    except Exception as err:
        down = _unavailable(err)
        if down is not None:
            model.Session.remove()
            message = STOPPED.format(what=down[0], what_en=down[1])
            for row, _data in ready:
                _stop(row, message, report)
            return message
        model.Session.rollback()  # CKAN has already rolled back for a refused row
        if len(ready) > 1:
            return _split(ready, len(progress), user, report, row_done)
        if not isinstance(err, (tk.ValidationError, tk.ObjectNotFound)):
            raise
        row = ready[0][0]
        row.errors = _row_errors(err)
        report.failed.append(row)
        return ""
    for existed in progress:
        row_done()
        if existed:
            report.updated += 1
        else:
            report.created += 1
    return ""


def _attempt(ready: list[tuple[tabular.Row, dict[str, Any]]], user: str,
             progress: list[bool]) -> None:
    """Write the rows and commit, noting in ``progress`` per written row
    whether it updated an existing offer."""
    for _row, data in ready:
        existing = find_by_external_id(data["external_id"]) if data.get("external_id") else None
        _write(data, existing, user)
        progress.append(bool(existing))
    model.repo.commit()


def _split(ready, failed_at: int, user: str, report: Report, row_done) -> str:
    """Write a batch again after the row at ``failed_at`` failed: the rows
    before it as one batch, that row alone (so its errors are its own), the
    rest as another batch. A failure at the commit: one row at a time."""
    if failed_at >= len(ready):
        parts = [[item] for item in ready]
    else:
        parts = [ready[:failed_at], ready[failed_at:failed_at + 1], ready[failed_at + 1:]]
    for index, part in enumerate(parts):
        stopped = _write_batch(part, user, report, row_done)
        if stopped:
            for later in parts[index + 1:]:
                for row, _data in later:
                    _stop(row, stopped, report)
            return stopped
    return ""


def _site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def _write(data: dict[str, Any], existing: str | None, user: str) -> None:
    # the result is not used: return_id_only spares a package_show per row;
    # the caller commits or rolls back the batch
    context = {"user": user, "ignore_auth": True, "defer_commit": True, "return_id_only": True}
    if existing:
        tk.get_action("package_patch")(context, {**data, "id": existing})
    else:
        tk.get_action("package_create")(context, data)


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
