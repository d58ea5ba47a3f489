"""Solr's documents against CKAN's packages: what `check` reports and
`rebuild` repairs.

CKAN writes a package's search document after its database work; when that
order breaks (a crash between the two, an index written while the database
rolled back, a restore of one without the other) the search index lists
datasets that do not exist, misses ones that do, or shows an old version.
Anonymous ``package_search`` then answers from the wrong state and
``dataset_purge`` cannot remove a ghost. Three kinds of difference, for the
packages of this site (``ckan.site_id``) only:

* ``ghost``   — a document whose package does not exist or is deleted;
* ``unindexed`` — a package that is not deleted but has no document;
* ``outdated``  — the document's ``metadata_modified`` is not the package's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

#: Solr keeps dates to the millisecond; CKAN to the microsecond.
_PRECISION = dt.timedelta(milliseconds=1)


@dataclass
class IndexDifferences:
    ghosts: dict[str, str] = field(default_factory=dict)       # id → name
    unindexed: dict[str, str] = field(default_factory=dict)
    outdated: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return ([f"search index: ghost document {pid} ({name}): no such dataset"
                 for pid, name in sorted(self.ghosts.items())]
                + [f"search index: dataset {pid} ({name}) is not indexed"
                   for pid, name in sorted(self.unindexed.items())]
                + [f"search index: document of {pid} ({name}) is outdated"
                   for pid, name in sorted(self.outdated.items())])

    def __bool__(self) -> bool:
        return bool(self.ghosts or self.unindexed or self.outdated)


def _solr_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def solr_packages(site_id: str, page: int = 1000) -> dict[str, tuple[str, dt.datetime | None]]:
    """id → (name, metadata_modified) of every package document of the site."""
    from ckan.lib.search.common import make_connection

    solr = make_connection(decode_dates=False)
    out: dict[str, tuple[str, dt.datetime | None]] = {}
    cursor = "*"
    while True:
        res = solr.search(q="*:*", fq=[f'+site_id:"{site_id}"', "+entity_type:package"],
                          fl="id,name,metadata_modified", rows=page, sort="index_id asc",  # the uniqueKey
                          cursorMark=cursor)
        for doc in res.docs:
            out[doc["id"]] = (doc.get("name") or "", _solr_date(doc.get("metadata_modified")))
        if res.nextCursorMark in (None, cursor):
            return out
        cursor = res.nextCursorMark


def reindex_even_if_unchanged(package) -> None:
    """Index ``package`` now if CKAN would not at this commit (called from
    ``after_dataset_update``, before the commit).

    ``package_update`` sets ``metadata_modified`` with a bulk UPDATE, which
    the ORM does not see; when nothing else changed — a partner saves the
    form unchanged, a script patches a value it already has — no object is
    changed, CKAN's search plugin is not told, and the document keeps the old
    ``metadata_modified`` (``check`` then reports it as outdated; found by
    bench/load.sh). Then this indexes it the way CKAN's plugin does. It does
    not mark anything modified: another flush of the package would run the
    privacy listener again on values it has already published."""
    if package is None:
        return
    from ckan import model
    from ckan.lib.search import SynchronousSearchPlugin
    from ckan.model.domain_object import DomainObjectOperation

    session = model.Session
    touched: set = set()
    for objects in getattr(session, "_object_cache", {}).values():  # flushed so far
        touched |= set(objects)
    touched |= set(session.new) | set(session.deleted)
    touched |= {o for o in session.dirty if session.is_modified(o, include_collections=False)}
    for obj in touched:
        if obj is package:
            return
        try:
            if package in obj.related_packages():
                return  # CKAN indexes it at the commit
        except (AttributeError, TypeError):
            continue
    SynchronousSearchPlugin().notify(package, DomainObjectOperation.changed)


def db_packages(conn) -> dict[str, tuple[str, dt.datetime | None]]:
    rows = conn.execute(sa.text(
        "SELECT id, name, metadata_modified FROM package WHERE state <> 'deleted'"))
    return {pid: (name, modified) for pid, name, modified in rows}


def differences(conn, site_id: str | None = None) -> IndexDifferences:
    import ckan.plugins.toolkit as tk

    site_id = site_id or tk.config.get("ckan.site_id")
    indexed = solr_packages(site_id)
    stored = db_packages(conn)
    found = IndexDifferences()
    for pid in indexed.keys() - stored.keys():
        found.ghosts[pid] = indexed[pid][0]
    for pid in stored.keys() - indexed.keys():
        found.unindexed[pid] = stored[pid][0]
    for pid in stored.keys() & indexed.keys():
        want, have = stored[pid][1], indexed[pid][1]
        if want is None or have is None or abs(want - have) >= _PRECISION:
            found.outdated[pid] = stored[pid][0]
    return found


def repair(conn) -> IndexDifferences:
    """Delete ghost documents, (re)index the rest; returns what was repaired."""
    from ckan.lib import search

    found = differences(conn)
    for pid in found.ghosts:
        search.clear(pid)
    for pid in [*found.unindexed, *found.outdated]:
        search.rebuild(pid, force=True)
    if found:
        search.commit()
    return found
