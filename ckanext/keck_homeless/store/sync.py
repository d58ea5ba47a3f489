"""Keep the feature store exact, in the same transaction as CKAN's change.

Why session events and not only IPackageController: CKAN's
``dataset_purge`` and the organisation bulk actions (``bulk_update_private``,
``bulk_update_public``, ``bulk_update_delete``) write the package table
without calling any IPackageController hook. Every write, however, goes
through CKAN's SQLAlchemy session, so we

* note the package ids that each flush touches (``after_flush``),
* note bulk UPDATE/DELETE statements on ``package`` (``do_orm_execute``),
* and just before the session commits (``before_commit``) re-derive the
  rows of exactly those packages on the same connection.

The store therefore changes if and only if CKAN's change commits; a refused
or failed action rolls both back.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from ckanext.keck_homeless.store import areas, derive, published
from ckanext.keck_homeless.store.model import ATTRIBUTE_COLUMNS, offer, store_state

log = logging.getLogger(__name__)

_IDS = "keck_homeless_ids"
_ORGS = "keck_homeless_orgs"
_FULL = "keck_homeless_reconcile"
_BUSY = "keck_homeless_busy"
_OFFER = "keck_homeless_offer_touched"

_grid_m: list[int] = [500]
_installed: list[Any] = []


def install(session, grid_m: int) -> None:
    """Attach the listeners to CKAN's scoped session (idempotent)."""
    _grid_m[0] = grid_m
    if _installed:
        return
    event.listen(session, "after_flush", _after_flush)
    event.listen(session, "do_orm_execute", _on_execute)
    event.listen(session, "before_commit", _before_commit)
    event.listen(session, "after_soft_rollback", _after_rollback)
    _installed.append(session)


def _after_flush(session, flush_context) -> None:
    from ckan import model

    ids: set[str] = session.info.setdefault(_IDS, set())
    orgs: set[str] = session.info.setdefault(_ORGS, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, model.Package):
            ids.add(obj.id)
            if obj.type == derive.DATASET_TYPE:  # also a purge, which leaves no row to load
                session.info[_OFFER] = True
        elif isinstance(obj, model.PackageExtra) and obj.package_id:
            ids.add(obj.package_id)
        elif isinstance(obj, model.Member) and obj.table_name == "package" and obj.table_id:
            ids.add(obj.table_id)
        elif (isinstance(obj, model.Group) and obj.is_organization and obj.id
              and _org_changed(session, obj)):
            orgs.add(obj.id)


#: What the store reads of an organisation (store/derive.py) and what
#: changes its offers' fate; another change of the group row touches none.
_ORG_ATTRIBUTES = ("title", "name", "state")


def _org_changed(session, org) -> bool:
    """Whether an organisation in the flush changed in a way its offers'
    rows depend on. Creating an offer puts its organisation among the dirty
    objects (the package joins its collection) without changing it: resyncing
    all its offers then would make every create cost O(offers of the
    organisation) — an import of n offers O(n²)."""
    if org in session.deleted:
        return True
    state = sa.inspect(org)
    return any(state.attrs[name].history.has_changes() for name in _ORG_ATTRIBUTES)


def _on_execute(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in ("package", "package_extra", "group"):
        state.session.info[_FULL] = True


def _after_rollback(session, previous_transaction) -> None:
    for key in (_IDS, _ORGS, _FULL, _OFFER):
        session.info.pop(key, None)


def _before_commit(session) -> None:
    if session.info.get(_BUSY):
        return
    session.info[_BUSY] = True
    try:
        session.flush()
        ids = session.info.pop(_IDS, set())
        orgs = session.info.pop(_ORGS, set())
        full = session.info.pop(_FULL, False)
        touched = session.info.pop(_OFFER, False)
        if not (ids or orgs or full):
            return
        conn = session.connection()
        _require_store(conn)
        if orgs:
            ids |= {r[0] for r in conn.execute(
                sa.text("SELECT id FROM package WHERE owner_org = ANY(:orgs)"),
                {"orgs": list(orgs)})}
        if full:
            ids |= reconcile_candidates(conn)
        if ids:
            # a bulk action may have changed protected offers, which have no row
            sync_ids(conn, ids, changed=touched or full)
    finally:
        session.info.pop(_BUSY, None)


_store_present: list[bool] = []


def _require_store(conn) -> None:
    """Fail with an instruction, not a bare SQL error, if the migration is missing."""
    if _store_present:
        return
    if conn.execute(sa.text("SELECT to_regclass('keck_homeless.offer')")).scalar() is None:
        raise RuntimeError("ckanext-keck_homeless: the feature store table keck_homeless.offer "
                           "is missing; run `ckan db upgrade` (see README, PostGIS prerequisite)")
    _store_present.append(True)


def reconcile_candidates(conn) -> set[str]:
    """Ids whose membership in the store may be wrong after a bulk write:
    rows whose package is no longer publishable, and publishable offers
    without a row. (Bulk writes change only state/private/owner.)"""
    return {r[0] for r in conn.execute(sa.text("""
        SELECT o.package_id FROM keck_homeless.offer o
        LEFT JOIN package p ON p.id = o.package_id
        WHERE p.id IS NULL OR p.state <> 'active' OR p.private
           OR p.owner_org IS DISTINCT FROM o.owner_org
        UNION
        SELECT p.id FROM package p
        WHERE p.type = :type AND p.state = 'active' AND NOT p.private
          AND NOT EXISTS (SELECT 1 FROM keck_homeless.offer o WHERE o.package_id = p.id)
    """), {"type": derive.DATASET_TYPE})}


def sync_ids(conn, ids: Iterable[str], changed: bool = False) -> int:
    """Re-derive the rows of ``ids``; returns the number of rows written.

    The store version is bumped when a row changed, when any of ``ids`` is an
    offer — a protected offer has no row, but the finder's cached page lists
    it — or when the caller says an offer changed (``changed``: a purge)."""
    ids = list(ids)
    offers = list(derive.load_offers(conn, ids))
    rows = [r for r in (derive.row_for(o, _grid_m[0]) for o in offers) if r]
    deleted = conn.execute(offer.delete().where(offer.c.package_id.in_(ids))).rowcount
    _insert(conn, rows)
    if rows:
        written = [r["package_id"] for r in rows]
        encode_props(conn, offer.c.package_id.in_(written))
        areas.assign(conn, written)
    if deleted or offers or changed:
        _bump(conn)
    return len(rows)


def encode_props(conn, where=None) -> int:
    """Fill ``offer.feature_props`` (the cached GeoJSON properties) of the
    rows matching ``where``, or of every row; returns the number encoded."""
    stmt = offer.update().values(feature_props=published.stored_properties_sql())
    if where is not None:
        stmt = stmt.where(where)
    return conn.execute(stmt).rowcount


def refresh_props(conn) -> int:
    """Re-encode every row if the stored texts were made by another release
    (different attributes or labels) or some are missing; returns the rows
    re-encoded (0 when all is current). Safe with many workers starting at
    once: the first takes a lock, the others then find nothing to do."""
    signature = published.signature()
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PROPS_LOCK)))
    current = conn.execute(sa.select(store_state.c.props_signature)
                           .where(store_state.c.id == 1)).scalar()
    if current == signature:  # only rows written without it (if any)
        return encode_props(conn, offer.c.feature_props.is_(None))
    return _encode_all_props(conn)


def _encode_all_props(conn) -> int:
    """Encode every row's cached properties and record with which encoding."""
    count = encode_props(conn)
    conn.execute(store_state.update().where(store_state.c.id == 1)
                 .values(props_signature=published.signature()))
    return count


#: pg_advisory_xact_lock key of refresh_props (any constant of ours)
_PROPS_LOCK = 0x6B65636B


def refresh_props_at_start(engine) -> None:
    """:func:`refresh_props` when CKAN starts (``IConfigurable``). Before
    ``ckan db upgrade`` has created the store there is nothing to refresh."""
    try:
        with engine.begin() as conn:
            count = refresh_props(conn)
    except sa.exc.DBAPIError as exc:
        log.debug("feature store not ready, cached properties not checked: %s", exc)
        return
    if count:
        log.info("re-encoded the cached GeoJSON properties of %d offers", count)


def rebuild(conn) -> int:
    """Replace the whole store with rows derived from CKAN."""
    conn.execute(offer.delete())
    count = 0
    batch: list[dict] = []
    for o in derive.load_offers(conn, derive.all_offer_ids(conn)):
        row = derive.row_for(o, _grid_m[0])
        if row:
            batch.append(row)
        if len(batch) >= 2000:
            count += _insert(conn, batch)
            batch = []
    count += _insert(conn, batch)
    _encode_all_props(conn)
    areas.assign(conn)
    _bump(conn)
    return count


def _insert(conn, rows: list[dict]) -> int:
    if rows:
        conn.execute(offer.insert(), rows)
    return len(rows)


def _bump(conn) -> None:
    conn.execute(store_state.update().where(store_state.c.id == 1).values(
        version=store_state.c.version + 1, changed=sa.func.now()))


def differences(conn) -> list[str]:
    """What differs between the store and what CKAN says it should hold."""
    expected = {}
    for o in derive.load_offers(conn, derive.all_offer_ids(conn)):
        row = derive.row_for(o, _grid_m[0])
        if row:
            expected[row["package_id"]] = row
    columns = [offer.c.package_id] + [offer.c[c] for c in ATTRIBUTE_COLUMNS]
    actual = {r["package_id"]: dict(r) for r in conn.execute(sa.select(*columns)).mappings()}
    found = []
    for pid in sorted(expected.keys() - actual.keys()):
        found.append(f"missing {pid} ({expected[pid]['name']})")
    for pid in sorted(actual.keys() - expected.keys()):
        found.append(f"unexpected {pid} ({actual[pid]['name']})")
    for pid in sorted(expected.keys() & actual.keys()):
        for col in ATTRIBUTE_COLUMNS:
            want, have = expected[pid][col], actual[pid][col]
            if isinstance(want, float) and isinstance(have, float):
                if abs(want - have) < 1e-9:
                    continue
            elif want == have:
                continue
            found.append(f"changed {pid} ({expected[pid]['name']}): {col} is {have!r}, expected {want!r}")
    stale = conn.execute(sa.select(offer.c.package_id, offer.c.name).where(
        offer.c.feature_props.is_distinct_from(published.stored_properties_sql()))
        .order_by(offer.c.package_id))
    found.extend(f"stale cached properties {pid} ({name})" for pid, name in stale)
    found.extend(areas.assignment_differences(conn))
    return found
