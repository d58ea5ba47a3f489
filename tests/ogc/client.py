"""One way for the OGC tests to send a request to our services in-process:
request in, response out, through the same dispatcher the WSGI fast path and
CKAN's blueprint call (ogc/ows.py, ogc/features.py). Bodies that stream come
back joined."""
from __future__ import annotations

import json
from typing import Any

from ckanext.keck_homeless.ogc import features, ows

SITE = "http://ogc.test"
OWS_PATH = "/keck-homeless/ows"
OGCAPI_PATH = "/keck-homeless/ogcapi"


def _joined(body) -> bytes:
    return body if isinstance(body, bytes) else b"".join(body)


def ows_call(engine, method: str = "GET", body: bytes | None = None, *, site: str = SITE,
             settings=None, **params) -> tuple[int, dict, bytes]:
    """A WFS/WMS request with KVP ``params`` (and an XML ``body`` for POST),
    with the default service settings unless ``settings`` are given."""
    kw: dict[str, Any] = {"settings": settings} if settings is not None else {}
    req = ows.OWSRequest.from_kvp(params, method=method, body=body, engine=engine,
                                  site_url=site, base_url=site + OWS_PATH, **kw)
    status, headers, out = ows.handle(req)
    return status, headers, _joined(out)


def ogcapi_call(engine, path: str = "", accept: str = "", *, site: str = SITE, **params):
    """An OGC API - Features request; JSON answers come back parsed,
    HTML pages as the ``features.HtmlPage`` the blueprint would render."""
    req = ows.OWSRequest.from_kvp(params, engine=engine, site_url=site,
                                  base_url=site + OGCAPI_PATH, path=path, accept=accept)
    result = features.handle(req)
    if isinstance(result, features.HtmlPage):
        return result
    status, headers, body = result
    return status, headers, json.loads(_joined(body))
