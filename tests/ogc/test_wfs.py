"""WFS 2.0.0 / 1.1.0 (ogc/wfs.py) called directly — request in, response out —
against the real PostgreSQL feature store filled through CKAN's actions."""
from __future__ import annotations

import re
import urllib.parse

import pytest
from lxml import etree

from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.ogc import query
from tests.helpers import call_action
from tests.ogc import wfs_world
from tests.ogc.client import ows_call

SITE = "http://wfs.test"
NS = {"wfs": "http://www.opengis.net/wfs/2.0", "wfs11": "http://www.opengis.net/wfs",
      "ows": "http://www.opengis.net/ows/1.1", "ows10": "http://www.opengis.net/ows",
      "gml": "http://www.opengis.net/gml/3.2", "gml3": "http://www.opengis.net/gml",
      "keck": "https://www.kreis-dueren.de/keck-homeless/1.0",
      "xsd": "http://www.w3.org/2001/XMLSchema", "fes": "http://www.opengis.net/fes/2.0"}


def call(engine, method="GET", body=None, **params):
    return ows_call(engine, method, body, site=SITE, **params)


def wfs(engine, **params):
    params.setdefault("SERVICE", "WFS")
    params.setdefault("VERSION", "2.0.0")
    return call(engine, **params)


def xml(body: bytes):
    return etree.fromstring(body)


def feature_ids(body: bytes) -> list[str]:
    root = xml(body)
    return [el.text for el in root.iter("{{{}}}id".format(NS["keck"]))]


def exception(body: bytes) -> tuple[str, str | None]:
    root = xml(body)
    exc = root.find("{http://www.opengis.net/ows/1.1}Exception")
    if exc is None:
        exc = root.find("{http://www.opengis.net/ows}Exception")
    assert exc is not None, body[:300]
    return exc.get("exceptionCode"), exc.get("locator")


# -- GetCapabilities ----------------------------------------------------------
def test_capabilities_20_lists_layers_constraints_and_absolute_urls(engine):
    status, headers, body = wfs(engine, REQUEST="GetCapabilities")
    assert status == 200 and "xml" in headers["Content-Type"]
    root = xml(body)
    assert root.tag == "{{{}}}WFS_Capabilities".format(NS["wfs"]) and root.get("version") == "2.0.0"
    names = [n.text for n in root.iterfind(".//wfs:FeatureType/wfs:Name", NS)]
    assert names[0] == "keck:hilfsangebote" and "keck:hilfsangebote_shelter" in names
    assert len(names) == len(wfs_world.all_types())
    hrefs = [el.get("{http://www.w3.org/1999/xlink}href") for el in root.iterfind(".//ows:DCP/ows:HTTP/*", NS)]
    assert hrefs and all(h.startswith(SITE + "/keck-homeless/ows") for h in hrefs)
    constraints = {c.get("name"): c.findtext("ows:DefaultValue", namespaces=NS)
                   for c in root.iterfind("ows:OperationsMetadata/ows:Constraint", NS)}
    assert constraints["ImplementsBasicWFS"] == "TRUE"
    assert constraints["ImplementsResultPaging"] == "TRUE"
    assert int(constraints["CountDefault"]) >= 1000
    assert root.findtext(".//wfs:FeatureType/wfs:DefaultCRS", namespaces=NS) == "urn:ogc:def:crs:EPSG::25832"


def test_capabilities_extent_covers_the_public_offers_only(engine, world):
    root = xml(wfs(engine, REQUEST="GetCapabilities")[2])
    lower = root.findtext(".//wfs:FeatureType/ows:WGS84BoundingBox/ows:LowerCorner", namespaces=NS)
    upper = root.findtext(".//wfs:FeatureType/ows:WGS84BoundingBox/ows:UpperCorner", namespaces=NS)
    (minx, miny), (maxx, maxy) = map(float, lower.split()), map(float, upper.split())
    assert maxx < 6.55  # the hidden (6.55) and private (6.60) offers do not widen it
    assert minx == pytest.approx(6.29) and maxy < 50.95 and miny > 50.75


def test_capabilities_11_and_version_negotiation(engine):
    status, _, body = call(engine, SERVICE="WFS", REQUEST="GetCapabilities", ACCEPTVERSIONS="1.1.0")
    assert status == 200 and xml(body).get("version") == "1.1.0"
    status, _, body = call(engine, SERVICE="WFS", REQUEST="GetCapabilities", VERSION="1.1.0")
    assert xml(body).get("version") == "1.1.0"
    status, _, body = call(engine, SERVICE="WFS", REQUEST="GetCapabilities", ACCEPTVERSIONS="3.0.0")
    assert status == 400 and exception(body)[0] == "VersionNegotiationFailed"


# -- DescribeFeatureType --------------------------------------------------------
@pytest.mark.parametrize("key,name", [("TYPENAMES", "keck:hilfsangebote_meal"),
                                      ("TYPENAME", "hilfsangebote_meal"),
                                      ("typeNames", "keck:hilfsangebote_meal")])
def test_describe_feature_type_accepts_both_parameters_and_prefixes(engine, key, name):
    status, headers, body = wfs(engine, REQUEST="DescribeFeatureType", **{key: name})
    assert status == 200, body
    root = xml(body)
    assert root.get("targetNamespace") == NS["keck"]
    elements = [e.get("name") for e in root.iterfind("xsd:element", NS)]
    assert elements == ["hilfsangebote_meal"]
    props = [e.get("name") for e in root.iterfind(".//xsd:sequence/xsd:element", NS)]
    assert props[:2] == ["id", "name"] and "geometry" in props and "ags" in props


def test_describe_all_types_and_gml_versions(engine):
    root = xml(wfs(engine, REQUEST="DescribeFeatureType")[2])
    assert len(root.findall("xsd:element", NS)) == len(wfs_world.all_types())
    root = xml(wfs(engine, VERSION="1.1.0", REQUEST="DescribeFeatureType", TYPENAME="hilfsangebote")[2])
    assert root.find("xsd:import", NS).get("namespace") == "http://www.opengis.net/gml"
    assert root.find("xsd:element", NS).get("substitutionGroup") == "gml:_Feature"


# -- GetFeature -----------------------------------------------------------------
def test_getfeature_returns_exactly_the_public_offers(engine, world):
    status, headers, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote")
    assert status == 200 and headers["Content-Type"].startswith("application/gml+xml")
    root = xml(body)
    assert root.get("numberMatched") == str(len(wfs_world.PUBLIC))
    assert root.get("numberReturned") == str(len(wfs_world.PUBLIC))
    assert set(feature_ids(body)) == {world["ids"][k] for k in wfs_world.PUBLIC}
    text = body.decode()
    for word in ("GEHEIM", "Geheimweg", "Privatweg"):
        assert word not in text
    assert root.find(".//keck:hilfsangebote", NS).get("{{{}}}id".format(NS["gml"])).startswith("hilfsangebote.")


def test_getfeature_escapes_values_and_links_to_the_catalogue(engine, world):
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote",
               RESOURCEID=world["ids"]["meal_near"])[2]
    root = xml(body)  # well-formed despite & < > " '
    assert root.findtext(".//keck:name", namespaces=NS) == 'Suppe & <Brot> "Ü" \'n\' Co'
    assert root.findtext(".//keck:url", namespaces=NS) == SITE + "/hilfsangebot/ogc-meal-near"
    assert root.findtext(".//keck:category_label", namespaces=NS) == "Essensausgabe / Mittagstisch"


def test_approximate_offer_has_no_street_and_is_coarsened(engine, world):
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote",
               RESOURCEID=world["ids"]["approx"], SRSNAME="EPSG:4326")[2]
    root = xml(body)
    assert root.find(".//keck:street", NS) is None
    assert root.findtext(".//keck:location_precise", namespaces=NS) == "false"
    x, y = map(float, root.findtext(".//gml:pos", namespaces=NS).split())
    assert (x, y) != (6.4512, 50.8493)


def test_category_type_selects_its_category(engine, world):
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote_meal")[2]
    assert set(feature_ids(body)) == {world["ids"]["meal"], world["ids"]["meal_near"]}


def test_no_feature_type_for_a_category_that_is_never_published(engine, world):
    """Protection offers are always hidden: no (always empty) feature type,
    layer or collection announces them."""
    status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote_protection")
    assert status == 400 and b"InvalidParameterValue" in body
    names = {ft.name for ft in query.FEATURE_TYPES}
    assert "hilfsangebote_protection" not in names
    assert names == {"hilfsangebote"} | {f"hilfsangebote_{c}" for c in codes.codes("category")
                                          if c not in query.NEVER_PUBLISHED_CATEGORIES}
    caps = wfs(engine, REQUEST="GetCapabilities")[2]
    assert b"protection" not in caps


def test_never_published_categories_are_the_ones_the_rules_keep_hidden():
    """query.NEVER_PUBLISHED_CATEGORIES mirrors the rule that such an offer
    must be hidden (offers/rules.py): a public one is refused."""
    from ckanext.keck_homeless.offers import rules

    for cat in codes.codes("category"):
        offer = {"category": cat, "location_visibility": "public", "street": "Markt 1",
                 "postcode": "52349", "municipality": "05358008",
                 "spatial": '{"type": "Point", "coordinates": [6.48, 50.80]}'}
        refused = "location_visibility" in rules.check_offer(offer)
        assert refused == (cat in query.NEVER_PUBLISHED_CATEGORIES), cat


@pytest.mark.parametrize("bbox,srid", [
    ("308000,5630000,331000,5650000,urn:ogc:def:crs:EPSG::25832", 25832),
    ("50.78,6.40,50.93,6.50,urn:ogc:def:crs:EPSG::4326", 4326),
    ("6.40,50.78,6.50,50.93,EPSG:4326", 4326),
    ("50.78,6.40,50.93,6.50,http://www.opengis.net/def/crs/EPSG/0/4326", 4326),
    ("6.25,50.85,6.40,50.95,EPSG:4326", 4326),
    ("700000,6590000,725000,6600000,EPSG:3857", 3857),
    ("308000,5630000,331000,5650000", 25832),
])
def test_bbox_selects_exactly_the_offers_inside(engine, world, bbox, srid):
    positions = wfs_world.store_positions(engine)
    parts = bbox.split(",")
    nums = [float(v) for v in parts[:4]]
    if len(parts) == 5 and ("urn:" in parts[4] or "http" in parts[4]) and srid == 4326:
        nums = [nums[1], nums[0], nums[3], nums[2]]  # lat/lon given
    expected = wfs_world.inside(positions, nums, srid)
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote", BBOX=bbox)[2]
    assert set(feature_ids(body)) == expected
    assert expected or srid == 3857  # the boxes are chosen to catch something


def fes(inner: str) -> str:
    return ('<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" '
            'xmlns:gml="http://www.opengis.net/gml/3.2">' + inner + "</fes:Filter>")


def test_fes_comparison_and_logical_filters(engine, world):
    ids = world["ids"]
    cases = {
        "<fes:PropertyIsEqualTo><fes:ValueReference>category</fes:ValueReference>"
        "<fes:Literal>meal</fes:Literal></fes:PropertyIsEqualTo>": {"meal", "meal_near"},
        "<fes:Or><fes:PropertyIsEqualTo><fes:ValueReference>keck:category</fes:ValueReference>"
        "<fes:Literal>shelter</fes:Literal></fes:PropertyIsEqualTo><fes:PropertyIsEqualTo>"
        "<fes:ValueReference>category</fes:ValueReference><fes:Literal>drinking_water</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:Or>": {"shelter", "water"},
        "<fes:Not><fes:PropertyIsEqualTo><fes:ValueReference>category</fes:ValueReference>"
        "<fes:Literal>meal</fes:Literal></fes:PropertyIsEqualTo></fes:Not>": {"shelter", "water", "approx"},
        '<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><fes:ValueReference>name'
        "</fes:ValueReference><fes:Literal>*markt*</fes:Literal></fes:PropertyIsLike>": set(),
        '<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!" matchCase="false">'
        "<fes:ValueReference>name</fes:ValueReference><fes:Literal>*markt*</fes:Literal>"
        "</fes:PropertyIsLike>": {"meal", "water"},
        "<fes:PropertyIsNull><fes:ValueReference>street</fes:ValueReference></fes:PropertyIsNull>":
            {"approx"},
        "<fes:PropertyIsGreaterThan><fes:ValueReference>last_verified</fes:ValueReference>"
        '<fes:Literal>2000-01-01</fes:Literal></fes:PropertyIsGreaterThan>': set(wfs_world.PUBLIC),
        "<fes:And><fes:PropertyIsEqualTo><fes:ValueReference>ags</fes:ValueReference>"
        "<fes:Literal>05358024</fes:Literal></fes:PropertyIsEqualTo><fes:PropertyIsEqualTo>"
        "<fes:ValueReference>location_precise</fes:ValueReference><fes:Literal>true</fes:Literal>"
        "</fes:PropertyIsEqualTo></fes:And>": {"shelter"},
    }
    for inner, keys in cases.items():
        status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote",
                              FILTER=fes(inner))
        assert status == 200, (inner, body[:400])
        assert set(feature_ids(body)) == {ids[k] for k in keys}, inner


def test_fes_spatial_filters_respect_crs_and_axis_order(engine, world):
    ids = world["ids"]
    near_meal = {ids["meal"], ids["meal_near"]}
    cases = {
        # lat/lon envelope (URN) around Düren
        '<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference>'
        '<gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>50.80 6.48</gml:lowerCorner>'
        "<gml:upperCorner>50.81 6.49</gml:upperCorner></gml:Envelope></fes:BBOX>": near_meal,
        # lon/lat with bare EPSG:4326
        '<fes:BBOX><gml:Envelope srsName="EPSG:4326"><gml:lowerCorner>6.48 50.80</gml:lowerCorner>'
        "<gml:upperCorner>6.49 50.81</gml:upperCorner></gml:Envelope></fes:BBOX>": near_meal,
        # no srsName: the default CRS (UTM 32N)
        "<fes:BBOX><gml:Envelope><gml:lowerCorner>300000 5640000</gml:lowerCorner>"
        "<gml:upperCorner>310000 5650000</gml:upperCorner></gml:Envelope></fes:BBOX>":
            wfs_world.inside(wfs_world.store_positions(engine), (300000, 5640000, 310000, 5650000), 25832),
        '<fes:Intersects><fes:ValueReference>geometry</fes:ValueReference>'
        '<gml:Polygon gml:id="p1" srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing>'
        "<gml:posList>50.91 6.35 50.93 6.35 50.93 6.37 50.91 6.37 50.91 6.35</gml:posList>"
        "</gml:LinearRing></gml:exterior></gml:Polygon></fes:Intersects>": {ids["shelter"]},
        '<fes:DWithin><fes:ValueReference>geometry</fes:ValueReference>'
        '<gml:Point gml:id="p2" srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><gml:pos>50.8034 6.4836</gml:pos>'
        '</gml:Point><fes:Distance uom="m">100</fes:Distance></fes:DWithin>': near_meal,
        '<fes:DWithin><fes:ValueReference>geometry</fes:ValueReference>'
        '<gml:Point gml:id="p3" srsName="EPSG:4326"><gml:pos>6.4836 50.8034</gml:pos>'
        '</gml:Point><fes:Distance uom="m">10</fes:Distance></fes:DWithin>': {ids["meal"]},
    }
    for inner, expected in cases.items():
        status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote",
                              FILTER=fes(inner))
        assert status == 200, (inner, body[:400])
        assert set(feature_ids(body)) == expected, inner


def test_resource_id_in_filter_and_kvp_never_finds_hidden_offers(engine, world):
    ids = world["ids"]
    rid = "".join(f'<fes:ResourceId rid="hilfsangebote.{ids[k]}"/>' for k in ("meal", "hidden", "private"))
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote", FILTER=fes(rid))[2]
    assert feature_ids(body) == [ids["meal"]]
    body = wfs(engine, REQUEST="GetFeature", RESOURCEID=f"hilfsangebote.{ids['shelter']},{ids['hidden']}")[2]
    assert feature_ids(body) == [ids["shelter"]]


def test_sortby_and_paging_with_next_and_previous(engine, world):
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", SORTBY="name DESC")[2]
    names = [e.text for e in xml(body).iter("{{{}}}name".format(NS["keck"]))]
    assert names == sorted(names, reverse=True)
    seen, url = [], None
    params = dict(REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote", COUNT="2", SORTBY="name")
    for page in range(5):
        status, _, body = wfs(engine, **params)
        root = xml(body)
        assert root.get("numberMatched") == "5"
        seen += feature_ids(body)
        if page:
            assert "previous" in root.attrib
        url = root.get("next")
        if not url:
            break
        params = {k.upper(): v for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)}
        assert url.startswith(SITE + "/keck-homeless/ows?")
    assert len(seen) == 5 and set(seen) == {world["ids"][k] for k in wfs_world.PUBLIC}
    assert page == 2


def test_hits_reports_number_matched_without_features(engine):
    status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="keck:hilfsangebote",
                          RESULTTYPE="hits", COUNT="1")
    root = xml(body)
    assert root.get("numberMatched") == "5" and root.get("numberReturned") == "0"
    assert not feature_ids(body)
    root = xml(wfs(engine, VERSION="1.1.0", REQUEST="GetFeature", TYPENAME="hilfsangebote",
                   RESULTTYPE="hits")[2])
    assert root.get("numberOfFeatures") == "5"


def test_count_is_capped_and_start_index_skips(engine):
    root = xml(wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", STARTINDEX="4")[2])
    assert root.get("numberReturned") == "1" and "previous" in root.attrib
    root = xml(wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", COUNT="999999999")[2])
    assert root.get("numberReturned") == "5"


@pytest.mark.parametrize("srsname,latlon", [
    ("urn:ogc:def:crs:EPSG::4326", True), ("http://www.opengis.net/def/crs/EPSG/0/4326", True),
    ("EPSG:4326", False), ("urn:ogc:def:crs:EPSG::4258", True), ("EPSG:3857", False),
    ("urn:ogc:def:crs:EPSG::25832", False), (None, False)])
def test_srsname_and_axis_order(engine, world, srsname, latlon):
    params = dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", RESOURCEID=world["ids"]["shelter"])
    if srsname:
        params["SRSNAME"] = srsname
    root = xml(wfs(engine, **params)[2])
    point = root.find(".//gml:Point", NS)
    assert point.get("srsName") == (srsname or "urn:ogc:def:crs:EPSG::25832")
    a, b = map(float, point.findtext("gml:pos", namespaces=NS).split())
    srid = int(re.search(r"(\d+)$", srsname or "25832").group(1))
    x, y = wfs_world.project((6.3600, 50.9200), srid)
    got = (b, a) if latlon else (a, b)
    tol = 1e-6 if srid in (4326, 4258) else 0.05
    assert got == (pytest.approx(x, abs=tol), pytest.approx(y, abs=tol))


@pytest.mark.parametrize("fmt,ctype,marker", [
    ("application/json", "application/json", b'"FeatureCollection"'),
    ("json", "application/json", b'"FeatureCollection"'),
    ("geojson", "application/json", b'"FeatureCollection"'),
    ("GEOJSON", "application/json", b'"FeatureCollection"'),
    ("application/geo+json", "application/geo+json", b'"FeatureCollection"'),
    ("GML2", "text/xml; subtype=gml/2.1.2", b"<gml:coordinates"),
    ("GML3", "text/xml; subtype=gml/3.1.1", b"<gml:pos"),
    ("GML32", "application/gml+xml; version=3.2", b"<gml:pos"),
    ("application/gml+xml; version=3.2", "application/gml+xml; version=3.2", b"<gml:pos"),
    ("text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/3.1.1", b"<gml:pos"),
    ("text/xml; subtype=gml/2.1.2", "text/xml; subtype=gml/2.1.2", b"<gml:coordinates"),
])
def test_output_format_aliases(engine, fmt, ctype, marker):
    status, headers, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", OUTPUTFORMAT=fmt)
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith(ctype)
    assert marker in body


def test_geojson_output_is_lon_lat_and_complete(engine, world):
    import json
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", OUTPUTFORMAT="application/json",
               SRSNAME="urn:ogc:def:crs:EPSG::4326", RESOURCEID=world["ids"]["meal"])[2]
    doc = json.loads(body)
    assert doc["numberMatched"] == 1
    feature = doc["features"][0]
    assert feature["geometry"]["coordinates"] == [6.4836, 50.8034]
    assert feature["properties"]["name"] == "Mittagstisch am Markt"
    assert feature["properties"]["last_verified"]


def test_get_property_value(engine, world):
    status, _, body = wfs(engine, REQUEST="GetPropertyValue", TYPENAMES="keck:hilfsangebote_meal",
                          VALUEREFERENCE="name")
    assert status == 200
    root = xml(body)
    assert root.tag == "{{{}}}ValueCollection".format(NS["wfs"]) and root.get("numberMatched") == "2"
    assert {e.text for e in root.iter("{{{}}}name".format(NS["keck"]))} == {
        "Mittagstisch am Markt", 'Suppe & <Brot> "Ü" \'n\' Co'}
    body = wfs(engine, REQUEST="GetPropertyValue", TYPENAMES="keck:hilfsangebote",
               VALUEREFERENCE="geometry")[2]
    assert len(xml(body).findall(".//gml:Point", NS)) == 5 and b"6.55" not in body


def test_stored_queries_and_get_feature_by_id(engine, world):
    body = wfs(engine, REQUEST="ListStoredQueries")[2]
    assert b"urn:ogc:def:query:OGC-WFS::GetFeatureById" in body
    status, _, body = wfs(engine, REQUEST="DescribeStoredQueries",
                          STOREDQUERY_ID="urn:ogc:def:query:OGC-WFS::GetFeatureById")
    assert status == 200 and b'name="ID"' in body
    status, headers, body = wfs(engine, REQUEST="GetFeature",
                                STOREDQUERY_ID="urn:ogc:def:query:OGC-WFS::GetFeatureById",
                                ID=f"hilfsangebote.{world['ids']['water']}")
    assert status == 200
    root = xml(body)
    assert root.tag == "{{{}}}hilfsangebote".format(NS["keck"])
    assert root.get("{{{}}}id".format(NS["gml"])) == f"hilfsangebote.{world['ids']['water']}"
    for key in ("hidden", "private"):
        status, _, body = wfs(engine, REQUEST="GetFeature", ID=world["ids"][key],
                              STOREDQUERY_ID="urn:ogc:def:query:OGC-WFS::GetFeatureById")
        assert status == 404 and exception(body)[0] == "NotFound"
        assert b"GEHEIM" not in body


# -- XML POST ----------------------------------------------------------------
POST_GETFEATURE = b"""<?xml version="1.0" encoding="UTF-8"?>
<wfs:GetFeature service="WFS" version="2.0.0" count="10" xmlns:wfs="http://www.opengis.net/wfs/2.0"
    xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:keck="https://www.kreis-dueren.de/keck-homeless/1.0">
  <wfs:Query typeNames="keck:hilfsangebote" srsName="urn:ogc:def:crs:EPSG::4326">
    <fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>category</fes:ValueReference>
      <fes:Literal>meal</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>
    <fes:SortBy><fes:SortProperty><fes:ValueReference>name</fes:ValueReference>
      <fes:SortOrder>DESC</fes:SortOrder></fes:SortProperty></fes:SortBy>
  </wfs:Query>
</wfs:GetFeature>"""


def test_xml_post_getfeature(engine, world):
    status, _, body = call(engine, method="POST", body=POST_GETFEATURE)
    assert status == 200, body[:400]
    assert feature_ids(body) == [world["ids"]["meal_near"], world["ids"]["meal"]]
    assert xml(body).find(".//gml:Point", NS).get("srsName") == "urn:ogc:def:crs:EPSG::4326"


def test_xml_post_capabilities_describe_and_by_id(engine, world):
    status, _, body = call(engine, method="POST", body=(
        b'<GetCapabilities xmlns="http://www.opengis.net/wfs/2.0" service="WFS"/>'))
    assert status == 200 and b"WFS_Capabilities" in body
    status, _, body = call(engine, method="POST", body=(
        b'<wfs:DescribeFeatureType xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" '
        b'version="2.0.0"><wfs:TypeName>hilfsangebote_meal</wfs:TypeName></wfs:DescribeFeatureType>'))
    assert status == 200 and b'name="hilfsangebote_meal"' in body
    status, _, body = call(engine, method="POST", body=(
        '<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0">'
        '<wfs:StoredQuery id="urn:ogc:def:query:OGC-WFS::GetFeatureById">'
        f'<wfs:Parameter name="ID">{world["ids"]["hidden"]}</wfs:Parameter></wfs:StoredQuery>'
        "</wfs:GetFeature>").encode())
    assert status == 404


def test_xml_post_wfs11_with_ogc_filter(engine, world):
    status, _, body = call(engine, method="POST", body=b"""
<wfs:GetFeature service="WFS" version="1.1.0" maxFeatures="10" outputFormat="text/xml; subtype=gml/3.1.1"
    xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc">
  <wfs:Query typeName="hilfsangebote"><ogc:Filter><ogc:PropertyIsEqualTo>
    <ogc:PropertyName>category</ogc:PropertyName><ogc:Literal>shelter</ogc:Literal>
  </ogc:PropertyIsEqualTo></ogc:Filter></wfs:Query></wfs:GetFeature>""")
    assert status == 200, body[:400]
    assert feature_ids(body) == [world["ids"]["shelter"]]


# -- WFS 1.1.0 as ckanext-geoview sends it ------------------------------------------
def test_geoview_style_wfs11_gml2(engine, world):
    status, headers, body = call(engine, SERVICE="WFS", VERSION="1.1.0", REQUEST="GetFeature",
                                 TYPENAME="hilfsangebote", MAXFEATURES="1000", OUTPUTFORMAT="GML2",
                                 SRSNAME="EPSG:4326")
    assert status == 200
    root = xml(body)
    assert root.tag == "{http://www.opengis.net/wfs}FeatureCollection"
    members = root.findall("gml3:featureMember", NS)
    assert len(members) == 5
    coords = {m.findtext(".//keck:id", namespaces=NS): m.findtext(".//gml3:coordinates", namespaces=NS)
              for m in members}
    assert coords[world["ids"]["meal"]] == "6.4836,50.8034"
    assert members[0][0].get("fid", "").startswith("hilfsangebote.")


def test_wfs11_gml311_default_and_maxfeatures(engine):
    status, headers, body = call(engine, SERVICE="WFS", VERSION="1.1.0", REQUEST="GetFeature",
                                 TYPENAME="keck:hilfsangebote", MAXFEATURES="2")
    assert status == 200 and headers["Content-Type"] == "text/xml; subtype=gml/3.1.1"
    root = xml(body)
    assert root.get("numberOfFeatures") == "2" and len(root.findall("gml3:featureMember", NS)) == 2
    assert b"gml/3.2" not in body.split(b">", 2)[1]


# -- malformed requests ------------------------------------------------------------
BAD = [
    (dict(REQUEST="GetFeature"), "MissingParameterValue", "typenames"),
    (dict(REQUEST="GetFeature", VERSION="", TYPENAMES="hilfsangebote"), "MissingParameterValue", "version"),
    (dict(VERSION="2.0.0"), "MissingParameterValue", "request"),
    (dict(REQUEST="GetFeatureX", TYPENAMES="hilfsangebote"), "OperationNotSupported", "request"),
    (dict(REQUEST="GetFeature", VERSION="1.0.0", TYPENAMES="hilfsangebote"), "InvalidParameterValue", "version"),
    (dict(REQUEST="GetFeature", TYPENAMES="keck:nope"), "InvalidParameterValue", "typenames"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", BBOX="1,2,3"), "InvalidParameterValue", "bbox"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", BBOX="a,b,c,d"), "InvalidParameterValue", "bbox"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", BBOX="5,5,1,1"), "InvalidParameterValue", "bbox"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", BBOX="1,2,3,4,EPSG:9999"), "InvalidParameterValue", "bbox"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", BBOX="nan,1,2,3"), "InvalidParameterValue", "bbox"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", SRSNAME="EPSG:31467"), "InvalidParameterValue", "srsname"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", SRSNAME="bogus"), "InvalidParameterValue", "srsname"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", COUNT="-1"), "InvalidParameterValue", "count"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", COUNT="1e99"), "InvalidParameterValue", "count"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", COUNT="99999999999999999999"), "InvalidParameterValue", "count"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", STARTINDEX="-5"), "InvalidParameterValue", "startindex"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", RESULTTYPE="all"), "InvalidParameterValue", "resulttype"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", OUTPUTFORMAT="shape-zip"), "InvalidParameterValue", "outputformat"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", SORTBY="nope ASC"), "InvalidParameterValue", "sortby"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", SORTBY="name SIDEWAYS"), "InvalidParameterValue", "sortby"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER="<not xml"), "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER="<a/>"), "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:PropertyIsEqualTo><fes:ValueReference>nope</fes:ValueReference><fes:Literal>1</fes:Literal>"
        "</fes:PropertyIsEqualTo>")), "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:PropertyIsEqualTo><fes:ValueReference>last_verified</fes:ValueReference>"
        "<fes:Literal>yesterday</fes:Literal></fes:PropertyIsEqualTo>")), "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:DWithin><fes:ValueReference>geometry</fes:ValueReference><gml:Point gml:id=\"x\">"
        "<gml:pos>1 2</gml:pos></gml:Point><fes:Distance uom=\"parsec\">1</fes:Distance></fes:DWithin>")),
     "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:BBOX><gml:Envelope srsName=\"EPSG:1\"><gml:lowerCorner>1 2</gml:lowerCorner>"
        "<gml:upperCorner>3 4</gml:upperCorner></gml:Envelope></fes:BBOX>")), "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes("<fes:Foo/>")),
     "InvalidParameterValue", "filter"),
    (dict(REQUEST="GetFeature", TYPENAMES="hilfsangebote", BBOX="1,2,3,4", RESOURCEID="x"),
     "InvalidParameterValue", "resourceid"),
    (dict(REQUEST="GetFeature", STOREDQUERY_ID="urn:x:nope"), "InvalidParameterValue", "storedquery_id"),
    (dict(REQUEST="GetFeature", STOREDQUERY_ID="urn:ogc:def:query:OGC-WFS::GetFeatureById"),
     "MissingParameterValue", "id"),
    (dict(REQUEST="GetPropertyValue", TYPENAMES="hilfsangebote"), "MissingParameterValue", "valuereference"),
    (dict(REQUEST="GetPropertyValue", TYPENAMES="hilfsangebote", VALUEREFERENCE="password"),
     "InvalidParameterValue", "valuereference"),
    (dict(REQUEST="DescribeFeatureType", TYPENAMES="x'; DROP TABLE keck_homeless.offer; --"),
     "InvalidParameterValue", "typenames"),
    (dict(REQUEST="DescribeStoredQueries", STOREDQUERY_ID="urn:x"), "InvalidParameterValue", "storedquery_id"),
    (dict(REQUEST="Transaction"), "OperationNotSupported", None),
]


@pytest.mark.parametrize("params,code,locator", BAD, ids=[str(i) for i in range(len(BAD))])
def test_malformed_requests_get_an_exception_report(engine, params, code, locator):
    params = {"SERVICE": "WFS", "VERSION": "2.0.0", **params}
    if params.get("VERSION") == "":
        del params["VERSION"]
    status, headers, body = call(engine, **params)
    assert 400 <= status < 600 and status != 500, (status, body[:300])
    assert "xml" in headers["Content-Type"]
    got_code, got_locator = exception(body)
    assert got_code == code
    if locator:
        assert (got_locator or "").lower() == locator
    assert b"Traceback" not in body and b"SELECT" not in body.upper()


def test_missing_service_and_unknown_service(engine):
    status, _, body = call(engine, REQUEST="GetCapabilities")
    assert status == 400 and exception(body) == ("MissingParameterValue", "SERVICE")
    status, _, body = call(engine, SERVICE="WCS", REQUEST="GetCapabilities")
    assert status == 400 and exception(body)[0] == "InvalidParameterValue"


def test_sql_in_values_is_just_a_value(engine, world):
    evil = "meal' OR '1'='1"
    status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        f"<fes:PropertyIsEqualTo><fes:ValueReference>category</fes:ValueReference>"
        f"<fes:Literal>{evil}</fes:Literal></fes:PropertyIsEqualTo>"))
    assert status == 200 and xml(body).get("numberMatched") == "0"
    status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote",
                          RESOURCEID="x'); DELETE FROM keck_homeless.offer; --")
    assert status == 200 and xml(body).get("numberMatched") == "0"
    assert len(wfs_world.store_positions(engine)) == 5


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0">
<wfs:Query typeNames="&xxe;"/></wfs:GetFeature>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0">
<wfs:Query typeNames="&lol4;"/></wfs:GetFeature>"""
UTF16_XXE = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x SYSTEM '
             '"file:///etc/passwd">]><wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" '
             'service="WFS" version="2.0.0"><wfs:Query typeNames="&x;"/></wfs:GetFeature>').encode("utf-16")


@pytest.mark.parametrize("body", [XXE, LAUGHS, UTF16_XXE, b"", b"<unclosed", b"x" * 2_000_000,
                                  b'<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" '
                                  b'service="WFS" version="2.0.0"/>',
                                  b'<wfs:Frobnicate xmlns:wfs="http://www.opengis.net/wfs/2.0" '
                                  b'service="WFS" version="2.0.0"/>'],
                         ids=["xxe", "billion-laughs", "utf16-xxe", "empty", "broken", "huge",
                              "no-query", "unknown-op"])
def test_hostile_or_broken_post_bodies(engine, body):
    status, headers, out = call(engine, method="POST", body=body)
    assert 400 <= status < 500, (status, out[:300])
    assert b"root:" not in out and b"lollol" not in out
    assert exception(out)[0] in ("OperationParsingFailed", "MissingParameterValue",
                                 "OperationNotSupported", "InvalidParameterValue")


# -- behaviour the OGC CITE suite (ets-wfs20) checks ----------------------------------
def test_cite_details(engine, world):
    ids = world["ids"]
    # PropertyIsNil matches nothing (no nil values are written); gml:name is always null
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:PropertyIsNil><fes:ValueReference>keck:geometry</fes:ValueReference></fes:PropertyIsNil>"))[2]
    assert xml(body).get("numberMatched") == "0"
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:PropertyIsNull><fes:ValueReference>gml:name</fes:ValueReference></fes:PropertyIsNull>"))[2]
    assert xml(body).get("numberMatched") == "5"
    body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:Not><fes:PropertyIsNull><fes:ValueReference>keck:geometry</fes:ValueReference>"
        "</fes:PropertyIsNull></fes:Not>"))[2]
    assert xml(body).get("numberMatched") == "5"
    # comparing gml:boundedBy with an envelope: OperationProcessingFailed, 400
    status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", FILTER=fes(
        "<fes:PropertyIsLessThanOrEqualTo><fes:Literal><gml:Envelope><gml:lowerCorner>1 2</gml:lowerCorner>"
        "<gml:upperCorner>3 4</gml:upperCorner></gml:Envelope></fes:Literal><fes:ValueReference>"
        "gml:boundedBy</fes:ValueReference></fes:PropertyIsLessThanOrEqualTo>"))
    assert status == 400 and exception(body)[0] == "OperationProcessingFailed"
    # a resource id of another feature type
    status, _, body = wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote_shelter",
                          RESOURCEID=f"hilfsangebote_meal.{ids['meal']}")
    assert status == 400 and exception(body) == ("InvalidParameterValue", "RESOURCEID")
    # hits: next leads to the first page of results
    root = xml(wfs(engine, REQUEST="GetFeature", TYPENAMES="hilfsangebote", RESULTTYPE="hits", COUNT="2")[2])
    assert "RESULTTYPE=results" in root.get("next") and "previous" not in root.attrib
    # empty valueReference
    status, _, body = wfs(engine, REQUEST="GetPropertyValue", TYPENAMES="hilfsangebote", VALUEREFERENCE=" ")
    assert status == 400 and exception(body)[0] == "InvalidParameterValue"
    caps = wfs(engine, REQUEST="GetCapabilities")[2]
    assert b"<ows:Value>local</ows:Value>" in caps


def test_capabilities_extent_follows_store_changes(engine, world):
    """The extents are cached per store version: a new offer widens them."""

    from tests.conftest import offer_data

    def lower_corner():
        root = xml(wfs(engine, REQUEST="GetCapabilities")[2])
        return root.findtext(".//wfs:FeatureType/ows:WGS84BoundingBox/ows:LowerCorner", namespaces=NS)

    before = lower_corner()
    assert lower_corner() == before  # served from the cache
    pkg = call_action("package_create", **offer_data(
        world["org"]["id"], name="ogc-far-west",
        spatial='{"type": "Point", "coordinates": [6.2500, 50.7000]}'))
    try:
        assert lower_corner() == "6.24 50.69"
    finally:
        call_action("package_delete", id=pkg["id"])
    assert lower_corner() == before
