"""The WSGI fast path (views/ogc.FastPath) answers the OGC URLs without
CKAN's Flask pipeline — and gives the same responses as the Flask route."""
from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from ckanext.keck_homeless.views import ogc as ogc_views

GETFEATURE = "/keck-homeless/ows?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=keck:hilfsangebote"
GETMAP = ("/keck-homeless/ows?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=hilfsangebote"
          "&STYLES=&CRS=EPSG:4326&BBOX=50.6,6.2,51.0,6.7&WIDTH=200&HEIGHT=200&FORMAT=image/png")
REQUESTS = [
    "/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities",
    "/keck-homeless/ows?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0",
    GETFEATURE + "&OUTPUTFORMAT=application/json",
    GETFEATURE,
    GETFEATURE + "&BBOX=1,2,3",  # an exception report
    GETMAP,
    GETMAP.replace("GetMap", "GetFeatureInfo") + "&QUERY_LAYERS=hilfsangebote&I=100&J=100"
    "&INFO_FORMAT=application/json",
    "/keck-homeless/ogcapi?f=json",
    "/keck-homeless/ogcapi/collections/hilfsangebote/items?limit=2",
    "/keck-homeless/ogcapi/collections/nope/items",  # 404
    "/en/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities",
]
POST_BODY = (b'<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0">'
             b'<wfs:Query typeNames="hilfsangebote"/></wfs:GetFeature>')
_STAMP = re.compile(rb'timeStamp="[^"]+"|"timeStamp":"[^"]+"')


def _normalised(res):
    return (res.status_code, res.headers.get("Content-Type"), _STAMP.sub(b"", res.get_data()))


@pytest.fixture
def flask_only_app(make_app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.keck_homeless.ogc.fast_path", "false")
    return make_app()


def test_fast_path_and_flask_route_answer_alike(app, flask_only_app, world):
    assert not isinstance(flask_only_app.app, ogc_views.FastPath)
    for url in REQUESTS:
        fast, slow = app.get(url), flask_only_app.get(url)
        assert _normalised(fast) == _normalised(slow), url
        assert fast.headers["Access-Control-Allow-Origin"] == "*"
    fast = app.post("/keck-homeless/ows", data=POST_BODY, content_type="text/xml")
    slow = flask_only_app.post("/keck-homeless/ows", data=POST_BODY, content_type="text/xml")
    assert fast.status_code == 200 and b"ogc-meal" in fast.get_data()
    assert _normalised(fast) == _normalised(slow)


def test_fast_path_never_reaches_flask_except_for_html(world):
    reached = []

    def flask_app(environ, start_response):
        reached.append(environ["PATH_INFO"])
        start_response("204 No Content", [])
        return [b""]

    client = Client(ogc_views.FastPath(flask_app))
    for url in REQUESTS:
        if url.startswith("/en/"):
            continue  # the language prefix is stripped by CKAN's I18nMiddleware, outside
        res = client.get(url)
        assert res.status_code in (200, 400, 404), url
        if "Content-Length" in res.headers:  # streamed bodies have none
            assert int(res.headers["Content-Length"]) == len(res.get_data()), url
    assert reached == []
    # HTML pages, other methods and other URLs go on to CKAN
    client.get("/keck-homeless/ogcapi/collections?f=html")
    client.get("/keck-homeless/ogcapi", headers={"Accept": "text/html"})
    client.open("/keck-homeless/ows", method="OPTIONS")
    client.get("/dataset/")
    assert reached == ["/keck-homeless/ogcapi/collections", "/keck-homeless/ogcapi",
                       "/keck-homeless/ows", "/dataset/"]
