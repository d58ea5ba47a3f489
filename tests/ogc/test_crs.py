"""ogc/crs.py: CRS spellings and the axis-order rule (pure, no CKAN)."""
from __future__ import annotations

import pytest

from ckanext.keck_homeless.ogc import crs
from ckanext.keck_homeless.ogc.errors import InvalidParameterValue


@pytest.mark.parametrize("text,srid,latlon", [
    ("urn:ogc:def:crs:EPSG::4326", 4326, True),
    ("urn:ogc:def:crs:EPSG:6.6:4326", 4326, True),
    ("urn:x-ogc:def:crs:EPSG:4326", 4326, True),
    ("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, True),
    ("https://www.opengis.net/def/crs/EPSG/0/4258", 4258, True),
    ("EPSG:4326", 4326, False),
    ("epsg:4258", 4258, False),
    ("http://www.opengis.net/gml/srs/epsg.xml#4326", 4326, False),
    ("CRS:84", 4326, False),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, False),
    ("urn:ogc:def:crs:EPSG::25832", 25832, False),
    ("EPSG:25832", 25832, False),
    ("urn:ogc:def:crs:EPSG::3857", 3857, False),
    ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857, False),
])
def test_parse_and_axis_order(text, srid, latlon):
    c = crs.parse(text)
    assert (c.srid, c.latlon, c.given) == (srid, latlon, text)


def test_wms13_bare_epsg_4326_is_lat_lon():
    assert crs.parse("EPSG:4326", epsg_code_latlon=True).latlon is True
    assert crs.parse("EPSG:25832", epsg_code_latlon=True).latlon is False


@pytest.mark.parametrize("text", ["", None, "EPSG:31467", "urn:ogc:def:crs:EPSG::9999",
                                  "EPSG:abc", "4326", "foo", "EPSG:4326; DROP TABLE x"])
def test_unsupported_or_malformed(text):
    with pytest.raises(InvalidParameterValue) as info:
        crs.parse(text, locator="SRSNAME")
    assert info.value.locator == "SRSNAME"


def test_forms_and_pairs():
    c = crs.parse("urn:ogc:def:crs:EPSG::4326")
    assert c.uri == "http://www.opengis.net/def/crs/EPSG/0/4326"
    assert c.epsg_code == "EPSG:4326"
    assert c.xy(50.8, 6.4) == (6.4, 50.8) and c.pair(6.4, 50.8) == (50.8, 6.4)
    assert c.bbox_xy((50.7, 6.3, 50.9, 6.5)) == (6.3, 50.7, 6.5, 50.9)
    assert crs.default().urn == "urn:ogc:def:crs:EPSG::25832"
    assert crs.by_srid(3857, "uri").given == "http://www.opengis.net/def/crs/EPSG/0/3857"


def test_parse_bbox():
    box, c = crs.parse_bbox("50.7,6.3,50.9,6.5,urn:ogc:def:crs:EPSG::4326")
    assert box == (50.7, 6.3, 50.9, 6.5) and c.latlon
    box, c = crs.parse_bbox("300000,5600000,310000,5610000")
    assert c.srid == 25832
    for bad in ("1,2,3", "a,b,c,d", "3,3,1,1", "inf,1,2,3", "1,2,3,4,5,6"):
        with pytest.raises(InvalidParameterValue):
            crs.parse_bbox(bad)
