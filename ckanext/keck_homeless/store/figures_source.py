"""What the KECK-Atlas figures read: areas, published offers, protected ones.

Located offers come from the feature store with their area code of the
level (``offer_area``); protected offers from CKAN's package tables (read
as the store sync reads them, store/derive.py) with the municipality they
name — their package holds no point; figures.py decides where they may be
counted. Only the database is read, so the figures can be computed inside
any request (the OGC fast path has no CKAN request context).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.offers import figures, rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.store import derive


class UnknownLevel(LookupError):
    pass


def _areas(conn, level: str) -> tuple[list[dict[str, Any]], str]:
    rows = [dict(r) for r in conn.execute(sa.text(
        "SELECT code, name, population, population_date, source FROM keck_homeless.area "
        "WHERE level = :level ORDER BY code"), {"level": level}).mappings()]
    if not rows:
        raise UnknownLevel(level)
    return rows, rows[0]["source"] or ""


def _located(conn, level: str) -> list[figures.Offer]:
    rows = conn.execute(sa.text(
        "SELECT oa.code, o.category, o.capacity, o.free_of_charge, o.opening_hours "
        "FROM keck_homeless.offer o LEFT JOIN keck_homeless.offer_area oa "
        "ON oa.package_id = o.package_id AND oa.level = :level"), {"level": level})
    return [figures.Offer(r.code, r.category, r.capacity, bool(r.free_of_charge),
                          r.opening_hours) for r in rows]


def _capacity(value: Any) -> int | None:
    try:
        return int(str(value)) if str(value or "").strip() else None
    except ValueError:
        return None


_HIDDEN_IDS = sa.text("""
    SELECT p.id FROM package p
    JOIN package_extra e ON e.package_id = p.id AND e.key = 'location_visibility'
     AND e.value = 'hidden' AND (e.state IS NULL OR e.state <> 'deleted')
    WHERE p.type = :type AND p.state = 'active' AND NOT p.private""")


def _protected(conn) -> list[figures.Offer]:
    """Published hidden offers (active, public, not ended)."""
    ids = [r[0] for r in conn.execute(_HIDDEN_IDS, {"type": DATASET_TYPE})]
    return [figures.Offer(o.get("municipality") or None, o.get("category") or "",
                          _capacity(o.get("capacity")),
                          rules.as_bool_safe(o.get("free_of_charge")),
                          o.get("opening_hours"), protected=True)
            for o in derive.load_offers(conn, ids) if rules.is_publishable(o)]


def compute(conn, level: str, day: dt.date) -> tuple[list[dict[str, Any]], str]:
    """The figures of ``level`` on ``day`` and the areas' source note."""
    areas, note = _areas(conn, level)
    offers = _located(conn, level)
    if level == figures.MUNICIPALITY_LEVEL:
        offers += _protected(conn)
    return figures.compute(areas, offers, level, day), note


def load(engine, level: str, day: dt.date | None = None) -> tuple[list[dict[str, Any]], str]:
    """The figures of ``level`` (today in Berlin unless ``day``) and the
    areas' source note."""
    from ckanext.keck_homeless.offers import hours

    day = day or dt.datetime.now(hours.TZ).date()
    with engine.connect() as conn:
        return compute(conn, level, day)
