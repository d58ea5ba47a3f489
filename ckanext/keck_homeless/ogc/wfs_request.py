"""WFS requests: the parsed form (:class:`WFSRequest`) and its KVP parser.

An XML POST body is parsed by :mod:`wfs_xml`, filters by :mod:`fes`; both
produce the same :class:`WFSRequest`, which :mod:`wfs` executes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import encoders, errors, fes, query, wfs_capabilities
from ckanext.keck_homeless.ogc.request import OWSRequest

WFS20 = "http://www.opengis.net/wfs/2.0"
WFS11 = "http://www.opengis.net/wfs"
OWS11 = "http://www.opengis.net/ows/1.1"
OWS10 = "http://www.opengis.net/ows"

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

    def __post_init__(self):
        self.q.source = self.ftype.source


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
    return query.feature_type(name, req.settings.namespace_uri, locator=locator, engine=req.engine)


def _split_list(text: str | None) -> list[str]:
    """Comma list, tolerant of the 2.0 ``(a,b)(c)`` form for one query."""
    if not text:
        return []
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].replace(")(", ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def _sortby(text: str | None, version: str) -> list[tuple[str, bool]]:
    """SORTBY → (property, ascending); the names are checked per feature type
    (:func:`check_names`)."""
    result = []
    for part in _split_list(text):
        bits = part.split()
        if not bits or len(bits) > 2:
            raise errors.InvalidParameterValue(f"Ungültiges / invalid SORTBY {part[:60]!r}", locator="SORTBY")
        order = bits[1].upper() if len(bits) == 2 else "ASC"
        if order not in ("ASC", "DESC", "A", "D"):
            raise errors.InvalidParameterValue(f"Ungültige Sortierrichtung / invalid sort order {order[:10]!r}", locator="SORTBY")
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


def check_names(ftype: query.FeatureType, properties: list[str] | None,
                sort: list[tuple[str, bool]]) -> None:
    """PROPERTYNAME and SORTBY must name properties of the feature type."""
    for p in properties or []:
        query.column_of(p, locator="PROPERTYNAME", source=ftype.source)
    for name, _asc in sort:
        query.column_of(name, locator="SORTBY", source=ftype.source)


def _check_ids(raw_ids: list[str] | None, ftype: query.FeatureType, engine=None) -> list[str] | None:
    """Keys (package ids, area codes) from resource ids; an id whose type
    prefix names another feature type than the query's is an error
    (WFS 2.0 §7.9.2.4.1)."""
    if raw_ids is None:
        return None
    result = []
    for rid in raw_ids:
        other, key = split_id(rid, engine)
        if other is not None and other.name != ftype.name:
            raise errors.InvalidParameterValue(
                f"Kennung / resource id {rid[:80]!r} ist nicht vom Typ / is not of type {ftype.name}", locator="RESOURCEID")
        result.append(key)
    return result


def split_id(rid: str, engine=None) -> tuple[query.FeatureType | None, str]:
    """``<typename>.<key>`` → (feature type, key); a bare key or an unknown
    prefix → (None, the whole id). Type names hold no dots, keys may."""
    rid = rid.strip()
    if "." in rid:
        head, key = rid.split(".", 1)
        try:
            return query.feature_type(head.split(":")[-1], engine=engine), key
        except errors.OWSException:
            pass
    return None, rid


def check_query_count(req: OWSRequest, n: int, locator: str) -> None:
    """Refuse a request with more queries than the services allow, before any runs."""
    limit = req.settings.max_queries
    if n > limit:
        raise errors.OperationProcessingFailed(
            f"Zu viele Abfragen in einer Anfrage ({n}, höchstens {limit}) / "
            f"too many queries in one request ({n}, at most {limit})", locator=locator, status=400)


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
    check_query_count(req, len(wreq.type_names), names_param)
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
        if stored != wfs_capabilities.GET_FEATURE_BY_ID:
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
            types = {split_id(r, req.engine)[0] for r in _split_list(rid_text)} - {None}
            wreq.type_names = [t.name for t in types] or ["hilfsangebote"]  # type: ignore[union-attr]
    if not wreq.type_names:
        raise errors.MissingParameterValue(f"Parameter {names_param} fehlt / is missing", locator=names_param)
    sort = _sortby(req.get("SORTBY"), wreq.version)
    props = [p for p in _split_list(req.get("PROPERTYNAME")) if p != "*"] or None
    default_crs = wreq.srs or crslib.default()
    filt = None
    if filter_text:
        filt, filter_ids = fes.parse_filter_text(filter_text, req)
        if filter_ids is not None:
            ids, filt = filter_ids, None
    for name in wreq.type_names:
        ftype = _resolve_type(req, name, namespaces, names_param)
        check_names(ftype, props, sort)
        fq = query.FeatureQuery(category=ftype.category, ids=_check_ids(ids, ftype, req.engine),
                                sort=sort,
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

