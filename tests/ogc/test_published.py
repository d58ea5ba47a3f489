"""One meaning per attribute: the same offer read through every OGC output
(WFS GeoJSON, WFS GML 3.2, WMS GetFeatureInfo JSON/GML/text, OGC API item)
carries the same attributes with the same values — the list in
store/published.py. A second list anywhere (as GetFeatureInfo once had, where
``name`` was the URL slug) makes this fail."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from lxml import etree
from pyproj import Transformer

from ckanext.keck_homeless.store import published
from ckanext.keck_homeless.store.model import offer as offer_table
from tests.ogc.client import SITE, ogcapi_call, ows_call

KECK = "{https://www.kreis-dueren.de/keck-homeless/1.0}"
_TO_UTM = Transformer.from_crs(4326, 25832, always_xy=True)


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _gml_properties(feature) -> dict[str, str]:
    return {el.tag[len(KECK):]: el.text for el in feature
            if el.tag.startswith(KECK) and el.tag != KECK + published.GEOMETRY_NAME}


def _getfeatureinfo(engine, lonlat, info_format: str) -> bytes:
    """GetFeatureInfo at the centre pixel of a 1 km square around ``lonlat``."""
    e, n = _TO_UTM.transform(*lonlat)
    status, _, body = ows_call(
        engine, SERVICE="WMS", VERSION="1.3.0", REQUEST="GetFeatureInfo",
        LAYERS="hilfsangebote", QUERY_LAYERS="hilfsangebote", STYLES="", CRS="EPSG:25832",
        BBOX=f"{e - 500},{n - 500},{e + 500},{n + 500}", WIDTH="101", HEIGHT="101",
        I="50", J="50", INFO_FORMAT=info_format)
    assert status == 200, body[:300]
    return body


@pytest.mark.parametrize("key", ["shelter", "meal_near", "approx", "water"])
def test_every_output_publishes_the_same_attributes(engine, world, key):
    _same_everywhere(engine, world, key)


def test_free_places_are_live_in_every_output_and_never_shown_expired(engine, world):
    """Tonight's free places change without the offer changing: every output
    shows the current value, none shows an expired one (nothing is cached)."""
    from tests.helpers import call_action

    shelter, water = world["offers"]["shelter"], world["offers"]["water"]
    value = call_action("keck_homeless_free_places_set", id=shelter["id"], places="3")
    with engine.begin() as conn:   # a value from the night before: expired an hour ago
        conn.execute(sa.text(
            "INSERT INTO keck_homeless.free_places (package_id, places, set_at, set_by, expires_at)"
            " VALUES (:p, 7, now() - interval '15 hours', 'test', now() - interval '1 hour')"),
            {"p": water["id"]})
    reference = _same_everywhere(engine, world, "shelter")
    assert reference["free_places"] == 3
    assert dt.datetime.fromisoformat(reference["free_places_at"]) == \
        dt.datetime.fromisoformat(value["set_at"])
    expired = _same_everywhere(engine, world, "water")
    assert expired["free_places"] is None and expired["free_places_at"] is None
    # filters see the live value too
    status, _, body = ows_call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                               TYPENAMES="keck:hilfsangebote", OUTPUTFORMAT="application/json",
                               FILTER='<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">'
                                      "<fes:PropertyIsGreaterThan><fes:ValueReference>free_places"
                                      "</fes:ValueReference><fes:Literal>0</fes:Literal>"
                                      "</fes:PropertyIsGreaterThan></fes:Filter>")
    assert status == 200
    assert [f["id"] for f in json.loads(body)["features"]] == [shelter["id"]]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM keck_homeless.free_places"))


def _same_everywhere(engine, world, key) -> dict:
    """The attributes of one offer through every output; they must agree."""
    offer = world["offers"][key]
    fid = offer["id"]
    with engine.connect() as conn:
        lonlat = tuple(conn.execute(sa.select(offer_table.c.lon, offer_table.c.lat)
                                    .where(offer_table.c.package_id == fid)).one())

    status, _, body = ows_call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                               TYPENAMES="keck:hilfsangebote", RESOURCEID=fid,
                               OUTPUTFORMAT="application/json")
    assert status == 200
    (wfs_json,) = json.loads(body)["features"]
    reference = wfs_json["properties"]
    # the reference is the schema itself: every attribute, in its order, and
    # ``name`` is what people read (the title), never the URL slug
    assert list(reference) == list(published.NAMES)
    assert reference["name"] == offer["title"] != offer["name"]
    assert reference["url"] == f"{SITE}/hilfsangebot/{offer['name']}"

    status, _, body = ogcapi_call(engine, f"collections/hilfsangebote/items/{fid}", f="json")
    assert status == 200 and body["properties"] == reference

    (gfi_json,) = json.loads(_getfeatureinfo(engine, lonlat, "application/json"))["features"]
    assert gfi_json["id"] == fid and gfi_json["properties"] == reference

    as_text = {k: _as_text(v) for k, v in reference.items() if v is not None}
    status, _, body = ows_call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                               TYPENAMES="keck:hilfsangebote", RESOURCEID=fid)
    members = etree.fromstring(body).findall(".//" + KECK + "hilfsangebote")
    assert len(members) == 1 and _gml_properties(members[0]) == as_text

    gfi_gml = etree.fromstring(_getfeatureinfo(engine, lonlat, "application/vnd.ogc.gml/3.1.1"))
    (member,) = gfi_gml.iter(KECK + "hilfsangebote")
    assert _gml_properties(member) == as_text

    lines = _getfeatureinfo(engine, lonlat, "text/plain").decode("utf-8").splitlines()[1:]
    assert dict(line.strip().split(" = ", 1) for line in lines) == as_text
    return reference


def test_every_attribute_is_described_once_with_its_type(engine, world):
    """DescribeFeatureType lists exactly the attributes, in their order."""
    status, _, body = ows_call(engine, SERVICE="WFS", VERSION="2.0.0",
                               REQUEST="DescribeFeatureType", TYPENAMES="keck:hilfsangebote")
    assert status == 200
    xsd = "{http://www.w3.org/2001/XMLSchema}"
    names = [el.get("name") for el in etree.fromstring(body).iter(xsd + "element")
             if el.get("name") not in (None, "hilfsangebote")]
    assert names == [*published.NAMES, published.GEOMETRY_NAME]
