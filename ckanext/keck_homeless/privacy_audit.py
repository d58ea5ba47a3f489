"""Find and move exact locations that sit where CKAN keeps package data.

``find_leaks`` looks everywhere CKAN keeps a copy of a help offer — package
extras, the activity stream's stored package dicts, Solr's stored fields —
for a location value of an ``approximate`` or ``hidden`` offer that differs
from what may be published. ``ckan keck-homeless check`` reports them.

``migrate`` moves such values (a site that stored them the old way, before
the protected table existed) into ``keck_homeless.protected_location`` and
leaves the published values behind; ``ckan keck-homeless protect-migrate``
then re-indexes the offers and rebuilds the feature store. Nothing is lost:
the exact values end up in the protected table.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless import privacy
from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.store import protected

_OFFERS = sa.text("""
    SELECT p.id, p.name, p.state, p.private FROM package p WHERE p.type = :type ORDER BY p.name
""")
_LOCATION_EXTRAS = sa.text("""
    SELECT package_id, key, value FROM package_extra
    WHERE package_id = ANY(:ids) AND key = ANY(:keys) AND (state IS NULL OR state <> 'deleted')
""")


@dataclass
class Offer:
    id: str
    name: str
    visibility: str
    stored: dict[str, str]              #: location values in package_extra
    row: dict[str, str] | None          #: the protected row, if any

    @property
    def exact(self) -> dict[str, str]:
        """The exact values: the protected row, overridden by any stored
        value that is not the published one (written the old way)."""
        if self.row is None:
            return dict(self.stored)
        published = rules.published_location(self.visibility, self.row, privacy.grid_m())
        return {f: (self.stored[f] if not rules.same_location_value(f, self.stored[f],
                                                                   published[f])
                    else self.row[f]) for f in rules.LOCATION_FIELDS}

    @property
    def published(self) -> dict[str, str]:
        return rules.published_location(self.visibility, self.exact, privacy.grid_m())


def offers(conn) -> Iterator[Offer]:
    """Every help offer (any state, private too) with its location values."""
    rows = conn.execute(_OFFERS, {"type": privacy.DATASET_TYPE}).fetchall()
    ids = [r.id for r in rows]
    values: dict[str, dict[str, str]] = {i: {} for i in ids}
    keys = [*rules.LOCATION_FIELDS, "location_visibility"]
    for package_id, key, value in conn.execute(_LOCATION_EXTRAS, {"ids": ids, "keys": keys}):
        values[package_id][key] = value or ""
    exact = protected.get_many(conn, ids)
    for r in rows:
        v = values[r.id]
        yield Offer(r.id, r.name, v.get("location_visibility") or "public",
                    {f: v.get(f, "") for f in rules.LOCATION_FIELDS}, exact.get(r.id))


def _differs(values: dict[str, Any], published: dict[str, str]) -> list[str]:
    return [f for f in rules.LOCATION_FIELDS
            if f in values and not rules.same_location_value(f, values[f], published[f])]


def _package_copy_leaks(pkg: Any, published: dict[str, str] | None) -> list[str]:
    """Location fields of a stored package dict that differ from what may
    be published (``published=None``: judged by the copy's own visibility)."""
    if not isinstance(pkg, dict) or pkg.get("type") != privacy.DATASET_TYPE:
        return []
    if published is None:
        if not rules.is_protected(pkg.get("location_visibility")):
            return []
        published = rules.published_location(pkg.get("location_visibility"), pkg,
                                             privacy.grid_m())
    found = _differs(pkg, published)
    extras = {e.get("key"): e.get("value") for e in pkg.get("extras") or []
              if isinstance(e, dict)}
    found += [f"extras.{f}" for f in _differs(extras, published)]
    return found


def _activity_rows(conn) -> Iterator[tuple[str, str, dict]]:
    if not conn.execute(sa.text("SELECT to_regclass('activity') IS NOT NULL")).scalar():
        return
    for activity_id, object_id, text in conn.execute(sa.text(
            "SELECT id, object_id, data FROM activity WHERE data LIKE :pattern ORDER BY timestamp"),
            {"pattern": f"%{privacy.DATASET_TYPE}%"}):
        try:
            data = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            continue
        if isinstance(data, dict):
            yield activity_id, object_id, data


def find_leaks(conn, solr_documents=None) -> list[str]:
    """Every place CKAN keeps an exact value of a protected offer.

    :param solr_documents: callable ``ids -> {id: stored document}`` (Solr's
        stored fields), or ``None`` to skip the search index
    """
    found: list[str] = []
    protected_now: dict[str, Offer] = {}
    for o in offers(conn):
        if not rules.is_protected(o.visibility):
            if o.row is not None:
                found.append(f"protected row of public offer {o.id} ({o.name})")
            continue
        protected_now[o.id] = o
        for f in _differs(o.stored, o.published):
            found.append(f"package_extra {f} of {o.visibility} offer {o.id} ({o.name}) "
                         "holds an exact value")
    for pid in protected.orphans(conn):
        found.append(f"protected row of a purged offer {pid}")
    for activity_id, object_id, data in _activity_rows(conn):
        current = protected_now.get(object_id)
        for f in _package_copy_leaks(data.get("package"),
                                     current.published if current else None):
            found.append(f"activity {activity_id} of offer {object_id}: {f} holds an exact value")
    if solr_documents is not None and protected_now:
        for pid, doc in solr_documents(list(protected_now)).items():
            found += [f"solr document of offer {pid} ({protected_now[pid].name}): {f}"
                      for f in _solr_leaks(doc, protected_now[pid].published)]
    return found


def _solr_leaks(doc: dict[str, Any], published: dict[str, str]) -> list[str]:
    found = []
    for f in rules.LOCATION_FIELDS:
        for name in (f, "extras_" + f):
            value = doc.get(name)
            if isinstance(value, list):
                value = value[0] if value else ""
            if value is not None and not rules.same_location_value(f, value, published[f]):
                found.append(name)
    for name in ("data_dict", "validated_data_dict"):
        try:
            pkg = json.loads(doc.get(name) or "{}")
        except ValueError:
            continue
        found += [f"{name}.{f}" for f in _package_copy_leaks(pkg, published)]
    return found


@dataclass
class MigrateReport:
    moved: list[str] = field(default_factory=list)        #: offers whose extras were rewritten
    activities: int = 0                                   #: activities rewritten
    orphans: int = 0                                      #: protected rows of purged offers

    @property
    def package_ids(self) -> list[str]:
        return list(self.moved)


def migrate(conn) -> MigrateReport:
    """Move every exact value of a protected offer out of package extras and
    activities into the protected table (idempotent; one transaction: the
    caller commits)."""
    report = MigrateReport()
    current: dict[str, dict[str, str]] = {}
    for o in offers(conn):
        if not rules.is_protected(o.visibility):
            continue
        exact, published = o.exact, o.published
        current[o.id] = published
        if o.row is None or _differs(o.row, exact):
            protected.put(conn, o.id, exact)
        changed = _differs(o.stored, published)
        for f in changed:
            conn.execute(sa.text(
                "UPDATE package_extra SET value = :value WHERE package_id = :id AND key = :key"),
                {"value": published[f], "id": o.id, "key": f})
        if changed or o.row is None:
            report.moved.append(o.id)
    for activity_id, object_id, data in _activity_rows(conn):
        if privacy.scrub_package_dict(data.get("package"), current.get(object_id),
                                      privacy.grid_m()):
            conn.execute(sa.text("UPDATE activity SET data = :data WHERE id = :id"),
                         {"data": json.dumps(data), "id": activity_id})
            report.activities += 1
    orphans = protected.orphans(conn)
    report.orphans = protected.delete(conn, orphans)
    return report
