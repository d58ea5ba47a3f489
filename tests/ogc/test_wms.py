"""WMS 1.3.0 / 1.1.1 against the real stack.

Data is loaded once per module (CKAN actions → feature store); the first
part calls ``wms.handle`` directly, the second runs a real CKAN server and
uses OWSLib as the client. Pixels of offers are computed here with pyproj
from the offers' own coordinates, independently of the server's SQL.
"""
from __future__ import annotations

import io
import json
import socket
import urllib.parse
import urllib.request
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from ckan.tests import factories
from PIL import Image
from pyproj import Transformer

from ckanext.keck_homeless.ogc import wms
from tests.helpers import call_action
from tests.live import live_ckan
from tests.ogc import wfs_world
from tests.ogc.client import ows_call

SITE = "http://127.0.0.1:5020"
# The shared world of tests/ogc/wfs_world.py (fixtures ``world`` and ``engine`` in
# tests/ogc/conftest.py); two meal offers 30 m apart for FEATURE_COUNT.
MEAL, MEAL_NEAR, SHELTER, WATER, APPROX_TRUE, HIDDEN, PRIVATE = (
    wfs_world.OFFERS[k][0] for k in ("meal", "meal_near", "shelter", "water", "approx",
                                     "hidden", "private"))
# A view of the county in UTM 32N (metres) at 100 m per pixel.
UTM_BBOX = (300000.0, 5600000.0, 345000.0, 5660000.0)
SIZE = (450, 600)


@pytest.fixture(scope="module")
def admin(world):
    return factories.Sysadmin()


def call(engine, settings=None, **params):
    return ows_call(engine, site=SITE, settings=settings, **params)


_to_utm = Transformer.from_crs(4326, 25832, always_xy=True)


def utm_pixel(lonlat, bbox=UTM_BBOX, size=SIZE) -> tuple[int, int]:
    e, n = _to_utm.transform(*lonlat)
    return (int((e - bbox[0]) / (bbox[2] - bbox[0]) * size[0]),
            int((bbox[3] - n) / (bbox[3] - bbox[1]) * size[1]))


def png(body: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(body))
    assert img.format == "PNG"
    return img.convert("RGBA")


def getmap(engine, version="1.3.0", crs="EPSG:25832", bbox=UTM_BBOX, size=SIZE,
           layers="hilfsangebote", **extra):
    key = "CRS" if version == "1.3.0" else "SRS"
    params = dict(SERVICE="WMS", VERSION=version, REQUEST="GetMap", LAYERS=layers, STYLES="",
                  BBOX=",".join(repr(v) for v in bbox), WIDTH=str(size[0]),
                  HEIGHT=str(size[1]), FORMAT="image/png", TRANSPARENT="TRUE")
    params[key] = crs
    params.update(extra)
    return call(engine, **params)


def painted(img, xy) -> bool:
    return img.getpixel(xy)[3] == 255


# -- GetMap ---------------------------------------------------------------------
def test_getmap_paints_public_offers_and_nothing_else(world, engine):
    status, headers, body = getmap(engine)
    assert status == 200 and headers["Content-Type"] == "image/png"
    img = png(body)
    assert img.size == SIZE
    for pos in (MEAL, SHELTER, WATER):
        assert painted(img, utm_pixel(pos)), pos
    for pos in (HIDDEN, PRIVATE):
        x, y = utm_pixel(pos)
        assert all(img.getpixel((x + dx, y + dy))[3] == 0
                   for dx in range(-8, 9) for dy in range(-8, 9)), pos
    assert img.getpixel((5, 5))[3] == 0  # transparent elsewhere


def test_approximate_offer_is_drawn_only_at_its_coarsened_position(world, engine):
    from tests.helpers import store_rows
    row = store_rows(name=world["offers"]["approx"]["name"])[0]
    coarse = (row["x"], row["y"])
    bbox = (row["e"] - 1000, row["n"] - 1000, row["e"] + 1000, row["n"] + 1000)  # 10 m/pixel
    img = png(getmap(engine, bbox=bbox, size=(200, 200))[2])
    assert painted(img, utm_pixel(coarse, bbox, (200, 200)))
    tx, ty = utm_pixel(APPROX_TRUE, bbox, (200, 200))
    assert abs(tx - 100) > 10 or abs(ty - 100) > 10  # the true position is elsewhere …
    assert img.getpixel((tx, ty))[3] == 0              # … and stays empty


@pytest.mark.parametrize("version,crs,order", [
    ("1.3.0", "EPSG:4326", "latlon"), ("1.3.0", "EPSG:4258", "latlon"),
    ("1.3.0", "CRS:84", "lonlat"), ("1.1.1", "EPSG:4326", "lonlat"),
    ("1.1.1", "EPSG:4258", "lonlat"), ("1.3.0", "EPSG:3857", "merc"),
    ("1.1.1", "EPSG:3857", "merc"), ("1.1.1", "EPSG:25832", "utm"),
])
def test_axis_order_per_version_and_crs(world, engine, version, crs, order):
    lon0, lat0, lon1, lat1 = 6.40, 50.75, 6.56, 50.85
    size = (320, 200)
    if order == "merc":
        tr = Transformer.from_crs(4326, 3857, always_xy=True)
        x0, y0 = tr.transform(lon0, lat0)
        x1, y1 = tr.transform(lon1, lat1)
        bbox, (mx, my) = (x0, y0, x1, y1), tr.transform(*MEAL)
    elif order == "utm":
        x0, y0 = _to_utm.transform(lon0, lat0)
        bbox = (x0, y0, x0 + 11000, y0 + 11000)
        mx, my = _to_utm.transform(*MEAL)
        x1, y1 = bbox[2], bbox[3]
    else:
        x0, y0, x1, y1, (mx, my) = lon0, lat0, lon1, lat1, MEAL
        bbox = (lat0, lon0, lat1, lon1) if order == "latlon" else (lon0, lat0, lon1, lat1)
    pixel = (int((mx - x0) / (x1 - x0) * size[0]), int((y1 - my) / (y1 - y0) * size[1]))
    status, _, body = getmap(engine, version, crs, bbox, size)
    assert status == 200
    img = png(body)
    assert painted(img, pixel)
    # the same numbers in the other axis order would put the offer elsewhere
    assert sum(1 for p in img.getdata() if p[3]) < size[0] * size[1] // 20


def test_category_layer_draws_only_its_category(world, engine):
    img = png(getmap(engine, layers="hilfsangebote_shelter")[2])
    assert painted(img, utm_pixel(SHELTER))
    assert not painted(img, utm_pixel(MEAL)) and not painted(img, utm_pixel(WATER))


def test_symbols_differ_between_categories(world, engine):
    bbox, size = UTM_BBOX, SIZE

    def patch(pos):
        img = png(getmap(engine, bbox=bbox, size=size)[2])
        x, y = utm_pixel(pos)
        return [img.getpixel((x + dx, y + dy)) for dx in range(-6, 7) for dy in range(-6, 7)]
    assert patch(SHELTER) != patch(WATER)


def test_opaque_map_with_bgcolor(world, engine):
    status, _, body = getmap(engine, TRANSPARENT="FALSE", BGCOLOR="0x102030")
    img = Image.open(io.BytesIO(body))
    assert status == 200 and img.mode == "RGB"
    assert img.getpixel((3, 3)) == (0x10, 0x20, 0x30)


def test_render_cache_hits_and_never_serves_stale_after_a_change(world, engine):
    call_action("package_patch", id=world["offers"]["water"]["id"],
                        title="Trinkbrunnen (Cache-Test)")
    first = getmap(engine, bbox=(300000.0, 5600000.0, 345000.0, 5660001.0))
    again = getmap(engine, bbox=(300000.0, 5600000.0, 345000.0, 5660001.0))
    assert first[1]["X-Keck-Render-Cache"] == "miss" and again[1]["X-Keck-Render-Cache"] == "hit"
    assert first[2] == again[2]
    moved = (WATER[0] + 0.05, WATER[1] - 0.05)
    call_action("package_patch", id=world["offers"]["water"]["id"],
                        spatial=json.dumps({"type": "Point", "coordinates": list(moved)}))
    try:
        after = getmap(engine, bbox=(300000.0, 5600000.0, 345000.0, 5660001.0))
        assert after[1]["X-Keck-Render-Cache"] == "miss"
        assert int(after[1]["X-Keck-Store-Version"]) > int(first[1]["X-Keck-Store-Version"])
        img = png(after[2])
        assert not painted(img, utm_pixel(WATER)) and painted(img, utm_pixel(moved))
    finally:
        call_action("package_patch", id=world["offers"]["water"]["id"],
                            spatial=json.dumps({"type": "Point", "coordinates": list(WATER)}))


# -- GetFeatureInfo ---------------------------------------------------------------
def gfi(engine, pos, version="1.3.0", info_format="application/json", **extra):
    x, y = utm_pixel(pos)
    ij = {"I": str(x), "J": str(y)} if version == "1.3.0" else {"X": str(x), "Y": str(y)}
    return getmap(engine, version, REQUEST="GetFeatureInfo", QUERY_LAYERS="hilfsangebote",
                  INFO_FORMAT=info_format, **ij, **extra)


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_featureinfo_returns_the_offer_at_the_pixel(world, engine, version):
    status, headers, body = gfi(engine, SHELTER, version)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    feats = json.loads(body)["features"]
    assert [f["id"] for f in feats] == [world["offers"]["shelter"]["id"]]
    props = feats[0]["properties"]
    assert props["category"] == "shelter"
    assert props["category_label"] == "Notunterkunft / Notschlafstelle"
    assert props["url"] == f"{SITE}/hilfsangebot/{world['offers']['shelter']['name']}"
    assert props["ags"] and props["municipality"]
    assert feats[0]["geometry"]["coordinates"] == pytest.approx(list(SHELTER))


def test_featureinfo_feature_count_and_nearest_first(world, engine):
    one = json.loads(gfi(engine, MEAL)[2])["features"]
    two = json.loads(gfi(engine, MEAL, FEATURE_COUNT="5")[2])["features"]
    assert len(one) == 1 and one[0]["id"] == world["offers"]["meal"]["id"]
    assert {f["id"] for f in two} == {world["offers"]["meal"]["id"],
                                      world["offers"]["meal_near"]["id"]}


def test_featureinfo_html_and_gml(world, engine):
    status, headers, body = gfi(engine, SHELTER, info_format="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Notschlafstelle Jülich" in body.decode() and "<table" in body.decode()
    for fmt in ("application/vnd.ogc.gml", "application/vnd.ogc.gml/3.1.1", "text/xml"):
        status, _, body = gfi(engine, SHELTER, info_format=fmt)
        root = ElementTree.fromstring(body)
        members = root.findall("{http://www.opengis.net/gml}featureMember")
        assert status == 200 and len(members) == 1, fmt
        assert b"Notschlafstelle J" in body
    text = gfi(engine, SHELTER, info_format="text/plain")[2].decode()
    assert "Notschlafstelle Jülich" in text


def test_featureinfo_empty_where_nothing_is_and_never_hidden(world, engine):
    for pos in (HIDDEN, PRIVATE, (6.70, 50.60)):
        for fmt in ("application/json", "text/html", "application/vnd.ogc.gml", "text/plain"):
            status, _, body = gfi(engine, pos, info_format=fmt, FEATURE_COUNT="50")
            assert status == 200
            assert b"GEHEIM" not in body
    assert json.loads(gfi(engine, HIDDEN, FEATURE_COUNT="50")[2])["features"] == []


# -- capabilities and legend ------------------------------------------------------
@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_capabilities_parse_with_owslib(world, engine, version):
    from owslib.wms import WebMapService

    status, _, body = call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION=version)
    assert status == 200
    service = WebMapService(SITE + "/keck-homeless/ows", version=version, xml=body)
    names = set(service.contents)
    assert {"hilfsangebote", "hilfsangebote_shelter", "hilfsangebote_drinking_water"} <= names
    assert len(names) == len(wfs_world.all_types()) and "hilfsangebote_protection" not in names
    areas = service["gebiete_gemeinde"]  # the KECK-Atlas areas: one style per indicator
    assert areas.attribution["title"] == wfs_world.AREA_NOTE
    assert "angebote" in areas.styles and "plaetze_shelter" in areas.styles
    layer = service["hilfsangebote"]
    crs_list = [c if isinstance(c, str) else c[-1] for c in layer.crsOptions]
    for code in ("EPSG:25832", "EPSG:4326", "EPSG:4258", "EPSG:3857"):
        assert code in crs_list
    w, s, e, n = layer.boundingBoxWGS84
    assert 6.0 < w < e < 7.0 and 50.4 < s < n < 51.2
    assert layer.queryable == 1
    assert "legend" in layer.styles["default"]
    ops = [op.name for op in service.operations]
    assert {"GetMap", "GetFeatureInfo", "GetCapabilities"} <= set(ops)
    assert "image/png" in service.getOperationByName("GetMap").formatOptions
    assert service.identification.title.startswith("Hilfsangebote")


def test_capabilities_130_geographic_bbox_is_lat_lon(world, engine):
    body = call(engine, SERVICE="WMS", REQUEST="GetCapabilities")[2]
    ns = {"w": "http://www.opengis.net/wms"}
    root = ElementTree.fromstring(body)
    assert root.get("version") == "1.3.0"
    box = root.find("w:Capability/w:Layer/w:BoundingBox[@CRS='EPSG:4326']", ns)
    assert 50 < float(box.get("minx")) < 52 and 6 < float(box.get("miny")) < 7
    body111 = call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.1.1")[2]
    box = ElementTree.fromstring(body111).find("Capability/Layer/BoundingBox[@SRS='EPSG:4326']")
    assert 6 < float(box.get("minx")) < 7 and 50 < float(box.get("miny")) < 52


def test_size_limit_comes_from_config(world, engine):
    from ckanext.keck_homeless import config as kconfig

    config = kconfig.load({"ckanext.keck_homeless.wms.max_width": 200,
                           "ckanext.keck_homeless.wms.max_height": "150"}).ogc
    caps = call(engine, config, SERVICE="WMS", REQUEST="GetCapabilities")[2]
    assert b"<MaxWidth>200</MaxWidth><MaxHeight>150</MaxHeight>" in caps
    params = dict(BASE, VERSION="1.3.0", CRS="EPSG:25832")
    assert call(engine, config, **dict(params, WIDTH="200", HEIGHT="150"))[0] == 200
    status, _, body = call(engine, config, **dict(params, WIDTH="201", HEIGHT="150"))
    assert status == 400 and b'locator="WIDTH"' in body


def test_version_negotiation():
    assert wms.negotiate(None, True) == "1.3.0"
    assert wms.negotiate("1.1.0", True) == "1.1.1"
    assert wms.negotiate("1.0.0", True) == "1.1.1"
    assert wms.negotiate("2.0.0", True) == "1.3.0"


def test_legend_graphic(world, engine):
    status, headers, body = call(engine, SERVICE="WMS", REQUEST="GetLegendGraphic",
                                 VERSION="1.3.0", LAYER="hilfsangebote", FORMAT="image/png",
                                 SLD_VERSION="1.1.0")
    whole = png(body)
    single = png(call(engine, SERVICE="WMS", REQUEST="GetLegendGraphic", VERSION="1.1.1",
                      LAYER="hilfsangebote_meal", FORMAT="image/png")[2])
    assert status == 200 and whole.height > 10 * single.height


W = {"w": "http://www.opengis.net/wms", "xlink": "http://www.w3.org/1999/xlink"}


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_capabilities_styles_are_not_redefined_and_legend_sizes_are_true(world, engine, version):
    """WMS 1.3.0 §7.2.4.6.5: no layer redefines a style it inherits; every
    LegendURL states the size of the image GetLegendGraphic returns."""
    body = call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION=version)[2]
    root = ElementTree.fromstring(body)
    q = f"{{{W['w']}}}" if version == "1.3.0" else ""  # 1.1.1 has no namespace
    top = root.find(f"{q}Capability/{q}Layer")
    assert top.find(f"{q}Name") is None  # a category layer: title, CRSs, extent for all
    named = top.findall(f"{q}Layer")
    assert [layer.findtext(f"{q}Name") for layer in named][0] == "hilfsangebote"
    assert len(named) == len(wfs_world.all_types())

    def check(layer, inherited):
        own = {st.findtext(f"{q}Name") for st in layer.findall(f"{q}Style")}
        assert not own & inherited, layer.findtext(f"{q}Name")
        for child in layer.findall(f"{q}Layer"):
            check(child, inherited | own)
    check(top, set())
    for layer in named:
        assert layer.find(f"{q}KeywordList/{q}Keyword") is not None
        for legend in layer.findall(f"{q}Style/{q}LegendURL"):
            href = legend.find(f"{q}OnlineResource").get(f"{{{W['xlink']}}}href")
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))
            image = png(call(engine, **params)[2])
            assert (int(legend.get("width")), int(legend.get("height"))) == image.size, href


def test_update_sequence(world, engine):
    """WMS 1.3.0 §7.2.3.5: the current value → CurrentUpdateSequence, a
    higher one → InvalidUpdateSequence, a lower one → the document."""
    def caps(**kw):
        return call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.3.0", **kw)
    current = int(ElementTree.fromstring(caps()[2]).get("updateSequence"))
    for value, status, code in ((current, 200, "CurrentUpdateSequence"),
                                (current + 1, 400, "InvalidUpdateSequence"),
                                ("abc", 400, "InvalidUpdateSequence")):
        got_status, _, body = caps(UPDATESEQUENCE=str(value))
        exc = ElementTree.fromstring(body)[0]
        assert (got_status, exc.get("code"), exc.get("locator")) == (status, code, "UPDATESEQUENCE")
    status, _, body = caps(UPDATESEQUENCE=str(current - 1))
    assert status == 200 and ElementTree.fromstring(body).tag == f"{{{W['w']}}}WMS_Capabilities"


# -- malformed requests -------------------------------------------------------------
BASE = dict(SERVICE="WMS", REQUEST="GetMap", LAYERS="hilfsangebote", STYLES="",
            BBOX="300000,5600000,345000,5660000", WIDTH="256", HEIGHT="256",
            FORMAT="image/png")
CORPUS = [
    ({"LAYERS": None}, "MissingParameterValue", "LAYERS"),
    ({"LAYERS": "nope"}, "LayerNotDefined", "LAYERS"),
    ({"LAYERS": "hilfsangebote,"}, "LayerNotDefined", "LAYERS"),
    ({"STYLES": "fancy"}, "StyleNotDefined", "STYLES"),
    ({"CRS": "EPSG:31467"}, "InvalidCRS", None),
    ({"CRS": "'; DROP TABLE keck_homeless.offer; --"}, "InvalidCRS", None),
    ({"BBOX": "1,2,3"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "a,b,c,d"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "10,10,5,20"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "0,0,nan,1"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": None}, "MissingParameterValue", "BBOX"),
    ({"WIDTH": "100000"}, "InvalidParameterValue", "WIDTH"),
    ({"HEIGHT": "5000"}, "InvalidParameterValue", "HEIGHT"),
    ({"WIDTH": "-5"}, "InvalidParameterValue", "WIDTH"),
    ({"HEIGHT": "0"}, "InvalidParameterValue", "HEIGHT"),
    ({"WIDTH": "1e3"}, "InvalidParameterValue", "WIDTH"),
    ({"FORMAT": "image/gif"}, "InvalidFormat", "FORMAT"),
    ({"FORMAT": None}, "MissingParameterValue", "FORMAT"),
    ({"BGCOLOR": "red"}, "InvalidParameterValue", "BGCOLOR"),
    ({"REQUEST": "GetStuff"}, "OperationNotSupported", "REQUEST"),
    ({"REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "hilfsangebote", "I": "5"},
     "MissingParameterValue", "J"),
    ({"REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "hilfsangebote", "I": "500", "J": "5"},
     "InvalidPoint", "I"),
    ({"REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "x", "I": "5", "J": "5"},
     "LayerNotDefined", "QUERY_LAYERS"),
    ({"REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "hilfsangebote", "I": "5", "J": "5",
      "INFO_FORMAT": "application/pdf"}, "InvalidFormat", "INFO_FORMAT"),
    ({"REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "hilfsangebote", "I": "5", "J": "5",
      "FEATURE_COUNT": "-1"}, "InvalidParameterValue", "FEATURE_COUNT"),
    ({"REQUEST": "GetLegendGraphic", "LAYER": "nope"}, "LayerNotDefined", "LAYER"),
    ({"REQUEST": "GetLegendGraphic", "LAYER": None}, "MissingParameterValue", "LAYER"),
    ({"VERSION": "7.0"}, "InvalidParameterValue", "VERSION"),
    ({"VERSION": None}, "MissingParameterValue", "VERSION"),  # GetMap must name it
    ({"LAYERS": "hilfsangebote_protection"}, "LayerNotDefined", "LAYERS"),  # never published
]


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
@pytest.mark.parametrize("change,code,locator", CORPUS)
def test_malformed_requests_get_a_service_exception(world, engine, version, change, code,
                                                    locator):
    params = dict(BASE, VERSION=version)
    params["CRS" if version == "1.3.0" else "SRS"] = "EPSG:25832"
    if "CRS" in change:
        params.pop("CRS", None)
        params.pop("SRS", None)
        params["CRS" if version == "1.3.0" else "SRS"] = change["CRS"]
    params.update({k: v for k, v in change.items() if k != "CRS"})
    params = {k: v for k, v in params.items() if v is not None}
    status, headers, body = call(engine, **params)
    assert 400 <= status < 600 and status != 500, body
    root = ElementTree.fromstring(body)
    exc = root[0]
    assert exc.tag.endswith("ServiceException")
    expected = "InvalidSRS" if code == "InvalidCRS" and version == "1.1.1" else code
    assert exc.get("code") == expected, body
    assert " / " in exc.text, exc.text  # "Deutsch / English", as every OGC exception text
    if locator:
        assert exc.get("locator") == locator
    if version == "1.1.1" and params.get("VERSION") == "1.1.1":
        assert headers["Content-Type"].startswith("application/vnd.ogc.se_xml")
    assert b"Traceback" not in body and b"DROP" not in body.upper().replace(b"DROP TABLE", b"")


@pytest.mark.parametrize("version,mode", [("1.3.0", "INIMAGE"), ("1.3.0", "BLANK"),
                                          ("1.1.1", "application/vnd.ogc.se_inimage"),
                                          ("1.1.1", "application/vnd.ogc.se_blank")])
def test_image_exceptions(world, engine, version, mode):
    params = dict(BASE, VERSION=version, LAYERS="nope", EXCEPTIONS=mode, TRANSPARENT="TRUE")
    params["CRS" if version == "1.3.0" else "SRS"] = "EPSG:25832"
    status, headers, body = call(engine, **params)
    img = png(body)
    assert status == 200 and headers["Content-Type"] == "image/png" and img.size == (256, 256)
    drawn = sum(1 for p in img.getdata() if p[3])
    assert (drawn > 0) == ("inimage" in mode.lower())
    # an unusable size falls back to the XML report
    params["WIDTH"] = "-1"
    status, headers, body = call(engine, **params)
    assert status == 400 and b"ServiceException" in body


# -- live server with OWSLib ---------------------------------------------------------
def _free_port() -> int:
    for port in range(5021, 5030):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(world, request):
    with live_ckan(request.config.getoption("--ckan-ini")) as url:
        yield url


def _api(server, action, token, **data):
    req = urllib.request.Request(f"{server}/api/3/action/{action}",
                                 data=json.dumps(data).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": token})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["result"]


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_owslib_getmap_and_featureinfo_live(world, server, version):
    from owslib.wms import WebMapService

    service = WebMapService(server + "/keck-homeless/ows", version=version, timeout=30)
    assert "hilfsangebote" in service.contents
    crs = "EPSG:4326"
    lon0, lat0, lon1, lat1 = 6.25, 50.70, 6.60, 50.98
    size = (350, 280)
    # OWSLib takes x/y (lon/lat) and itself swaps to lat/lon for 1.3.0 EPSG:4326
    bbox = (lon0, lat0, lon1, lat1)
    kw = dict(layers=["hilfsangebote"], styles=[""], srs=crs, bbox=bbox, size=size,
              format="image/png", transparent=True)
    img = png(service.getmap(**kw).read())
    pixel = (int((SHELTER[0] - lon0) / (lon1 - lon0) * size[0]),
             int((lat1 - SHELTER[1]) / (lat1 - lat0) * size[1]))
    assert painted(img, pixel) and img.getpixel((2, 2))[3] == 0
    info = service.getfeatureinfo(query_layers=["hilfsangebote"], xy=pixel,
                                  info_format="application/json", feature_count=5, **kw)
    feats = json.loads(info.read())["features"]
    assert [f["id"] for f in feats] == [world["offers"]["shelter"]["id"]]


def test_live_hidden_offers_appear_nowhere(world, server):
    from owslib.wms import WebMapService

    service = WebMapService(server + "/keck-homeless/ows", version="1.3.0", timeout=30)
    bbox = (HIDDEN[0] - 0.01, HIDDEN[1] - 0.01, HIDDEN[0] + 0.01, HIDDEN[1] + 0.01)
    kw = dict(layers=["hilfsangebote"], styles=[""], srs="EPSG:4326", bbox=bbox,
              size=(100, 100), format="image/png", transparent=True)
    img = png(service.getmap(**kw).read())
    assert not any(p[3] for p in img.getdata())
    for fmt in ("application/json", "text/html", "application/vnd.ogc.gml"):
        body = service.getfeatureinfo(query_layers=["hilfsangebote"], xy=(50, 50),
                                      info_format=fmt, feature_count=50, **kw).read()
        assert b"GEHEIM" not in body and world["offers"]["hidden"]["id"].encode() not in body


def test_live_cache_follows_changes_made_through_the_action_api(world, admin, server):
    from owslib.wms import WebMapService

    token = call_action("api_token_create", context={"user": admin["name"]},
                                user=admin["name"], name="wms-test")["token"]
    service = WebMapService(server + "/keck-homeless/ows", version="1.1.1", timeout=30)
    lon0, lat0, lon1, lat1 = 6.20, 50.80, 6.50, 51.00
    size = (300, 200)
    kw = dict(layers=["hilfsangebote"], styles=[""], srs="EPSG:4326",
              bbox=(lon0, lat0, lon1, lat1), size=size, format="image/png", transparent=True)

    def pixel(pos):
        return (int((pos[0] - lon0) / (lon1 - lon0) * size[0]),
                int((lat1 - pos[1]) / (lat1 - lat0) * size[1]))
    before = png(service.getmap(**kw).read())
    again = service.getmap(**kw)
    assert again.info()["X-Keck-Render-Cache"] == "hit"
    assert painted(before, pixel(WATER))
    water = world["offers"]["water"]
    moved = (6.30, 50.95)  # nothing else within 8 px
    _api(server, "package_patch", token, id=water["id"],
         spatial=json.dumps({"type": "Point", "coordinates": list(moved)}))
    after = png(service.getmap(**kw).read())
    assert not painted(after, pixel(WATER)) and painted(after, pixel(moved))
    _api(server, "package_delete", token, id=water["id"])
    gone = png(service.getmap(**kw).read())
    assert not painted(gone, pixel(moved))
    _api(server, "package_patch", token, id=water["id"], state="active",
         spatial=json.dumps({"type": "Point", "coordinates": list(WATER)}))
    assert painted(png(service.getmap(**kw).read()), pixel(WATER))


# -- schema validation (offline copy of schemas.opengis.net, see tests/ogc/xsd.py) --
def test_capabilities_and_exceptions_130_validate_against_the_ogc_schemas(world, engine):
    from tests.ogc import xsd

    assert xsd.available(), "OGC schemas not fetched: run bash dev/fetch-schemas.sh"
    caps = call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.3.0")[2]
    assert xsd.validate(caps, {
        "http://www.opengis.net/wms": "http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd",
        "http://www.opengis.net/sld": "http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd",
    }) == []
    for bad in ({"LAYERS": "nope"}, {"CRS": "EPSG:1"}, {"WIDTH": "0"}):
        body = call(engine, **{**BASE, "VERSION": "1.3.0", "CRS": "EPSG:25832", **bad})[2]
        assert xsd.validate(body, {"http://www.opengis.net/ogc":
                                   "http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd"}) == []


def test_database_failure_gives_a_wms_report_not_a_stack_trace(world):
    broken = sa.create_engine("postgresql://nobody:wrong@127.0.0.1:1/none")
    status, headers, body = call(broken, **{**BASE, "VERSION": "1.1.1", "SRS": "EPSG:25832"})
    # an unreachable database is a 503 the client may retry, not a fault of ours
    assert status == 503 and headers["Retry-After"] == "10"
    assert headers["Content-Type"].startswith("application/vnd.ogc.se_xml")
    assert b"ServiceExceptionReport" in body and b"Traceback" not in body
    assert b"nobody" not in body and b"psycopg2" not in body
