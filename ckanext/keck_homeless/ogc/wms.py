"""WMS 1.3.0 and 1.1.1 over the feature store.

``handle(request)`` answers GetCapabilities, GetMap, GetFeatureInfo and
GetLegendGraphic (SLD extension) for an
:class:`~ckanext.keck_homeless.ogc.ows.OWSRequest` and returns
``(status, headers, body)``. No Flask/CKAN imports.

Layers: ``hilfsangebote`` (all public offers; the root layer) and one child
layer per category, ``hilfsangebote_<category>``. Only rows of the feature
store are drawn or queried, so hidden offers never appear and approximate
ones only at their coarsened position. One layer per loaded area level,
``gebiete_<level>``: a choropleth of a KECK-Atlas indicator, one STYLE per
indicator (:mod:`choropleth`); layers are painted in the order given.

Axis order: WMS 1.3.0 ``CRS=EPSG:4326``/``EPSG:4258`` → BBOX is
``minlat,minlon,maxlat,maxlon``; ``CRS=CRS:84`` and every WMS 1.1.1 ``SRS``
→ longitude first; projected CRSs → easting, northing.
"""
from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from typing import Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

import sqlalchemy as sa
from sqlalchemy import func

from ckanext.keck_homeless.offers.constants import NAMESPACE_URI
from ckanext.keck_homeless.ogc import choropleth, errors, query, render, wms_capabilities
from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import request as request_types
from ckanext.keck_homeless.ogc.query import AREA_PREFIX, PUBLISHED_CATEGORIES
from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import offer

log = logging.getLogger(__name__)

V130, V111 = "1.3.0", "1.1.1"
ROOT_LAYER = "hilfsangebote"
CATEGORY_PREFIX = "hilfsangebote_"
DEFAULT_STYLE = "default"
PNG = "image/png"
OPT = "ckanext.keck_homeless.wms."
MAX_FEATURE_COUNT = 100

#: INFO_FORMATs of GetFeatureInfo, the first is the default.
INFO_FORMATS = ("text/html", "application/json", "application/geo+json",
                "application/vnd.ogc.gml", "application/vnd.ogc.gml/3.1.1",
                "text/xml", "text/plain")

_cache: render.RenderCache | None = None


class InvalidSRS(errors.InvalidCRS):
    """WMS 1.1.1 name of ``InvalidCRS``."""
    code = "InvalidSRS"


# -- settings -------------------------------------------------------------------
#: The WMS limits (ogc/request.py, built from the options by config.py).
Limits = request_types.Limits


def cache(lim: Limits) -> render.RenderCache:
    global _cache
    if _cache is None or _cache.max_bytes != lim.cache_mb * 1024 * 1024:
        _cache = render.RenderCache(lim.cache_mb * 1024 * 1024)
    return _cache


def layer_names() -> list[str]:
    return [ROOT_LAYER] + [CATEGORY_PREFIX + c.code for c in PUBLISHED_CATEGORIES]


class AreaLayer(NamedTuple):
    """An area layer in a map request: the level and the indicator (style)."""

    level: str
    style: str


def categories_of(layer: str, locator: str = "LAYERS", engine=None):
    """What ``layer`` draws (case-insensitive; ``keck:`` prefix allowed): the
    categories of an offers layer, or an :class:`AreaLayer` (default style;
    needs ``engine`` to see the loaded levels)."""
    name = layer.strip().lower()
    if ":" in name:
        name = name.split(":", 1)[1]
    if name == ROOT_LAYER:
        return tuple(c.code for c in PUBLISHED_CATEGORIES)
    if name.startswith(CATEGORY_PREFIX):
        cat = name[len(CATEGORY_PREFIX):]
        if cat in {c.code for c in PUBLISHED_CATEGORIES}:
            return (cat,)
    if name.startswith(AREA_PREFIX) and engine is not None:
        level = name[len(AREA_PREFIX):]
        if level in query.area_levels(engine):
            return AreaLayer(level, choropleth.DEFAULT_STYLE)
    raise errors.LayerNotDefined(f"Unbekannte Ebene / unknown layer {layer[:80]!r}",
                                 locator=locator)


# -- entry point ----------------------------------------------------------------
def handle(request) -> tuple[int, dict, bytes]:
    """Answer one WMS request (see module docstring)."""
    req_name = (request.get("REQUEST") or "").lower()
    version = V111 if (request.get("VERSION") or "").startswith("1.1") else V130
    try:
        version = negotiate(request.get("VERSION") or request.get("WMTVER"),
                            capabilities=req_name == "getcapabilities",
                            required=req_name in ("getmap", "getfeatureinfo"))
        if req_name == "getcapabilities":
            key = ("wms", version, request.base_url, request.site_url, request.lang,
                   request.settings)
            store_version, result = query.per_store_version(
                request.engine, key, lambda v: wms_capabilities.capabilities(
                    request, version, request.settings.wms, v))
            wms_capabilities.check_update_sequence(request, store_version)
            return result
        if req_name in ("getmap", "map"):
            return get_map(request, version)
        if req_name in ("getfeatureinfo", "feature_info"):
            return get_feature_info(request, version)
        if req_name == "getlegendgraphic":
            return get_legend_graphic(request, version)
        if not req_name:
            raise errors.MissingParameterValue("Parameter REQUEST fehlt / is missing", locator="REQUEST")
        raise errors.OperationNotSupported(
            f"Unbekannte WMS-Anfrage / unknown WMS request {request.get('REQUEST')[:40]!r}", locator="REQUEST",
            status=400)
    except errors.OWSException as exc:
        if version == V111 and isinstance(exc, errors.InvalidCRS):
            exc.code = InvalidSRS.code
        return render_exception(exc, request, version, req_name)
    except Exception as err:  # e.g. the database is down: a WMS report, no stack trace
        if query.database_unavailable(err):
            log.warning("WMS request: database unavailable: %s", err)
            return errors.ServiceUnavailable().render_wms(version)
        log.exception("WMS request failed: %r", getattr(request, "args", None))
        return errors.NoApplicableCode("Interner Fehler / internal error",
                                       status=500).render_wms(version)


def negotiate(value: str | None, capabilities: bool = False, required: bool = False) -> str:
    """The WMS version to answer with (OGC 06-042 §6.2.4 negotiation).
    ``required``: GetMap and GetFeatureInfo must name it (06-042 tables 8, 9)."""
    if not value:
        if required:
            raise errors.MissingParameterValue("Parameter VERSION fehlt / is missing", locator="VERSION")
        return V130
    try:
        parts = tuple(int(p) for p in value.strip().split("."))
    except ValueError:
        if capabilities:
            return V130
        raise errors.InvalidParameterValue("VERSION muss 1.3.0 oder 1.1.1 sein / must be 1.3.0 or 1.1.1",
                                           locator="VERSION") from None
    if capabilities:
        return V130 if parts >= (1, 3) else V111
    if parts[:2] == (1, 3):
        return V130
    if parts[:2] == (1, 1):
        return V111
    raise errors.InvalidParameterValue("VERSION muss 1.3.0 oder 1.1.1 sein / must be 1.3.0 or 1.1.1", locator="VERSION")


def render_exception(exc: errors.OWSException, request, version: str,
                     req_name: str) -> tuple[int, dict, bytes]:
    """XML, or for GetMap INIMAGE / BLANK when the image size is usable."""
    mode = (request.get("EXCEPTIONS") or "").lower()
    image_mode = ("inimage" if mode in ("inimage", "application/vnd.ogc.se_inimage") else
                  "blank" if mode in ("blank", "application/vnd.ogc.se_blank") else None)
    if image_mode and req_name in ("getmap", "map"):
        try:
            lim = request.settings.wms
            width, height = _size(request, lim)
            transparent = _bool(request.get("TRANSPARENT"))
            bg = render.parse_bgcolor(request.get("BGCOLOR"))
        except (errors.OWSException, ValueError):
            pass
        else:
            if image_mode == "blank":
                body = render.blank_png(width, height, transparent, bg)
            else:
                body = render.error_png(width, height, f"{exc.code}: {exc.text}",
                                        transparent, bg)
            return 200, {"Content-Type": PNG}, body
    return exc.render_wms(version)


# -- parameters -----------------------------------------------------------------
@dataclass(frozen=True)
class MapRequest:
    layers: tuple[str, ...]
    #: per layer: the categories of an offers layer, or an AreaLayer
    categories: tuple
    crs: crslib.CRS
    bbox: tuple[float, float, float, float]  # PostGIS order: minx, miny, maxx, maxy
    width: int
    height: int
    transparent: bool
    bgcolor: tuple[int, int, int]

    def cache_key(self) -> tuple:
        return (self.categories, self.crs.srid, tuple(round(v, 9) for v in self.bbox),
                self.width, self.height, self.transparent, self.bgcolor)

    @property
    def scale(self) -> tuple[float, float]:
        minx, miny, maxx, maxy = self.bbox
        return self.width / (maxx - minx), self.height / (maxy - miny)


def _required(request, name: str) -> str:
    value = request.get(name)
    if value is None:
        raise errors.MissingParameterValue(f"Parameter {name} fehlt / is missing", locator=name)
    return value


def _bool(value: str | None) -> bool:
    return (value or "").strip().upper() == "TRUE"


def _int(request, name: str, *, required: bool = True, default: int | None = None) -> int:
    raw = _required(request, name) if required else request.get(name)
    if raw is None:
        return default  # type: ignore[return-value]
    try:
        return int(raw.strip())
    except ValueError:
        raise errors.InvalidParameterValue(f"{name} muss eine ganze Zahl sein / must be an integer", locator=name) from None


def _size(request, lim: Limits) -> tuple[int, int]:
    width, height = _int(request, "WIDTH"), _int(request, "HEIGHT")
    for name, value, maximum in (("WIDTH", width, lim.max_width),
                                 ("HEIGHT", height, lim.max_height)):
        if value <= 0:
            raise errors.InvalidParameterValue(f"{name} muss positiv sein / must be positive", locator=name)
        if value > maximum:
            raise errors.InvalidParameterValue(
                f"{name} {value} ist größer als das Maximum / exceeds the maximum {maximum}", locator=name)
    return width, height


def _layers(request, param: str = "LAYERS") -> tuple[tuple[str, ...], tuple]:
    raw = _required(request, param)
    names = tuple(n.strip() for n in raw.split(","))
    if not all(names):
        raise errors.LayerNotDefined(f"Leerer Ebenenname in {param} / empty layer name", locator=param)
    return names, tuple(categories_of(n, param, request.engine) for n in names)


def _styles(request, drawn: tuple) -> tuple:
    """Apply STYLES to what the layers draw: offers layers know only
    ``default``; area layers one style per indicator (empty: the default)."""
    raw = request.get("STYLES")
    if raw is None:
        if request.get("SLD") or request.get("SLD_BODY"):
            raise errors.OperationNotSupported("SLD / SLD_BODY werden nicht unterstützt / are not supported",
                                               locator="SLD")
        return drawn
    styles = [s.strip() for s in raw.split(",")]
    if len(styles) not in (1, len(drawn)) and any(styles):
        raise errors.StyleNotDefined("STYLES: ein Stil je Ebene / one style per layer", locator="STYLES")
    if len(styles) != len(drawn):  # one style (or none) for every layer
        styles = styles[:1] * len(drawn) if len(styles) == 1 else [""] * len(drawn)
    out = []
    for layer, name in zip(drawn, styles, strict=True):
        out.append(_style_of(layer, name, "STYLES"))
    return tuple(out)


def _style_of(layer, name: str | None, locator: str):
    if isinstance(layer, AreaLayer):
        found = choropleth.style(name)
        if found is None:
            raise errors.StyleNotDefined(
                f"Unbekannter Stil / unknown style {str(name)[:60]!r} (Kennzahlen / indicators: "
                + ", ".join(s.name for s in choropleth.styles()) + ")", locator=locator)
        return AreaLayer(layer.level, found.name)
    if name and name.lower() != DEFAULT_STYLE:
        raise errors.StyleNotDefined("Unbekannter Stil (nur 'default') / unknown style (only 'default')",
                                     locator=locator)
    return layer


def _crs(request, version: str) -> crslib.CRS:
    name = "CRS" if version == V130 else "SRS"
    raw = request.get(name) or request.get("SRS" if name == "CRS" else "CRS")
    if raw is None:
        raise errors.MissingParameterValue(f"Parameter {name} fehlt / is missing", locator=name)
    try:
        return crslib.parse(raw, epsg_code_latlon=version == V130, locator=name)
    except errors.InvalidParameterValue as exc:
        raise errors.InvalidCRS(exc.text, locator=name) from None


def _bbox(request, crs: crslib.CRS) -> tuple[float, float, float, float]:
    raw = _required(request, "BBOX")
    parts = raw.split(",")
    try:
        nums = tuple(float(p) for p in parts)
    except ValueError:
        raise errors.InvalidParameterValue("BBOX muss vier Zahlen enthalten / BBOX must be four numbers", locator="BBOX") from None
    if len(nums) != 4 or any(n != n or abs(n) == float("inf") for n in nums):
        raise errors.InvalidParameterValue("BBOX muss vier endliche Zahlen enthalten / BBOX must be four finite numbers", locator="BBOX")
    if nums[0] >= nums[2] or nums[1] >= nums[3]:
        raise errors.InvalidParameterValue("BBOX: Minimum muss kleiner als Maximum sein / minimum must be smaller than maximum",
                                           locator="BBOX")
    return crs.bbox_xy(nums)  # type: ignore[arg-type]


def parse_map_request(request, version: str, lim: Limits, *, need_format: bool = True) -> MapRequest:
    layers, cats = _layers(request)
    cats = _styles(request, cats)
    crs = _crs(request, version)
    bbox = _bbox(request, crs)
    width, height = _size(request, lim)
    fmt = request.get("FORMAT")
    if need_format:
        fmt = _required(request, "FORMAT")
    if fmt is not None and fmt.split(";")[0].strip().lower() not in (PNG, "png", "image/png8"):
        raise errors.InvalidFormat(f"FORMAT {fmt[:60]!r} wird nicht unterstützt / is not supported (image/png)",
                                   locator="FORMAT")
    try:
        bg = render.parse_bgcolor(request.get("BGCOLOR"))
    except ValueError:
        raise errors.InvalidParameterValue("BGCOLOR muss 0xRRGGBB sein / BGCOLOR must be 0xRRGGBB", locator="BGCOLOR") from None
    return MapRequest(layers, cats, crs, bbox, width, height,
                      _bool(request.get("TRANSPARENT")), bg)


# -- queries --------------------------------------------------------------------
def _geometry(srid: int):
    """(indexed column, its SRID, expression of the point in ``srid``)."""
    if srid == 25832:
        return offer.c.geom_utm, 25832, offer.c.geom_utm
    if srid in (4326, 4258):
        return offer.c.geom, 4326, offer.c.geom
    return offer.c.geom, 4326, func.ST_Transform(offer.c.geom, srid)


def _envelope(bbox, srid: int, storage_srid: int):
    env = func.ST_MakeEnvelope(bbox[0], bbox[1], bbox[2], bbox[3], srid)
    if srid in (4326, 4258) and storage_srid == 4326:
        return func.ST_SetSRID(env, 4326)  # ETRS89 = WGS 84 at this scale
    if srid == storage_srid:
        return env
    return func.ST_Transform(env, storage_srid)


def _pad(m: MapRequest, pixels: float):
    sx, sy = m.scale
    minx, miny, maxx, maxy = m.bbox
    return (minx - pixels / sx, miny - pixels / sy, maxx + pixels / sx, maxy + pixels / sy)


def _xy(srid: int):
    """Expressions of x and y of the offers in ``srid`` (the plain lon/lat
    columns for the geographic CRSs: no geometry to decode)."""
    if srid in (4326, 4258):
        return offer.c.lon, offer.c.lat
    _, _, point = _geometry(srid)
    return func.ST_X(point), func.ST_Y(point)


def map_points(conn, m: MapRequest, categories: tuple[str, ...], symbol_px: int):
    """Distinct ``(category, px, py)`` of ``categories`` in the map, in
    painting order (north first, so southern symbols lie on top)."""
    column, storage_srid, _ = _geometry(m.crs.srid)
    x, y = _xy(m.crs.srid)
    sx, sy = m.scale
    minx, _, _, maxy = m.bbox
    px = sa.cast(func.floor((x - minx) * sx), sa.Integer).label("px")
    py = sa.cast(func.floor((maxy - y) * sy), sa.Integer).label("py")
    inner = (sa.select(offer.c.category, px, py)
             .where(column.op("&&")(_envelope(_pad(m, symbol_px), m.crs.srid, storage_srid)))
             .where(offer.c.category.in_(categories))
             .subquery())
    query = (sa.select(inner.c.category, inner.c.px, inner.c.py)
             .group_by(inner.c.category, inner.c.px, inner.c.py)
             .order_by(inner.c.py, inner.c.px, inner.c.category))
    return conn.execute(query).all()


# -- GetMap ---------------------------------------------------------------------
def get_map(request, version: str) -> tuple[int, dict, bytes]:
    lim = request.settings.wms
    m = parse_map_request(request, version, lim)
    areas = {layer.level for layer in m.categories if isinstance(layer, AreaLayer)}
    for level in sorted(areas):
        query.ensure_figures(request.engine, query.area_type(level))
    key = m.cache_key() + (lim.symbol_px, lim.png_compress_level)
    if areas:  # the figures (and classes) change with the day and the areas too
        with request.engine.connect() as conn:
            key += tuple(_figures_basis(conn, level) for level in sorted(areas))
    store = cache(lim)
    # The version is read BEFORE the points, in the same transaction: a
    # commit in between can only make the image newer than its key, never
    # older, and a newer version makes the key unreachable — never stale.
    with request.engine.connect() as conn, conn.begin():
        ver = published.version(conn)
        body = store.get(ver, key)
        if body is not None:
            return 200, _png_headers(ver, hit=True), body
        # grouping 100k points hashes in memory instead of sorting on disk
        conn.exec_driver_sql("SET LOCAL work_mem = '32MB'")
        if areas:
            image = _draw_layers(conn, m, lim.symbol_px)
        else:
            layers = [map_points(conn, m, cats, lim.symbol_px) for cats in m.categories]
    if not areas:
        image = render.draw_points(m.width, m.height, (p for points in layers for p in points),
                                   transparent=m.transparent, bgcolor=m.bgcolor,
                                   symbol_px=lim.symbol_px)
    body = render.encode_png(image, m.transparent, lim.png_compress_level)
    store.put(ver, key, body)
    return 200, _png_headers(ver, hit=False), body


def _figures_basis(conn, level: str) -> str | None:
    from ckanext.keck_homeless.store import area_figures

    return area_figures.stored_basis(conn, level)


def _draw_layers(conn, m: MapRequest, symbol_px: int):
    """A map with area layers: each layer drawn on its own transparent
    image and composited in the order of LAYERS (the first at the bottom)."""
    canvas = render.new_canvas(m.width, m.height, m.transparent, m.bgcolor)
    for layer in m.categories:
        if isinstance(layer, AreaLayer):
            classes = choropleth.classify(choropleth.level_values(conn, layer.level, layer.style))
            polygons = choropleth.map_polygons(conn, layer.level, layer.style, m.bbox,
                                               m.crs.srid, m.width, m.height)
            canvas.alpha_composite(choropleth.draw(m.width, m.height, polygons, classes))
        else:
            points = map_points(conn, m, layer, symbol_px)
            canvas.alpha_composite(render.draw_points(
                m.width, m.height, points, transparent=True, bgcolor=(0, 0, 0),
                symbol_px=symbol_px))
    return canvas


def _png_headers(version: int, hit: bool) -> dict:
    return {"Content-Type": PNG, "X-Keck-Store-Version": str(version),
            "X-Keck-Render-Cache": "hit" if hit else "miss"}


# -- GetFeatureInfo -------------------------------------------------------------
def get_feature_info(request, version: str) -> tuple[int, dict, bytes]:
    lim = request.settings.wms
    m = parse_map_request(request, version, lim, need_format=False)
    qnames, qcats = _layers(request, "QUERY_LAYERS")
    info_format = (request.get("INFO_FORMAT") or INFO_FORMATS[0]).split(";")[0].strip().lower()
    if info_format not in INFO_FORMATS:
        raise errors.InvalidFormat(f"INFO_FORMAT {info_format[:60]!r} wird nicht unterstützt / is not supported",
                                   locator="INFO_FORMAT")
    i_name, j_name = ("I", "J") if version == V130 else ("X", "Y")
    if request.get(i_name) is None and request.get(j_name) is None:
        # tolerate the other version's names (clients mixing 1.1.1 and 1.3.0)
        alt = ("X", "Y") if version == V130 else ("I", "J")
        if request.get(alt[0]) is not None:
            i_name, j_name = alt
    i, j = _int(request, i_name), _int(request, j_name)
    if not (0 <= i < m.width and 0 <= j < m.height):
        raise errors.InvalidPoint(f"{i_name}/{j_name} liegen außerhalb der Karte / lie outside the map", locator=i_name)
    count = _int(request, "FEATURE_COUNT", required=False, default=1)
    if count <= 0:
        raise errors.InvalidParameterValue("FEATURE_COUNT muss positiv sein / must be positive",
                                           locator="FEATURE_COUNT")
    count = min(count, MAX_FEATURE_COUNT)
    tolerance = max(lim.tolerance_px, 0) + 0.5
    site = getattr(request, "site_url", "") or ""
    lang = getattr(request, "lang", "de") or "de"
    for layer in qcats:
        if isinstance(layer, AreaLayer):
            query.ensure_figures(request.engine, query.area_type(layer.level))
    with request.engine.connect() as conn:
        results = []
        for name, layer in zip(qnames, qcats, strict=False):
            if isinstance(layer, AreaLayer):
                hits = query_area(conn, m, layer.level, i, j, count)
            else:
                hits = [_offer_hit(r, site, lang)
                        for r in query_point(conn, m, layer, i, j, tolerance, count)]
            results.append((name, hits))
    return encode_info(results, info_format, m, request)


class Hit(NamedTuple):
    """A GetFeatureInfo result: id, published properties, GeoJSON geometry
    (None for areas: their outline is a WFS/OGC API request away) and the
    position in the map CRS (None for areas)."""

    id: str
    properties: dict[str, Any]
    geometry: dict | None
    xy: tuple[float, float] | None


def _offer_hit(row: dict, site: str, lang: str) -> Hit:
    return Hit(row["package_id"], feature_properties(row, site, lang),
               {"type": "Point", "coordinates": [row["lon"], row["lat"]]}, (row["x"], row["y"]))


def query_area(conn, m: MapRequest, level: str, i: int, j: int, count: int) -> list[Hit]:
    """The area of ``level`` under the centre of pixel (i, j), with the
    same properties as its WFS / OGC API feature."""
    sx, sy = m.scale
    minx, _, _, maxy = m.bbox
    cx, cy = minx + (i + 0.5) / sx, maxy - (j + 0.5) / sy
    source = query.AreaSource(level)
    props = source.properties()
    point = func.ST_Transform(func.ST_SetSRID(func.ST_MakePoint(
        sa.bindparam(None, cx, type_=sa.Float), sa.bindparam(None, cy, type_=sa.Float)),
        m.crs.srid), 25832)
    stmt = (sa.select(*[expr.label(name) for name, expr in props]).select_from(source.from_)
            .where(*source.conditions()).where(func.ST_Intersects(source.geom_utm, point))
            .order_by(source.key).limit(count))
    hits = []
    for row in conn.execute(stmt).mappings():
        values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        hits.append(Hit(str(row["code"]), values, None, None))
    return hits


def query_point(conn, m: MapRequest, categories, i: int, j: int, tolerance: float,
                count: int) -> list[dict]:
    """Offers whose pixel lies within ``tolerance`` pixels of pixel (i, j),
    nearest first."""
    column, storage_srid, point = _geometry(m.crs.srid)
    sx, sy = m.scale
    minx, miny, maxx, maxy = m.bbox
    cx, cy = minx + (i + 0.5) / sx, maxy - (j + 0.5) / sy
    window = (cx - tolerance / sx, cy - tolerance / sy, cx + tolerance / sx, cy + tolerance / sy)
    dx = (func.ST_X(point) - cx) * sx
    dy = (func.ST_Y(point) - cy) * sy
    dist2 = (dx * dx + dy * dy).label("dist2")
    cols = [offer.c[name] for name in INFO_COLUMNS] + published.live_columns()
    query = (sa.select(*cols, func.ST_X(point).label("x"), func.ST_Y(point).label("y"), dist2)
             .where(column.op("&&")(_envelope(window, m.crs.srid, storage_srid)))
             .where(offer.c.category.in_(categories))
             .where(dx * dx + dy * dy <= tolerance * tolerance)
             .order_by(dist2, offer.c.name).limit(count))
    return [dict(row) for row in conn.execute(query).mappings()]


#: The store columns GetFeatureInfo reads: what the published attributes need.
INFO_COLUMNS = published.columns()


def feature_properties(row: dict, site_url: str, lang: str = "de") -> dict[str, Any]:
    """The published attributes of a GetFeatureInfo hit (store/published.py):
    the same names and values as a WFS or OGC API feature."""
    return published.from_row(row, site_url, lang)


def _text(value: Any) -> str:
    """A value as XML/plain text, booleans as ``xsd:boolean``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_info(results: list[tuple[str, list[Hit]]], info_format: str, m: MapRequest,
                request) -> tuple[int, dict, bytes]:
    lang = getattr(request, "lang", "de") or "de"
    if info_format in ("application/json", "application/geo+json"):
        feats = [{"type": "Feature", "id": h.id, "layer": name, "geometry": h.geometry,
                  "properties": h.properties}
                 for name, hits in results for h in hits]
        body = json.dumps({"type": "FeatureCollection", "features": feats},
                          ensure_ascii=False).encode("utf-8")
        return 200, {"Content-Type": f"{info_format}; charset=UTF-8"}, body
    if info_format == "text/html":
        return 200, {"Content-Type": "text/html; charset=UTF-8"}, _info_html(results, lang)
    if info_format == "text/plain":
        lines = []
        for name, hits in results:
            lines.append(f"Layer '{name}': {len(hits)}")
            for h in hits:
                lines += [f"  {k} = {_text(v)}" for k, v in h.properties.items()
                          if v is not None]
        return 200, {"Content-Type": "text/plain; charset=UTF-8"}, "\n".join(lines).encode()
    gml2 = info_format == "application/vnd.ogc.gml"
    settings = getattr(request, "settings", None)
    namespace = getattr(settings, "namespace_uri", None) or KECK_NS
    return 200, {"Content-Type": f"{info_format}; charset=UTF-8"}, _info_gml(
        results, m, gml2, namespace)


def _info_html(results, lang: str) -> bytes:
    en = lang.startswith("en")
    title = "Feature info" if en else "Objektinformation"
    parts = [f'<!DOCTYPE html>\n<html lang="{"en" if en else "de"}"><head><meta charset="utf-8">'
             f"<title>{title}</title></head><body>"]
    found = False
    for _name, hits in results:
        for h in hits:
            found = True
            props = h.properties
            caption = html.escape(str(props.get("name") or h.id))
            if props.get("url"):
                caption = f'<a href="{html.escape(props["url"])}">{caption}</a>'
            parts.append(f'<table class="keck-featureinfo"><caption>{caption}</caption>')
            for key, value in props.items():
                if value not in (None, "") and key not in ("name", "url"):
                    parts.append(f"<tr><th>{html.escape(key)}</th>"
                                 f"<td>{html.escape(_text(value))}</td></tr>")
            parts.append("</table>")
    if not found:
        parts.append("<p>%s</p>" % ("No offer here." if en else "Kein Angebot an dieser Stelle."))
    parts.append("</body></html>\n")
    return "".join(parts).encode("utf-8")


GML_NS = "http://www.opengis.net/gml"
KECK_NS = NAMESPACE_URI


def _info_gml(results, m: MapRequest, gml2: bool, namespace: str = KECK_NS) -> bytes:
    srs = m.crs.given
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" '
           f'xmlns:gml="{GML_NS}" xmlns:keck={quoteattr(namespace)}>\n']
    for name, hits in results:
        lname = name.split(":")[-1].lower()
        for h in hits:
            out.append(f'  <gml:featureMember><keck:{lname} fid={quoteattr(h.id)}>'
                       if gml2 else
                       f'  <gml:featureMember><keck:{lname} gml:id='
                       f'{quoteattr(lname + "." + h.id)}>')
            for key, value in h.properties.items():
                if value is not None:
                    out.append(f"<keck:{key}>{escape(_text(value))}</keck:{key}>")
            if h.xy is not None:
                a, b = m.crs.pair(*h.xy)
                pos = (f"<gml:coordinates>{a!r},{b!r}</gml:coordinates>" if gml2
                       else f"<gml:pos>{a!r} {b!r}</gml:pos>")
                out.append(f"<keck:geometry><gml:Point srsName={quoteattr(srs)}>{pos}"
                           "</gml:Point></keck:geometry>")
            out.append(f"</keck:{lname}></gml:featureMember>\n")
    out.append("</wfs:FeatureCollection>\n")
    return "".join(out).encode("utf-8")


# -- GetLegendGraphic -----------------------------------------------------------
def get_legend_graphic(request, version: str) -> tuple[int, dict, bytes]:
    layer = _required(request, "LAYER")
    categories = categories_of(layer, "LAYER", request.engine)
    fmt = (request.get("FORMAT") or PNG).split(";")[0].strip().lower()
    if fmt != PNG:
        raise errors.InvalidFormat(f"FORMAT {fmt[:60]!r} wird nicht unterstützt / is not supported (image/png)",
                                   locator="FORMAT")
    categories = _style_of(categories, request.get("STYLE"), "STYLE")
    lang = (request.get("LANGUAGE") or getattr(request, "lang", "de") or "de").lower()
    lim = request.settings.wms
    symbol_px = lim.symbol_px
    if request.get("WIDTH") or request.get("HEIGHT"):
        size = _int(request, "WIDTH", required=False, default=None) or _int(
            request, "HEIGHT", required=False, default=symbol_px)
        if size <= 0 or size > 256:
            raise errors.InvalidParameterValue("WIDTH/HEIGHT einer Legende: 1 … 256 / of a legend: 1 … 256",
                                               locator="WIDTH")
        symbol_px = max(size, 4)
    try:
        bg = render.parse_bgcolor(request.get("BGCOLOR"))
    except ValueError:
        raise errors.InvalidParameterValue("BGCOLOR muss 0xRRGGBB sein / BGCOLOR must be 0xRRGGBB", locator="BGCOLOR") from None
    transparent = request.get("TRANSPARENT") is None or _bool(request.get("TRANSPARENT"))
    if isinstance(categories, AreaLayer):
        body = choropleth.area_legend(request.engine, categories.level, categories.style,
                                      lang[:2], transparent=transparent, bgcolor=bg)
        return 200, {"Content-Type": PNG}, body
    body = render.legend_png(render.category_entries(categories, lang), symbol_px=symbol_px,
                             transparent=transparent, bgcolor=bg)
    return 200, {"Content-Type": PNG}, body

