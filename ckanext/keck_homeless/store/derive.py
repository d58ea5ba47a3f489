"""Derive feature-store rows from CKAN's package tables.

Reads ``package``, ``package_extra`` and ``group`` with plain SQL on the
caller's connection, so it sees the caller's uncommitted changes (the sync
runs inside the transaction that changed the dataset).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.offers import codes, rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.store import protected

_PACKAGES = sa.text("""
    SELECT p.id, p.name, p.title, p.owner_org, p.private, p.state, p.type,
           p.metadata_modified, g.title AS organization_title
    FROM package p LEFT JOIN "group" g ON g.id = p.owner_org
    WHERE p.id = ANY(:ids)
""")
_EXTRAS = sa.text("""
    SELECT package_id, key, value FROM package_extra
    WHERE package_id = ANY(:ids) AND (state IS NULL OR state <> 'deleted')
""")
_ALL_IDS = sa.text("SELECT id FROM package WHERE type = :type")


def all_offer_ids(conn) -> list[str]:
    return [r[0] for r in conn.execute(_ALL_IDS, {"type": DATASET_TYPE})]


def load_offers(conn, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The offers among ``ids`` as flat dicts (extras merged in; for
    approximate and hidden offers the exact location from the protected
    table, which the derivation coarsens or leaves out)."""
    ids = list(ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        extras: dict[str, dict[str, str]] = {}
        for package_id, key, value in conn.execute(_EXTRAS, {"ids": chunk}):
            extras.setdefault(package_id, {})[key] = value
        exact = protected.get_many(conn, chunk)
        for row in conn.execute(_PACKAGES, {"ids": chunk}).mappings():
            if row["type"] != DATASET_TYPE:
                continue
            offer = dict(extras.get(row["id"], {}))
            if rules.is_protected(offer.get("location_visibility")) and row["id"] in exact:
                offer.update(exact[row["id"]])
            offer.update(row)
            yield offer


def _bool(value: Any) -> bool | None:
    try:
        return rules.as_bool(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


_date = rules.parse_date_safe
_list = rules.as_list_safe


def row_for(offer: dict[str, Any], grid_m: int) -> dict[str, Any] | None:
    """The feature-store row of an offer, or ``None`` if nothing of it may
    be published (private, deleted, draft, ended, hidden, no position)."""
    if not rules.is_publishable(offer) or not offer.get("category"):
        return None
    location = rules.public_location(offer, grid_m)
    if location is None:
        return None
    municipality = offer.get("municipality") or None
    return {
        "package_id": offer["id"],
        "name": offer["name"],
        "title": offer["title"] or offer["name"],
        "owner_org": offer.get("owner_org"),
        "organization_title": offer.get("organization_title"),
        "category": offer["category"],
        "services": _list(offer.get("services")),
        "target_groups": _list(offer.get("target_groups")),
        "languages": _list(offer.get("languages")),
        "street": location.street,
        "postcode": (offer.get("postcode") or None) if location.precise else None,
        "municipality": municipality,
        "municipality_name": codes.label("municipality", municipality) if municipality else None,
        "district": (offer.get("district") or None) if location.precise else None,
        "location_visibility": "public" if location.precise else "approximate",
        "precise": location.precise,
        "opening_hours": offer.get("opening_hours") or None,
        "opening_hours_note": offer.get("opening_hours_note") or None,
        "admission_until": offer.get("admission_until") or None,
        "requirements_note": offer.get("requirements_note") or None,
        "valid_from": _date(offer.get("valid_from")),
        "valid_until": _date(offer.get("valid_until")),
        "offer_status": offer.get("offer_status") or "active",
        "status_note": offer.get("status_note") or None,
        "closed_until": _date(offer.get("closed_until")),
        "phone": offer.get("phone") or None,
        "email": offer.get("email") or None,
        "website": offer.get("website") or None,
        "dogs_allowed": _bool(offer.get("dogs_allowed")),
        "women_only": _bool(offer.get("women_only")),
        "free_of_charge": _bool(offer.get("free_of_charge")),
        "anonymous": _bool(offer.get("anonymous")),
        "appointment_needed": _bool(offer.get("appointment_needed")),
        "wheelchair": offer.get("wheelchair") or None,
        "capacity": _int(offer.get("capacity")),
        "last_verified": _date(offer.get("last_verified")),
        "verified_by": offer.get("verified_by") or None,
        "external_id": offer.get("external_id") or None,
        "metadata_modified": offer.get("metadata_modified"),
        "lon": location.lon,
        "lat": location.lat,
    }
