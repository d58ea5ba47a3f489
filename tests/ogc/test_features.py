"""OGC API - Features (ogc/features.py) called directly, plus its HTML pages
through CKAN's Flask app."""
from __future__ import annotations

import json
import urllib.parse

import pytest

from ckanext.keck_homeless.ogc import features
from tests.ogc import wfs_world
from tests.ogc.client import ogcapi_call

SITE = "http://api.test"
BASE = SITE + "/keck-homeless/ogcapi"


def api(engine, path="", accept="", **params):
    return ogcapi_call(engine, path, accept, site=SITE, **params)


def ids(doc) -> set[str]:
    return {f["id"] for f in doc["features"]}


def test_landing_conformance_and_api(engine):
    status, headers, doc = api(engine)
    assert status == 200 and headers["Content-Type"] == "application/json"
    rels = {link["rel"] for link in doc["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    assert all(link["href"].startswith(BASE) for link in doc["links"])
    status, _, doc = api(engine, "conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in doc["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in doc["conformsTo"]
    status, headers, doc = api(engine, "api")
    assert status == 200 and doc["openapi"].startswith("3.0")
    refs = []

    def walk(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)
    assert refs and all(r.startswith("#/") for r in refs)  # self-contained
    for ref in refs:  # and every local reference resolves
        node = doc
        for part in ref[2:].split("/"):
            node = node[part]


def test_collections_and_collection(engine):
    _, _, doc = api(engine, "collections")
    assert [c["id"] for c in doc["collections"]] == [ft.name for ft in wfs_world.all_types()]
    _, _, doc = api(engine, "collections/hilfsangebote")
    assert doc["itemType"] == "feature" and "http://www.opengis.net/def/crs/EPSG/0/25832" in doc["crs"]
    bbox = doc["extent"]["spatial"]["bbox"][0]
    assert bbox[0] == pytest.approx(6.29) and bbox[2] < 6.55 and bbox[1] > 50.75
    status, _, doc = api(engine, "collections/nope")
    assert status == 404 and doc["code"] == "NotFound"


def test_items_are_the_public_offers(engine, world):
    status, headers, doc = api(engine, "collections/hilfsangebote/items")
    assert status == 200 and headers["Content-Type"] == "application/geo+json"
    assert headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert doc["numberMatched"] == doc["numberReturned"] == 5
    assert ids(doc) == {world["ids"][k] for k in wfs_world.PUBLIC}
    text = json.dumps(doc)
    assert "GEHEIM" not in text and "Geheimweg" not in text
    meal = next(f for f in doc["features"] if f["id"] == world["ids"]["meal"])
    assert meal["geometry"]["coordinates"] == [6.4836, 50.8034]


def test_item_and_hidden_items(engine, world):
    status, _, doc = api(engine, f"collections/hilfsangebote/items/{world['ids']['shelter']}")
    assert status == 200 and doc["properties"]["name"] == "Notschlafstelle Jülich"
    assert {link["rel"] for link in doc["links"]} >= {"self", "collection"}
    for key in wfs_world.SECRET:
        status, _, doc = api(engine, f"collections/hilfsangebote/items/{world['ids'][key]}")
        assert status == 404 and "GEHEIM" not in json.dumps(doc)
    status, _, _ = api(engine, f"collections/hilfsangebote_shelter/items/{world['ids']['meal']}")
    assert status == 404  # not in that collection


def test_limit_offset_links_walk_all(engine, world):
    seen, params = [], {"limit": "2"}
    for _ in range(5):
        status, _, doc = api(engine, "collections/hilfsangebote/items", **params)
        assert status == 200
        seen += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        if not nxt:
            break
        query_ = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(nxt[0]).query))
        params = {k: v for k, v in query_.items() if k != "f"}
    assert sorted(seen) == sorted(world["ids"][k] for k in wfs_world.PUBLIC)
    _, _, doc = api(engine, "collections/hilfsangebote/items", limit="2", offset="2")
    assert "prev" in {link["rel"] for link in doc["links"]}


def test_bbox_and_crs(engine, world):
    positions = wfs_world.store_positions(engine)
    box = (6.40, 50.78, 6.50, 50.93)
    _, _, doc = api(engine, "collections/hilfsangebote/items", bbox=",".join(map(str, box)))
    assert ids(doc) == wfs_world.inside(positions, box, 4326)
    utm = (300000, 5640000, 330000, 5650000)
    _, _, doc = api(engine, "collections/hilfsangebote/items", bbox=",".join(map(str, utm)),
                    **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/25832"})
    assert ids(doc) == wfs_world.inside(positions, utm, 25832)
    _, headers, doc = api(engine, f"collections/hilfsangebote/items/{world['ids']['meal']}",
                          crs="http://www.opengis.net/def/crs/EPSG/0/4326")
    assert headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    assert doc["geometry"]["coordinates"] == [50.8034, 6.4836]  # lat/lon per EPSG
    _, _, doc = api(engine, f"collections/hilfsangebote/items/{world['ids']['meal']}",
                    crs="http://www.opengis.net/def/crs/EPSG/0/3857")
    x, y = wfs_world.project((6.4836, 50.8034), 3857)
    assert doc["geometry"]["coordinates"] == [pytest.approx(x, abs=0.01), pytest.approx(y, abs=0.01)]


def test_property_and_cql2_filters(engine, world):
    _, _, doc = api(engine, "collections/hilfsangebote/items", category="meal")
    assert ids(doc) == {world["ids"]["meal"], world["ids"]["meal_near"]}
    _, _, doc = api(engine, "collections/hilfsangebote/items", ags="05358024")
    assert ids(doc) == {world["ids"]["shelter"]}
    _, _, doc = api(engine, "collections/hilfsangebote/items",
                    filter="category = 'drinking_water' OR name LIKE 'Notschlaf%'")
    assert ids(doc) == {world["ids"]["water"], world["ids"]["shelter"]}
    _, _, doc = api(engine, "collections/hilfsangebote/items",
                    filter="S_INTERSECTS(geometry, POLYGON((6.35 50.91, 6.37 50.91, 6.37 50.93, 6.35 50.93, 6.35 50.91)))")
    assert ids(doc) == {world["ids"]["shelter"]}


@pytest.mark.parametrize("params,locator", [
    ({"limit": "0"}, "limit"), ({"limit": "-3"}, "limit"), ({"limit": "x"}, "limit"),
    ({"offset": "-1"}, "offset"), ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "5,5,1,1"}, "bbox"),
    ({"crs": "http://www.opengis.net/def/crs/EPSG/0/31467"}, "crs"),
    ({"bbox-crs": "EPSG:9"}, "bbox-crs"), ({"unknown": "1"}, "unknown"),
    ({"filter": "category = "}, "filter"), ({"filter": "nope = 1"}, "filter"),
    ({"f": "xml"}, "f"), ({"limit": "99999999999999999999"}, "limit"),
    ({"category": "meal' OR 1=1 --"}, None),
])
def test_bad_items_requests(engine, params, locator):
    status, headers, doc = api(engine, "collections/hilfsangebote/items", **params)
    if locator is None:  # SQL in a value is just a value
        assert status == 200 and doc["numberMatched"] == 0
        return
    assert status == 400, doc
    assert doc["code"] == "InvalidParameterValue" and doc["locator"] == locator


def test_html_negotiation(engine, world):
    page = api(engine, "collections/hilfsangebote/items", accept="text/html,application/xhtml+xml")
    assert isinstance(page, features.HtmlPage) and page.template.endswith("items.html")
    assert len(page.context["features"]) == 5
    page = api(engine, "", f="html")
    assert isinstance(page, features.HtmlPage)
    assert not isinstance(api(engine, "", accept="application/json"), features.HtmlPage)


def test_html_pages_render_in_ckan(app, world):
    for path in ("", "/conformance", "/collections", "/collections/hilfsangebote",
                 "/collections/hilfsangebote/items",
                 f"/collections/hilfsangebote/items/{world['ids']['meal']}"):
        res = app.get("/keck-homeless/ogcapi" + path + "?f=html")
        assert res.status_code == 200, path
        assert "text/html" in res.headers["Content-Type"]
    res = app.get("/keck-homeless/ogcapi/collections?f=html")
    assert "<h1>Sammlungen</h1>" in res.get_data(as_text=True)  # German by default …
    res = app.get("/en/keck-homeless/ogcapi/collections?f=html")
    assert "<h1>Collections</h1>" in res.get_data(as_text=True)  # … English under /en/
    res = app.get("/keck-homeless/ogcapi/collections/hilfsangebote/items?f=html")
    assert "Mittagstisch am Markt" in res.get_data(as_text=True)
    assert "5 von 5 (ab 1)" in res.get_data(as_text=True)
    assert "GEHEIM" not in res.get_data(as_text=True)
    res = app.get("/keck-homeless/ogcapi/collections/hilfsangebote/items?f=json")
    assert res.status_code == 200 and json.loads(res.get_data())["numberMatched"] == 5
    res = app.get("/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities")
    assert res.status_code == 200 and b"WFS_Capabilities" in res.get_data()


def test_antimeridian_bbox_and_datetime(engine, world):
    status, _, doc = api(engine, "collections/hilfsangebote/items", bbox="177,65,-177,70")
    assert status == 200 and doc["numberMatched"] == 0
    status, _, doc = api(engine, "collections/hilfsangebote/items", bbox="6,50,-170,51")
    assert status == 200 and doc["numberMatched"] == 5  # 6°E … 190°E contains the county
    for value in ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z/..", "../2030-01-01T00:00:00Z"):
        status, _, doc = api(engine, "collections/hilfsangebote/items", datetime=value)
        assert status == 200 and doc["numberMatched"] == 5, value
    for value in ("yesterday", "2024-13-01", "../..", "a/b/c"):
        status, _, doc = api(engine, "collections/hilfsangebote/items", datetime=value)
        assert status == 400 and doc["locator"] == "datetime", value
