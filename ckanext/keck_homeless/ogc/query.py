"""Queries against the feature store ``keck_homeless.offer`` (SQLAlchemy Core).

Everything a client sends ends up in bound parameters; column and function
names come only from the static tables below. Filters arrive as pygeofilter
ASTs (FES 2.0 XML, CQL2) and are translated by :class:`SQLFilter`, which knows
our CRS/axis-order rules (see :mod:`ckanext.keck_homeless.ogc.crs`).

The store holds only what may be public (hidden offers never reach it,
approximate ones are already coarsened), so every query here is safe to serve.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import Evaluator, handle

from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc.errors import InvalidParameterValue, OperationProcessingFailed
from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import area, area_figure, offer

#: Properties every GML feature inherits; they exist but cannot be compared.
GML_PROPERTIES = frozenset({"boundedBy", "name", "description", "identifier", "location",
                            "metaDataProperty", "descriptionReference"})

GEOMETRY_NAME = published.GEOMETRY_NAME


class Source:
    """Where a feature type's rows come from: the offers of the feature store
    (points) or the areas of one level with their figures (polygons).

    Everything a query needs of its table goes through here — the FROM
    clause, the key, the geometries, the published properties and their
    types — so WFS, OGC API and WMS treat both alike."""

    point = True
    #: GML property types of the geometry (GML 3, GML 2)
    gml_geometry = ("gml:PointPropertyType", "gml:PointPropertyType")
    geojson_type = "Point"

    @property
    def from_(self):
        return offer

    @property
    def key(self):
        return offer.c.package_id

    @property
    def geom_utm(self):
        return offer.c.geom_utm

    @property
    def geom_wgs84(self):
        return offer.c.geom

    def conditions(self) -> list:
        return []

    def properties(self, site_url: str) -> list[tuple[str, Any]]:
        return published.sql_properties(site_url)

    def xsd(self, name: str) -> str:
        attr = published.BY_NAME.get(name)
        return attr.xsd if attr else "string"

    def attributes(self) -> list[tuple[str, str, str, str]]:
        """(name, xsd type, German title, English title) of each property."""
        return [(a.name, a.xsd, a.de, a.en) for a in published.ATTRIBUTES]

    def is_property(self, name: str) -> bool:
        return name in published.NAMES


OFFERS = Source()


class AreaSource(Source):
    """The areas of one level (store/areas.py) with their KECK-Atlas figures
    (store/area_figures.py) as properties."""

    point = False
    gml_geometry = ("gml:MultiSurfacePropertyType", "gml:MultiPolygonPropertyType")
    geojson_type = "MultiPolygon"

    def __init__(self, level: str):
        self.level = level

    def __eq__(self, other):
        return isinstance(other, AreaSource) and other.level == self.level

    def __hash__(self):
        return hash(("area", self.level))

    @property
    def from_(self):
        return area.outerjoin(area_figure, sa.and_(area_figure.c.level == area.c.level,
                                                   area_figure.c.code == area.c.code))

    @property
    def key(self):
        return area.c.code

    @property
    def geom_utm(self):
        return area.c.geom

    @property
    def geom_wgs84(self):
        return sa.func.ST_Transform(area.c.geom, 4326)

    def conditions(self) -> list:
        return [area.c.level == sa.bindparam(None, self.level, type_=sa.Text)]

    def properties(self, site_url: str = "") -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("code", area.c.code), ("name", area.c.name),
                                      ("level", area.c.level)]
        for name, xsd, _de, _en in area_attributes()[3:]:
            if name == "quelle":
                out.append((name, area.c.source))
                continue
            value = area_figure.c.figures[name].astext
            cast = {"integer": sa.Integer, "double": sa.Float, "date": sa.Date}.get(xsd)
            out.append((name, sa.cast(value, cast) if cast else value))
        return out

    def xsd(self, name: str) -> str:
        return {a[0]: a[1] for a in area_attributes()}.get(name, "string")

    def attributes(self) -> list[tuple[str, str, str, str]]:
        return area_attributes()

    def is_property(self, name: str) -> bool:
        return name in {a[0] for a in area_attributes()}


@functools.lru_cache(maxsize=1)
def area_attributes() -> list[tuple[str, str, str, str]]:
    """(name, xsd type, German, English) of an area feature: key, name,
    level, every KECK-Atlas indicator (offers/figures.py), source note."""
    from ckanext.keck_homeless.offers import figures

    out = [("code", "string", "Gebietsschlüssel", "Area code"),
           ("name", "string", "Gebiet", "Area"), ("level", "string", "Ebene", "Level")]
    for ind in figures.indicators():
        xsd = {"Datum": "date", "je 10.000": "double"}.get(ind.unit, "integer")
        out.append((ind.key, xsd, ind.de, ind.de))
    out.append(("quelle", "string", "Quellenvermerk der Geometrien", "Source note of the geometries"))
    return out


def column_of(name: str, *, site_url: str = "", locator: str = "FILTER", source: Source = OFFERS):
    """SQL expression for a (possibly prefixed / XPath-like) property name."""
    local = (name or "").strip().split("/")[-1].split(":")[-1].lstrip("@")
    if local in (GEOMETRY_NAME, "geom", "the_geom", "msGeometry", "shape"):
        return None  # geometry: handled by the spatial operators
    for pname, expr in source.properties(site_url):
        if pname == local:
            return expr
    if not local:
        raise InvalidParameterValue("Leere Eigenschaft (ValueReference/PropertyName) / empty "
                                    "property (ValueReference/PropertyName)", locator=locator)
    raise InvalidParameterValue(f"Unbekannte Eigenschaft / unknown property {str(name)[:80]!r}",
                                locator=locator)


def type_of(name: str, source: Source = OFFERS) -> str:
    local = (name or "").split("/")[-1].split(":")[-1]
    return source.xsd(local)


class FeatureType(NamedTuple):
    """A WFS feature type / OGC API collection / WMS layer.
    ``category`` None means all offers; ``level`` set means the areas of
    that level (a polygon layer with the KECK-Atlas figures)."""

    name: str
    category: str | None
    title_de: str
    title_en: str
    level: str | None = None

    def title(self, lang: str = "de") -> str:
        return self.title_en if lang.startswith("en") else self.title_de

    @property
    def source(self) -> Source:
        return AreaSource(self.level) if self.level else OFFERS


#: Prefix of the area feature types: ``gebiete_<level>``.
AREA_PREFIX = "gebiete_"
#: Names of the levels a county is likely to load.
_LEVEL_TITLES = {"gemeinde": ("Gemeinden", "municipalities"),
                 "ortslage": ("Ortslagen", "localities"),
                 "stadtteil": ("Stadtteile", "districts")}


def area_type(level: str) -> FeatureType:
    de, en = _LEVEL_TITLES.get(level, (level, level))
    return FeatureType(AREA_PREFIX + level, None, f"KECK-Atlas: Kennzahlen je Gebiet ({de})",
                       f"KECK-Atlas: figures per area ({en})", level)


#: (engine URL, store version, key) → a value built from published data
_PER_VERSION: dict[tuple, Any] = {}
_PER_VERSION_MAX = 256


def per_store_version(engine, key: tuple, build: Callable[[int], Any]) -> tuple[int, Any]:
    """``(version, build(version))``, built once per store version and ``key``
    (capabilities documents: they change only when the store does). One
    query per call: the store version."""
    with engine.connect() as conn:
        version = published.version(conn)
    full = (str(engine.url), version, key)
    try:
        return version, _PER_VERSION[full]
    except KeyError:
        pass
    value = build(version)
    if len(_PER_VERSION) >= _PER_VERSION_MAX:
        _PER_VERSION.clear()
    _PER_VERSION[full] = value
    return version, value


def area_levels(engine) -> list[str]:
    """The levels with areas (none before the areas migration)."""
    return [layer.ftype.level for layer in area_layers(engine)]


class AreaLayer(NamedTuple):
    """What capabilities and collection metadata say about an area level."""

    ftype: FeatureType
    #: lon/lat extent
    bbox: tuple[float, float, float, float]
    #: source / licence note of the geometries (shown with them)
    note: str
    count: int
    #: where the note links to (may be empty)
    url: str = ""


_AREA_LAYERS = sa.text("""
    SELECT level, n, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), note, url
    FROM (SELECT level, count(*) AS n, min(nullif(source_url, '')) AS url,
                 ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 25832), 4326) AS b,
                 string_agg(DISTINCT nullif(source, ''), '; ') AS note
          FROM keck_homeless.area GROUP BY level) x
    ORDER BY level""")


#: engine URL → (store version, area layers): capabilities and type names
#: need them on every request; they change only when areas are loaded or
#: deleted, which bumps the store version (store/areas.py).
_AREA_LAYER_CACHE: dict[str, tuple[int, list]] = {}


def area_layers(engine) -> list[AreaLayer]:
    """One entry per loaded area level (none before the areas migration),
    cached per store version."""
    key = str(engine.url)
    with engine.connect() as conn:
        version = published.version(conn)
        hit = _AREA_LAYER_CACHE.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        if conn.execute(sa.text("SELECT to_regclass('keck_homeless.area_figure')")).scalar() is None:
            return []
        layers = [AreaLayer(area_type(r[0]), (round(r[2], 6), round(r[3], 6), round(r[4], 6),
                                              round(r[5], 6)), r[6] or "", int(r[1]), r[7] or "")
                  for r in conn.execute(_AREA_LAYERS)]
    _AREA_LAYER_CACHE[key] = (version, layers)
    return layers


def feature_types(engine=None) -> list[FeatureType]:
    """Every feature type: the offers' and one per loaded area level."""
    types = list(FEATURE_TYPES)
    if engine is not None:
        types += [area_type(level) for level in area_levels(engine)]
    return types


def ensure_figures(engine, ftype: FeatureType) -> None:
    """Bring an area type's figures up to date before it is read."""
    if ftype.level:
        from ckanext.keck_homeless.store import area_figures
        area_figures.ensure(engine, ftype.level)


#: Categories whose offers can never be published: the rules refuse a
#: ``protection`` offer that is not ``hidden`` (offers/rules.py), and hidden
#: offers never reach the store. No layer, feature type or collection is
#: offered for them — an always-empty layer would only advertise that such
#: places exist (and clients and the OGC test suites expect data behind a
#: layer).
NEVER_PUBLISHED_CATEGORIES = frozenset({"protection"})
#: The categories that get a layer / feature type / collection of their own.
PUBLISHED_CATEGORIES = tuple(c for c in codes.CATEGORIES
                             if c.code not in NEVER_PUBLISHED_CATEGORIES)

#: All layers: every public offer, then one per published category.
FEATURE_TYPES: tuple[FeatureType, ...] = (
    FeatureType("hilfsangebote", None, "Hilfsangebote (alle)", "Help offers (all)"),
) + tuple(FeatureType(f"hilfsangebote_{c.code}", c.code, f"Hilfsangebote: {c.de}",
                      f"Help offers: {c.en}") for c in PUBLISHED_CATEGORIES)
_BY_NAME = {ft.name: ft for ft in FEATURE_TYPES}


def feature_type(name: str, namespace_uri: str = "", locator: str = "TYPENAMES",
                 engine=None) -> FeatureType:
    """Resolve a type name: ``keck:hilfsangebote``, ``hilfsangebote``,
    ``{namespace}hilfsangebote`` or with any prefix bound to our namespace.
    Area types (``gebiete_<level>``) need ``engine`` to see the levels."""
    raw = (name or "").strip()
    local = raw
    if raw.startswith("{") and "}" in raw:
        ns, local = raw[1:].split("}", 1)
        if namespace_uri and ns != namespace_uri:
            local = ""
    elif ":" in raw:
        local = raw.split(":", 1)[1]
    ft = _BY_NAME.get(local)
    if ft is None and local.startswith(AREA_PREFIX) and engine is not None:
        level = local[len(AREA_PREFIX):]
        if level in area_levels(engine):
            ft = area_type(level)
    if ft is None:
        raise InvalidParameterValue(f"Unbekannter Objekttyp / unknown feature type {raw[:80]!r}", locator=locator)
    return ft


# ---------------------------------------------------------------------------
# Engine
# ---------------------------------------------------------------------------
def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (down,
    restarting, connection lost, pool exhausted) rather than a bad query."""
    return isinstance(exc, (sa.exc.OperationalError, sa.exc.DisconnectionError,
                            sa.exc.TimeoutError)) or (
        isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated))


@functools.lru_cache(maxsize=4)
def engine_for(url: str) -> sa.engine.Engine:
    """An engine for the OGC services: JIT off (PostGIS cost estimates make
    PostgreSQL JIT-compile every query, +50–80 ms), small pool."""
    return sa.create_engine(url, connect_args={"options": "-c jit=off"},
                            pool_size=5, max_overflow=5, pool_pre_ping=True)


# ---------------------------------------------------------------------------
# The query description
# ---------------------------------------------------------------------------
@dataclass
class FeatureQuery:
    """What to select. Coordinates are in PostGIS (x, y) order."""

    category: str | None = None
    #: the rows: offers (default) or the areas of a level
    source: Source = OFFERS
    #: (minx, miny, maxx, maxy) in PostGIS order and the SRID they are in.
    bbox: tuple[float, float, float, float] | None = None
    bbox_srid: int = crslib.DEFAULT_EPSG
    #: pygeofilter AST (FES/CQL2) and the CRS geometries without srsName are in.
    filter: Any = None
    filter_crs: crslib.CRS = field(default_factory=crslib.default)
    ids: list[str] | None = None
    #: simple ``property = value`` filters (OGC API)
    equals: dict[str, str] = field(default_factory=dict)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    offset: int = 0
    limit: int | None = None
    site_url: str = ""
    #: False when one response holds the whole result (no paging, no SORTBY):
    #: rows then come in storage order, which saves an index scan.
    ordered: bool = True


#: lon/lat box where transforms to UTM zone 32 (central meridian 9° E) are
#: defined and sound; PROJ refuses points far from the meridian.
UTM32_DOMAIN = (-21.0, 0.0, 39.0, 84.0)
#: half the width of the Web Mercator world, in metres
MERCATOR_MAX = 20037508.342789244


def _clamp(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


def _mercator_to_lonlat(bbox):
    import math

    def lon(x):
        return math.degrees(_clamp(x, MERCATOR_MAX) / 6378137.0)

    def lat(y):
        return math.degrees(math.atan(math.sinh(_clamp(y, MERCATOR_MAX) / 6378137.0)))

    return lon(bbox[0]), lat(bbox[1]), lon(bbox[2]), lat(bbox[3])


def envelope_condition(bbox: tuple[float, float, float, float], srid: int,
                       source: Source = OFFERS):
    """Rows whose geometry touches a rectangle given in ``srid`` (PostGIS order).

    Offers: UTM rectangles are compared in UTM; geographic and Web-Mercator
    ones in WGS84 (a Mercator rectangle is a lon/lat rectangle), so the
    result is exact and uses the GiST indexes. Areas are compared in UTM."""
    if srid in crslib.GEOGRAPHIC_EPSG:
        # longitudes and latitudes beyond the globe mean its edge
        bbox = (_clamp(bbox[0], 180), _clamp(bbox[1], 90), _clamp(bbox[2], 180), _clamp(bbox[3], 90))
        if bbox[0] > bbox[2]:  # crosses the antimeridian
            return sa.or_(envelope_condition((bbox[0], bbox[1], 180.0, bbox[3]), srid, source),
                          envelope_condition((-180.0, bbox[1], bbox[2], bbox[3]), srid, source))
    if srid == 25832:
        minx, miny, maxx, maxy = (sa.bindparam(None, float(v), type_=sa.Float) for v in bbox)
        return sa.func.ST_Intersects(source.geom_utm, sa.func.ST_MakeEnvelope(minx, miny, maxx, maxy, 25832))
    if not source.point:
        # Areas are compared in UTM 32, which is defined (and sound) only near
        # its meridian: the lon/lat rectangle is first cut to that domain.
        lonlat = _mercator_to_lonlat(bbox) if srid == 3857 else bbox
        cut = (max(lonlat[0], UTM32_DOMAIN[0]), max(lonlat[1], UTM32_DOMAIN[1]),
               min(lonlat[2], UTM32_DOMAIN[2]), min(lonlat[3], UTM32_DOMAIN[3]))
        if cut[0] > cut[2] or cut[1] > cut[3]:
            return sa.false()
        minx, miny, maxx, maxy = (sa.bindparam(None, float(v), type_=sa.Float) for v in cut)
        # a lon/lat rectangle is not a straight-sided UTM polygon: densify
        env = sa.func.ST_Segmentize(sa.func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326), 0.01)
        return sa.func.ST_Intersects(source.geom_utm, sa.func.ST_Transform(env, 25832))
    if srid == 3857:
        bbox = tuple(_clamp(v, MERCATOR_MAX) for v in bbox)
    minx, miny, maxx, maxy = (sa.bindparam(None, float(v), type_=sa.Float) for v in bbox)
    env = sa.func.ST_MakeEnvelope(minx, miny, maxx, maxy, srid)
    if srid == 3857:
        env = sa.func.ST_Transform(env, 4326)
    elif srid != 4326:
        env = sa.func.ST_SetSRID(env, 4326)  # 4258 ≈ 4326 (ETRS89 vs WGS84, < 1 m)
    return sa.func.ST_Intersects(source.geom_wgs84, env)


def _condition(clause):
    """``clause`` if it is a condition; a literal or a value reference where
    a filter (or And/Or/Not) needs a condition is the client's error."""
    if not isinstance(clause, sa.sql.ColumnElement) or not isinstance(clause.type, sa.Boolean):
        raise InvalidParameterValue(
            "Im Filter steht ein Wert, wo eine Bedingung stehen muss / "
            "the filter has a value where a condition belongs", locator="FILTER")
    return clause


def where_clauses(q: FeatureQuery) -> list:
    src = q.source
    conds = list(src.conditions())
    if q.category:
        conds.append(offer.c.category == sa.bindparam(None, q.category))
    if q.bbox is not None:
        conds.append(envelope_condition(q.bbox, q.bbox_srid, src))
    if q.ids is not None:
        conds.append(src.key.in_([sa.bindparam(None, i) for i in q.ids] or [None]))
    for name, value in q.equals.items():
        col = column_of(name, site_url=q.site_url, locator=name, source=src)
        conds.append(col == _coerce(name, value, locator=name, source=src))
    if q.filter is not None:
        conds.append(_condition(SQLFilter(q.filter_crs, q.site_url, src).evaluate(q.filter)))
    return conds


def order_by(q: FeatureQuery) -> list:
    result = []
    for name, ascending in q.sort:
        col = column_of(name, site_url=q.site_url, locator="SORTBY", source=q.source)
        if col is None:
            raise InvalidParameterValue("Nach der Geometrie wird nicht sortiert / cannot sort by geometry", locator="SORTBY")
        result.append(col.asc() if ascending else col.desc())
    result.append(q.source.key.asc())  # stable paging
    return result


def geometry_expr(srid: int, source: Source = OFFERS):
    """Geometry in ``srid`` (PostGIS order). Stored columns when possible."""
    if srid == 25832:
        return source.geom_utm
    if srid == 4326 or (srid == 4258 and not source.point):
        return source.geom_wgs84
    return sa.func.ST_Transform(source.geom_wgs84 if source.point else source.geom_utm, srid)


def select_rows(q: FeatureQuery, columns: list) -> sa.sql.Select:
    stmt = sa.select(*columns).select_from(q.source.from_)
    for cond in where_clauses(q):
        stmt = stmt.where(cond)
    if q.ordered or q.sort:
        stmt = stmt.order_by(*order_by(q))
    if q.offset:
        stmt = stmt.offset(q.offset)
    if q.limit is not None:
        stmt = stmt.limit(q.limit)
    return stmt


def count(conn, q: FeatureQuery) -> int:
    """numberMatched: a plain count(*) with the same conditions."""
    stmt = sa.select(sa.func.count()).select_from(q.source.from_)
    for cond in where_clauses(q):
        stmt = stmt.where(cond)
    return int(execute(conn, stmt).scalar())


def extent(conn, q: FeatureQuery, srid: int) -> tuple[float, float, float, float] | None:
    """Bounding box (PostGIS order, in ``srid``) of the rows ``q`` selects
    (paging included); None if it selects nothing."""
    sub = select_rows(q, [geometry_expr(srid, q.source).label("g")]).subquery()
    row = execute(conn, sa.select(
        sa.func.min(sa.func.ST_XMin(sub.c.g)), sa.func.min(sa.func.ST_YMin(sub.c.g)),
        sa.func.max(sa.func.ST_XMax(sub.c.g)), sa.func.max(sa.func.ST_YMax(sub.c.g)))).first()
    return None if row is None or row[0] is None else tuple(float(v) for v in row)  # type: ignore[return-value]


def execute(conn, stmt, **kw):
    """Run a statement; data errors caused by client values become a 400."""
    with _client_errors():
        return conn.execute(stmt, **kw)


class Compiled(NamedTuple):
    """A statement compiled once: its SQL text and the values of its fixed
    parameters. Building and compiling a SELECT of all published properties
    costs about a millisecond of Python on every request (SQLAlchemy's cache
    key walks each of its elements) — more than PostgreSQL needs to answer a
    look-up by key. A statement that differs between requests only in named
    bind values is compiled once (:func:`compile_once`) and run with
    :func:`run_compiled`."""

    sql: str
    params: dict


def compile_once(stmt, dialect) -> Compiled:
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return Compiled(compiled.string, compiled.construct_params())


def run_compiled(conn, compiled: Compiled, **values):
    """Run ``compiled`` with ``values`` for its named binds (errors as in
    :func:`execute`)."""
    with _client_errors():
        return conn.exec_driver_sql(compiled.sql, {**compiled.params, **values})


@contextlib.contextmanager
def _client_errors():
    try:
        yield
    except sa.exc.DataError as exc:
        raise InvalidParameterValue(
            "Ein Wert passt nicht zum Typ der Eigenschaft / a value does not fit the property type", locator="FILTER") from exc
    except sa.exc.InternalError as exc:
        if "transform" not in str(exc.orig):
            raise
        raise InvalidParameterValue(  # PostGIS cannot project a coordinate given
            "Koordinate außerhalb des Gültigkeitsbereichs des Koordinatensystems / "
            "coordinate outside the area of use of the CRS", locator="BBOX") from exc
    except sa.exc.ProgrammingError as exc:  # a bug on our side, not the client's
        raise OperationProcessingFailed("Abfrage fehlgeschlagen / query failed") from exc


def stream_bytes(engine, stmt, chunk_rows: int = 1000) -> Iterator[list[bytes]]:
    """Lists of the single text column of ``stmt``, ``chunk_rows`` at a
    time, from a server-side cursor (bounded memory for 100k rows), as the
    UTF-8 bytes PostgreSQL sent: a response needs bytes, so they are never
    decoded to ``str`` and encoded again (psycopg2's ``BYTES`` caster, on
    this cursor only). Statement and parameters go through SQLAlchemy."""
    import psycopg2.extensions

    with engine.connect() as conn:
        compiled = compile_once(stmt, conn.dialect)
        dbapi = conn.connection.dbapi_connection
        with dbapi.cursor(name="keck_stream") as cursor:
            psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor)
            cursor.itersize = chunk_rows
            cursor.execute(compiled.sql, compiled.params)
            while True:
                rows = cursor.fetchmany(chunk_rows)
                if not rows:
                    break
                yield [r[0] for r in rows]


# ---------------------------------------------------------------------------
# Values and filters
# ---------------------------------------------------------------------------
def _as_date(value: Any):
    if isinstance(value, dt.datetime):
        value = value.date()
    elif not isinstance(value, dt.date):
        value = dt.date.fromisoformat(str(value).strip()[:10])
    return sa.bindparam(None, value, type_=sa.Date)


def _as_datetime(value: Any):
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return sa.bindparam(None, value, type_=sa.DateTime(timezone=True))


def _as_integer(value: Any):
    number = float(str(value).strip())
    if isinstance(value, bool) or not number.is_integer():
        raise ValueError(value)
    return sa.bindparam(None, int(number), type_=sa.Integer)


def _as_boolean(value: Any):
    if not isinstance(value, bool):
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0"):
            raise ValueError(text)
        value = text in ("true", "1")
    return sa.bindparam(None, value, type_=sa.Boolean)


def _as_double(value: Any):
    number = float(str(value).strip())
    if isinstance(value, bool) or number != number or abs(number) == float("inf"):
        raise ValueError(value)
    return sa.bindparam(None, number, type_=sa.Float)


#: Bound parameters per attribute type (store/published.py); the rest is text.
_COERCE = {"date": _as_date, "dateTime": _as_datetime, "integer": _as_integer,
           "boolean": _as_boolean, "double": _as_double}


def _coerce(name: str, value: Any, locator: str = "FILTER", source: Source = OFFERS):
    """A bound parameter of the property's type (so PostgreSQL never has to
    compare a date with a varchar, and bad values become a 400)."""
    kind = type_of(name, source)
    if kind in _COERCE:
        try:
            return _COERCE[kind](value)
        except (ValueError, OverflowError):
            raise InvalidParameterValue(
                f"Wert / value {str(value)[:40]!r}: kein gültiger Wert ({kind}) für / not a valid {kind} for {name}", locator=locator) from None
    if isinstance(value, (values.Geometry, values.Envelope, list, dict)):
        raise InvalidParameterValue(f"Ungültiger Wert für / invalid value for {name}", locator=locator)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return sa.bindparam(None, str(value), type_=sa.Text)


_DISTANCE_UNITS = {"m": 1.0, "meter": 1.0, "metre": 1.0, "meters": 1.0, "metres": 1.0,
                   "urn:ogc:def:uom:epsg::9001": 1.0, "km": 1000.0, "kilometers": 1000.0,
                   "kilometres": 1000.0, "mi": 1609.344, "ft": 0.3048}


class SQLFilter(Evaluator):
    """pygeofilter AST → SQLAlchemy condition on ``keck_homeless.offer``.

    Spatial predicates are evaluated in ETRS89/UTM32 (``geom_utm``), so
    DWithin distances are metres. Geometries without a CRS are taken to be
    in ``default_crs`` (the query's SRSNAME or the feature type's default)."""

    def __init__(self, default_crs: crslib.CRS, site_url: str = "", source: Source = OFFERS):
        self.default_crs = default_crs
        self.site_url = site_url
        self.source = source

    # logical
    @handle(ast.Not)
    def not_(self, node, sub):
        return sa.not_(_condition(sub))

    @handle(ast.And)
    def and_(self, node, lhs, rhs):
        return sa.and_(_condition(lhs), _condition(rhs))

    @handle(ast.Or)
    def or_(self, node, lhs, rhs):
        return sa.or_(_condition(lhs), _condition(rhs))

    # comparisons
    @handle(ast.Equal, ast.NotEqual, ast.LessThan, ast.LessEqual, ast.GreaterThan, ast.GreaterEqual)
    def comparison(self, node, lhs, rhs):
        col, value = self._column_and_value(node.lhs, node.rhs)
        op = {ast.Equal: "__eq__", ast.NotEqual: "__ne__", ast.LessThan: "__lt__",
              ast.LessEqual: "__le__", ast.GreaterThan: "__gt__", ast.GreaterEqual: "__ge__"}[type(node)]
        return getattr(col, op)(value)

    @handle(ast.Between)
    def between(self, node, lhs, low, high):
        col, lo = self._column_and_value(node.lhs, node.low)
        _, hi = self._column_and_value(node.lhs, node.high)
        cond = col.between(lo, hi)
        return sa.not_(cond) if node.not_ else cond

    @handle(ast.In)
    def in_(self, node, lhs, *options):
        col = self._column(node.lhs)
        vals = [_coerce(node.lhs.name, v, source=self.source) for v in node.sub_nodes]
        cond = col.in_(vals)
        return sa.not_(cond) if node.not_ else cond

    @handle(ast.IsNull)
    def is_null(self, node, lhs):
        if isinstance(node.lhs, ast.Attribute) and _is_gml_property(node.lhs.name, self.source):
            return sa.false() if node.not_ else sa.true()  # gml:name etc. are never written
        if isinstance(node.lhs, ast.Attribute) and column_of(
                node.lhs.name, source=self.source) is None:
            return sa.true() if node.not_ else sa.false()  # every feature has a geometry
        col = self._column(node.lhs)
        return col.isnot(None) if node.not_ else col.is_(None)

    @handle(ast.Like)
    def like(self, node, lhs):
        col = self._column(node.lhs)
        pattern = _like_pattern(str(node.pattern), node.wildcard, node.singlechar, node.escapechar)
        param = sa.bindparam(None, pattern, type_=sa.Text)
        cond = (sa.cast(col, sa.Text).ilike(param, escape="\\") if node.nocase
                else sa.cast(col, sa.Text).like(param, escape="\\"))
        return sa.not_(cond) if node.not_ else cond

    # spatial
    @handle(ast.GeometryIntersects, ast.GeometryDisjoint, ast.GeometryWithin,
            ast.GeometryContains, ast.GeometryEquals, ast.GeometryTouches,
            ast.GeometryOverlaps, ast.GeometryCrosses)
    def spatial(self, node, lhs, rhs):
        self._check_geometry_property(node.lhs)
        fn = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
              ast.GeometryWithin: "ST_Within", ast.GeometryContains: "ST_Contains",
              ast.GeometryEquals: "ST_Equals", ast.GeometryTouches: "ST_Touches",
              ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryCrosses: "ST_Crosses"}[type(node)]
        if isinstance(node.rhs, values.Envelope) or _is_envelope(node.rhs):
            env, srid = self._envelope(node.rhs)
            cond = envelope_condition(env, srid, self.source)
            if fn == "ST_Intersects":
                return cond
            if fn == "ST_Disjoint":
                return sa.not_(cond)
        return getattr(sa.func, fn)(self.source.geom_utm, self._geometry_utm(node.rhs))

    @handle(ast.DistanceWithin, ast.DistanceBeyond)
    def distance(self, node, lhs, rhs, *rest):
        self._check_geometry_property(node.lhs)
        factor = _DISTANCE_UNITS.get(str(node.units or "m").strip().lower())
        if factor is None:
            raise InvalidParameterValue(
                f"Nicht unterstützte Entfernungseinheit / unsupported distance unit {str(node.units)[:20]!r} (m, km)", locator="FILTER")
        if not (0 <= float(node.distance) < 1e7):
            raise InvalidParameterValue("Entfernung außerhalb des zulässigen Bereichs / distance out of range", locator="FILTER")
        cond = sa.func.ST_DWithin(self.source.geom_utm, self._geometry_utm(node.rhs),
                                  sa.bindparam(None, float(node.distance) * factor, type_=sa.Float))
        return sa.not_(cond) if isinstance(node, ast.DistanceBeyond) else cond

    @handle(ast.BBox)
    def bbox(self, node, lhs, *args):
        self._check_geometry_property(node.lhs)
        srid = self.default_crs.srid
        latlon = self.default_crs.latlon
        if node.crs:
            c = crslib.parse(node.crs, locator="FILTER")
            srid, latlon = c.srid, c.latlon
        box = (node.minx, node.miny, node.maxx, node.maxy)
        if latlon:
            box = (node.miny, node.minx, node.maxy, node.maxx)
        return envelope_condition(box, srid, self.source)

    @handle(ast.Attribute)
    def attribute(self, node):
        return node

    @handle(values.Geometry, values.Envelope, int, float, str, bool, dt.date, dt.datetime,
            type(None))
    def literal(self, node):
        return node

    def adopt(self, node, *sub_args):
        raise InvalidParameterValue(
            f"Filteroperation {type(node).__name__} wird nicht unterstützt / is not supported", locator="FILTER")

    # helpers
    def _column(self, attr):
        if not isinstance(attr, ast.Attribute):
            raise InvalidParameterValue("Name einer Eigenschaft erwartet / expected a property name", locator="FILTER")
        name = attr.name or ""
        if _is_gml_property(name, self.source):
            raise OperationProcessingFailed(
                f"{name[:60]} kann nicht verglichen werden / cannot be used in a comparison", locator="FILTER", status=400)
        col = column_of(attr.name, site_url=self.site_url, source=self.source)
        if col is None:
            raise InvalidParameterValue("Geometrie in einem Vergleich / geometry in a comparison", locator="FILTER")
        return col

    def _column_and_value(self, lhs, rhs):
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            lhs, rhs = rhs, lhs
        col = self._column(lhs)
        if isinstance(rhs, (values.Geometry, values.Envelope)):
            raise OperationProcessingFailed("Eine Geometrie ist nicht mit einem Wert vergleichbar / a geometry cannot be compared with a value",
                                            locator="FILTER", status=400)
        if isinstance(rhs, ast.Node):
            raise InvalidParameterValue("Nur Literale sind vergleichbar / only literal values can be compared", locator="FILTER")
        return col, _coerce(lhs.name, rhs, source=self.source)

    def _check_geometry_property(self, attr):
        if attr is not None and isinstance(attr, ast.Attribute) and column_of(
                attr.name, source=self.source) is not None:
            raise InvalidParameterValue(f"{attr.name} ist keine Geometrie-Eigenschaft / is not a geometry property", locator="FILTER")

    def _geom_crs(self, geometry: dict) -> crslib.CRS:
        name = (geometry.get("crs") or {}).get("properties", {}).get("name")
        return crslib.parse(name, locator="FILTER") if name else self.default_crs

    def _envelope(self, value) -> tuple[tuple[float, float, float, float], int]:
        if isinstance(value, values.Envelope):
            return (value.x1, value.y1, value.x2, value.y2), self.default_crs.srid
        geometry = _normalise(value.geometry, self._geom_crs(value.geometry))
        xs = [c[0] for c in geometry["coordinates"][0]]
        ys = [c[1] for c in geometry["coordinates"][0]]
        return (min(xs), min(ys), max(xs), max(ys)), self._geom_crs(value.geometry).srid

    def _geometry_utm(self, value):
        if isinstance(value, values.Envelope):
            env = sa.func.ST_MakeEnvelope(value.x1, value.y1, value.x2, value.y2, self.default_crs.srid)
            return sa.func.ST_Transform(env, 25832)
        if not isinstance(value, values.Geometry):
            raise InvalidParameterValue("Geometrie erwartet / expected a geometry", locator="FILTER")
        crs = self._geom_crs(value.geometry)
        geometry = _normalise(value.geometry, crs)
        try:
            from shapely.geometry import shape
            wkt = shape(geometry).wkt
        except Exception:
            raise InvalidParameterValue("Ungültige Geometrie im Filter / invalid geometry in filter", locator="FILTER") from None
        geom = sa.func.ST_GeomFromText(sa.bindparam(None, wkt, type_=sa.Text), crs.srid)
        return geom if crs.srid == 25832 else sa.func.ST_Transform(geom, 25832)


def _is_gml_property(name: str, source: Source = OFFERS) -> bool:
    """``gml:boundedBy``, ``gml:name`` … (inherited by every feature type)."""
    local = (name or "").split("/")[-1]
    if local.startswith("gml:"):
        return True
    return ":" not in local and local in GML_PROPERTIES and not source.is_property(local)


def _is_envelope(value) -> bool:
    """An axis-parallel rectangle (a BBOX/Envelope, or a polygon drawn like one):
    compared in its own CRS so lon/lat boxes stay exact."""
    if not isinstance(value, values.Geometry) or value.geometry.get("type") != "Polygon":
        return False
    rings = value.geometry.get("coordinates") or []
    if len(rings) != 1 or len(rings[0]) != 5:
        return False
    xs = {round(c[0], 12) for c in rings[0]}
    ys = {round(c[1], 12) for c in rings[0]}
    return len(xs) == 2 and len(ys) == 2


def _normalise(geometry: dict, crs: crslib.CRS) -> dict:
    """Bring coordinates to PostGIS x/y order. pygml already swapped the
    ones whose srsName *it* considers lat/lon (including bare ``EPSG:4326``);
    our rule (:mod:`crs`) decides, also for geometries without srsName."""
    from pygml.axisorder import is_crs_yx

    name = (geometry.get("crs") or {}).get("properties", {}).get("name")
    swapped = bool(name) and is_crs_yx(name)
    if swapped == crs.latlon:
        return geometry
    return {**geometry, "coordinates": _swap(geometry["coordinates"])}


def _swap(coords):
    if coords and isinstance(coords[0], (int, float)):
        return [coords[1], coords[0], *coords[2:]]
    return [_swap(c) for c in coords]


def _like_pattern(pattern: str, wildcard: str, single: str, escape: str) -> str:
    """FES/CQL LIKE pattern → SQL LIKE pattern with backslash escape."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("\\" + nxt if nxt in "%_\\" else nxt)
            i += 2
            continue
        if ch == wildcard:
            out.append("%")
        elif ch == single:
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)
