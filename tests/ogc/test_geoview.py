"""The catalogue dataset made by ``publish-services`` previews the offers with
ckanext-geoview's ``geo_view`` (OpenLayers asking our WFS for 1.1.0 + GML2) in
a real browser (Playwright driving Debian's Chromium)."""
from __future__ import annotations

import io
import json
import pathlib
import re

import ckan.plugins.toolkit as tk
import pytest
from pyproj import CRS

from tests.helpers import call_action
from tests.live import free_port, live_ckan
from tests.ogc import wfs_world

PORT = free_port()  # parallel test runs must not share a port
SITE = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The small world, the services dataset with geo_views, and a server
    with the demo's plugins (geo_view among them)."""
    from ckanext.keck_homeless import services_dataset as publish

    data = wfs_world.load()
    result = publish.publish(SITE, data["org"]["name"])
    views = {r["id"]: call_action("resource_view_list", id=r["id"])
             for r in result["package"]["resources"]}
    # WMS, WFS, GeoJSON, the municipalities' GeoJSON of the services dataset
    # + the offers' dataset's GeoJSON
    assert result["geo_view"] and result["views_created"] == 5, result
    with live_ckan(tk.config["__file__"], port=PORT):
        yield {**data, "package": result["package"], "views": views}


def _is_feature_blue(pixel) -> bool:
    r, g, b = pixel[:3]  # OpenLayers' default vector style: #3399CC
    return abs(r - 0x33) < 40 and abs(g - 0x99) < 40 and abs(b - 0xCC) < 40


def _settled_screenshot(page, timeout_s: float = 30.0) -> bytes:
    """A screenshot once OpenLayers has finished drawing: no request in
    flight and two screenshots in a row are the same (no fixed sleep)."""
    import time

    page.wait_for_load_state("networkidle")
    deadline = time.monotonic() + timeout_s
    previous = page.screenshot()
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        current = page.screenshot()
        if current == previous:
            return current
        previous = current
    raise AssertionError(f"the map was still changing after {timeout_s} s")


def _open_view(browser, published, fmt, wanted, url_part=""):
    """Open the resource view page of the first resource of ``fmt`` (whose
    URL contains ``url_part``); return (status, url and body of the data
    request matching ``wanted``, screenshot, URLs of every request that
    tried to leave the site)."""
    from PIL import Image

    pkg = published["package"]
    res = next(r for r in pkg["resources"] if r["format"] == fmt and url_part in r["url"])
    view = published["views"][res["id"]][0]
    assert view["view_type"] == "geo_view"
    context = browser.new_context(viewport={"width": 900, "height": 700})
    outside = []
    try:
        page = context.new_page()
        # No internet in tests: base map tiles are refused (and recorded).
        def refuse(route):
            outside.append(route.request.url)
            route.abort()
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), refuse)
        with page.expect_response(wanted, timeout=60000) as info:
            page.goto(f"{SITE}/dataset/{pkg['id']}/resource/{res['id']}/view/{view['id']}")
        response = info.value
        status, url, body = response.status, response.url, response.body()
        png = _settled_screenshot(page)
    finally:
        context.close()
    artifacts = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    name = fmt.lower() + ("-areas" if "gebiete" in url_part else "")
    (artifacts / f"ogc-geo_view-{name}.png").write_bytes(png)
    return status, url, body, Image.open(io.BytesIO(png)).convert("RGB"), outside


def _symbols(img) -> int:
    """Blue pixels left of the layer switcher (top right, also blue)."""
    w, h = img.size
    return sum(1 for x in range(0, w - 100) for y in range(h) if _is_feature_blue(img.getpixel((x, y))))


def test_geo_view_draws_the_geojson_resource(browser, published):
    status, url, body, img, _outside = _open_view(
        browser, published, "GeoJSON", lambda r: "keck-homeless/ogcapi/collections/hilfsangebote/items" in r.url)
    assert status == 200
    doc = json.loads(body)
    assert doc["numberReturned"] == len(wfs_world.PUBLIC) and b"GEHEIM" not in body
    assert _symbols(img) > 40  # the offer circles (two of them overlap)


def test_geo_view_draws_the_municipalities_with_their_figures(browser, published):
    """The area layer's resource (publish-services adds it once areas are
    loaded) previews as 15 polygons with their figures."""
    status, url, body, img, _outside = _open_view(
        browser, published, "GeoJSON",
        lambda r: "keck-homeless/ogcapi/collections/gebiete_gemeinde/items" in r.url,
        url_part="gebiete_gemeinde")
    assert status == 200
    doc = json.loads(body)
    assert len(doc["features"]) == 15
    assert {f["geometry"]["type"] for f in doc["features"]} == {"MultiPolygon"}
    assert sum(f["properties"]["angebote"] for f in doc["features"]) == len(wfs_world.PUBLIC)
    assert _symbols(img) > 2000  # the outlines of the 15 polygons, not a few symbols


def test_geo_view_draws_the_wfs_resource(browser, published):
    """geo_view's WFS path: GetCapabilities, DescribeFeatureType (1.1.0), then
    GetFeature 1.1.0 + outputFormat=GML2 + maxFeatures + a BBOX in EPSG:3857,
    in our default CRS EPSG:25832 (registered by assets/geoview-crs.js, so
    no request goes to epsg.io) — and the offers are drawn."""
    status, url, body, img, outside = _open_view(
        browser, published, "WFS", lambda r: "GetFeature" in r.url and "keck-homeless/ows" in r.url)
    assert status == 200
    upper = url.upper()
    assert "VERSION=1.1.0" in upper and "OUTPUTFORMAT=GML2" in upper
    assert "SRSNAME=EPSG%3A25832" in upper or "SRSNAME=EPSG:25832" in upper
    assert body.count(b"<gml:featureMember>") == len(wfs_world.PUBLIC)
    assert b"GEHEIM" not in body
    assert not [u for u in outside if "epsg.io" in u], outside
    assert _symbols(img) > 40  # the same offer circles as from the GeoJSON resource


def test_geoview_crs_definitions_are_projs():
    """The proj4 strings in assets/geoview-crs.js are PROJ's own."""
    js = (pathlib.Path(__file__).resolve().parents[2] / "ckanext" / "keck_homeless" / "assets"
          / "geoview-crs.js").read_text("utf-8")
    defs = dict(re.findall(r'"(EPSG:\d+)": "([^"]+)"', js))
    assert set(defs) == {"EPSG:25832", "EPSG:4258"}
    for code, definition in defs.items():
        proj = CRS.from_epsg(int(code.split(":")[1])).to_proj4().replace(" +type=crs", "")
        assert definition == proj, code


def test_geo_view_draws_the_wms_resource(browser, published):
    """geo_view's WMS path: GetCapabilities (named layers below our unnamed
    root), then tiled GetMap requests: the category symbols appear."""
    status, url, body, img, _outside = _open_view(
        browser, published, "WMS", lambda r: "GetMap" in r.url.replace("getmap", "GetMap")
        and "keck-homeless/ows" in r.url)
    assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = img.size
    coloured = sum(1 for x in range(40, w - 100, 2) for y in range(0, h, 2)
                   if max(img.getpixel((x, y))) - min(img.getpixel((x, y))) > 60)
    assert coloured > 30, coloured  # symbols are saturated colours; the map is otherwise white
