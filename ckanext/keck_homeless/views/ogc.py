"""Flask glue for the OGC services (the only module that knows Flask/CKAN).

* ``/keck-homeless/ows``       WFS 2.0.0/1.1.0 and WMS (KVP GET, WFS XML POST)
* ``/keck-homeless/ogcapi/…``  OGC API - Features (JSON, GeoJSON, HTML)

Both adapt the request to :class:`ckanext.keck_homeless.ogc.ows.OWSRequest`
and return the ``(status, headers, body)`` of the framework-free handlers.

Two ways in:

* :class:`FastPath`, a WSGI middleware (``IMiddleware``), answers these URLs
  before CKAN's Flask pipeline runs. The services are public and anonymous,
  so CKAN's per-request work (user identification, session, the
  ``system_info`` freshness check, template globals) buys them nothing and
  costs about 3 ms per request — more than a small GetMap takes to draw.
  OGC API HTML pages are left to Flask (they render CKAN templates).
* The Flask blueprint below answers everything the fast path leaves alone
  (HTML, ``OPTIONS``/``HEAD``, or all of it when
  ``ckanext.keck_homeless.ogc.fast_path = false``).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request
from werkzeug.wrappers import Request as WerkzeugRequest

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.ogc import features, ows, query

blueprint = Blueprint("keck_homeless_ogc", __name__)

OWS_PATH = "/keck-homeless/ows"
OGCAPI_PATH = "/keck-homeless/ogcapi"



def service_settings() -> ows.ServiceSettings:
    """Service metadata and limits, built once from the options (config.py)."""
    return kconfig.settings().ogc


def _site_url(req=None) -> str:
    req = req if req is not None else request
    return (tk.config.get("ckan.site_url") or req.host_url).rstrip("/") + \
        (tk.config.get("ckan.root_path") or "").replace("/{{LANG}}", "").rstrip("/")


def _lang() -> str:
    try:
        return (tk.h.lang() or "de")[:2]
    except Exception:  # outside a CKAN request context
        return "de"


def _request(req=None, lang: str | None = None, **kw) -> ows.OWSRequest:
    """The framework-free request from a Flask/werkzeug request."""
    req = req if req is not None else request
    site = _site_url(req)
    return ows.OWSRequest.from_kvp(
        req.args,
        method=req.method,
        # read at most one byte more than allowed (chunked bodies have no length)
        body=req.stream.read(ows.MAX_POST_BYTES + 1) if req.method == "POST" else None,
        content_type=req.content_type,
        site_url=site,
        engine=query.engine_for(tk.config.get("sqlalchemy.url")),
        settings=service_settings(),
        lang=lang or _lang(),
        accept=req.headers.get("Accept", ""),
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


#: How much of a refused POST body is read and dropped, so that the next
#: request on a keep-alive connection is not parsed from its rest.
DRAIN_BYTES = 16 * 1024 * 1024


def _too_large(req) -> bool:
    return req.method == "POST" and (req.content_length or 0) > ows.MAX_POST_BYTES


def _too_large_result():
    from ckanext.keck_homeless.ogc import errors
    return errors.OperationParsingFailed("POST-Body zu groß / POST body too large", locator="request", status=413).render()


def _after_refused_body(req, result):
    """A 413 leaves the rest of the body unread: drain it (bounded) and ask
    the server to close the connection, so a keep-alive client's next request
    is not read from the middle of this body. (gunicorn drops the header and
    drains the body itself before it parses the next request.)"""
    if isinstance(result, tuple) and result[0] == 413:
        left = DRAIN_BYTES
        while left > 0:
            chunk = req.stream.read(min(65536, left))
            if not chunk:
                break
            left -= len(chunk)
        status, headers, body = result
        result = status, {**headers, "Connection": "close"}, body
    return result


def ows_endpoint():
    if _too_large(request):
        return _response(_after_refused_body(request, _too_large_result()))
    return _response(_after_refused_body(request, ows.handle(_request(base_url=_site_url() + OWS_PATH))))


def ogcapi_endpoint(path: str = ""):
    return _response(features.handle(_request(base_url=_site_url() + OGCAPI_PATH, path=path)))


class FastPath:
    """WSGI middleware: answers the OGC URLs without CKAN's Flask pipeline.

    It sits inside CKAN's ``I18nMiddleware`` (as every ``IMiddleware``), so
    ``PATH_INFO`` has the language prefix stripped and ``CKAN_LANG`` set.
    Whatever it does not answer goes on to ``app`` unchanged.
    """

    def __init__(self, app: Any):
        self.app = app

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "POST"):
            return self.app(environ, start_response)
        if path == OWS_PATH:
            result = self._ows(environ)
        elif path == OGCAPI_PATH or path.startswith(OGCAPI_PATH + "/"):
            if method != "GET":
                return self.app(environ, start_response)
            result = self._ogcapi(environ, path[len(OGCAPI_PATH):].strip("/"))
            if result is None:  # HTML: CKAN renders the page
                return self.app(environ, start_response)
        else:
            return self.app(environ, start_response)
        status, headers, body = result
        out = [(k, v) for k, v in headers.items()]
        if not any(k.lower() == "access-control-allow-origin" for k, _ in out):
            out.append(("Access-Control-Allow-Origin", "*"))
        if isinstance(body, (bytes, str)):
            body = [body.encode("utf-8") if isinstance(body, str) else body]
            out.append(("Content-Length", str(len(body[0]))))
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        start_response(f"{status} {reason}".rstrip(), out)
        return body

    @staticmethod
    def _lang(environ: dict) -> str:
        return (environ.get("CKAN_LANG") or tk.config.get("ckan.locale_default") or "de")[:2]

    def _ows(self, environ: dict):
        req = WerkzeugRequest(environ)
        if _too_large(req):
            return _after_refused_body(req, _too_large_result())
        return _after_refused_body(req, ows.handle(
            _request(req, self._lang(environ), base_url=_site_url(req) + OWS_PATH)))

    def _ogcapi(self, environ: dict, path: str):
        req = WerkzeugRequest(environ)
        oreq = _request(req, self._lang(environ), base_url=_site_url(req) + OGCAPI_PATH, path=path)
        try:
            if features.wants_html(oreq):
                return None
        except Exception:  # a bad ``f``: the handler answers with the exception report
            pass
        result = features.handle(oreq)
        return None if isinstance(result, features.HtmlPage) else result


def make_middleware(app: Any, config: Any) -> Any:
    """``IMiddleware``: put :class:`FastPath` in front of CKAN's Flask app."""
    if kconfig.load(config).ogc_fast_path:
        return FastPath(app)
    return app


blueprint.add_url_rule(OWS_PATH, view_func=ows_endpoint, methods=["GET", "POST"])
blueprint.add_url_rule(OGCAPI_PATH, view_func=ogcapi_endpoint, defaults={"path": ""})
blueprint.add_url_rule(OGCAPI_PATH + "/", view_func=ogcapi_endpoint, defaults={"path": ""},
                       endpoint="ogcapi_root_slash")
blueprint.add_url_rule(OGCAPI_PATH + "/<path:path>", view_func=ogcapi_endpoint)
