"""Encoders: GeoJSON, GML 3.2, GML 3.1.1 and GML 2 — the bytes of each
feature are produced by PostgreSQL (one text column per row) and streamed.

Why in SQL: PostgreSQL builds 10k features in ~20 ms; the same in Python is
several times slower. Values are escaped by PostgreSQL itself
(``xmlelement`` for XML, ``json_build_object``/``to_json`` for JSON).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import query
from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import offer

GML32_NS = "http://www.opengis.net/gml/3.2"
GML_NS = "http://www.opengis.net/gml"  # GML 2 and 3.1.1
WFS20_NS = "http://www.opengis.net/wfs/2.0"
WFS11_NS = "http://www.opengis.net/wfs"


@dataclass(frozen=True)
class Format:
    """An output format: ``kind`` is geojson | gml32 | gml311 | gml2."""

    kind: str
    mime: str


GEOJSON = Format("geojson", "application/geo+json")
GML32 = Format("gml32", "application/gml+xml; version=3.2")
GML311 = Format("gml311", "text/xml; subtype=gml/3.1.1")
GML2 = Format("gml2", "text/xml; subtype=gml/2.1.2")

#: Every spelling real clients send (lower-cased, spaces removed) → format.
ALIASES: dict[str, Format] = {}
for _names, _fmt in (
    (("application/json", "json", "geojson", "application/geo+json", "application/vnd.geo+json",
      "application/json;subtype=geojson", "geo+json"), GEOJSON),
    (("application/gml+xml;version=3.2", "gml32", "gml3.2", "text/xml;subtype=gml/3.2",
      "text/xml;subtype=gml/3.2.1", "application/gml+xml;version=3.2.1",
      "application/gml+xml"), GML32),
    (("gml3", "gml311", "gml3.1.1", "text/xml;subtype=gml/3.1.1", "application/gml+xml;version=3.1",
      "application/gml+xml;version=3.1.1"), GML311),
    (("gml2", "gml", "text/xml;subtype=gml/2.1.2", "text/xml;subtype=gml/2", "application/gml+xml;version=2.1"),
     GML2),
):
    for _n in _names:
        ALIASES[_n] = _fmt

#: The formats advertised in capabilities, per WFS version (default first).
ADVERTISED = {
    "2.0.0": ("application/gml+xml; version=3.2", "text/xml; subtype=gml/3.2",
              "text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/2.1.2",
              "application/json", "application/geo+json", "GML2", "GML3", "GML32", "GEOJSON"),
    "1.1.0": ("text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/2.1.2",
              "application/gml+xml; version=3.2", "application/json", "application/geo+json",
              "GML2", "GML3", "GML32", "GEOJSON"),
}


def lookup(name: str | None) -> Format | None:
    if not name:
        return None
    return ALIASES.get(name.replace(" ", "").replace('"', "").lower())


# ---------------------------------------------------------------------------
# Coordinates
# ---------------------------------------------------------------------------
def coordinate_texts(target: crslib.CRS, latlon: bool):
    """Two SQL text expressions: the coordinates in output order, rounded
    (7 decimals for degrees ≈ 1 cm, 2 for metres)."""
    geom = query.geometry_expr(target.srid)
    digits = _digits(target)
    x = sa.func.trim_scale(sa.func.round(sa.cast(sa.func.ST_X(geom), sa.Numeric), digits))
    y = sa.func.trim_scale(sa.func.round(sa.cast(sa.func.ST_Y(geom), sa.Numeric), digits))
    x, y = sa.cast(x, sa.Text), sa.cast(y, sa.Text)
    return (y, x) if latlon else (x, y)


# ---------------------------------------------------------------------------
# GeoJSON
# ---------------------------------------------------------------------------
def geojson_feature_sql(props: list[tuple[str, Any]], target: crslib.CRS, latlon: bool = False,
                        source: query.Source = query.OFFERS):
    """One GeoJSON Feature per row as text. ``latlon`` only for OGC API
    Part 2 responses in a lat/lon CRS; WFS GeoJSON is always x/y."""
    geom = query.geometry_expr(target.srid, source)
    if latlon:
        geom = sa.func.ST_FlipCoordinates(geom)
    return sa.func.concat(
        '{"type":"Feature","id":', sa.cast(sa.func.to_json(source.key), sa.Text),
        ',"geometry":', sa.func.ST_AsGeoJSON(geom, _digits(target), 0),
        ',"properties":', geojson_properties_sql(props, source), "}",
    )


def _digits(target: crslib.CRS) -> int:
    """7 decimals for degrees (≈ 1 cm), 2 for metres."""
    return 7 if target.srid in crslib.GEOGRAPHIC_EPSG else 2


def geojson_properties_sql(props: list[tuple[str, Any]], source: query.Source = query.OFFERS):
    """The properties object as text. For offers with every attribute (no
    PROPERTYNAME selection) it is the row's cached ``feature_props`` — built
    once when the offer was written — with ``url`` appended; rows without a
    cache and attribute selections are encoded here and now."""
    names = [name for name, _ in props]
    if source is query.OFFERS and names == list(published.NAMES):
        exprs = dict(props)
        cached = sa.func.coalesce(offer.c.feature_props, published.stored_properties_sql())
        # '{…' + ',"free_places":3,…' (live, never cached) + ',"url":"…"}'
        live = []
        for a in published.ATTRIBUTES:
            if a.live:
                live += [f',"{a.name}":', sa.func.coalesce(
                    sa.cast(sa.func.to_json(exprs[a.name]), sa.Text), "null")]
        return sa.func.concat(cached, *live, ',"url":',
                              sa.cast(sa.func.to_json(exprs["url"]), sa.Text), "}")
    pairs = []
    for name, expr in props:
        pairs.extend([sa.literal(name, sa.Text), expr])
    return sa.cast(sa.func.json_build_object(*pairs), sa.Text)


# ---------------------------------------------------------------------------
# GML
# ---------------------------------------------------------------------------
def gml_feature_sql(kind: str, type_local: str, props: list[tuple[str, Any]],
                    target: crslib.CRS, srs_name: str, prefix: str = "keck",
                    member: str = "wfs:member", source: query.Source = query.OFFERS):
    """One feature member per row as XML text.

    :param kind: gml32 | gml311 | gml2
    :param member: wrapping element (``wfs:member``, ``gml:featureMember``,
        or ``""`` for none, e.g. GetFeatureById)
    """
    fid = sa.func.concat(f"{type_local}.", source.key)
    elements = [
        sa.case((expr.is_(None), None),
                else_=sa.func.xmlelement(sa.literal_column(f'NAME "{prefix}:{name}"'), expr))
        for name, expr in props
    ]
    values_xml = sa.cast(sa.func.xmlconcat(*elements), sa.Text) if elements else sa.literal("")
    if not source.point:
        point = polygon_gml_sql(kind, query.geometry_expr(target.srid, source), fid, target,
                                srs_name)
        if kind == "gml2":
            open_tag = sa.func.concat(f"<{prefix}:{type_local} fid=\"", fid, '">')
        else:
            open_tag = sa.func.concat(f"<{prefix}:{type_local} gml:id=\"", fid, '">')
    elif kind == "gml2":
        a, b = coordinate_texts(target, target.latlon)
        point = sa.func.concat(
            f'<gml:Point srsName="{srs_name}"><gml:coordinates decimal="." cs="," ts=" ">',
            a, ",", b, "</gml:coordinates></gml:Point>")
        open_tag = sa.func.concat(f"<{prefix}:{type_local} fid=\"", fid, '">')
    else:
        a, b = coordinate_texts(target, target.latlon)
        gid = sa.func.concat(' gml:id="', fid, '.geom"') if kind == "gml32" else ""
        point = sa.func.concat("<gml:Point", gid, f' srsName="{srs_name}"><gml:pos srsDimension="2">',
                               a, " ", b, "</gml:pos></gml:Point>")
        open_tag = sa.func.concat(f"<{prefix}:{type_local} gml:id=\"", fid, '">')
    m_open, m_close = (f"<{member}>", f"</{member}>") if member else ("", "")
    return sa.func.concat(
        m_open, open_tag, values_xml,
        f"<{prefix}:{query.GEOMETRY_NAME}>", point, f"</{prefix}:{query.GEOMETRY_NAME}>",
        f"</{prefix}:{type_local}>", m_close)


def polygon_gml_sql(kind: str, geom, fid, target: crslib.CRS, srs_name: str):
    """A (multi)polygon as GML text: ``gml:MultiSurface`` (GML 3) or
    ``gml:MultiPolygon`` (GML 2), axes in the order of ``target``.

    PostGIS writes the geometry (ST_AsGML, without srsName: the SRID is
    dropped so it names none, and we add ours). GML 3.2 needs a document-
    unique ``gml:id`` on every polygon — ST_AsGML's id argument gives all
    members the same one — so the polygons are written one by one from
    ST_Dump and numbered by their path."""
    geom = sa.func.ST_Multi(geom)
    if target.latlon:
        geom = sa.func.ST_FlipCoordinates(geom)
    digits = _digits(target)
    if kind == "gml2":
        return sa.func.replace(sa.func.ST_AsGML(2, sa.func.ST_SetSRID(geom, 0), digits, 0),
                               "<gml:MultiPolygon>", f'<gml:MultiPolygon srsName="{srs_name}">')
    if kind == "gml311":
        return sa.func.replace(sa.func.ST_AsGML(3, sa.func.ST_SetSRID(geom, 0), digits, 0),
                               "<gml:MultiSurface>", f'<gml:MultiSurface srsName="{srs_name}">')
    dump = sa.func.ST_Dump(geom).table_valued(
        sa.column("path", ARRAY(sa.Integer)), sa.column("geom")).alias("part")
    polygon = sa.func.replace(
        sa.func.ST_AsGML(3, sa.func.ST_SetSRID(dump.c.geom, 0), digits, 0), "<gml:Polygon>",
        sa.func.concat('<gml:Polygon gml:id="', fid, ".geom.",
                       sa.cast(dump.c.path[1], sa.Text), '">'))
    members = sa.select(sa.func.string_agg(
        sa.func.concat("<gml:surfaceMember>", polygon, "</gml:surfaceMember>"), "")
    ).select_from(dump).scalar_subquery()
    return sa.func.concat('<gml:MultiSurface gml:id="', fid, f'.geom" srsName="{srs_name}">',
                          members, "</gml:MultiSurface>")


def stream(engine, stmt, head: bytes, tail: bytes, separator: bytes = b"") -> Iterator[bytes]:
    """Head, the rows' text joined by ``separator``, tail — in chunks."""
    yield head
    first = True
    for chunk in query.stream_bytes(engine, stmt):
        text = separator.join(chunk)
        if not first and separator:
            text = separator + text
        first = False
        yield text
    yield tail


def chain(parts: Iterable[Iterable[bytes]]) -> Iterator[bytes]:
    for part in parts:
        yield from part
