"""OGC API - Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS).

Routes below ``/keck-homeless/ogcapi``::

    ""                                   landing page
    conformance                          conformance classes
    api                                  OpenAPI 3.0 (self-contained, no external $ref)
    collections                          the feature types (all offers + one per category)
    collections/{id}                     one collection
    collections/{id}/items               features (bbox, bbox-crs, crs, limit, offset,
                                          property filters, filter=CQL2 text)
    collections/{id}/items/{featureId}   one feature

``handle`` returns ``(status, headers, body)`` for JSON and an
:class:`HtmlPage` (template + context) for HTML, which the Flask glue renders
with CKAN's templates; nothing here imports Flask or CKAN.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import encoders, errors, query, wfs_capabilities
from ckanext.keck_homeless.ogc.request import OWSRequest
from ckanext.keck_homeless.store import published

log = logging.getLogger(__name__)

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
#: CRSs offered (Part 2), CRS84 first (the default of Part 1).
CRS_URIS = (crslib.CRS84_URI,) + tuple(
    f"http://www.opengis.net/def/crs/EPSG/0/{srid}" for srid in (25832, 4326, 4258, 3857))
#: Properties that may be used as ``?name=value`` filters on items: of the
#: offers' collections, and of the area collections.
QUERYABLES = ("category", "ags", "municipality", "postcode", "status", "organization")
AREA_QUERYABLES = ("code", "name")


def queryables(ftype: query.FeatureType) -> tuple[str, ...]:
    return AREA_QUERYABLES if ftype.level else QUERYABLES
STANDARD_PARAMS = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "filter", "filter-lang",
                   "datetime", "lang"}
DEFAULT_LIMIT = 100
#: largest offset (PostgreSQL's integer; larger pages do not exist)
MAX_INT = 2**31 - 1

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"


@dataclass
class HtmlPage:
    """An HTML answer: the glue renders ``template`` with ``context``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200


class APIError(errors.OWSException):
    """OGC API errors are JSON ``{code, description}`` with an HTTP status."""


def handle(req: OWSRequest):
    """Answer one OGC API request (``req.path`` below the API root)."""
    try:
        return _route(req)
    except errors.OWSException as exc:
        log.info("OGC API %s %s: %s %s (%s)", req.path, dict(req.args), exc.code, exc.locator,
                 exc.text[:200])
        status = exc.status if exc.status != 501 else 400
        if exc.locator:  # OGC API parameters are lower-case
            exc.locator = exc.locator.lower()
        body = json.dumps(exc.as_json(), ensure_ascii=False).encode("utf-8")
        return status, {"Content-Type": JSON, **exc.extra_headers()}, body
    except Exception as err:
        if not query.database_unavailable(err):
            raise
        log.warning("OGC API: database unavailable: %s", err)
        exc = errors.ServiceUnavailable()
        body = json.dumps({**exc.as_json(), "code": "ServiceUnavailable"}, ensure_ascii=False)
        return exc.status, {"Content-Type": JSON, **exc.extra_headers()}, body.encode("utf-8")


def _route(req: OWSRequest):
    parts = [p for p in (req.path or "").strip("/").split("/") if p]
    html = wants_html(req)
    if not parts:
        return landing(req, html)
    if parts == ["conformance"]:
        return conformance(req, html)
    if parts in (["api"], ["openapi"]):
        return 200, {"Content-Type": OPENAPI}, json.dumps(openapi(req), ensure_ascii=False).encode()
    if parts[0] == "collections":
        if len(parts) == 1:
            return collections(req, html)
        ftype = _collection(req, parts[1])
        if len(parts) == 2:
            return collection(req, ftype, html)
        if parts[2] == "items" and len(parts) == 3:
            return items(req, ftype, html)
        if parts[2] == "items" and len(parts) == 4:
            return item(req, ftype, parts[3], html)
    raise errors.NotFound("Nicht gefunden / not found", locator="path")


def _collection(req: OWSRequest, cid: str) -> query.FeatureType:
    try:
        return query.feature_type(cid, engine=req.engine)
    except errors.InvalidParameterValue:
        raise errors.NotFound(f"Sammlung / collection {cid[:60]!r} nicht gefunden / not found", locator="collectionId") from None


def wants_html(req: OWSRequest) -> bool:
    """Whether the client negotiated HTML (``f=html`` or an Accept header
    preferring it); raises for an unknown ``f``."""
    f = (req.args.get("F") or "").lower()
    if f:
        if f not in ("json", "html", "geojson", "jsonld"):
            raise errors.InvalidParameterValue("f muss json oder html sein / must be json or html", locator="f")
        return f == "html"
    accept = (req.accept or "").lower()
    return "text/html" in accept and accept.find("text/html") < max(
        accept.find("json") if "json" in accept else 10**6, 0)


def _url(req: OWSRequest, path: str = "", **params) -> str:
    url = req.base_url.rstrip("/") + ("/" + path if path else "")
    params = {k: v for k, v in params.items() if v is not None}
    return url + ("?" + urlencode(params) if params else "")


def _json(data: dict, ctype: str = JSON, extra: dict | None = None):
    headers = {"Content-Type": ctype}
    headers.update(extra or {})
    return 200, headers, json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


# ---------------------------------------------------------------------------
def landing(req: OWSRequest, html: bool):
    s = req.settings
    data = {
        "title": s.title,
        "description": s.abstract,
        "links": [
            {"href": _url(req, f="json"), "rel": "self", "type": JSON, "title": "Diese Seite (JSON)"},
            {"href": _url(req, f="html"), "rel": "alternate", "type": HTML, "title": "Diese Seite (HTML)"},
            {"href": _url(req, "api"), "rel": "service-desc", "type": OPENAPI,
             "title": "API-Definition (OpenAPI 3.0)"},
            {"href": _url(req, "api"), "rel": "service-doc", "type": OPENAPI,
             "title": "API-Dokumentation"},
            {"href": _url(req, "conformance"), "rel": "conformance", "type": JSON,
             "title": "Konformitätsklassen / Conformance"},
            {"href": _url(req, "collections"), "rel": "data", "type": JSON,
             "title": "Sammlungen / Collections"},
        ],
    }
    if html:
        return HtmlPage("keck_homeless/ogcapi/landing.html", {"data": data, "ows_url": _ows_url(req)})
    return _json(data)


def _ows_url(req: OWSRequest) -> str:
    return req.site_url.rstrip("/") + "/keck-homeless/ows"


def conformance(req: OWSRequest, html: bool):
    data = {"conformsTo": list(CONFORMANCE)}
    if html:
        return HtmlPage("keck_homeless/ogcapi/conformance.html", {"data": data})
    return _json(data)


def _collection_json(req: OWSRequest, info: wfs_capabilities.TypeInfo) -> dict:
    ftype, box = info.ftype, info.box
    cid = ftype.name
    data = {
        "id": cid,
        "title": ftype.title(req.lang),
        "description": info.abstract,
        "itemType": "feature",
        "extent": {"spatial": {"bbox": [list(box)], "crs": crslib.CRS84_URI}},
        "crs": list(CRS_URIS),
        "storageCrs": "http://www.opengis.net/def/crs/EPSG/0/25832",
        "links": [
            {"href": _url(req, f"collections/{cid}", f="json"), "rel": "self", "type": JSON},
            {"href": _url(req, f"collections/{cid}", f="html"), "rel": "alternate", "type": HTML},
            {"href": _url(req, f"collections/{cid}/items", f="json"), "rel": "items", "type": GEOJSON,
             "title": "Features (GeoJSON)"},
            {"href": _url(req, f"collections/{cid}/items", f="html"), "rel": "items", "type": HTML,
             "title": "Features (HTML)"},
        ],
    }
    if info.note:  # OGC API - Common: attribution shown with the data
        data["attribution"] = info.note
        if info.url:
            data["links"].append({"href": info.url, "rel": "license", "type": HTML,
                                  "title": info.note})
    return data


def _info(req: OWSRequest, ftype: query.FeatureType) -> wfs_capabilities.TypeInfo:
    for info in wfs_capabilities.type_list(req):
        if info.ftype == ftype:
            return info
    return wfs_capabilities.TypeInfo(ftype, wfs_capabilities.REGION_WGS84, ftype.title_de)


def collections(req: OWSRequest, html: bool):
    data = {
        "links": [
            {"href": _url(req, "collections", f="json"), "rel": "self", "type": JSON},
            {"href": _url(req, "collections", f="html"), "rel": "alternate", "type": HTML},
        ],
        "collections": [_collection_json(req, info) for info in wfs_capabilities.type_list(req)],
        "crs": list(CRS_URIS),
    }
    if html:
        return HtmlPage("keck_homeless/ogcapi/collections.html", {"data": data})
    return _json(data)


def collection(req: OWSRequest, ftype: query.FeatureType, html: bool):
    data = _collection_json(req, _info(req, ftype))
    if html:
        return HtmlPage("keck_homeless/ogcapi/collection.html", {"data": data})
    return _json(data)


# ---------------------------------------------------------------------------
def _int_param(req: OWSRequest, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = req.args.get(name.upper())
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.InvalidParameterValue(f"{name} muss eine ganze Zahl sein / must be an integer", locator=name) from None
    if value < minimum or value > MAX_INT:
        raise errors.InvalidParameterValue(
            f"{name} muss zwischen {minimum} und {MAX_INT} liegen / must be between {minimum} and {MAX_INT}",
            locator=name)
    return min(value, maximum) if maximum else value


def _crs_param(req: OWSRequest, name: str) -> crslib.CRS:
    raw = req.args.get(name.upper())
    if not raw:
        return crslib.parse(crslib.CRS84_URI)
    raw = raw.strip().strip("[]<>")
    if raw not in CRS_URIS:
        raise errors.InvalidParameterValue(
            f"{name} {raw[:80]!r} wird nicht unterstützt / is not supported: " + ", ".join(CRS_URIS), locator=name)
    return crslib.parse(raw, locator=name)


def _items_query(req: OWSRequest, ftype: query.FeatureType) -> tuple[query.FeatureQuery, int, int]:
    known = {p.upper() for p in STANDARD_PARAMS | set(queryables(ftype))}
    for key in req.args:
        if key not in known:
            raise errors.InvalidParameterValue(f"Unbekannter Parameter / unknown query parameter {key.lower()[:40]!r}",
                                               locator=key.lower())
    limit = _int_param(req, "limit", min(DEFAULT_LIMIT, req.settings.count_max), 1,
                       req.settings.count_max)
    offset = _int_param(req, "offset", 0, 0)
    fq = query.FeatureQuery(category=ftype.category, source=ftype.source, site_url=req.site_url,
                            offset=offset, limit=limit)
    bbox_text = req.args.get("BBOX")
    if bbox_text:
        bcrs = _crs_param(req, "bbox-crs")
        nums = bbox_text.split(",")
        if len(nums) not in (4, 6):
            raise errors.InvalidParameterValue(
                "bbox braucht 4 oder 6 Zahlen / bbox needs 4 or 6 numbers", locator="bbox")
        if len(nums) == 6:  # 3D: drop the heights
            bbox_text = ",".join(nums[0:2] + nums[3:5])
        box, _ = crslib.parse_bbox(bbox_text, default_crs=bcrs, locator="bbox")
        fq.bbox, fq.bbox_srid = bcrs.bbox_xy(box), bcrs.srid
    elif req.args.get("BBOX-CRS"):
        _crs_param(req, "bbox-crs")
    _check_datetime(req.args.get("DATETIME"))
    fq.equals = {p: req.args[p.upper()] for p in queryables(ftype) if req.args.get(p.upper())}
    filter_text = req.args.get("FILTER")
    if filter_text:
        lang = (req.args.get("FILTER-LANG") or "cql2-text").lower()
        fq.filter = _cql2(filter_text, lang)
        fq.filter_crs = crslib.parse(crslib.CRS84_URI)
    return fq, limit, offset


def _check_datetime(value: str | None) -> None:
    """``datetime`` (RFC 3339 instant or interval) is accepted and validated;
    the offers have no temporal extent, so it selects all of them."""
    if value is None:
        return
    for part in value.split("/") if "/" in value else [value]:
        if part in ("", ".."):
            continue
        try:
            dt.datetime.fromisoformat(part.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise errors.InvalidParameterValue(
                "datetime muss Zeitpunkt oder Intervall nach RFC 3339 sein / "
                "must be an RFC 3339 date-time or interval", locator="datetime") from None
    if value.count("/") > 1 or value in ("/", "../..", ".."):
        raise errors.InvalidParameterValue("Ungültiges datetime-Intervall / invalid datetime interval", locator="datetime")


def _cql2(text: str, lang: str):
    try:
        if lang == "cql2-text":
            from pygeofilter.parsers.cql2_text import parse
            return parse(text)
        if lang == "cql2-json":
            from pygeofilter.parsers.cql2_json import parse
            return parse(json.loads(text))
    except Exception:
        raise errors.InvalidParameterValue("filter ist nicht lesbar / filter cannot be parsed", locator="filter") from None
    raise errors.InvalidParameterValue("filter-lang muss cql2-text oder cql2-json sein / must be cql2-text or cql2-json", locator="filter-lang")


def items(req: OWSRequest, ftype: query.FeatureType, html: bool):
    fq, limit, offset = _items_query(req, ftype)
    query.ensure_figures(req.engine, ftype)
    out_crs = _crs_param(req, "crs")
    with req.engine.connect() as conn:
        matched = query.count(conn, fq)
    returned = max(0, min(limit, matched - offset))
    fq.ordered = offset > 0 or returned < matched  # paging needs a stable order
    params = {k.lower(): v for k, v in req.args.items() if k not in ("OFFSET", "F")}
    cid = ftype.name
    links = [
        {"href": _url(req, f"collections/{cid}/items", **params, offset=offset or None, f="json"),
         "rel": "self", "type": GEOJSON},
        {"href": _url(req, f"collections/{cid}/items", **params, offset=offset or None, f="html"),
         "rel": "alternate", "type": HTML},
        {"href": _url(req, f"collections/{cid}", f="json"), "rel": "collection", "type": JSON},
    ]
    if offset + returned < matched:
        links.append({"href": _url(req, f"collections/{cid}/items", **{**params, "limit": limit},
                                   offset=offset + limit, f="json"), "rel": "next", "type": GEOJSON})
    if offset > 0:
        links.append({"href": _url(req, f"collections/{cid}/items", **{**params, "limit": limit},
                                   offset=max(0, offset - limit), f="json"), "rel": "prev", "type": GEOJSON})
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    props = ftype.source.properties(req.site_url)
    stmt = query.select_rows(fq, [encoders.geojson_feature_sql(props, out_crs, latlon=out_crs.latlon,
                                                               source=fq.source)])
    headers = {"Content-Crs": f"<{out_crs.uri}>"}
    if html:
        features = [json.loads(t) for chunk in query.stream_bytes(req.engine, stmt) for t in chunk]
        return HtmlPage("keck_homeless/ogcapi/items.html", {
            "collection": _collection_json(req, _info(req, ftype)),
            "features": features, "links": links, "number_matched": matched,
            "number_returned": returned, "offset": offset, "limit": limit,
            "property_names": [p for p, _ in props]})
    head = (f'{{"type":"FeatureCollection","numberMatched":{matched},"numberReturned":{returned},'
            f'"timeStamp":"{stamp}","links":{json.dumps(links, ensure_ascii=False)},"features":[')
    body = encoders.stream(req.engine, stmt, head.encode("utf-8"), b"]}\n", b",")
    return 200, {"Content-Type": GEOJSON, **headers}, body


def item(req: OWSRequest, ftype: query.FeatureType, fid: str, html: bool):
    for key in req.args:
        if key not in ("F", "CRS", "LANG"):
            raise errors.InvalidParameterValue(f"Unbekannter Parameter / unknown query parameter {key.lower()[:40]!r}",
                                               locator=key.lower())
    out_crs = _crs_param(req, "crs")
    query.ensure_figures(req.engine, ftype)
    compiled = _item_statement(ftype.source, ftype.category, dataclasses.replace(out_crs, given=""),
                               req.site_url, req.engine.dialect)
    with req.engine.connect() as conn:
        row = query.run_compiled(conn, compiled, fid=fid).first()
    if row is None:
        raise errors.NotFound(f"Objekt / feature {fid[:80]!r} nicht gefunden / not found", locator="featureId")
    cid = ftype.name
    links = [
        {"href": _url(req, f"collections/{cid}/items/{fid}", f="json"), "rel": "self", "type": GEOJSON},
        {"href": _url(req, f"collections/{cid}/items/{fid}", f="html"), "rel": "alternate", "type": HTML},
        {"href": _url(req, f"collections/{cid}", f="json"), "rel": "collection", "type": JSON},
    ]
    if html:
        info = _info(req, ftype)
        feature = {**json.loads(row[0]), "links": links}
        return HtmlPage("keck_homeless/ogcapi/item.html", {
            "feature": feature, "collection_id": cid, "collection_title": ftype.title(req.lang),
            "attribution": info.note, "attribution_url": info.url})
    # the feature PostgreSQL wrote, its closing brace replaced by the links
    body = f'{row[0][:-1]},"links":{json.dumps(links, ensure_ascii=False)}}}'
    return 200, {"Content-Type": GEOJSON, "Content-Crs": f"<{out_crs.uri}>"}, body.encode("utf-8")


@functools.lru_cache(maxsize=64)
def _item_statement(source: query.Source, category: str | None, out_crs, site_url: str,
                    dialect) -> query.Compiled:
    """The look-up of one feature by key (bind ``fid``) as GeoJSON text,
    compiled once per collection, output CRS and site URL."""
    fq = query.FeatureQuery(category=category, source=source, limit=1, site_url=site_url)
    props = source.properties(site_url)
    stmt = query.select_rows(fq, [encoders.geojson_feature_sql(props, out_crs, latlon=out_crs.latlon,
                                                               source=source)])
    return query.compile_once(stmt.where(source.key == sa.bindparam("fid", None, type_=sa.Text)), dialect)


# ---------------------------------------------------------------------------
#: JSON Schema of the attribute types (store/published.py).
_JSON_TYPES = {"boolean": {"type": "boolean"}, "integer": {"type": "integer"},
               "date": {"type": "string", "format": "date"},
               "dateTime": {"type": "string", "format": "date-time"}}


def _collection_paths(ft, param_ref, json_resp, error) -> dict:
    """The paths of one collection, with the queryables it accepts (a
    document with one ``{collectionId}`` path would offer every collection
    the parameters of all)."""
    base = f"/collections/{ft.name}"
    op = ft.name.replace("_", " ").title().replace(" ", "")
    feature = {"description": "Feature", "content": {
        GEOJSON: {"schema": {"$ref": "#/components/schemas/Feature"}},
        HTML: {"schema": {"type": "string"}}}}
    features_resp = {"description": "Features", "content": {
        GEOJSON: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
        HTML: {"schema": {"type": "string"}}}}
    return {
        base: {"get": {"summary": f"Collection {ft.name}", "operationId": f"describe{op}",
                       "parameters": [param_ref("f")],
                       "responses": {"200": json_resp, "400": error, "404": error}}},
        base + "/items": {"get": {
            "summary": f"Features of {ft.name}", "operationId": f"getFeatures{op}",
            "parameters": [param_ref(n) for n in ("f", "limit", "offset", "bbox", "bbox-crs",
                                                  "datetime", "crs", "filter", "filter-lang")]
            + [param_ref(q) for q in queryables(ft)],
            "responses": {"200": features_resp, "400": error, "404": error}}},
        base + "/items/{featureId}": {"get": {
            "summary": f"One feature of {ft.name}", "operationId": f"getFeature{op}",
            "parameters": [param_ref("featureId"), param_ref("f"), param_ref("crs")],
            "responses": {"200": feature, "400": error, "404": error}}},
    }


def openapi(req: OWSRequest) -> dict:
    """A self-contained OpenAPI 3.0 document (all ``$ref`` are local)."""
    s = req.settings
    ftypes = query.feature_types(req.engine)

    def param_ref(name):
        return {"$ref": f"#/components/parameters/{name}"}

    json_resp = {"description": "OK", "content": {JSON: {"schema": {"type": "object"}},
                                                  HTML: {"schema": {"type": "string"}}}}
    error = {"$ref": "#/components/responses/Error"}
    props_schema = {a.name: {**_JSON_TYPES.get(a.xsd, {"type": "string"}), "title": a.de,
                             "description": a.en, "nullable": True}
                    for a in published.ATTRIBUTES}
    return {
        "openapi": "3.0.3",
        "info": {"title": s.title, "description": s.abstract, "version": "1.0.0",
                 "contact": {"name": s.provider_name, "url": s.provider_site,
                             **({"email": s.contact_email} if s.contact_email else {})},
                 "license": {"name": "Datenlizenz Deutschland – Zero – Version 2.0",
                             "url": "https://www.govdata.de/dl-de/zero-2-0"}},
        "servers": [{"url": req.base_url.rstrip("/")}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage",
                          "parameters": [param_ref("f")], "responses": {"200": json_resp, "400": error}}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance",
                                     "parameters": [param_ref("f")],
                                     "responses": {"200": json_resp, "400": error}}},
            "/api": {"get": {"summary": "This document", "operationId": "getAPI",
                             "responses": {"200": {"description": "OK", "content": {
                                 OPENAPI: {"schema": {"type": "object"}}}}}}},
            "/collections": {"get": {"summary": "Collections", "operationId": "getCollections",
                                     "parameters": [param_ref("f")],
                                     "responses": {"200": json_resp, "400": error}}},
            **{path: item for ft in ftypes for path, item in _collection_paths(ft, param_ref, json_resp, error).items()},
        },
        "components": {
            "parameters": {
                "f": {"name": "f", "in": "query", "required": False, "style": "form", "explode": False,
                      "schema": {"type": "string", "enum": ["json", "html"], "default": "json"}},
                "featureId": {"name": "featureId", "in": "path", "required": True,
                              "schema": {"type": "string"}},
                "limit": {"name": "limit", "in": "query", "required": False, "style": "form",
                          "explode": False, "schema": {"type": "integer", "minimum": 1,
                                                       "maximum": s.count_max,
                                                       "default": min(DEFAULT_LIMIT, s.count_max)}},
                "offset": {"name": "offset", "in": "query", "required": False,
                           "schema": {"type": "integer", "minimum": 0, "maximum": MAX_INT,
                                      "default": 0}},
                "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form",
                         "explode": False, "schema": {  # as OGC's own building block: 4 or 6 numbers
                             "type": "array", "items": {"type": "number"},
                             "oneOf": [{"minItems": n, "maxItems": n} for n in (4, 6)]}},
                "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False,
                             "schema": {"type": "string", "format": "uri", "enum": list(CRS_URIS),
                                        "default": crslib.CRS84_URI}},
                "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form",
                             "explode": False, "description": (
                                 "RFC 3339 date-time or interval. The offers have no temporal "
                                 "extent: accepted, selects all."),
                             "schema": {"type": "string"}},
                "crs": {"name": "crs", "in": "query", "required": False,
                        "schema": {"type": "string", "format": "uri", "enum": list(CRS_URIS),
                                   "default": crslib.CRS84_URI}},
                "filter": {"name": "filter", "in": "query", "required": False,
                           "description": "CQL2 filter expression", "schema": {"type": "string"}},
                "filter-lang": {"name": "filter-lang", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"],
                                           "default": "cql2-text"}},
                **{q: {"name": q, "in": "query", "required": False, "style": "form", "explode": False,
                       "schema": {"type": "string"}} for q in QUERYABLES + AREA_QUERYABLES},
            },
            "schemas": {
                "Feature": {"type": "object", "required": ["type", "geometry", "properties"],
                            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                                           "id": {"type": "string"},
                                           "geometry": {"type": "object", "properties": {
                                               "type": {"type": "string",
                                                        "enum": ["Point", "MultiPolygon"]},
                                               "coordinates": {"type": "array"}}},
                                           "properties": {"type": "object",
                                                          "properties": props_schema},
                                           "links": {"type": "array", "items": {"type": "object"}}}},
                "FeatureCollection": {"type": "object", "required": ["type", "features"],
                                      "properties": {
                                          "type": {"type": "string", "enum": ["FeatureCollection"]},
                                          "features": {"type": "array",
                                                       "items": {"$ref": "#/components/schemas/Feature"}},
                                          "links": {"type": "array", "items": {"type": "object"}},
                                          "timeStamp": {"type": "string", "format": "date-time"},
                                          "numberMatched": {"type": "integer", "minimum": 0},
                                          "numberReturned": {"type": "integer", "minimum": 0}}},
                "Exception": {"type": "object", "required": ["code"],
                              "properties": {"code": {"type": "string"},
                                             "description": {"type": "string"}}},
            },
            # an error is JSON, or an HTML page when the client asked for HTML
            "responses": {"Error": {"description": "Error", "content": {
                JSON: {"schema": {"$ref": "#/components/schemas/Exception"}},
                HTML: {"schema": {"type": "string"}}}}},
        },
    }

