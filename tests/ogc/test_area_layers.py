"""The KECK-Atlas area layers: the 15 municipalities with their figures as a
WFS feature type, an OGC API collection and a WMS choropleth layer.

Expected counts are computed here from the world's own coordinates and the
boundary file with shapely, independently of the server's SQL; the figures
must equal the CSV/XLSX download (one definition, offers/figures.py)."""
from __future__ import annotations

import io
import json
import urllib.parse

import pytest
import shapely
import shapely.geometry
from lxml import etree
from PIL import Image
from pyproj import Transformer

from ckanext.keck_homeless.ogc import choropleth, features
from ckanext.keck_homeless.store import areas, figures_source
from tests.helpers import call_action
from tests.ogc import wfs_world, xsd
from tests.ogc.client import ogcapi_call, ows_call
from tests.unit.test_areas import _shared

KECK = "https://www.kreis-dueren.de/keck-homeless/1.0"
TYPE = "keck:gebiete_gemeinde"
DUEREN = "05358008"
WFS20 = {"http://www.opengis.net/wfs/2.0": "http://schemas.opengis.net/wfs/2.0/wfs.xsd"}
WFS11 = {"http://www.opengis.net/wfs": "http://schemas.opengis.net/wfs/1.1.0/wfs.xsd"}
WFS10 = {"http://www.opengis.net/wfs": "http://schemas.opengis.net/wfs/1.0.0/WFS-basic.xsd"}
UTM_BBOX = (300000.0, 5600000.0, 345000.0, 5660000.0)  # 100 m per pixel at 450 × 600
SIZE = (450, 600)
_to_utm = Transformer.from_crs(4326, 25832, always_xy=True)


def call(engine, **params):
    return ows_call(engine, **params)


def getfeature(engine, **params):
    status, headers, body = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                                 TYPENAMES=TYPE, OUTPUTFORMAT="application/json", **params)
    assert status == 200, body[:600]
    return json.loads(body)


@pytest.fixture(scope="module")
def polygons():
    found, _, _ = areas.read_source(str(_shared()), "ags", "name")
    return {a.code: shapely.from_wkb(a.wkb) for a in found}


@pytest.fixture(scope="module")
def expected_counts(world, polygons):
    """Published offers per municipality, by the offers' true points."""
    counts = dict.fromkeys(polygons, 0)
    for key in wfs_world.PUBLIC:
        (lon, lat), _ = wfs_world.OFFERS[key]
        point = shapely.Point(*_to_utm.transform(lon, lat))
        code = next(c for c, poly in polygons.items() if poly.contains(point))
        counts[code] += 1
    return counts


# -- WFS -----------------------------------------------------------------------------
def test_the_wfs_serves_every_municipality_with_the_downloads_figures(world, engine, polygons,
                                                                      expected_counts):
    doc = getfeature(engine)
    assert doc["numberMatched"] == 15 and len(doc["features"]) == 15
    by_code = {f["id"]: f for f in doc["features"]}
    assert {c: f["properties"]["angebote"] for c, f in by_code.items()} == expected_counts
    assert sum(expected_counts.values()) == len(wfs_world.PUBLIC)
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in doc["features"])
    # the polygons are the loaded boundaries (0.01 m rounding in UTM)
    utm = getfeature(engine, SRSNAME="urn:ogc:def:crs:EPSG::25832")
    for f in utm["features"]:
        served = shapely.geometry.shape(f["geometry"])
        assert served.symmetric_difference(polygons[f["id"]]).area < 1.0, f["id"]
    dueren = by_code[DUEREN]["properties"]
    assert dueren["name"] == "Düren" and dueren["level"] == "gemeinde"
    assert dueren["quelle"] == wfs_world.AREA_NOTE
    # exactly the figures the KECK-Atlas download has (same code, same day)
    rows, note = figures_source.load(engine, "gemeinde")
    assert note == wfs_world.AREA_NOTE
    for row in rows:
        props = by_code[row["code"]]["properties"]
        for key, value in row.items():
            if key in ("code", "name"):
                assert props[key] == value
            elif isinstance(value, float):
                assert props[key] == pytest.approx(value)
            else:
                assert props[key] == value, (row["code"], key)


def test_protected_offers_leave_no_trace_in_the_area_layer(world, engine):
    """The hidden (and private) offers of the world are in no count."""
    doc = getfeature(engine)
    assert sum(f["properties"]["angebote_protection"] for f in doc["features"]) == 0
    assert sum(f["properties"]["angebote"] for f in doc["features"]) == len(wfs_world.PUBLIC)
    text = json.dumps(doc)
    for word in ("GEHEIM", "Geheimweg", "Privatweg"):
        assert word not in text


def test_area_queries_filter_sort_select_and_fetch_by_id(world, engine, expected_counts):
    busy = {c for c, n in expected_counts.items() if n > 0}
    doc = getfeature(engine, FILTER=(
        '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsGreaterThan>'
        "<fes:ValueReference>angebote</fes:ValueReference><fes:Literal>0</fes:Literal>"
        "</fes:PropertyIsGreaterThan></fes:Filter>"))
    assert {f["id"] for f in doc["features"]} == busy
    doc = getfeature(engine, SORTBY="angebote DESC,code", PROPERTYNAME="name,angebote", COUNT="2")
    top = sorted(expected_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert [f["id"] for f in doc["features"]] == [c for c, _ in top]
    assert set(doc["features"][0]["properties"]) == {"name", "angebote"}
    doc = getfeature(engine, RESOURCEID=f"gebiete_gemeinde.{DUEREN}")
    assert [f["id"] for f in doc["features"]] == [DUEREN]
    # a box around the city of Düren only (UTM)
    doc = getfeature(engine, BBOX="322000,5627000,324000,5629000,urn:ogc:def:crs:EPSG::25832")
    assert DUEREN in {f["id"] for f in doc["features"]} and len(doc["features"]) < 15
    status, _, body = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                           STOREDQUERY_ID="urn:ogc:def:query:OGC-WFS::GetFeatureById",
                           ID=f"gebiete_gemeinde.{DUEREN}")
    assert status == 200 and b'gml:id="gebiete_gemeinde.05358008"' in body
    for bad in (dict(PROPERTYNAME="category"), dict(SORTBY="title"),
                dict(FILTER='<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">'
                            "<fes:PropertyIsEqualTo><fes:ValueReference>angebote</fes:ValueReference>"
                            "<fes:Literal>viele</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>")):
        status, _, body = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                               TYPENAMES=TYPE, **bad)
        assert status == 400 and b"InvalidParameterValue" in body, bad


def _app_schema(engine, version, fmt=None):
    params = dict(SERVICE="WFS", VERSION=version, REQUEST="DescribeFeatureType", TYPENAMES=TYPE)
    if fmt:
        params["OUTPUTFORMAT"] = fmt
    status, _, body = call(engine, **params)
    assert status == 200
    return xsd.save(body, "keck-areas.xsd")


def test_area_features_are_valid_gml_32_311_and_2(world, engine):
    assert xsd.available(), "OGC schemas not fetched: run bash dev/fetch-schemas.sh"
    cases = (("2.0.0", None, None, WFS20), ("2.0.0", None, "urn:ogc:def:crs:EPSG::4326", WFS20),
             ("1.1.0", None, None, WFS11), ("1.1.0", "GML2", "EPSG:4326", WFS10))
    for version, fmt, srs, wfs_schema in cases:
        schema = _app_schema(engine, version, fmt)
        params = dict(SERVICE="WFS", VERSION=version, REQUEST="GetFeature", TYPENAMES=TYPE)
        if fmt:
            params["OUTPUTFORMAT"] = fmt
        if srs:
            params["SRSNAME"] = srs
        status, _, body = call(engine, **params)
        assert status == 200
        errors = xsd.validate(body, {**wfs_schema, KECK: schema})
        assert not errors, (version, fmt, srs, errors[:5])
        root = etree.fromstring(body)
        assert len(root.findall(f".//{{{KECK}}}gebiete_gemeinde")) == 15
    # GML 3.2: every gml:id in the document is unique (the polygons of a
    # multi-part municipality too)
    body = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature", TYPENAMES=TYPE)[2]
    ids = etree.fromstring(body).xpath("//@gml:id", namespaces={"gml": "http://www.opengis.net/gml/3.2"})
    assert len(ids) == len(set(ids)) > 30


def test_capabilities_name_the_area_type_with_its_source_note(world, engine):
    body = call(engine, SERVICE="WFS", REQUEST="GetCapabilities")[2].decode()
    assert "<wfs:Name>keck:gebiete_gemeinde</wfs:Name>" in body
    assert wfs_world.AREA_NOTE in body and wfs_world.AREA_URL in body
    schema = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="DescribeFeatureType",
                  TYPENAMES=TYPE)[2].decode()
    assert 'name="angebote_je_10000_ew" type="xsd:double"' in schema
    assert 'type="gml:MultiSurfacePropertyType"' in schema


def test_figures_follow_a_new_offer_at_the_next_request(world, engine):
    before = {f["id"]: f["properties"]["angebote"] for f in getfeature(engine)["features"]}
    from tests.conftest import offer_data

    new = call_action("package_create", **offer_data(world["org"]["id"], name="ogc-area-new"))
    try:
        after = {f["id"]: f["properties"]["angebote"] for f in getfeature(engine)["features"]}
        assert after[DUEREN] == before[DUEREN] + 1
        assert {c: n for c, n in after.items() if c != DUEREN} == \
            {c: n for c, n in before.items() if c != DUEREN}
    finally:
        call_action("dataset_purge", id=new["id"])
    again = {f["id"]: f["properties"]["angebote"] for f in getfeature(engine)["features"]}
    assert again == before


# -- OGC API - Features ----------------------------------------------------------------
def test_ogc_api_collection_items_and_item(world, engine, expected_counts):
    _, _, doc = ogcapi_call(engine, "collections")
    coll = next(c for c in doc["collections"] if c["id"] == "gebiete_gemeinde")
    assert coll["attribution"] == wfs_world.AREA_NOTE
    assert any(link["rel"] == "license" and link["href"] == wfs_world.AREA_URL
               for link in coll["links"])
    status, headers, doc = ogcapi_call(engine, "collections/gebiete_gemeinde/items", limit="20")
    assert status == 200 and doc["numberMatched"] == 15
    assert {f["id"]: f["properties"]["angebote"] for f in doc["features"]} == expected_counts
    status, _, doc = ogcapi_call(engine, f"collections/gebiete_gemeinde/items/{DUEREN}")
    assert status == 200 and doc["properties"]["name"] == "Düren"
    lon, lat = doc["geometry"]["coordinates"][0][0][0]
    assert 6.2 < lon < 6.8 and 50.5 < lat < 51.1
    status, _, doc = ogcapi_call(engine, "collections/gebiete_gemeinde/items", name="Düren")
    assert [f["id"] for f in doc["features"]] == [DUEREN]
    status, _, doc = ogcapi_call(engine, "collections/gebiete_gemeinde/items", category="meal")
    assert status == 400 and doc["code"] == "InvalidParameterValue"
    status, _, doc = ogcapi_call(engine, "collections/gebiete_gemeinde/items/99999999")
    assert status == 404
    page = ogcapi_call(engine, "collections/gebiete_gemeinde/items", f="html")
    assert isinstance(page, features.HtmlPage)
    assert page.context["collection"]["attribution"] == wfs_world.AREA_NOTE
    _, _, api = ogcapi_call(engine, "api")
    # each collection has its own paths, with the queryables it accepts
    area_items = api["paths"]["/collections/gebiete_gemeinde/items"]["get"]["parameters"]
    offer_items = api["paths"]["/collections/hilfsangebote/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/code"} in area_items
    assert {"$ref": "#/components/parameters/category"} not in area_items
    assert {"$ref": "#/components/parameters/code"} not in offer_items


# -- WMS ---------------------------------------------------------------------------------
def getmap(engine, layers="gebiete_gemeinde", styles="", transparent="FALSE", **extra):
    status, headers, body = call(
        engine, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetMap", LAYERS=layers, STYLES=styles,
        CRS="EPSG:25832", BBOX=",".join(repr(v) for v in UTM_BBOX), WIDTH=str(SIZE[0]),
        HEIGHT=str(SIZE[1]), FORMAT="image/png", TRANSPARENT=transparent, **extra)
    assert status == 200 and headers["Content-Type"] == "image/png", body[:400]
    return Image.open(io.BytesIO(body)).convert("RGB")


def pixel_of(x: float, y: float) -> tuple[int, int]:
    return (int((x - UTM_BBOX[0]) / 100), int((UTM_BBOX[3] - y) / 100))


def over_white(colour) -> tuple[int, ...]:
    a = choropleth.FILL_ALPHA / 255
    return tuple(round(c * a + 255 * (1 - a)) for c in colour)


def close(a, b, tolerance=3) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_wms_draws_each_municipality_in_the_colour_of_its_class(world, engine, polygons,
                                                               expected_counts):
    img = getmap(engine)
    classes = choropleth.classify(expected_counts.values())
    for code, poly in polygons.items():
        inner = poly.buffer(-1500).representative_point()  # away from outlines
        want = over_white(choropleth.colour_of(expected_counts[code], classes))
        assert close(img.getpixel(pixel_of(inner.x, inner.y)), want), code
    # outside the county: the white background
    assert img.getpixel((2, 2)) == (255, 255, 255)


def test_wms_no_data_is_hatched_grey_not_a_class_colour(world, engine, polygons):
    """No population is loaded: offers per 10,000 inhabitants has no value."""
    img = getmap(engine, styles="angebote_je_10000_ew")
    poly = polygons[DUEREN].buffer(-1500)
    minx, miny, maxx, maxy = poly.bounds
    seen = set()
    for x in range(int(minx), int(maxx), 100):
        for y in range(int(miny), int(maxy), 100):
            if poly.contains(shapely.Point(x, y)):
                seen.add(img.getpixel(pixel_of(x, y)))
    assert close(sorted(seen)[-1], over_white(choropleth.NO_DATA))
    assert any(close(c, choropleth.HATCH) for c in seen)  # the hatch lines
    assert not any(close(c, over_white(p)) for c in seen for p in choropleth.PALETTE)


def test_wms_paints_offers_over_areas_in_layer_order(world, engine):
    img = getmap(engine, layers="gebiete_gemeinde,hilfsangebote", styles="angebote,default")
    meal = pixel_of(*_to_utm.transform(*wfs_world.OFFERS["shelter"][0]))
    areas_only = getmap(engine)
    assert img.getpixel(meal) != areas_only.getpixel(meal)  # a symbol on top


def test_wms_styles_legends_and_feature_info(world, engine, expected_counts):
    caps = call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.3.0")[2]
    root = etree.fromstring(caps)
    ns = {"w": "http://www.opengis.net/wms", "xlink": "http://www.w3.org/1999/xlink"}
    layer = root.xpath("//w:Layer[w:Name='gebiete_gemeinde']", namespaces=ns)[0]
    names = layer.xpath("w:Style/w:Name/text()", namespaces=ns)
    assert names[0] == "angebote" and "plaetze_shelter" in names and "stand" not in names
    assert layer.xpath("w:Attribution/w:Title/text()", namespaces=ns) == [wfs_world.AREA_NOTE]
    legend = layer.xpath("w:Style[w:Name='angebote']/w:LegendURL", namespaces=ns)[0]
    href = legend.xpath("w:OnlineResource/@xlink:href", namespaces=ns)[0]
    params = dict(urllib.parse.parse_qsl(href.split("?", 1)[1]))
    status, headers, body = call(engine, **params)
    assert status == 200 and headers["Content-Type"] == "image/png"
    img = Image.open(io.BytesIO(body))
    assert img.size == (int(legend.get("width")), int(legend.get("height")))
    status, _, body = call(engine, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetLegendGraphic",
                           LAYER="gebiete_gemeinde", STYLE="nope", FORMAT="image/png")
    assert status == 400 and b"StyleNotDefined" in body
    status, _, body = call(engine, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetMap",
                           LAYERS="gebiete_gemeinde", STYLES="nope", CRS="EPSG:25832",
                           BBOX="300000,5600000,345000,5660000", WIDTH="10", HEIGHT="10",
                           FORMAT="image/png")
    assert status == 400 and b"StyleNotDefined" in body
    i, j = pixel_of(323600, 5628400)  # in the city of Düren
    status, _, body = call(engine, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetFeatureInfo",
                           LAYERS="gebiete_gemeinde", QUERY_LAYERS="gebiete_gemeinde", STYLES="",
                           CRS="EPSG:25832", BBOX=",".join(repr(v) for v in UTM_BBOX),
                           WIDTH=str(SIZE[0]), HEIGHT=str(SIZE[1]), I=str(i), J=str(j),
                           INFO_FORMAT="application/json")
    assert status == 200
    feats = json.loads(body)["features"]
    assert [f["id"] for f in feats] == [DUEREN]
    assert feats[0]["properties"]["angebote"] == expected_counts[DUEREN]
    for fmt in ("text/html", "application/vnd.ogc.gml", "text/plain"):
        status, _, body = call(engine, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetFeatureInfo",
                               LAYERS="gebiete_gemeinde", QUERY_LAYERS="gebiete_gemeinde",
                               STYLES="", CRS="EPSG:25832",
                               BBOX=",".join(repr(v) for v in UTM_BBOX), WIDTH=str(SIZE[0]),
                               HEIGHT=str(SIZE[1]), I=str(i), J=str(j), INFO_FORMAT=fmt)
        assert status == 200 and "Düren".encode() in body, fmt


def test_wms_capabilities_with_area_layers_are_schema_valid(world, engine):
    assert xsd.available(), "OGC schemas not fetched: run bash dev/fetch-schemas.sh"
    caps = call(engine, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.3.0")[2]
    assert b"gebiete_gemeinde" in caps
    assert xsd.validate(caps, {
        "http://www.opengis.net/wms": "http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd",
        "http://www.opengis.net/sld": "http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd",
    }) == []
