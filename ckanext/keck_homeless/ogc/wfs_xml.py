"""WFS XML POST bodies (GetFeature, GetPropertyValue, DescribeFeatureType, …)
→ :class:`wfs_request.WFSRequest`."""
from __future__ import annotations

from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import errors, fes, query, wfs_capabilities
from ckanext.keck_homeless.ogc.request import OWSRequest
from ckanext.keck_homeless.ogc.wfs_request import (
    OWS10,
    OWS11,
    QuerySpec,
    WFSRequest,
    _check_ids,
    _dft_format,
    _format,
    _int,
    _operation,
    _result_type,
    _sortby,
    _srs,
    _value_reference,
    _version,
    check_names,
    check_query_count,
)


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
        check_query_count(req, len(names), "TypeName")
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
    check_query_count(req, sum(1 for c in root if isinstance(c.tag, str)
                               and _local(c) in ("Query", "StoredQuery")), "Query")
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
    if el.get("id") != wfs_capabilities.GET_FEATURE_BY_ID:
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
    return query.feature_type(name, req.settings.namespace_uri, locator="typeNames",
                              engine=req.engine)


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
            filt, ids = fes.parse_filter_element(child)
        elif local == "SortBy":
            for sp in child:
                if not isinstance(sp.tag, str):
                    continue
                ref = next((c.text for c in sp if isinstance(c.tag, str)
                            and _local(c) in ("ValueReference", "PropertyName")), None)
                order = next((c.text for c in sp if isinstance(c.tag, str) and _local(c) == "SortOrder"), "ASC")
                sort.extend(_sortby(f"{ref} {(order or 'ASC').strip()}", wreq.version))
        elif local in ("PropertyName", "ValueReference") and child.text:
            query.column_of(child.text, locator="PropertyName", source=ftype.source)
            props.append(child.text.strip())
    check_names(ftype, None, sort)
    fq = query.FeatureQuery(category=ftype.category, ids=_check_ids(ids, ftype, req.engine),
                            sort=sort,
                            filter=filt, filter_crs=srs or crslib.default(), site_url=req.site_url)
    wreq.queries.append(QuerySpec(ftype, fq, props or None))
    wreq.type_names.append(ftype.name)


