"""What a published offer is: the one list of its public attributes.

Every output that hands offers to the outside reads this module — the
store's cached GeoJSON properties, WFS (GeoJSON, GML, DescribeFeatureType),
OGC API - Features (items, queryables, schema), WMS GetFeatureInfo — and the
readers with a wider view of a row (finder, flyer) select their columns
through :func:`columns`. A new output (HSDS, DCAT, area figures) starts here,
so an attribute means the same everywhere: ``name`` is the offer's title, its
URL slug is only ever part of ``url``.

The store holds only what may be public (hidden offers never reach it,
approximate ones are already coarsened, see ``privacy.py``), so everything
listed here is safe to serve. Each attribute is given twice on purpose — as
SQL (for responses PostgreSQL encodes) and as a Python reader of a store row
(for responses encoded here) — and ``tests/store/test_published.py`` checks
both give the same values for every demo offer.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.store.model import ATTRIBUTE_COLUMNS, free_places, offer, store_state

#: Where an offer's catalogue page lives below the site URL.
PAGE_PATH = "/hilfsangebot/"
#: The geometry property of WFS/OGC API features.
GEOMETRY_NAME = "geometry"

_CATEGORIES = {c.code: c for c in codes.CATEGORIES}


@dataclass(frozen=True)
class Attribute:
    """One published attribute.

    ``sql`` is its expression over ``keck_homeless.offer`` (``None`` for
    ``url``, which depends on the site URL, see :func:`sql_properties`);
    ``read`` gives the same value from a store row (a mapping of the
    columns :func:`columns` lists, plus :func:`live_columns`) as JSON-ready
    Python. ``live`` attributes change without the offer changing (tonight's
    free places, which also expire): they are evaluated per request and never
    cached in ``feature_props``."""

    name: str
    sql: Any
    xsd: str
    de: str
    en: str
    read: Callable[[Mapping[str, Any], str, str], Any]
    live: bool = False

    def title(self, lang: str = "de") -> str:
        return self.en if lang.startswith("en") else self.de


def _column(name: str) -> Callable[[Mapping[str, Any], str, str], Any]:
    return lambda row, _site, _lang: row[name]


def _column_or_none(name: str) -> Callable[[Mapping[str, Any], str, str], Any]:
    return lambda row, _site, _lang: row.get(name)


def _category_label(row: Mapping[str, Any], _site: str, lang: str) -> str:
    code = row["category"]
    cat = _CATEGORIES.get(code)
    return cat.label(lang) if cat else code


def _url(row: Mapping[str, Any], site_url: str, _lang: str) -> str:
    return f"{site_url.rstrip('/')}{PAGE_PATH}{row['name']}"


def _iso_date(name: str) -> Callable[[Mapping[str, Any], str, str], Any]:
    def read(row: Mapping[str, Any], _site: str, _lang: str) -> str | None:
        value = row[name]
        return value.isoformat() if isinstance(value, dt.date) else value
    return read


def _datetime(name: str) -> Callable[[Mapping[str, Any], str, str], Any]:
    def read(row: Mapping[str, Any], _site: str, _lang: str) -> str | None:
        value = row.get(name)
        return value.isoformat() if isinstance(value, dt.datetime) else value
    return read


def _newest_free_places(column):
    """Tonight's free places of the row's offer (partners/places.py): the
    newest value set by now that has not expired, else NULL. Values expire
    in the order they were set, so the newest unexpired one is the newest."""
    f = free_places.c
    return (sa.select(column).where(f.package_id == offer.c.package_id,
                                    f.set_at <= sa.func.now(), f.expires_at > sa.func.now())
            .order_by(f.set_at.desc(), f.id.desc()).limit(1).scalar_subquery())


_CATEGORY_LABEL_SQL = sa.case(
    {c.code: c.de for c in codes.CATEGORIES}, value=offer.c.category, else_=offer.c.category)

#: The published attributes, in the order every output shows them.
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("id", offer.c.package_id, "string", "Kennung", "Identifier", _column("package_id")),
    Attribute("name", offer.c.title, "string", "Name", "Name", _column("title")),
    Attribute("category", offer.c.category, "string", "Kategorie (Code)", "Category (code)",
              _column("category")),
    Attribute("category_label", _CATEGORY_LABEL_SQL, "string", "Kategorie", "Category",
              _category_label),
    Attribute("organization", offer.c.organization_title, "string", "Träger", "Organisation",
              _column("organization_title")),
    Attribute("street", offer.c.street, "string", "Straße", "Street", _column("street")),
    Attribute("postcode", offer.c.postcode, "string", "PLZ", "Postcode", _column("postcode")),
    Attribute("municipality", offer.c.municipality_name, "string", "Gemeinde", "Municipality",
              _column("municipality_name")),
    Attribute("ags", offer.c.municipality, "string", "Amtlicher Gemeindeschlüssel",
              "Municipality key (AGS)", _column("municipality")),
    Attribute("location_precise", offer.c.precise, "boolean", "Genauer Standort",
              "Precise location", _column("precise")),
    Attribute("opening_hours", offer.c.opening_hours, "string", "Öffnungszeiten (OSM)",
              "Opening hours (OSM)", _column("opening_hours")),
    Attribute("opening_hours_note", offer.c.opening_hours_note, "string",
              "Hinweis Öffnungszeiten", "Opening hours note", _column("opening_hours_note")),
    Attribute("status", offer.c.offer_status, "string", "Status", "Status",
              _column("offer_status")),
    Attribute("phone", offer.c.phone, "string", "Telefon", "Phone", _column("phone")),
    Attribute("website", offer.c.website, "string", "Webseite", "Website", _column("website")),
    Attribute("last_verified", offer.c.last_verified, "date", "Zuletzt geprüft",
              "Last verified", _iso_date("last_verified")),
    Attribute("free_places", _newest_free_places(free_places.c.places), "integer",
              "Freie Plätze heute Nacht", "Free places tonight", _column_or_none("free_places"),
              live=True),
    Attribute("free_places_at", _newest_free_places(free_places.c.set_at), "dateTime",
              "Freie Plätze: Stand", "Free places: as of", _datetime("free_places_at"),
              live=True),
    # last: the cached properties end where ``url`` is appended (stored_properties_sql)
    Attribute("url", None, "string", "Seite im Datenkatalog", "Catalogue page", _url),
)
NAMES: tuple[str, ...] = tuple(a.name for a in ATTRIBUTES)
BY_NAME: dict[str, Attribute] = {a.name: a for a in ATTRIBUTES}


def columns(*extra: str) -> tuple[str, ...]:
    """The store columns a reader of published offers may select: the key,
    every attribute column and the WGS84 position — plus ``extra`` computed
    labels the caller adds itself. The geometries and the properties cache
    are the OGC encoders' business."""
    return ("package_id", *ATTRIBUTE_COLUMNS, *extra)


def live_columns() -> list[Any]:
    """The live attributes as labelled SQL expressions, for readers that
    select store rows and encode them in Python (WMS GetFeatureInfo)."""
    return [a.sql.label(a.name) for a in ATTRIBUTES if a.live]


def from_row(row: Mapping[str, Any], site_url: str, lang: str = "de") -> dict[str, Any]:
    """The published attributes of one store row, as JSON-ready values.
    ``category_label`` follows ``lang``; with ``de`` the result equals the
    properties PostgreSQL encodes (:func:`sql_properties`)."""
    return {a.name: a.read(row, site_url, lang) for a in ATTRIBUTES}


def sql_properties(site_url: str) -> list[tuple[str, Any]]:
    """(name, SQL expression) for every attribute, ``url`` bound to ``site_url``."""
    url = sa.func.concat(sa.bindparam("site_url", site_url.rstrip("/") + PAGE_PATH),
                         offer.c.name)
    return [(a.name, url if a.sql is None else a.sql) for a in ATTRIBUTES]


def stored_properties_sql():
    """What ``offer.feature_props`` caches (see store/sync.py): the JSON
    object of every attribute but ``url``, as text *without its closing
    brace* — so a response appends ``,"url":"…"}`` by plain concatenation
    (cutting a character off a text costs PostgreSQL more than building it).
    PostgreSQL does the escaping; dates come out as ISO 8601 strings. The
    object is flat, so the only trailing ``}`` is its own."""
    pairs = []
    for a in ATTRIBUTES:
        if a.sql is not None and not a.live:
            pairs.extend([sa.literal(a.name, sa.Text), a.sql])
    return sa.func.rtrim(sa.cast(sa.func.json_build_object(*pairs), sa.Text), "}")


@functools.lru_cache(maxsize=1)
def signature() -> str:
    """Changes whenever the cached encoding would (attributes, their order,
    the category labels): the SQL text with every literal inlined."""
    from sqlalchemy.dialects import postgresql

    sql = str(stored_properties_sql().compile(dialect=postgresql.dialect(),
                                              compile_kwargs={"literal_binds": True}))
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()[:16]


def version(conn) -> int:
    """The store's change counter, bumped by every transaction that changes
    an offer: the key of every cache of published data (WMS images,
    capabilities, the finder's map JSON) and WMS ``UPDATESEQUENCE``."""
    value = conn.execute(sa.select(store_state.c.version).where(store_state.c.id == 1)).scalar()
    return int(value or 0)
