"""WFS responses validated against the official OGC schemas, offline
(see tests/ogc/xsd.py for where the schemas come from)."""
from __future__ import annotations

import pytest

from tests.ogc import xsd
from tests.ogc.test_wfs import call


@pytest.fixture(autouse=True)
def schemas():
    """`make test` fetches the schemas (dev/fetch-schemas.sh); a missing copy
    is a provisioning error, so every test here fails instead of skipping."""
    assert xsd.available(), "OGC schemas not fetched: run bash dev/fetch-schemas.sh"

KECK = "https://www.kreis-dueren.de/keck-homeless/1.0"
WFS20 = {"http://www.opengis.net/wfs/2.0": "http://schemas.opengis.net/wfs/2.0/wfs.xsd"}
WFS11 = {"http://www.opengis.net/wfs": "http://schemas.opengis.net/wfs/1.1.0/wfs.xsd"}
WFS10 = {"http://www.opengis.net/wfs": "http://schemas.opengis.net/wfs/1.0.0/WFS-basic.xsd"}


def app_schema(engine, version, fmt=None) -> str:
    params = dict(SERVICE="WFS", VERSION=version, REQUEST="DescribeFeatureType")
    if fmt:
        params["OUTPUTFORMAT"] = fmt
    status, _, body = call(engine, **params)
    assert status == 200
    return xsd.save(body, "keck.xsd")


def assert_valid(body: bytes, imports: dict[str, str]):
    errors = xsd.validate(body, imports)
    assert not errors, "\n".join(errors)


def test_capabilities_20_and_11_are_schema_valid(engine):
    assert_valid(call(engine, SERVICE="WFS", REQUEST="GetCapabilities")[2], WFS20)
    assert_valid(call(engine, SERVICE="WFS", REQUEST="GetCapabilities", VERSION="1.1.0")[2], WFS11)


def test_feature_collections_are_schema_valid(engine):
    keck32 = app_schema(engine, "2.0.0")
    for params in (dict(), dict(RESULTTYPE="hits"), dict(SRSNAME="urn:ogc:def:crs:EPSG::4326", COUNT="2")):
        body = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                    TYPENAMES="keck:hilfsangebote", **params)[2]
        assert_valid(body, {**WFS20, KECK: keck32})
    keck311 = app_schema(engine, "1.1.0")
    body = call(engine, SERVICE="WFS", VERSION="1.1.0", REQUEST="GetFeature", TYPENAME="keck:hilfsangebote")[2]
    assert_valid(body, {**WFS11, KECK: keck311})
    keck2 = app_schema(engine, "1.1.0", "GML2")
    body = call(engine, SERVICE="WFS", VERSION="1.1.0", REQUEST="GetFeature", TYPENAME="hilfsangebote",
                OUTPUTFORMAT="GML2")[2]
    assert_valid(body, {**WFS10, KECK: keck2})


def test_other_wfs20_responses_are_schema_valid(engine, world):
    keck32 = app_schema(engine, "2.0.0")
    for params in (dict(REQUEST="ListStoredQueries"),
                   dict(REQUEST="DescribeStoredQueries"),
                   dict(REQUEST="GetPropertyValue", TYPENAMES="hilfsangebote", VALUEREFERENCE="name"),
                   dict(REQUEST="GetPropertyValue", TYPENAMES="hilfsangebote", VALUEREFERENCE="geometry"),
                   dict(REQUEST="GetFeature", TYPENAMES="nope")):
        body = call(engine, SERVICE="WFS", VERSION="2.0.0", **params)[2]
        assert_valid(body, {**WFS20, KECK: keck32,
                            "http://www.opengis.net/ows/1.1": "http://schemas.opengis.net/ows/1.1.0/owsAll.xsd"})
    body = call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature", ID=world["ids"]["meal"],
                STOREDQUERY_ID="urn:ogc:def:query:OGC-WFS::GetFeatureById")[2]
    assert_valid(body, {KECK: keck32})
    body = call(engine, SERVICE="WFS", VERSION="1.1.0", REQUEST="GetFeature", TYPENAME="nope")[2]
    assert_valid(body, {"http://www.opengis.net/ows": "http://schemas.opengis.net/ows/1.0.0/owsAll.xsd"})
