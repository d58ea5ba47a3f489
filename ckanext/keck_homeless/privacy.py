"""Privacy by construction: exact locations never enter CKAN's package.

The exact street, postcode, district and position of an offer whose
``location_visibility`` is ``approximate`` or ``hidden`` are kept only in
``keck_homeless.protected_location``. What CKAN saves as package extras —
and therefore what it indexes in Solr, copies into the activity stream and
returns from every action, present or future — is
:func:`offers.rules.published_location` of them.

This is enforced where CKAN writes, not where it reads: a ``before_flush``
listener on CKAN's session looks at every help offer a flush touches and,
before the row reaches the database,

* moves changed location values of a protected offer into our table and
  leaves the published values in the extras,
* keeps the exact values when a write sends back what was published (a
  ``package_patch`` round trip, a resource added, an import of a public
  export), so nothing is lost,
* publishes the exact values again when an offer is turned ``public``,
* rewrites the earlier activities of an offer that has just become protected,
* and forgets the exact values of a purged offer.

Any path that saves a package through CKAN's session — actions, the form,
bulk actions, other extensions — passes the listener. Only users who may
edit an offer see its exact values: in the form (prefilled for them) and
through ``keck_homeless_protected_location_show``.
"""
from __future__ import annotations

import itertools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.store import protected

#: Set on a package's session by the validators when the request says that
#: its location fields are the exact values as a whole (the offer form sends
#: ``keck_homeless_exact``): then an empty field clears the exact value
#: instead of meaning "unchanged".
_EXACT = "keck_homeless_exact_ids"

_WATCHED_KEYS = frozenset(rules.LOCATION_FIELDS) | {"location_visibility"}
_grid_m: list[int] = [500]
_installed: list[Any] = []


def install(session, grid_m: int) -> None:
    """Attach the listener to CKAN's scoped session (idempotent)."""
    _grid_m[0] = grid_m
    if _installed:
        return
    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "after_soft_rollback", _after_rollback)
    _installed.append(session)


def grid_m() -> int:
    """The grid of ``approximate`` offers (``approximate_grid_m``)."""
    return _grid_m[0]


def mark_exact(session, package_id: str) -> None:
    """Treat the location fields of ``package_id`` in this transaction as the
    exact values, empty ones included."""
    session.info.setdefault(_EXACT, set()).add(package_id)


def _after_rollback(session, previous_transaction) -> None:
    session.info.pop(_EXACT, None)


# --- the listener -------------------------------------------------------------

def _before_flush(session, flush_context, instances) -> None:
    from ckan import model

    with session.no_autoflush:
        offers, purged = _touched_offers(session, model)
        if not (offers or purged):
            return
        conn = session.connection()
        if purged:
            from ckanext.keck_homeless.partners import places, reports

            protected.delete(conn, purged)
            # what visitors reported and staff set about a purged offer goes with it
            reports.delete_for_packages(conn, purged)
            places.delete_for_packages(conn, purged)
        if not offers:
            return
        rows = protected.get_many(conn, [p.id for p in offers])
        exact_ids = session.info.get(_EXACT, set())
        for pkg in offers:
            _protect(session, conn, pkg, rows.get(pkg.id), pkg.id in exact_ids)


def _touched_offers(session, model) -> tuple[list[Any], list[str]]:
    """Help offers whose package or location extras this flush writes, and
    the ids of help offers it deletes (purges)."""
    offers: dict[int, Any] = {}
    purged: list[str] = []
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, model.Package):
            pkg = obj
        elif isinstance(obj, model.PackageExtra) and obj.key in _WATCHED_KEYS:
            pkg = obj.package or (model.Package.get(obj.package_id) if obj.package_id else None)
        else:
            continue
        if pkg is None or pkg.type != DATASET_TYPE:
            continue
        if pkg in session.deleted:
            if pkg.id:
                purged.append(pkg.id)
            continue
        offers[id(pkg)] = pkg
    return list(offers.values()), purged


def _live_extras(session, pkg) -> dict[str, Any]:
    return {k: e for k, e in pkg._extras.items() if e not in session.deleted}


def _changed(session, pkg, extras: dict[str, Any], field: str) -> bool:
    from ckan import model

    extra = extras.get(field)
    if extra is None:
        # removed in this flush (CKAN deletes extras that an update leaves out)
        return any(isinstance(o, model.PackageExtra) and o.key == field
                   and o.package_id == pkg.id for o in session.deleted)
    if extra in session.new:
        return True
    return sa.inspect(extra).attrs.value.history.has_changes()


def _protect(session, conn, pkg, row: dict[str, str] | None, exact_given: bool) -> None:
    extras = _live_extras(session, pkg)
    visibility_extra = extras.get("location_visibility")
    visibility = (visibility_extra.value if visibility_extra is not None else "") or "public"
    exact = {}
    for field in rules.LOCATION_FIELDS:
        stored = extras[field].value if field in extras else ""
        if row is None or exact_given or _changed(session, pkg, extras, field):
            exact[field] = stored or ""
        else:  # the published value came back unchanged: keep the exact one
            exact[field] = row[field]
    if not rules.is_protected(visibility):
        if row is not None:
            protected.delete(conn, [pkg.id])
            _set_extras(pkg, extras, exact)
        return
    if row is None or any(not rules.same_location_value(f, exact[f], row[f])
                          for f in rules.LOCATION_FIELDS):
        protected.put(conn, pkg.id, exact)
    published = rules.published_location(visibility, exact, _grid_m[0])
    _set_extras(pkg, extras, published)
    if row is None and pkg not in session.new:
        # It was public until now: its earlier activities carry the values.
        scrub_activities(conn, pkg.id, published)


def _set_extras(pkg, extras: dict[str, Any], values: dict[str, str]) -> None:
    for field, value in values.items():
        extra = extras.get(field)
        if extra is None:
            if value:
                pkg.extras[field] = value
        elif (extra.value or "") != value:
            extra.value = value


# --- the activity stream ------------------------------------------------------

def _activity_table_exists(conn) -> bool:
    return conn.execute(sa.text("SELECT to_regclass('activity') IS NOT NULL")).scalar()


def scrub_package_dict(pkg: dict[str, Any], published: dict[str, str] | None,
                       grid_m: int) -> bool:
    """Replace the location fields of a stored package dict (an activity's
    copy) by what may be published; returns whether anything changed.

    ``published``: the offer's current published values; ``None`` for a
    version judged on its own (its own visibility decides, an approximate
    point is coarsened)."""
    if not isinstance(pkg, dict) or pkg.get("type") != DATASET_TYPE:
        return False
    if published is None:
        if not rules.is_protected(pkg.get("location_visibility")):
            return False
        published = rules.published_location(pkg.get("location_visibility"), pkg, grid_m)
    changed = False
    for field, value in published.items():
        if field in pkg and not rules.same_location_value(field, pkg[field], value):
            pkg[field] = value
            changed = True
    for extra in pkg.get("extras") or []:
        key = extra.get("key") if isinstance(extra, dict) else None
        if key in published and not rules.same_location_value(key, extra.get("value"),
                                                               published[key]):
            extra["value"] = published[key]
            changed = True
    return changed


def scrub_activities(conn, package_id: str | None, published: dict[str, str] | None,
                     grid_m: int | None = None) -> int:
    """Rewrite the package copies in the activities of ``package_id`` (all
    activities when ``None``, each judged by its own visibility); returns the
    number of activities rewritten."""
    if not _activity_table_exists(conn):
        return 0
    grid_m = grid_m or _grid_m[0]
    sql = "SELECT id, data FROM activity WHERE data LIKE :pattern"
    params: dict[str, Any] = {"pattern": f"%{DATASET_TYPE}%"}
    if package_id is not None:
        sql += " AND object_id = :id"
        params["id"] = package_id
    count = 0
    for activity_id, text in conn.execute(sa.text(sql), params).fetchall():
        try:
            data = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            continue
        if isinstance(data, dict) and scrub_package_dict(data.get("package"), published, grid_m):
            conn.execute(sa.text("UPDATE activity SET data = :data WHERE id = :id"),
                         {"data": json.dumps(data), "id": activity_id})
            count += 1
    return count


# --- who may read the exact values --------------------------------------------

def may_edit(package_id: str, user: str | None) -> bool:
    import ckan.plugins.toolkit as tk

    if not user:
        return False
    try:
        tk.check_access("package_update", {"user": user}, {"id": package_id})
    except tk.NotAuthorized:
        return False
    return True


def after_show(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    """Prefill the edit form with the exact values, for editors only.

    CKAN's edit view asks ``package_show`` with ``for_edit`` (a context key
    no API request can set); every other caller gets the stored, published
    values."""
    if not context.get("for_edit") or pkg_dict.get("type") != DATASET_TYPE:
        return
    if not rules.is_protected(pkg_dict.get("location_visibility")):
        return
    if not may_edit(pkg_dict["id"], context.get("user")):
        return
    from ckan import model

    row = protected.get(model.Session.connection(), pkg_dict["id"])
    if row is not None:
        pkg_dict.update(row)


def exact_location(package_id: str) -> dict[str, str] | None:
    """The exact values of one offer (protected row), for trusted callers."""
    from ckan import model

    return protected.get(model.Session.connection(), package_id)


def solr_documents(package_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Solr's stored documents of ``package_ids`` (every stored field), read
    straight from the index CKAN writes, for the audit."""
    from ckan.lib.search.common import make_connection

    solr = make_connection()
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(package_ids), 200):
        chunk = package_ids[start:start + 200]
        query = " OR ".join(f'"{pid}"' for pid in chunk)
        for doc in solr.search(q=f"id:({query})", fl="*", rows=len(chunk) * 2):
            out[doc["id"]] = doc
    return out
