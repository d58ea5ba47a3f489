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
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import encoders, errors, query, wfs_capabilities
from ckanext.keck_homeless.ogc.fes import GML, GML32
from ckanext.keck_homeless.ogc.request import OWSRequest, Response
from ckanext.keck_homeless.ogc.wfs_request import (
    WFS11,
    WFS20,
    QuerySpec,
    WFSRequest,
    _split_list,
    from_kvp,
    split_id,
)
from ckanext.keck_homeless.ogc.wfs_xml import from_xml


def handle(req: OWSRequest) -> Response:
    wreq = from_xml(req) if req.xml is not None else from_kvp(req)
    if wreq.operation == "GetCapabilities":
        build = wfs_capabilities.wfs11 if wreq.version == "1.1.0" else wfs_capabilities.wfs20
        _, body = query.per_store_version(
            req.engine, ("wfs", wreq.version, req.base_url, req.site_url, req.lang, req.settings),
            lambda _v: build(req))
        return 200, {"Content-Type": "application/xml; charset=UTF-8"}, body
    if wreq.operation == "DescribeFeatureType":
        return describe_feature_type(req, wreq)
    if wreq.operation == "ListStoredQueries":
        return 200, {"Content-Type": "application/xml; charset=UTF-8"}, wfs_capabilities.list_stored_queries(req)
    if wreq.operation == "DescribeStoredQueries":
        return describe_stored_queries(req, wreq)
    for ftype in {s.ftype for s in wreq.queries}:
        query.ensure_figures(req.engine, ftype)
    if wreq.operation == "GetPropertyValue":
        return get_property_value(req, wreq)
    if wreq.stored_query:
        return get_feature_by_id(req, wreq)
    return get_feature(req, wreq)



# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------
def describe_feature_type(req: OWSRequest, wreq: WFSRequest) -> Response:
    types = [s.ftype for s in wreq.queries] or query.feature_types(req.engine)
    kind = wreq.fmt or "gml32"
    mime = {"gml32": "application/gml+xml; version=3.2", "gml311": "text/xml; subtype=gml/3.1.1",
            "gml2": "text/xml; subtype=gml/2.1.2"}[kind]
    return 200, {"Content-Type": mime}, wfs_capabilities.feature_schema(req, types, kind)


def describe_stored_queries(req: OWSRequest, wreq: WFSRequest) -> Response:
    if wreq.stored_query:
        for sq in _split_list(wreq.stored_query):
            if sq != wfs_capabilities.GET_FEATURE_BY_ID:
                raise errors.InvalidParameterValue(f"Unbekannte gespeicherte Abfrage / unknown stored query {sq[:80]!r}",
                                                   locator="STOREDQUERY_ID")
    return 200, {"Content-Type": "application/xml; charset=UTF-8"}, wfs_capabilities.describe_stored_queries(req)


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
    allp = spec.ftype.source.properties(req.site_url)
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
            s.q, [encoders.geojson_feature_sql(_props(req, s), target, source=s.q.source)]),
            b"", b"", b",")
            for s in planned]
        body = encoders.chain([[head.encode()], _join(parts, b","), [b"]}\n"]])
        ctype = "application/geo+json" if "geo+json" in (req.get("OUTPUTFORMAT") or "") else "application/json"
        return 200, {"Content-Type": ctype + "; charset=UTF-8"}, body
    box = _gml2_box(req, planned, target, _srs_name(wreq, target)) if fmt.kind == "gml2" else None
    head, member, tail = _gml_envelope(req, wreq, fmt, matched, returned, stamp, links, box)
    parts = [encoders.stream(req.engine, query.select_rows(s.q, [encoders.gml_feature_sql(
        fmt.kind, s.ftype.name, _props(req, s), target, _srs_name(wreq, target),
        req.settings.namespace_prefix, member, s.q.source)]), b"", b"") for s in planned]
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
    ftype, key = split_id(rid, req.engine)
    ftype = ftype or query.FEATURE_TYPES[0]
    query.ensure_figures(req.engine, ftype)
    fq = query.FeatureQuery(category=ftype.category, ids=[key], limit=1, site_url=req.site_url)
    target = _output_crs(wreq)
    fmt = wreq.fmt or encoders.GML32
    spec = QuerySpec(ftype, fq)
    if fmt.kind == "geojson":
        column = encoders.geojson_feature_sql(_props(req, spec), target, source=fq.source)
    else:
        column = encoders.gml_feature_sql(fmt.kind, ftype.name, _props(req, spec), target,
                                          _srs_name(wreq, target), req.settings.namespace_prefix, "",
                                          fq.source)
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
    columns = {s.ftype: query.column_of(ref, site_url=req.site_url, locator="valueReference",
                                        source=s.ftype.source) for s in wreq.queries}
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
        col = columns[spec.ftype]
        if col is None and not spec.q.source.point:
            fid = sa.func.concat(f"{spec.ftype.name}.", spec.q.source.key)
            value = sa.func.concat("<wfs:member>", encoders.polygon_gml_sql(
                "gml32", query.geometry_expr(target.srid, spec.q.source), fid, target,
                _srs_name(wreq, target)), "</wfs:member>")
        elif col is None:
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


