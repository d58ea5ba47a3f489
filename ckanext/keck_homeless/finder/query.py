"""Read the offers that match ``Filters`` from the feature store.

Only the non-time filters are applied in SQL (all through bound
parameters); "jetzt geöffnet" and "heute Nacht" need the NRW-aware
opening-hours evaluation and are applied by ``present.apply_time_filters``.
The store only holds what may be public (no hidden offers, approximate ones
already coarsened), so nothing here needs to redact.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.finder.present import NIGHT_CATEGORIES
from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import offer

#: The store columns the finder reads (store/published.py).
COLUMNS = published.columns()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def statement(filters: Filters) -> sa.Select:
    """The SELECT for ``filters`` (no time filters), ordered by title."""
    c = offer.c
    stmt = sa.select(*[c[name] for name in COLUMNS])
    if filters.categories:
        stmt = stmt.where(c.category.in_(filters.categories))
    if filters.municipality:
        stmt = stmt.where(c.municipality == filters.municipality)
    if filters.organization:
        stmt = stmt.where(c.owner_org == filters.organization)
    if filters.dogs:
        stmt = stmt.where(c.dogs_allowed.is_(True))
    if filters.women:
        stmt = stmt.where(c.women_only.is_(True))
    if filters.free:
        stmt = stmt.where(c.free_of_charge.is_(True))
    if filters.wheelchair:
        stmt = stmt.where(c.wheelchair == "yes")
    if filters.tonight:  # places to sleep (present.is_night_offer)
        stmt = stmt.where(sa.or_(c.category.in_(sorted(NIGHT_CATEGORIES)),
                                 c.services.any("shelter")))
    for word in filters.text.split():
        pattern = _like(word)
        stmt = stmt.where(sa.or_(*[
            col.ilike(pattern, escape="\\") for col in (
                c.title, c.organization_title, c.street, c.postcode,
                c.municipality_name, c.district)
        ]))
    return stmt.order_by(c.title, c.package_id)


#: Key of the row version in the dicts of :func:`select_offers`.
ROW_VERSION = "_row_version"


def select_offers(conn, filters: Filters) -> list[dict[str, Any]]:
    """Matching rows as dicts (``conn``: an SQLAlchemy connection), each with
    :data:`ROW_VERSION`: PostgreSQL's ``xmin`` of the row, the transaction
    that wrote this version of it. The sync deletes and inserts an offer's
    row on every change, so a changed offer always has a new one (callers
    may reuse what they derived from an unchanged row)."""
    version = sa.literal_column(f"{offer.fullname}.xmin::text").label(ROW_VERSION)
    return [dict(r) for r in conn.execute(statement(filters).add_columns(version)).mappings()]


def select_offer(conn, name: str) -> dict[str, Any] | None:
    """One published offer by its CKAN name, or ``None``."""
    c = offer.c
    row = conn.execute(sa.select(*[c[n] for n in COLUMNS]).where(c.name == name)
                       ).mappings().first()
    return dict(row) if row else None


def store_version(conn) -> int:
    """The store's change counter (a cache key for the map JSON)."""
    return published.version(conn)
