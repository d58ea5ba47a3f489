"""The KECK-Atlas figures of each area, stored for the area layers.

The layers (WFS, WMS, OGC API) are answered with SQL, the figures need the
opening-hours evaluator: :func:`ensure` computes a level's figures with
store/figures_source.py — the same code as the CSV/XLSX download — and
stores them in ``keck_homeless.area_figure`` with their *basis*: a digest of
every offer package's state, of the level's areas and of the day. A layer
request whose basis differs recomputes first (under a lock, so concurrent
requests compute once); a layer never serves figures of another state than
the download would.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib

import sqlalchemy as sa

from ckanext.keck_homeless.offers.constants import DATASET_TYPE

_PACKAGES = sa.text("""
    SELECT md5(coalesce(string_agg(id || state || private::text
                                   || coalesce(metadata_modified::text, ''), ','
                                   ORDER BY id), ''))
    FROM package WHERE type = :type""")
_AREAS = sa.text("""
    SELECT count(*), max(loaded), sum(population), max(population_date),
           md5(coalesce(string_agg(code || '=' || name || '=' || source, ',' ORDER BY code), ''))
    FROM keck_homeless.area WHERE level = :level""")


def today() -> dt.date:
    from ckanext.keck_homeless.offers import hours

    return dt.datetime.now(hours.TZ).date()


def basis(conn, level: str, day: dt.date) -> str | None:
    """What the figures of ``level`` on ``day`` depend on; None if the level
    has no areas."""
    from ckanext.keck_homeless.offers import figures
    from ckanext.keck_homeless.store import published

    areas = conn.execute(_AREAS, {"level": level}).first()
    if not areas or not areas[0]:
        return None
    packages = conn.execute(_PACKAGES, {"type": DATASET_TYPE}).scalar()
    text = json.dumps([day.isoformat(), packages, [str(v) for v in areas],
                       published.version(conn), figures.columns()])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _lock_key(level: str) -> int:
    return 0x6B650000 + zlib.crc32(level.encode()) % 0xFFFF


def ensure(engine, level: str, day: dt.date | None = None) -> bool:
    """Make the stored figures of ``level`` current; True if they were
    recomputed. Unknown levels are left alone (the caller answers 404)."""
    from ckanext.keck_homeless.store import figures_source

    day = day or today()
    with engine.begin() as conn:
        wanted = basis(conn, level, day)
        if wanted is None or stored_basis(conn, level) == wanted:
            return False
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(level))))
        if stored_basis(conn, level) == wanted:  # another request computed it
            return False
        rows, _note = figures_source.compute(conn, level, day)
        conn.execute(sa.text("DELETE FROM keck_homeless.area_figure WHERE level = :level"),
                     {"level": level})
        if rows:
            conn.execute(sa.text(
                "INSERT INTO keck_homeless.area_figure (level, code, figures, basis) "
                "VALUES (:level, :code, CAST(:figures AS jsonb), :basis)"),
                [{"level": level, "code": r["code"], "basis": wanted,
                  "figures": json.dumps({k: v for k, v in r.items()
                                         if k not in ("code", "name")})} for r in rows])
    return True


def stored_basis(conn, level: str) -> str | None:
    return conn.execute(sa.text(
        "SELECT min(basis) FROM keck_homeless.area_figure WHERE level = :level "
        "HAVING count(DISTINCT basis) = 1"), {"level": level}).scalar()

