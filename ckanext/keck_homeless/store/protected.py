"""The protected table: exact locations of ``approximate`` and ``hidden`` offers.

Plain SQL on the caller's connection (so a read sees the caller's
uncommitted writes and a write commits or rolls back with CKAN's change).
Values are exchanged as dicts with the keys of
:data:`offers.rules.LOCATION_FIELDS` (``spatial`` as GeoJSON text), the
shape the validators and the derivation already use.

Who reads this table: the offer form (for users who may edit the offer),
the action ``keck_homeless_protected_location_show`` (same authorisation),
the feature-store derivation (to coarsen) and the organisation-internal
export (``--include-protected``). Nothing else.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.store.model import protected_location as table

_TEXT_FIELDS = ("street", "postcode", "district")


def to_values(row: Mapping[str, Any]) -> dict[str, str]:
    """A table row as location values (``spatial`` as GeoJSON text)."""
    out = {f: row.get(f) or "" for f in _TEXT_FIELDS}
    lon, lat = row.get("lon"), row.get("lat")
    out["spatial"] = rules.point_geojson(lon, lat) if lon is not None and lat is not None else ""
    return out


def _to_row(values: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {f: (str(values.get(f) or "").strip() or None) for f in _TEXT_FIELDS}
    try:
        point = rules.parse_point(values.get("spatial"))
    except (ValueError, TypeError):
        point = None
    row["lon"], row["lat"] = point if point else (None, None)
    return row


def get_many(conn, package_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """package id → location values, for the ids that have a row."""
    ids = list(package_ids)
    if not ids:
        return {}
    rows = conn.execute(sa.select(table).where(table.c.package_id.in_(ids))).mappings()
    return {r["package_id"]: to_values(r) for r in rows}


def get(conn, package_id: str) -> dict[str, str] | None:
    return get_many(conn, [package_id]).get(package_id)


def put(conn, package_id: str, values: Mapping[str, Any]) -> None:
    """Insert or replace the exact location of one offer."""
    row = {"package_id": package_id, **_to_row(values), "changed": sa.func.now()}
    stmt = insert(table).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[table.c.package_id],
        set_={k: stmt.excluded[k] for k in row if k != "package_id"}))


def delete(conn, package_ids: Iterable[str]) -> int:
    ids = list(package_ids)
    if not ids:
        return 0
    return conn.execute(table.delete().where(table.c.package_id.in_(ids))).rowcount


def all_rows(conn) -> dict[str, dict[str, str]]:
    return {r["package_id"]: to_values(r) for r in conn.execute(sa.select(table)).mappings()}


def orphans(conn) -> list[str]:
    """Rows whose package no longer exists (e.g. purged outside a CKAN session)."""
    return [r[0] for r in conn.execute(sa.text(
        "SELECT pl.package_id FROM keck_homeless.protected_location pl "
        "LEFT JOIN package p ON p.id = pl.package_id WHERE p.id IS NULL "
        "ORDER BY pl.package_id"))]
