"""Flask glue for the OGC services (the only module that knows Flask/CKAN).

* ``/keck-homeless/ows``       WFS 2.0.0/1.1.0 and WMS (KVP GET, WFS XML POST)
* ``/keck-homeless/ogcapi/…``  OGC API - Features (JSON, GeoJSON, HTML)

Both adapt the Flask request to :class:`ckanext.keck_homeless.ogc.ows.OWSRequest`
and return the ``(status, headers, body)`` of the framework-free handlers.
"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.keck_homeless.ogc import features, ows, query

blueprint = Blueprint("keck_homeless_ogc", __name__)

OWS_PATH = "/keck-homeless/ows"
OGCAPI_PATH = "/keck-homeless/ogcapi"

_P = "ckanext.keck_homeless.ogc."


def service_settings() -> ows.ServiceSettings:
    """Service metadata and limits from the CKAN config (see config_declaration.yaml)."""
    cfg = tk.config
    defaults = ows.ServiceSettings()

    def text(key: str, default: str) -> str:
        value = cfg.get(_P + key)
        return default if value is None else str(value)

    keywords = cfg.get(_P + "keywords")
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.replace(",", " ").split() if k.strip()] \
            if "," not in keywords else [k.strip() for k in keywords.split(",") if k.strip()]
    return ows.ServiceSettings(
        title=text("title", defaults.title),
        abstract=text("abstract", defaults.abstract),
        keywords=tuple(keywords) if keywords else defaults.keywords,
        provider_name=text("provider_name", defaults.provider_name),
        provider_site=text("provider_site", defaults.provider_site),
        contact_person=text("contact_person", defaults.contact_person),
        contact_email=text("contact_email", defaults.contact_email),
        contact_phone=text("contact_phone", defaults.contact_phone),
        fees=text("fees", defaults.fees),
        access_constraints=text("access_constraints", defaults.access_constraints),
        count_default=tk.asint(cfg.get(_P + "count_default") or defaults.count_default),
        count_max=tk.asint(cfg.get(_P + "count_max") or defaults.count_max),
        namespace_uri=text("namespace_uri", defaults.namespace_uri),
    )


def _site_url() -> str:
    return (tk.config.get("ckan.site_url") or request.host_url).rstrip("/") + \
        (tk.config.get("ckan.root_path") or "").replace("/{{LANG}}", "").rstrip("/")


def _lang() -> str:
    try:
        return (tk.h.lang() or "de")[:2]
    except Exception:  # outside a CKAN request context
        return "de"


def _request(**kw) -> ows.OWSRequest:
    site = _site_url()
    return ows.OWSRequest.from_kvp(
        request.args,
        method=request.method,
        # read at most one byte more than allowed (chunked bodies have no length)
        body=request.stream.read(ows.MAX_POST_BYTES + 1) if request.method == "POST" else None,
        content_type=request.content_type,
        site_url=site,
        engine=query.engine_for(tk.config.get("sqlalchemy.url")),
        settings=service_settings(),
        config=tk.config,
        lang=_lang(),
        accept=request.headers.get("Accept", ""),
        **kw,
    )


def _response(result) -> Response:
    if isinstance(result, features.HtmlPage):
        html = tk.render(result.template, extra_vars=result.context)
        return Response(html, status=result.status, content_type="text/html; charset=utf-8")
    status, headers, body = result
    resp = Response(body, status=status)
    for key, value in headers.items():
        resp.headers[key] = value
    resp.headers.setdefault("Access-Control-Allow-Origin", "*")
    return resp


def ows_endpoint():
    if request.method == "POST" and (request.content_length or 0) > ows.MAX_POST_BYTES:
        from ckanext.keck_homeless.ogc import errors
        return _response(errors.OperationParsingFailed(
            "POST body too large", locator="request", status=413).render())
    return _response(ows.handle(_request(base_url=_site_url() + OWS_PATH)))


def ogcapi_endpoint(path: str = ""):
    return _response(features.handle(_request(base_url=_site_url() + OGCAPI_PATH, path=path)))


blueprint.add_url_rule(OWS_PATH, view_func=ows_endpoint, methods=["GET", "POST"])
blueprint.add_url_rule(OGCAPI_PATH, view_func=ogcapi_endpoint, defaults={"path": ""})
blueprint.add_url_rule(OGCAPI_PATH + "/", view_func=ogcapi_endpoint, defaults={"path": ""},
                       endpoint="ogcapi_root_slash")
blueprint.add_url_rule(OGCAPI_PATH + "/<path:path>", view_func=ogcapi_endpoint)
