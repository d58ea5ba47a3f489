"""What the HSDS outputs read: published offers, protected ones, organisations.

* located offers: the feature store (``store/published.py`` columns: the
  store holds only what may be public, approximate offers coarsened) plus
  the texts CKAN publishes for them anyway (description, fee and
  accessibility notes) from CKAN's own tables;
* protected (``hidden``) offers: CKAN's search index reduced by the
  finder's whitelist (``finder/protected.py``) — no address, no position,
  no e-mail, no description, and not their organisation: they are listed
  under one placeholder organisation, so the tabular package's required
  ``organization_id`` holds without naming who runs a protected place;
* organisations: those that publish at least one located offer.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.exchange import hsds
from ckanext.keck_homeless.finder import protected
from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import offer

#: Texts of a located offer that CKAN publishes in its own API as well.
TEXT_FIELDS = ("fee_note", "accessibility_note")
PROTECTED_ORG = {
    "id": hsds.derived_id("organization", "protected-offers"),
    "name": "geschuetzte-angebote",
    "title": "Geschützte Angebote (Träger nicht veröffentlicht)",
    "description": ("Schutzräume, deren Standort und Träger nicht veröffentlicht werden; "
                    "erreichbar über die angegebene Telefonnummer. / Protected places whose "
                    "location and operator are not published; reachable by phone."),
}


@dataclass
class Directory:
    offers: list[dict[str, Any]] = field(default_factory=list)
    organizations: list[dict[str, Any]] = field(default_factory=list)


def _texts(conn, ids: list[str]) -> dict[str, dict[str, str]]:
    """Description and published notes of located offers (CKAN's tables)."""
    if not ids:
        return {}
    out: dict[str, dict[str, str]] = {i: {} for i in ids}
    rows = conn.execute(sa.text("SELECT id, notes FROM package WHERE id = ANY(:ids)"),
                        {"ids": ids})
    for pid, notes in rows:
        out[pid]["notes"] = notes or ""
    rows = conn.execute(sa.text(
        "SELECT package_id, key, value FROM package_extra "
        "WHERE package_id = ANY(:ids) AND key = ANY(:keys) AND state = 'active'"),
        {"ids": ids, "keys": list(TEXT_FIELDS)})
    for pid, key, value in rows:
        out[pid][key] = value or ""
    return out


def _located(conn) -> list[dict[str, Any]]:
    c = offer.c
    rows = [dict(r) for r in conn.execute(
        sa.select(*[c[name] for name in published.columns()])).mappings()]
    texts = _texts(conn, [r["package_id"] for r in rows])
    for row in rows:
        row.update(texts.get(row["package_id"], {}))
    return rows


def _protected(lang: str) -> list[dict[str, Any]]:
    packages = protected.published_packages()
    modified = {p["id"]: p.get("metadata_modified") for p in packages}
    out = []
    for view in protected.select(packages, Filters(), lang):
        out.append({**view, "package_id": view["id"], "protected": True,
                    "location_visibility": "hidden", "owner_org": PROTECTED_ORG["id"],
                    "metadata_modified": modified.get(view["id"])})
    return out


def _organizations(conn, ids: Iterable[str]) -> list[dict[str, Any]]:
    ids = sorted(set(ids))
    if not ids:
        return []
    rows = conn.execute(sa.text(
        "SELECT id, name, title, description, image_url FROM \"group\" "
        "WHERE id = ANY(:ids) AND is_organization AND state = 'active'"), {"ids": ids})
    return [dict(r) for r in rows.mappings()]


def load(engine, lang: str = "de") -> Directory:
    """Every published offer (located and protected) and their organisations,
    ordered by title."""
    with engine.connect() as conn:
        located = _located(conn)
        orgs = _organizations(conn, (r["owner_org"] for r in located if r.get("owner_org")))
    hidden = _protected(lang)
    offers = sorted(located + hidden,
                    key=lambda o: ((o.get("title") or "").lower(), o["package_id"]))
    if hidden:
        orgs.append(dict(PROTECTED_ORG))
    orgs.sort(key=lambda o: ((o.get("title") or o["name"]).lower(), o["id"]))
    return Directory(offers, orgs)
