"""WFS 2.0.0 (Basic) and 1.1.0 over the feature store.

Requests (KVP or XML POST) are first turned into one :class:`WFSRequest`, then
executed. Exceptions are raised as typed OWS exceptions and rendered by
:mod:`ckanext.keck_homeless.ogc.ows`.

Choices worth knowing (also in the README):

* Type names: ``keck:hilfsangebote`` (all public offers) and
  ``keck:hilfsangebote_<category>``; unprefixed names are accepted.
* Feature ids: ``<typename>.<package id>``; ResourceId/FEATUREID/ID accept
  that form or the bare package id.
* COUNT above the maximum is lowered to the maximum (the response says so via
  numberReturned/next); COUNT/STARTINDEX that are not integers in
  0…2³¹-1 are rejected.
* Several TYPENAMES (comma-separated, no joins) are answered one after the
  other in one collection; paging runs across them.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

from ckanext.keck_homeless.ogc import capabilities, encoders, errors, query
from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc.ows import OWSRequest, Response

WFS20 = "http://www.opengis.net/wfs/2.0"
WFS11 = "http://www.opengis.net/wfs"
FES20 = "http://www.opengis.net/fes/2.0"
OGC = "http://www.opengis.net/ogc"
OWS11 = "http://www.opengis.net/ows/1.1"
OWS10 = "http://www.opengis.net/ows"
GML32 = "http://www.opengis.net/gml/3.2"
GML = "http://www.opengis.net/gml"

VERSIONS = ("2.0.0", "1.1.0")
MAX_INT = 2**31 - 1
OPERATIONS = {"getcapabilities": "GetCapabilities", "describefeaturetype": "DescribeFeatureType",
              "getfeature": "GetFeature", "getpropertyvalue": "GetPropertyValue",
              "liststoredqueries": "ListStoredQueries",
              "describestoredqueries": "DescribeStoredQueries"}
NOT_IMPLEMENTED = {"transaction", "lockfeature", "getfeaturewithlock", "createstoredquery",
                   "dropstoredquery", "getgmlobject"}


@dataclass
class QuerySpec:
    """One query expression: a feature type and what to select from it."""

    ftype: query.FeatureType
    q: query.FeatureQuery
    properties: list[str] | None = None


@dataclass
class WFSRequest:
    operation: str
    version: str
    queries: list[QuerySpec] = field(default_factory=list)
    count: int | None = None
    start: int = 0
    hits: bool = False
    fmt: encoders.Format | None = None
    srs: crslib.CRS | None = None
    stored_query: str | None = None
    stored_id: str | None = None
    value_reference: str | None = None
    type_names: list[str] = field(default_factory=list)
    kvp: bool = True


def handle(req: OWSRequest) -> Response:
    wreq = from_xml(req) if req.xml is not None else from_kvp(req)
    if wreq.operation == "GetCapabilities":
        body = capabilities.wfs11(req) if wreq.version == "1.1.0" else capabilities.wfs20(req)
        return 200, {"Content-Type": "application/xml; charset=UTF-8"}, body
    if wreq.operation == "DescribeFeatureType":
        return describe_feature_type(req, wreq)
    if wreq.operation == "ListStoredQueries":
        return 200, {"Content-Type": "application/xml; charset=UTF-8"}, capabilities.list_stored_queries(req)
    if wreq.operation == "DescribeStoredQueries":
        return describe_stored_queries(req, wreq)
    if wreq.operation == "GetPropertyValue":
        return get_property_value(req, wreq)
    if wreq.stored_query:
        return get_feature_by_id(req, wreq)
    return get_feature(req, wreq)


# ---------------------------------------------------------------------------
# Parsing: KVP
# ---------------------------------------------------------------------------
def _operation(name: str | None) -> str:
    if not name:
        raise errors.MissingParameterValue("Parameter REQUEST fehlt / is missing", locator="request")
    key = name.strip().lower()
    if key in OPERATIONS:
        return OPERATIONS[key]
    if key in NOT_IMPLEMENTED:
        raise errors.OperationNotSupported(f"{name} wird von diesem lesenden WFS nicht unterstützt / is not supported by this read-only WFS",
                                           locator=name[:40])
    raise errors.OperationNotSupported(f"Unbekannte Operation / unknown operation {name[:40]!r}", locator="request",
                                       status=400)


def _version(operation: str, version: str | None, accept: str | None) -> str:
    if operation == "GetCapabilities":
        if accept:
            wanted = [v.strip() for v in accept.split(",")]
            for v in wanted:
                v = "2.0.0" if v in ("2.0.0", "2.0.2", "2.0") else v
                if v in VERSIONS:
                    return v
            raise errors.VersionNegotiationFailed(
                "Keine Version in AcceptVersions wird unterstützt / none of the versions is supported (2.0.0, 1.1.0)",
                locator="AcceptVersions")
        return version if version in VERSIONS else "2.0.0"
    if not version:
        raise errors.MissingParameterValue("Parameter VERSION fehlt / is missing", locator="version")
    version = "2.0.0" if version in ("2.0.2", "2.0") else version
    if version not in VERSIONS:
        raise errors.InvalidParameterValue(
            f"Version {version[:20]!r} wird nicht unterstützt / is not supported (2.0.0, 1.1.0)", locator="version")
    return version


def _int(value: str | None, name: str, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value.strip())
    except (ValueError, AttributeError):
        raise errors.InvalidParameterValue(f"{name} muss eine ganze Zahl sein / must be an integer", locator=name) from None
    if number < minimum or number > MAX_INT:
        raise errors.InvalidParameterValue(
            f"{name} muss zwischen {minimum} und {MAX_INT} liegen / must be between {minimum} and {MAX_INT}", locator=name)
    return number


def _namespaces(text: str | None) -> dict[str, str]:
    """``NAMESPACES=xmlns(keck,http://…),xmlns(http://…)`` → prefix → URI."""
    result: dict[str, str] = {}
    for m in re.finditer(r"xmlns\(([^,()]*?)(?:,([^()]*))?\)", text or ""):
        if m.group(2) is None:
            result[""] = m.group(1)
        else:
            result[m.group(1)] = m.group(2)
    return result


def _resolve_type(req: OWSRequest, name: str, namespaces: dict[str, str], locator: str):
    name = name.strip()
    if ":" in name and not name.startswith("{"):
        prefix, local = name.split(":", 1)
        uri = namespaces.get(prefix)
        if uri is not None and uri != req.settings.namespace_uri:
            raise errors.InvalidParameterValue(f"Unbekannter Objekttyp / unknown feature type {name[:80]!r}", locator=locator)
        if uri is None and namespaces and prefix != req.settings.namespace_prefix:
            raise errors.InvalidParameterValue(f"Unbekannter Objekttyp / unknown feature type {name[:80]!r}", locator=locator)
        name = local
    return query.feature_type(name, req.settings.namespace_uri, locator=locator)


def _split_list(text: str | None) -> list[str]:
    """Comma list, tolerant of the 2.0 ``(a,b)(c)`` form for one query."""
    if not text:
        return []
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].replace(")(", ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _sortby(text: str | None, version: str) -> list[tuple[str, bool]]:
    result = []
    for part in _split_list(text):
        bits = part.split()
        if not bits or len(bits) > 2:
            raise errors.InvalidParameterValue(f"Ungültiges / invalid SORTBY {part[:60]!r}", locator="SORTBY")
        order = bits[1].upper() if len(bits) == 2 else "ASC"
        if order not in ("ASC", "DESC", "A", "D"):
            raise errors.InvalidParameterValue(f"Ungültige Sortierrichtung / invalid sort order {order[:10]!r}", locator="SORTBY")
        query.column_of(bits[0], locator="SORTBY")
        result.append((bits[0], order in ("ASC", "A")))
    return result


def _format(value: str | None, version: str, operation: str) -> encoders.Format:
    if not value:
        return encoders.GML311 if version == "1.1.0" else encoders.GML32
    fmt = encoders.lookup(value)
    if fmt is None:
        raise errors.InvalidParameterValue(f"Ausgabeformat / output format {value[:60]!r} wird nicht unterstützt / is not supported",
                                           locator="outputFormat")
    return fmt


def _srs(value: str | None, locator: str = "srsName") -> crslib.CRS | None:
    return crslib.parse(value, locator=locator) if value else None


def _ids(text: str | None) -> list[str]:
    return [v.strip() for v in _split_list(text)]


def _check_ids(raw_ids: list[str] | None, ftype: query.FeatureType) -> list[str] | None:
    """Package ids from resource ids; an id whose type prefix names another
    feature type than the query's is an error (WFS 2.0 §7.9.2.4.1)."""
    if raw_ids is None:
        return None
    result = []
    for rid in raw_ids:
        other = _type_of_id(rid)
        if other is not None and other.name != ftype.name:
            raise errors.InvalidParameterValue(
                f"Kennung / resource id {rid[:80]!r} ist nicht vom Typ / is not of type {ftype.name}", locator="RESOURCEID")
        result.append(_package_id(rid))
    return result


def _package_id(rid: str) -> str:
    return rid.strip().rsplit(".", 1)[-1]


def _type_of_id(rid: str) -> query.FeatureType | None:
    if "." in rid:
        try:
            return query.feature_type(rid.rsplit(".", 1)[0].split(":")[-1])
        except errors.OWSException:
            return None
    return None


def from_kvp(req: OWSRequest) -> WFSRequest:
    op = _operation(req.get("REQUEST"))
    version = _version(op, req.get("VERSION"), req.get("ACCEPTVERSIONS"))
    wreq = WFSRequest(op, version)
    if op in ("GetCapabilities", "ListStoredQueries"):
        return wreq
    namespaces = _namespaces(req.get("NAMESPACES") or req.get("NAMESPACE"))
    names_param = "TYPENAMES" if version == "2.0.0" else "TYPENAME"
    type_text = req.get("TYPENAMES") or req.get("TYPENAME")
    wreq.type_names = _split_list(type_text)
    if op == "DescribeFeatureType":
        wreq.queries = [QuerySpec(_resolve_type(req, n, namespaces, names_param), query.FeatureQuery())
                        for n in wreq.type_names]
        wreq.fmt = _dft_format(req.get("OUTPUTFORMAT"), version)
        return wreq
    if op == "DescribeStoredQueries":
        wreq.stored_query = req.get("STOREDQUERY_ID")
        return wreq
    wreq.fmt = _format(req.get("OUTPUTFORMAT"), version, op)
    count_text = req.get("COUNT") if version == "2.0.0" else None
    wreq.count = _int(count_text or req.get("MAXFEATURES"),
                      "COUNT" if count_text else "MAXFEATURES")
    wreq.start = _int(req.get("STARTINDEX"), "STARTINDEX") or 0
    wreq.hits = _result_type(req.get("RESULTTYPE"))
    wreq.srs = _srs(req.get("SRSNAME"))
    if op == "GetPropertyValue":
        wreq.value_reference = _value_reference(req.args.get("VALUEREFERENCE"))
    stored = req.get("STOREDQUERY_ID")
    if stored and op == "GetFeature":
        if stored != capabilities.GET_FEATURE_BY_ID:
            raise errors.InvalidParameterValue(f"Unbekannte gespeicherte Abfrage / unknown stored query {stored[:80]!r}",
                                               locator="STOREDQUERY_ID")
        wreq.stored_query = stored
        wreq.stored_id = req.get("ID")
        if not wreq.stored_id:
            raise errors.MissingParameterValue("Parameter ID fehlt / is missing", locator="ID")
        return wreq
    _kvp_queries(req, wreq, namespaces, names_param)
    return wreq


def _value_reference(value: str | None) -> str:
    if value is None:
        raise errors.MissingParameterValue("Parameter VALUEREFERENCE fehlt / is missing",
                                           locator="valueReference")
    if not value.strip():
        raise errors.InvalidParameterValue("VALUEREFERENCE ist leer / is empty", locator="valueReference")
    return value.strip()


def _result_type(value: str | None) -> bool:
    if not value:
        return False
    if value.lower() not in ("results", "hits"):
        raise errors.InvalidParameterValue("RESULTTYPE muss results oder hits sein / must be results or hits", locator="resultType")
    return value.lower() == "hits"


def _kvp_queries(req: OWSRequest, wreq: WFSRequest, namespaces, names_param: str) -> None:
    bbox_text, filter_text = req.get("BBOX"), req.get("FILTER")
    rid_text = req.get("RESOURCEID") if wreq.version == "2.0.0" else None
    rid_text = rid_text or req.get("FEATUREID")
    given = [n for n, v in (("BBOX", bbox_text), ("FILTER", filter_text),
                            ("RESOURCEID", rid_text)) if v]
    if len(given) > 1:
        raise errors.InvalidParameterValue(
            f"{' / '.join(given)} schließen sich aus / are mutually exclusive", locator=given[1])
    ids = None
    if rid_text:
        ids = _ids(rid_text)
        if not wreq.type_names:
            types = {_type_of_id(r) for r in _split_list(rid_text)} - {None}
            wreq.type_names = [t.name for t in types] or ["hilfsangebote"]  # type: ignore[union-attr]
    if not wreq.type_names:
        raise errors.MissingParameterValue(f"Parameter {names_param} fehlt / is missing", locator=names_param)
    sort = _sortby(req.get("SORTBY"), wreq.version)
    props = [p for p in _split_list(req.get("PROPERTYNAME")) if p != "*"] or None
    for p in props or []:
        query.column_of(p, locator="PROPERTYNAME")
    default_crs = wreq.srs or crslib.default()
    filt = None
    if filter_text:
        filt, filter_ids = parse_filter_text(filter_text, req)
        if filter_ids is not None:
            ids, filt = filter_ids, None
    for name in wreq.type_names:
        ftype = _resolve_type(req, name, namespaces, names_param)
        fq = query.FeatureQuery(category=ftype.category, ids=_check_ids(ids, ftype), sort=sort,
                                filter=filt, filter_crs=default_crs, site_url=req.site_url)
        if bbox_text:
            box, bcrs = crslib.parse_bbox(bbox_text, default_crs=default_crs)
            fq.bbox, fq.bbox_srid = bcrs.bbox_xy(box), bcrs.srid
        wreq.queries.append(QuerySpec(ftype, fq, props))


def _dft_format(value: str | None, version: str) -> str:
    if not value:
        return "gml311" if version == "1.1.0" else "gml32"
    key = value.replace(" ", "").lower()
    if key in ("xmlschema", "text/xml", "application/xml"):
        return "gml311" if version == "1.1.0" else "gml32"
    fmt = encoders.lookup(value)
    if fmt is None or fmt.kind == "geojson":
        raise errors.InvalidParameterValue(f"Ausgabeformat / output format {value[:60]!r} wird nicht unterstützt / is not supported",
                                           locator="outputFormat")
    return fmt.kind


# ---------------------------------------------------------------------------
# Parsing: filters
# ---------------------------------------------------------------------------
def parse_filter_text(text: str, req: OWSRequest):
    """KVP FILTER (FES 2.0 or Filter 1.1 XML) → (AST or None, ids or None)."""
    from ckanext.keck_homeless.ogc.ows import parse_xml_body

    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    try:
        root = parse_xml_body(text.encode("utf-8"))
    except errors.OWSException as exc:
        raise errors.InvalidParameterValue(f"FILTER: {exc.text}", locator="FILTER") from None
    return parse_filter_element(root)


def parse_filter_element(root) -> tuple[Any, list[str] | None]:
    """A ``fes:Filter`` / ``ogc:Filter`` element → (pygeofilter AST, None) or
    (None, resource ids). Only the parser of pygeofilter is used."""
    from lxml import etree

    qname = etree.QName(root)
    if qname.localname != "Filter" or qname.namespace not in (FES20, OGC):
        raise errors.InvalidParameterValue("FILTER muss ein fes:Filter-Element sein / must be a fes:Filter element", locator="FILTER")
    children = [c for c in root if isinstance(c.tag, str)]
    id_tags = {f"{{{FES20}}}ResourceId", f"{{{OGC}}}GmlObjectId", f"{{{OGC}}}FeatureId"}
    if children and all(c.tag in id_tags for c in children):
        ids = []
        for c in children:
            rid = c.get("rid") or c.get(f"{{{GML}}}id") or c.get(f"{{{GML32}}}id") or c.get("fid")
            if not rid:
                raise errors.InvalidParameterValue("ResourceId ohne / without rid", locator="FILTER")
            ids.append(rid.strip())
        return None, ids
    if not children:
        raise errors.InvalidParameterValue("Leerer Filter / empty filter", locator="FILTER")
    _prepare_fes(root)
    try:
        return _fes_parser(qname.namespace).parse(root), None
    except errors.OWSException:
        raise
    except Exception as exc:  # pygeofilter raises assorted errors on bad input
        raise errors.InvalidParameterValue(
            f"Filter nicht verarbeitbar / cannot be processed: {type(exc).__name__}", locator="FILTER") from None


@functools.lru_cache(maxsize=2)
def _fes_parser(namespace: str):
    """pygeofilter's FES parser, plus ``PropertyIsNil`` (FES 2.0): we never
    write nil values, so it matches nothing."""
    from pygeofilter import ast
    from pygeofilter.parsers.fes.v11 import FES11Parser
    from pygeofilter.parsers.fes.v20 import FES20Parser

    if namespace == OGC:
        return FES11Parser()

    def property_is_nil(parser, node, lhs, *rest):
        ident = ast.Attribute("id")
        return ast.And(ast.IsNull(ident, False), ast.IsNull(ident, True))

    property_is_nil.subiter = True
    parser = FES20Parser()
    parser.tag_map = {**FES20Parser.tag_map, f"{{{FES20}}}PropertyIsNil": property_is_nil}
    return parser


def _prepare_fes(root) -> None:
    """Work around pygeofilter/pygml gaps before parsing:

    * ``fes:Literal`` without ``type`` (the common case) would crash FES 2.0's parser;
    * ``gml:Envelope`` loses its srsName in pygml — rewrite it as the
      equivalent ``gml:Polygon`` (with srsName), which keeps CRS and axis order.
    """
    from lxml import etree

    for lit in root.iter(f"{{{FES20}}}Literal", f"{{{OGC}}}Literal"):
        if any(isinstance(child.tag, str) for child in lit):
            raise errors.OperationProcessingFailed(
                "Literale mit XML-Inhalt (z. B. Geometrien) sind nicht vergleichbar / "
                "literals with XML content (e.g. geometries) cannot be compared",
                locator="FILTER", status=400)
        if lit.get("type") is None:
            lit.set("type", "xs:string")
        if lit.text is None:
            lit.text = ""
    for env in list(root.iter(f"{{{GML32}}}Envelope", f"{{{GML}}}Envelope")):
        ns = etree.QName(env).namespace
        lower = env.find(f"{{{ns}}}lowerCorner")
        upper = env.find(f"{{{ns}}}upperCorner")
        coords = env.findall(f"{{{ns}}}coord") or []
        try:
            if lower is not None and upper is not None:
                a = [float(v) for v in (lower.text or "").split()]
                b = [float(v) for v in (upper.text or "").split()]
            elif len(coords) == 2:  # GML 2 style
                a = [float(coords[0].findtext(f"{{{ns}}}{k}")) for k in ("X", "Y")]
                b = [float(coords[1].findtext(f"{{{ns}}}{k}")) for k in ("X", "Y")]
            else:
                raise ValueError
            if len(a) != 2 or len(b) != 2:
                raise ValueError
        except (TypeError, ValueError):
            raise errors.InvalidParameterValue("Ungültiges gml:Envelope im Filter / invalid gml:Envelope in filter", locator="FILTER") from None
        poly = etree.Element(f"{{{ns}}}Polygon")
        if env.get("srsName"):
            poly.set("srsName", env.get("srsName"))
        if ns == GML32:
            poly.set(f"{{{GML32}}}id", "envelope")
        ring = etree.SubElement(etree.SubElement(poly, f"{{{ns}}}exterior"), f"{{{ns}}}LinearRing")
        pos = etree.SubElement(ring, f"{{{ns}}}posList")
        (x1, y1), (x2, y2) = a, b
        pos.text = f"{x1} {y1} {x1} {y2} {x2} {y2} {x2} {y1} {x1} {y1}"
        poly.set("_envelope", "1")
        env.getparent().replace(env, poly)


# ---------------------------------------------------------------------------
# Parsing: XML POST
# ---------------------------------------------------------------------------
def _local(el) -> str:
    from lxml import etree
    return etree.QName(el).localname


def from_xml(req: OWSRequest) -> WFSRequest:
    root = req.xml
    op = _operation(_local(root))
    version = root.get("version")
    accept = None
    if op == "GetCapabilities":
        accept = ",".join(v.text or "" for v in root.iter(f"{{{OWS11}}}Version", f"{{{OWS10}}}Version")) or None
    version = _version(op, version, accept)
    wreq = WFSRequest(op, version, kvp=False)
    if op in ("GetCapabilities", "ListStoredQueries"):
        return wreq
    if op == "DescribeFeatureType":
        names = [t.text.strip() for t in root if _local(t) == "TypeName" and t.text]
        wreq.type_names = names
        wreq.queries = [QuerySpec(_xml_type(req, t, root), query.FeatureQuery()) for t in names]
        wreq.fmt = _dft_format(root.get("outputFormat"), version)
        return wreq
    if op == "DescribeStoredQueries":
        ids = [e.text for e in root if _local(e) == "StoredQueryId"]
        wreq.stored_query = ",".join(i for i in ids if i) or None
        return wreq
    wreq.fmt = _format(root.get("outputFormat"), version, op)
    wreq.count = _int(root.get("count") or root.get("maxFeatures"), "count")
    wreq.start = _int(root.get("startIndex"), "startIndex") or 0
    wreq.hits = _result_type(root.get("resultType"))
    if op == "GetPropertyValue":
        wreq.value_reference = _value_reference(root.get("valueReference"))
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if _local(child) == "StoredQuery":
            _xml_stored_query(wreq, child)
        elif _local(child) == "Query":
            _xml_query(req, wreq, child)
    if not wreq.queries and not wreq.stored_query:
        raise errors.MissingParameterValue("Keine wfs:Query in der Anfrage / no wfs:Query in the request", locator="Query")
    return wreq


def _xml_stored_query(wreq: WFSRequest, el) -> None:
    if el.get("id") != capabilities.GET_FEATURE_BY_ID:
        raise errors.InvalidParameterValue("Unbekannte gespeicherte Abfrage / unknown stored query", locator="StoredQuery")
    wreq.stored_query = el.get("id")
    for p in el:
        if isinstance(p.tag, str) and _local(p) == "Parameter" and p.get("name", "").upper() == "ID":
            wreq.stored_id = (p.text or "").strip()
    if not wreq.stored_id:
        raise errors.MissingParameterValue("Parameter ID der gespeicherten Abfrage fehlt / stored query parameter ID is missing", locator="ID")


def _xml_type(req: OWSRequest, name: str, context_el):
    name = name.strip()
    if ":" in name:
        prefix, local = name.split(":", 1)
        uri = context_el.nsmap.get(prefix)
        if uri is not None and uri != req.settings.namespace_uri:
            raise errors.InvalidParameterValue(f"Unbekannter Objekttyp / unknown feature type {name[:80]!r}", locator="typeNames")
        name = local
    return query.feature_type(name, req.settings.namespace_uri, locator="typeNames")


def _xml_query(req: OWSRequest, wreq: WFSRequest, el) -> None:
    names = (el.get("typeNames") or el.get("typeName") or "").split()
    if not names:
        raise errors.MissingParameterValue("typeNames fehlt an wfs:Query / is missing on wfs:Query", locator="typeNames")
    if len(names) > 1:
        raise errors.OptionNotSupported("Joins werden nicht unterstützt / are not supported", locator="typeNames")
    srs = _srs(el.get("srsName"))
    if srs is not None:
        wreq.srs = srs
    ftype = _xml_type(req, names[0], el)
    filt, ids, sort, props = None, None, [], []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        local = _local(child)
        if local == "Filter":
            filt, ids = parse_filter_element(child)
        elif local == "SortBy":
            for sp in child:
                if not isinstance(sp.tag, str):
                    continue
                ref = next((c.text for c in sp if isinstance(c.tag, str)
                            and _local(c) in ("ValueReference", "PropertyName")), None)
                order = next((c.text for c in sp if isinstance(c.tag, str) and _local(c) == "SortOrder"), "ASC")
                sort.extend(_sortby(f"{ref} {(order or 'ASC').strip()}", wreq.version))
        elif local in ("PropertyName", "ValueReference") and child.text:
            query.column_of(child.text, locator="PropertyName")
            props.append(child.text.strip())
    fq = query.FeatureQuery(category=ftype.category, ids=_check_ids(ids, ftype), sort=sort,
                            filter=filt, filter_crs=srs or crslib.default(), site_url=req.site_url)
    wreq.queries.append(QuerySpec(ftype, fq, props or None))
    wreq.type_names.append(ftype.name)


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------
def describe_feature_type(req: OWSRequest, wreq: WFSRequest) -> Response:
    types = [s.ftype for s in wreq.queries] or list(query.FEATURE_TYPES)
    kind = wreq.fmt or "gml32"
    mime = {"gml32": "application/gml+xml; version=3.2", "gml311": "text/xml; subtype=gml/3.1.1",
            "gml2": "text/xml; subtype=gml/2.1.2"}[kind]
    return 200, {"Content-Type": mime}, capabilities.feature_schema(req, types, kind)


def describe_stored_queries(req: OWSRequest, wreq: WFSRequest) -> Response:
    if wreq.stored_query:
        for sq in _split_list(wreq.stored_query):
            if sq != capabilities.GET_FEATURE_BY_ID:
                raise errors.InvalidParameterValue(f"Unbekannte gespeicherte Abfrage / unknown stored query {sq[:80]!r}",
                                                   locator="STOREDQUERY_ID")
    return 200, {"Content-Type": "application/xml; charset=UTF-8"}, capabilities.describe_stored_queries(req)


def _limit(req: OWSRequest, wreq: WFSRequest) -> int:
    count = wreq.count if wreq.count is not None else req.settings.count_default
    return min(count, req.settings.count_max)


def _plan(conn, wreq: WFSRequest, limit: int) -> tuple[int, list[QuerySpec]]:
    """numberMatched over all queries and the queries with offset/limit set."""
    counts = [query.count(conn, spec.q) for spec in wreq.queries]
    matched = sum(counts)
    start, remaining, planned = wreq.start, limit, []
    for spec, n in zip(wreq.queries, counts, strict=False):
        if remaining <= 0:
            break
        if start >= n:
            start -= n
            continue
        take = min(remaining, n - start)
        spec.q.offset, spec.q.limit = start, take
        planned.append(spec)
        remaining -= take
        start = 0
    return matched, planned


def _output_crs(wreq: WFSRequest) -> crslib.CRS:
    return wreq.srs or crslib.default()


def _srs_name(wreq: WFSRequest, target: crslib.CRS) -> str:
    if wreq.srs is not None:
        return wreq.srs.given
    if wreq.fmt is encoders.GML2:
        return target.epsg_code
    return target.urn


def _props(req: OWSRequest, spec: QuerySpec) -> list[tuple[str, Any]]:
    allp = query.properties(req.site_url)
    if not spec.properties:
        return allp
    wanted = {p.split("/")[-1].split(":")[-1] for p in spec.properties}
    return [(n, e) for n, e in allp if n in wanted]


def _links(req: OWSRequest, wreq: WFSRequest, limit: int, matched: int, returned: int) -> dict[str, str]:
    if not wreq.kvp or limit <= 0:
        return {}
    base = {k: v for k, v in req.args.items() if k not in ("STARTINDEX", "COUNT", "MAXFEATURES")}
    count_key = "COUNT" if wreq.version == "2.0.0" else "MAXFEATURES"
    links = {}
    if wreq.start + returned < matched:
        links["next"] = req.base_url + "?" + urlencode({**base, "STARTINDEX": wreq.start + limit, count_key: limit})
    if wreq.start > 0:
        links["previous"] = req.base_url + "?" + urlencode(
            {**base, "STARTINDEX": max(0, wreq.start - limit), count_key: limit})
    return links


def _hits_links(req: OWSRequest, wreq: WFSRequest, limit: int, matched: int) -> dict[str, str]:
    """For RESULTTYPE=hits, ``next`` points at the first page of results."""
    if not wreq.kvp or wreq.version != "2.0.0" or wreq.start >= matched or limit <= 0:
        return {}
    base = {k: v for k, v in req.args.items() if k not in ("STARTINDEX", "COUNT", "MAXFEATURES",
                                                           "RESULTTYPE")}
    return {"next": req.base_url + "?" + urlencode(
        {**base, "RESULTTYPE": "results", "STARTINDEX": wreq.start, "COUNT": limit})}


def get_feature(req: OWSRequest, wreq: WFSRequest) -> Response:
    limit = _limit(req, wreq)
    target = _output_crs(wreq)
    with req.engine.connect() as conn:
        matched, planned = _plan(conn, wreq, 0 if wreq.hits else limit)
    returned = sum(s.q.limit or 0 for s in planned)
    if wreq.start == 0 and returned == matched:  # everything in one response
        for spec in planned:
            spec.q.ordered = False
    links = _hits_links(req, wreq, limit, matched) if wreq.hits else \
        _links(req, wreq, limit, matched, returned)
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    fmt = wreq.fmt or encoders.GML32
    if fmt.kind == "geojson":
        head = (f'{{"type":"FeatureCollection","numberMatched":{matched},'
                f'"numberReturned":{returned},"timeStamp":"{stamp}",')
        if not target.crs84 and (target.srid != 4326 or target.latlon):
            head += f'"crs":{{"type":"name","properties":{{"name":"{_srs_name(wreq, target)}"}}}},'
        if links:
            head += '"links":[{}],'.format(",".join(
                f'{{"rel":"{rel}","href":{_json_str(href)},"type":"application/geo+json"}}'
                for rel, href in links.items()))
        head += '"features":['
        parts = [encoders.stream(req.engine, query.select_rows(
            s.q, [encoders.geojson_feature_sql(_props(req, s), target)]), b"", b"", b",")
            for s in planned]
        body = encoders.chain([[head.encode()], _join(parts, b","), [b"]}\n"]])
        ctype = "application/geo+json" if "geo+json" in (req.get("OUTPUTFORMAT") or "") else "application/json"
        return 200, {"Content-Type": ctype + "; charset=UTF-8"}, body
    box = _gml2_box(req, planned, target, _srs_name(wreq, target)) if fmt.kind == "gml2" else None
    head, member, tail = _gml_envelope(req, wreq, fmt, matched, returned, stamp, links, box)
    parts = [encoders.stream(req.engine, query.select_rows(s.q, [encoders.gml_feature_sql(
        fmt.kind, s.ftype.name, _props(req, s), target, _srs_name(wreq, target),
        req.settings.namespace_prefix, member)]), b"", b"") for s in planned]
    body = encoders.chain([[head.encode()], _join(parts, b""), [tail.encode()]])
    return 200, {"Content-Type": fmt.mime if wreq.version == "2.0.0" or fmt.kind != "gml32"
                 else "text/xml; subtype=gml/3.2"}, body


def _join(parts, sep: bytes):
    """Chain row streams; a separator between non-empty streams."""
    first = True
    for part in parts:
        started = False
        for chunk in part:
            if not chunk:
                continue
            if not started and not first and sep:
                yield sep
            started = True
            yield chunk
        if started:
            first = False


def _json_str(text: str) -> str:
    import json
    return json.dumps(text)


def _schema_location(req: OWSRequest, wreq: WFSRequest, fmt: encoders.Format) -> str:
    types = ",".join(f"{req.settings.namespace_prefix}:{n}" for n in
                     dict.fromkeys(s.ftype.name for s in wreq.queries)) or f"{req.settings.namespace_prefix}:hilfsangebote"
    dft_format = {"gml32": "application/gml+xml; version=3.2", "gml311": "text/xml; subtype=gml/3.1.1",
                  "gml2": "text/xml; subtype=gml/2.1.2"}[fmt.kind]
    names_key = "TYPENAMES" if wreq.version == "2.0.0" else "TYPENAME"
    return req.base_url + "?" + urlencode({"SERVICE": "WFS", "VERSION": wreq.version,
                                           "REQUEST": "DescribeFeatureType", names_key: types,
                                           "OUTPUTFORMAT": dft_format})


def _gml2_box(req: OWSRequest, planned: list[QuerySpec], target: crslib.CRS, srs_name: str) -> str:
    """``gml:boundedBy`` content of a GML 2 collection (required by the WFS 1.0
    schema; OpenLayers' GML2 reader, used by geo_view, needs a gml:Box)."""
    boxes = []
    with req.engine.connect() as conn:
        for spec in planned:
            box = query.extent(conn, spec.q, target.srid)
            if box:
                boxes.append(box)
    if not boxes:
        return "<gml:null>inapplicable</gml:null>"
    digits = 7 if target.geographic else 2
    x1, y1 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x2, y2 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    a = ",".join(f"{v:.{digits}f}" for v in target.pair(x1, y1))
    b = ",".join(f"{v:.{digits}f}" for v in target.pair(x2, y2))
    return (f'<gml:Box srsName="{srs_name}"><gml:coordinates decimal="." cs="," ts=" ">'
            f"{a} {b}</gml:coordinates></gml:Box>")


def _gml_envelope(req, wreq, fmt, matched, returned, stamp, links, box=None):
    s = req.settings
    ns = f'xmlns:{s.namespace_prefix}={quoteattr(s.namespace_uri)}'
    schema = quoteattr(s.namespace_uri + " " + _schema_location(req, wreq, fmt) + (
        " http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"
        + (" http://www.opengis.net/gml/3.2 http://schemas.opengis.net/gml/3.2.1/gml.xsd"
           if fmt.kind == "gml32" else "")
        if wreq.version == "2.0.0" else
        " http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.1.0/wfs.xsd"))
    gml_ns = GML32 if fmt.kind == "gml32" else GML
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n'
    if fmt.kind == "gml2" and not wreq.hits:
        # GML 2 lives in WFS 1.0.0 collections (what GML2 clients and the schemas expect)
        schema = quoteattr(s.namespace_uri + " " + _schema_location(req, wreq, fmt)
                           + " http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.0.0/WFS-basic.xsd")
        head = (f'{xml}<wfs:FeatureCollection xmlns:wfs="{WFS11}" xmlns:gml="{GML}" {ns} '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f"xsi:schemaLocation={schema}><gml:boundedBy>{box or '<gml:null>unknown</gml:null>'}"
                "</gml:boundedBy>")
        return head, "gml:featureMember", "</wfs:FeatureCollection>\n"
    if wreq.version == "2.0.0":
        link_attrs = "".join(f" {rel}={quoteattr(href)}" for rel, href in links.items())
        head = (f'{xml}<wfs:FeatureCollection xmlns:wfs="{WFS20}" xmlns:gml="{gml_ns}" {ns} '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation={schema} timeStamp="{stamp}" '
                f'numberMatched="{matched}" numberReturned="{returned}"{link_attrs}>')
        return head, "wfs:member", "</wfs:FeatureCollection>\n"
    number = matched if wreq.hits else returned
    head = (f'{xml}<wfs:FeatureCollection xmlns:wfs="{WFS11}" xmlns:gml="{gml_ns}" {ns} '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation={schema} timeStamp="{stamp}" numberOfFeatures="{number}">')
    return head, "gml:featureMember", "</wfs:FeatureCollection>\n"


def get_feature_by_id(req: OWSRequest, wreq: WFSRequest) -> Response:
    rid = wreq.stored_id or ""
    ftype = _type_of_id(rid) or query.FEATURE_TYPES[0]
    fq = query.FeatureQuery(category=ftype.category, ids=[_package_id(rid)], limit=1,
                            site_url=req.site_url)
    target = _output_crs(wreq)
    fmt = wreq.fmt or encoders.GML32
    spec = QuerySpec(ftype, fq)
    if fmt.kind == "geojson":
        column = encoders.geojson_feature_sql(_props(req, spec), target)
    else:
        column = encoders.gml_feature_sql(fmt.kind, ftype.name, _props(req, spec), target,
                                          _srs_name(wreq, target), req.settings.namespace_prefix, "")
    with req.engine.connect() as conn:
        row = query.execute(conn, query.select_rows(fq, [column])).first()
    if row is None:
        raise errors.NotFound(f"Kein Objekt mit der Kennung / no feature with identifier {rid[:80]!r}", locator="ID")
    text = row[0]
    if fmt.kind == "geojson":
        return 200, {"Content-Type": "application/geo+json; charset=UTF-8"}, text.encode("utf-8")
    s = req.settings
    gml_ns = GML32 if fmt.kind == "gml32" else GML
    # declare the namespaces on the feature element itself
    decl = (f' xmlns:gml="{gml_ns}" xmlns:{s.namespace_prefix}={quoteattr(s.namespace_uri)} '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
            + quoteattr(s.namespace_uri + " " + _schema_location(req, WFSRequest(
                "GetFeature", wreq.version, [spec]), fmt)))
    first_close = text.index(" ")
    text = text[:first_close] + decl + text[first_close:]
    return 200, {"Content-Type": fmt.mime}, ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")


def get_property_value(req: OWSRequest, wreq: WFSRequest) -> Response:
    if wreq.version != "2.0.0":
        raise errors.OperationNotSupported("GetPropertyValue gibt es erst in / needs WFS 2.0.0", locator="request", status=400)
    ref = wreq.value_reference or ""
    col = query.column_of(ref, site_url=req.site_url, locator="valueReference")
    if wreq.fmt and wreq.fmt.kind == "geojson":
        raise errors.InvalidParameterValue("GetPropertyValue liefert nur XML / returns XML only", locator="outputFormat")
    limit = _limit(req, wreq)
    target = _output_crs(wreq)
    local = ref.split("/")[-1].split(":")[-1]
    prefix = req.settings.namespace_prefix
    import sqlalchemy as sa
    with req.engine.connect() as conn:
        matched, planned = _plan(conn, wreq, 0 if wreq.hits else limit)
    returned = sum(s.q.limit or 0 for s in planned)
    parts = []
    for spec in planned:
        if col is None:
            a, b = encoders.coordinate_texts(target, target.latlon)
            value = sa.func.concat(
                "<wfs:member><gml:Point gml:id=\"", spec.ftype.name, ".", query.offer.c.package_id,
                '.geom" srsName="', _srs_name(wreq, target), '"><gml:pos srsDimension="2">',
                a, " ", b, "</gml:pos></gml:Point></wfs:member>")
        else:
            value = sa.func.concat("<wfs:member>", sa.cast(sa.func.xmlelement(
                sa.literal_column(f'NAME "{prefix}:{local}"'), col), sa.Text),
                "</wfs:member>")
        parts.append(encoders.stream(req.engine, query.select_rows(spec.q, [value]), b"", b""))
    s = req.settings
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<wfs:ValueCollection xmlns:wfs="{WFS20}" xmlns:gml="{GML32}" '
            f'xmlns:{prefix}={quoteattr(s.namespace_uri)} '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd" '
            f'timeStamp="{stamp}" numberMatched="{matched}" numberReturned="{returned}">')
    body = encoders.chain([[head.encode()], _join(parts, b""), [b"</wfs:ValueCollection>\n"]])
    return 200, {"Content-Type": "application/gml+xml; version=3.2"}, body

