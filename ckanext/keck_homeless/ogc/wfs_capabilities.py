"""WFS capabilities documents (2.0.0 and 1.1.0), feature type schemas
(DescribeFeatureType) and stored query descriptions.

Built as text with every configurable value XML-escaped; extents come from
the feature store (``ST_Extent`` per category).
"""
from __future__ import annotations

from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

import sqlalchemy as sa

from ckanext.keck_homeless.offers.constants import REGION_BBOX
from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import encoders, query
from ckanext.keck_homeless.ogc.request import OWSRequest
from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import offer

#: Fallback extent (lon/lat) when a layer is empty: Kreis Düren.
REGION_WGS84 = REGION_BBOX
#: Extents are widened by this many degrees (≈ 1 km): a layer of one or two
#: points would otherwise have a zero-height box that clients cannot zoom to
#: and that turns "upside down" when its corners are projected to UTM.
EXTENT_MARGIN = 0.01
GET_FEATURE_BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"

_XSD_TYPES = {"string": "xsd:string", "boolean": "xsd:boolean", "date": "xsd:date",
              "integer": "xsd:int", "dateTime": "xsd:dateTime", "double": "xsd:double"}


class TypeInfo(NamedTuple):
    """A feature type as capabilities and collection metadata describe it."""

    ftype: query.FeatureType
    #: lon/lat extent
    box: tuple[float, float, float, float]
    abstract: str
    #: attribution the geometries' licence asks for (area types), and its link
    note: str = ""
    url: str = ""


def type_list(req: OWSRequest) -> list[TypeInfo]:
    """Every feature type with its lon/lat extent and abstract: the offers'
    (extent of the store per category) and one per area level (with the
    source note of its geometries, which must be shown with them)."""
    boxes = extents(req.engine)
    out = []
    for ft in query.FEATURE_TYPES:
        out.append(TypeInfo(ft, boxes.get(ft.category) or REGION_WGS84,
                            ft.title_de + " / " + ft.title_en))
    for layer in query.area_layers(req.engine):
        ft = layer.ftype
        abstract = (f"{ft.title_de} / {ft.title_en}: {layer.count} Gebiete / areas. Kennzahlen "
                    "über veröffentlichte Angebote (Definitionen: Kennzahlen-Download) / "
                    "figures over published offers (definitions: the figures download).")
        if layer.note:
            abstract += f" Geometrien / geometries: {layer.note}"
            if layer.url:
                abstract += f" ({layer.url})"
        out.append(TypeInfo(ft, layer.bbox, abstract, layer.note, layer.url))
    return out


#: engine URL → (store version, extents): capabilities need the extents on
#: every request; they only change when the store does (store_state.version).
_EXTENTS: dict[str, tuple[int, dict]] = {}


def extents(engine) -> dict[str | None, tuple[float, float, float, float]]:
    """WGS84 extent per category (key None: all offers), cached per store version."""
    with engine.connect() as conn:
        version = published.version(conn)
        key = str(engine.url)
        hit = _EXTENTS.get(key)
        if hit is not None and version is not None and hit[0] == version:
            return hit[1]
        result = _compute_extents(conn)
    if version is not None:
        _EXTENTS[key] = (version, result)
    return result


def _compute_extents(conn) -> dict[str | None, tuple[float, float, float, float]]:
    stmt = sa.select(offer.c.category, sa.func.min(offer.c.lon), sa.func.min(offer.c.lat),
                     sa.func.max(offer.c.lon), sa.func.max(offer.c.lat)).group_by(offer.c.category)
    result: dict[str | None, tuple[float, float, float, float]] = {}
    m = EXTENT_MARGIN
    for cat, minx, miny, maxx, maxy in conn.execute(stmt):
        result[cat] = (round(minx - m, 6), round(miny - m, 6), round(maxx + m, 6),
                       round(maxy + m, 6))
    if result:
        boxes = list(result.values())
        result[None] = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                        max(b[2] for b in boxes), max(b[3] for b in boxes))
    return result


def _t(text: str) -> str:
    return escape(text or "")


def _service_identification(req: OWSRequest, versions: tuple[str, ...], ows: str = "ows") -> str:
    s = req.settings
    kws = "".join(f"<{ows}:Keyword>{_t(k)}</{ows}:Keyword>" for k in s.keywords)
    tv = "".join(f"<{ows}:ServiceTypeVersion>{v}</{ows}:ServiceTypeVersion>" for v in versions)
    return (f"<{ows}:ServiceIdentification><{ows}:Title>{_t(s.title)}</{ows}:Title>"
            f"<{ows}:Abstract>{_t(s.abstract)}</{ows}:Abstract>"
            f"<{ows}:Keywords>{kws}</{ows}:Keywords>"
            f"<{ows}:ServiceType>WFS</{ows}:ServiceType>{tv}"
            f"<{ows}:Fees>{_t(s.fees)}</{ows}:Fees>"
            f"<{ows}:AccessConstraints>{_t(s.access_constraints)}</{ows}:AccessConstraints>"
            f"</{ows}:ServiceIdentification>")


def _service_provider(req: OWSRequest) -> str:
    s = req.settings
    contact = ""
    if s.contact_person:
        contact += f"<ows:IndividualName>{_t(s.contact_person)}</ows:IndividualName>"
    info = ""
    if s.contact_phone:
        info += f"<ows:Phone><ows:Voice>{_t(s.contact_phone)}</ows:Voice></ows:Phone>"
    if s.contact_email:
        info += (f"<ows:Address><ows:ElectronicMailAddress>{_t(s.contact_email)}"
                 "</ows:ElectronicMailAddress></ows:Address>")
    if info:
        contact += f"<ows:ContactInfo>{info}</ows:ContactInfo>"
    return (f"<ows:ServiceProvider><ows:ProviderName>{_t(s.provider_name)}</ows:ProviderName>"
            f"<ows:ProviderSite xlink:href={quoteattr(s.provider_site)}/>"
            f"<ows:ServiceContact>{contact}</ows:ServiceContact></ows:ServiceProvider>")


def _dcp(url: str, post: bool = True) -> str:
    href = quoteattr(url + "?")
    post_el = f"<ows:Post xlink:href={quoteattr(url)}/>" if post else ""
    return f"<ows:DCP><ows:HTTP><ows:Get xlink:href={href}/>{post_el}</ows:HTTP></ows:DCP>"


def _values(name: str, values, ows10: bool = False) -> str:
    vals = "".join(f"<ows:Value>{_t(v)}</ows:Value>" for v in values)
    if ows10:  # OWS 1.0: values directly in the parameter
        return f'<ows:Parameter name="{name}">{vals}</ows:Parameter>'
    return f'<ows:Parameter name="{name}"><ows:AllowedValues>{vals}</ows:AllowedValues></ows:Parameter>'


def _constraint(name: str, value: str) -> str:
    return (f'<ows:Constraint name="{name}"><ows:NoValues/>'
            f"<ows:DefaultValue>{value}</ows:DefaultValue></ows:Constraint>")


def _crs_list(form: str) -> list[str]:
    return [crslib.by_srid(srid, form).given for srid in crslib.SUPPORTED_EPSG]


# ---------------------------------------------------------------------------
# WFS 2.0.0
# ---------------------------------------------------------------------------
def wfs20(req: OWSRequest) -> bytes:
    s = req.settings
    url = req.base_url
    ops = []
    for op in ("GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue",
               "ListStoredQueries", "DescribeStoredQueries"):
        params = ""
        if op == "GetCapabilities":
            params = _values("AcceptVersions", ("2.0.0", "1.1.0")) + \
                _values("AcceptFormats", ("text/xml",)) + \
                _values("Sections", ("ServiceIdentification", "ServiceProvider",
                                     "OperationsMetadata", "FeatureTypeList", "Filter_Capabilities"))
        elif op == "DescribeFeatureType":
            params = _values("outputFormat", ("application/gml+xml; version=3.2",
                                              "text/xml; subtype=gml/3.2",
                                              "text/xml; subtype=gml/3.1.1",
                                              "text/xml; subtype=gml/2.1.2"))
        elif op in ("GetFeature", "GetPropertyValue"):
            params = _values("outputFormat", encoders.ADVERTISED["2.0.0"]) + \
                _values("resolve", ("none", "local"))
            if op == "GetFeature":
                params += _values("resultType", ("results", "hits"))
        ops.append(f'<ows:Operation name="{op}">{_dcp(url)}{params}</ows:Operation>')
    constraints = "".join(_constraint(n, v) for n, v in (
        ("ImplementsBasicWFS", "TRUE"), ("ImplementsTransactionalWFS", "FALSE"),
        ("ImplementsLockingWFS", "FALSE"), ("KVPEncoding", "TRUE"), ("XMLEncoding", "TRUE"),
        ("SOAPEncoding", "FALSE"), ("ImplementsInheritance", "FALSE"),
        ("ImplementsRemoteResolve", "FALSE"), ("ImplementsResultPaging", "TRUE"),
        ("ImplementsStandardJoins", "FALSE"), ("ImplementsSpatialJoins", "FALSE"),
        ("ImplementsTemporalJoins", "FALSE"), ("ImplementsFeatureVersioning", "FALSE"),
        ("ManageStoredQueries", "FALSE"), ("CountDefault", str(s.count_default)),
        ("PagingIsTransactionSafe", "FALSE"),
    ))
    constraints += ('<ows:Constraint name="QueryExpressions"><ows:AllowedValues>'
                    "<ows:Value>wfs:Query</ows:Value><ows:Value>wfs:StoredQuery</ows:Value>"
                    "</ows:AllowedValues></ows:Constraint>")
    fts = []
    formats = "".join(f"<wfs:Format>{_t(f)}</wfs:Format>" for f in encoders.ADVERTISED["2.0.0"])
    other = "".join(f"<wfs:OtherCRS>{c}</wfs:OtherCRS>" for c in _crs_list("urn")[1:])
    for ft, box, abstract, _note, _url in type_list(req):
        fts.append(
            f"<wfs:FeatureType><wfs:Name>{s.namespace_prefix}:{ft.name}</wfs:Name>"
            f"<wfs:Title>{_t(ft.title(req.lang))}</wfs:Title>"
            f"<wfs:Abstract>{_t(abstract)}</wfs:Abstract>"
            f"<wfs:DefaultCRS>{crslib.default().urn}</wfs:DefaultCRS>{other}"
            f"<wfs:OutputFormats>{formats}</wfs:OutputFormats>"
            f"<ows:WGS84BoundingBox><ows:LowerCorner>{box[0]} {box[1]}</ows:LowerCorner>"
            f"<ows:UpperCorner>{box[2]} {box[3]}</ows:UpperCorner></ows:WGS84BoundingBox>"
            "</wfs:FeatureType>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" '
        'xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:fes="http://www.opengis.net/fes/2.0" '
        'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:{s.namespace_prefix}={quoteattr(s.namespace_uri)} '
        'xsi:schemaLocation="http://www.opengis.net/wfs/2.0 '
        'http://schemas.opengis.net/wfs/2.0/wfs.xsd">'
        + _service_identification(req, ("2.0.0", "1.1.0")) + _service_provider(req)
        + "<ows:OperationsMetadata>" + "".join(ops) + constraints + "</ows:OperationsMetadata>"
        + "<wfs:FeatureTypeList>" + "".join(fts) + "</wfs:FeatureTypeList>"
        + _filter_capabilities_20() + "</wfs:WFS_Capabilities>\n")
    return body.encode("utf-8")


def _filter_capabilities_20() -> str:
    conf = "".join(
        f'<fes:Constraint name="{n}"><ows:NoValues/><ows:DefaultValue>{v}</ows:DefaultValue></fes:Constraint>'
        for n, v in (("ImplementsQuery", "TRUE"), ("ImplementsAdHocQuery", "TRUE"),
                     ("ImplementsFunctions", "FALSE"), ("ImplementsResourceId", "TRUE"),
                     ("ImplementsMinStandardFilter", "TRUE"), ("ImplementsStandardFilter", "TRUE"),
                     ("ImplementsMinSpatialFilter", "TRUE"), ("ImplementsSpatialFilter", "TRUE"),
                     ("ImplementsMinTemporalFilter", "FALSE"), ("ImplementsTemporalFilter", "FALSE"),
                     ("ImplementsVersionNav", "FALSE"), ("ImplementsSorting", "TRUE"),
                     ("ImplementsExtendedOperators", "FALSE"), ("ImplementsMinimumXPath", "TRUE"),
                     ("ImplementsSchemaElementFunc", "FALSE")))
    comparison = "".join(f'<fes:ComparisonOperator name="{n}"/>' for n in (
        "PropertyIsEqualTo", "PropertyIsNotEqualTo", "PropertyIsLessThan", "PropertyIsGreaterThan",
        "PropertyIsLessThanOrEqualTo", "PropertyIsGreaterThanOrEqualTo", "PropertyIsLike",
        "PropertyIsNull", "PropertyIsBetween"))
    operands = "".join(f'<fes:GeometryOperand name="gml:{n}"/>' for n in (
        "Envelope", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiSurface"))
    spatial = "".join(f'<fes:SpatialOperator name="{n}"/>' for n in (
        "BBOX", "Equals", "Disjoint", "Intersects", "Touches", "Crosses", "Within", "Contains",
        "Overlaps", "DWithin", "Beyond"))
    return ("<fes:Filter_Capabilities>"
            f"<fes:Conformance>{conf}</fes:Conformance>"
            '<fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/></fes:Id_Capabilities>'
            "<fes:Scalar_Capabilities><fes:LogicalOperators/>"
            f"<fes:ComparisonOperators>{comparison}</fes:ComparisonOperators></fes:Scalar_Capabilities>"
            f"<fes:Spatial_Capabilities><fes:GeometryOperands>{operands}</fes:GeometryOperands>"
            f"<fes:SpatialOperators>{spatial}</fes:SpatialOperators></fes:Spatial_Capabilities>"
            "</fes:Filter_Capabilities>")


# ---------------------------------------------------------------------------
# WFS 1.1.0
# ---------------------------------------------------------------------------
def wfs11(req: OWSRequest) -> bytes:
    s = req.settings
    url = req.base_url
    ops = []
    for op in ("GetCapabilities", "DescribeFeatureType", "GetFeature"):
        params = ""
        if op == "GetCapabilities":
            params = _values("AcceptVersions", ("1.1.0", "2.0.0"), True) + \
                _values("AcceptFormats", ("text/xml",), True)
        elif op == "DescribeFeatureType":
            params = _values("outputFormat", ("text/xml; subtype=gml/3.1.1",
                                              "text/xml; subtype=gml/2.1.2"), True)
        else:
            params = _values("outputFormat", encoders.ADVERTISED["1.1.0"], True) + \
                _values("resultType", ("results", "hits"), True)
        ops.append(f'<ows:Operation name="{op}">{_dcp(url)}{params}</ows:Operation>')
    formats = "".join(f"<Format>{_t(f)}</Format>" for f in encoders.ADVERTISED["1.1.0"])
    other = "".join(f"<OtherSRS>{c}</OtherSRS>" for c in _crs_list("urn")[1:])
    fts = []
    for ft, box, abstract, _note, _url in type_list(req):
        fts.append(
            f"<FeatureType><Name>{s.namespace_prefix}:{ft.name}</Name>"
            f"<Title>{_t(ft.title(req.lang))}</Title>"
            f"<Abstract>{_t(abstract)}</Abstract>"
            f"<DefaultSRS>{crslib.default().urn}</DefaultSRS>{other}"
            f"<OutputFormats>{formats}</OutputFormats>"
            f"<ows:WGS84BoundingBox><ows:LowerCorner>{box[0]} {box[1]}</ows:LowerCorner>"
            f"<ows:UpperCorner>{box[2]} {box[3]}</ows:UpperCorner></ows:WGS84BoundingBox>"
            "</FeatureType>")
    comparison = "".join(f"<ogc:ComparisonOperator>{n}</ogc:ComparisonOperator>" for n in (
        "EqualTo", "NotEqualTo", "LessThan", "GreaterThan", "LessThanEqualTo",
        "GreaterThanEqualTo", "Like", "Between", "NullCheck"))
    spatial = "".join(f'<ogc:SpatialOperator name="{n}"/>' for n in (
        "BBOX", "Equals", "Disjoint", "Intersects", "Touches", "Crosses", "Within", "Contains",
        "Overlaps", "DWithin", "Beyond"))
    operands = "".join(f"<ogc:GeometryOperand>gml:{n}</ogc:GeometryOperand>" for n in (
        "Envelope", "Point", "LineString", "Polygon"))
    filter_caps = (
        "<ogc:Filter_Capabilities><ogc:Spatial_Capabilities>"
        f"<ogc:GeometryOperands>{operands}</ogc:GeometryOperands>"
        f"<ogc:SpatialOperators>{spatial}</ogc:SpatialOperators></ogc:Spatial_Capabilities>"
        "<ogc:Scalar_Capabilities><ogc:LogicalOperators/>"
        f"<ogc:ComparisonOperators>{comparison}</ogc:ComparisonOperators></ogc:Scalar_Capabilities>"
        "<ogc:Id_Capabilities><ogc:EID/><ogc:FID/></ogc:Id_Capabilities></ogc:Filter_Capabilities>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<WFS_Capabilities version="1.1.0" xmlns="http://www.opengis.net/wfs" '
        'xmlns:wfs="http://www.opengis.net/wfs" xmlns:ows="http://www.opengis.net/ows" '
        'xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:{s.namespace_prefix}={quoteattr(s.namespace_uri)} '
        'xsi:schemaLocation="http://www.opengis.net/wfs '
        'http://schemas.opengis.net/wfs/1.1.0/wfs.xsd">'
        + _service_identification(req, ("1.1.0",)) + _service_provider(req)
        + "<ows:OperationsMetadata>" + "".join(ops) + "</ows:OperationsMetadata>"
        + "<FeatureTypeList>" + "".join(fts) + "</FeatureTypeList>"
        + filter_caps + "</WFS_Capabilities>\n")
    return body.encode("utf-8")


# ---------------------------------------------------------------------------
# DescribeFeatureType
# ---------------------------------------------------------------------------
_GML_SCHEMAS = {
    "gml32": ("http://www.opengis.net/gml/3.2", "http://schemas.opengis.net/gml/3.2.1/gml.xsd",
              "gml:AbstractFeatureType", "gml:AbstractFeature"),
    "gml311": ("http://www.opengis.net/gml", "http://schemas.opengis.net/gml/3.1.1/base/gml.xsd",
               "gml:AbstractFeatureType", "gml:_Feature"),
    "gml2": ("http://www.opengis.net/gml", "http://schemas.opengis.net/gml/2.1.2/feature.xsd",
             "gml:AbstractFeatureType", "gml:_Feature"),
}


def feature_schema(req: OWSRequest, types: list[query.FeatureType], kind: str) -> bytes:
    """XML Schema of ``types`` for GML ``kind`` (gml32 | gml311 | gml2)."""
    s = req.settings
    gml_ns, gml_xsd, base, subst = _GML_SCHEMAS[kind]
    parts = []
    for ft in types:
        elements = "".join(
            f'<xsd:element name="{name}" type="{_XSD_TYPES[xsd]}" minOccurs="0" maxOccurs="1" nillable="true"/>'
            for name, xsd, _de, _en in ft.source.attributes())
        geometry = ft.source.gml_geometry[1 if kind == "gml2" else 0]
        elements += (f'<xsd:element name="{query.GEOMETRY_NAME}" type="{geometry}" '
                     'minOccurs="0" maxOccurs="1" nillable="true"/>')
        parts.append(
            f'<xsd:complexType name="{ft.name}Type"><xsd:complexContent>'
            f'<xsd:extension base="{base}"><xsd:sequence>{elements}</xsd:sequence>'
            "</xsd:extension></xsd:complexContent></xsd:complexType>"
            f'<xsd:element name="{ft.name}" type="{s.namespace_prefix}:{ft.name}Type" '
            f'substitutionGroup="{subst}"/>')
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:gml="{gml_ns}" xmlns:{s.namespace_prefix}={quoteattr(s.namespace_uri)} '
        f'targetNamespace={quoteattr(s.namespace_uri)} elementFormDefault="qualified" version="1.0">'
        f'<xsd:import namespace="{gml_ns}" schemaLocation="{gml_xsd}"/>'
        + "".join(parts) + "</xsd:schema>\n")
    return body.encode("utf-8")


# ---------------------------------------------------------------------------
# Stored queries
# ---------------------------------------------------------------------------
def list_stored_queries(req: OWSRequest) -> bytes:
    prefix = req.settings.namespace_prefix
    rtypes = "".join(f"<wfs:ReturnFeatureType>{prefix}:{ft.name}</wfs:ReturnFeatureType>"
                     for ft in query.feature_types(req.engine))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<wfs:ListStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" '
        f'xmlns:{prefix}={quoteattr(req.settings.namespace_uri)} '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">'
        f'<wfs:StoredQuery id="{GET_FEATURE_BY_ID}"><wfs:Title>Get feature by identifier</wfs:Title>'
        f"{rtypes}</wfs:StoredQuery></wfs:ListStoredQueriesResponse>\n").encode()


def describe_stored_queries(req: OWSRequest) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<wfs:DescribeStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">'
        f'<wfs:StoredQueryDescription id="{GET_FEATURE_BY_ID}">'
        "<wfs:Title>Get feature by identifier</wfs:Title>"
        "<wfs:Abstract>Returns the single feature whose identifier is ID.</wfs:Abstract>"
        '<wfs:Parameter name="ID" type="xsd:string"/>'
        '<wfs:QueryExpressionText isPrivate="true" '
        'language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" returnFeatureTypes=""/>'
        "</wfs:StoredQueryDescription></wfs:DescribeStoredQueriesResponse>\n").encode()
