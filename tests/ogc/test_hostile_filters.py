"""Filters with empty or odd operands against the real stack: an exception
report, never a 500 (issue 13)."""
from __future__ import annotations

import pytest

from tests.ogc.client import ows_call

_EMPTY_FES20 = ('<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo>'
                "<fes:ValueReference></fes:ValueReference><fes:Literal>x</fes:Literal>"
                "</fes:PropertyIsEqualTo></fes:Filter>")
_EMPTY_FES11 = ('<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:PropertyIsEqualTo>'
                "<ogc:PropertyName></ogc:PropertyName><ogc:Literal>x</ogc:Literal>"
                "</ogc:PropertyIsEqualTo></ogc:Filter>")


@pytest.mark.parametrize("version, flt, request_", [
    ("2.0.0", _EMPTY_FES20, "GetFeature"), ("1.1.0", _EMPTY_FES11, "GetFeature"),
    ("2.0.0", _EMPTY_FES11, "GetFeature"), ("2.0.0", _EMPTY_FES20, "GetPropertyValue")])
def test_empty_property_name_in_a_filter_is_an_exception_report(world, engine, version, flt,
                                                                request_):
    """Was a 500 (issue 13: 18 of the 27 found by its corpus)."""
    key = "TYPENAMES" if version == "2.0.0" else "TYPENAME"
    extra = {"VALUEREFERENCE": "name"} if request_ == "GetPropertyValue" else {}
    status, _, body = ows_call(engine, SERVICE="WFS", VERSION=version, REQUEST=request_,
                               **{key: "hilfsangebote"}, FILTER=flt, **extra)
    assert status == 400
    assert b'exceptionCode="InvalidParameterValue"' in body and b"Leere Eigenschaft" in body


@pytest.mark.parametrize("inner", [
    "<fes:Literal/>", "<fes:Literal>x</fes:Literal>", "<fes:ValueReference>name</fes:ValueReference>",
    "<fes:And><fes:PropertyIsEqualTo><fes:ValueReference>name</fes:ValueReference><fes:Literal>x"
    "</fes:Literal></fes:PropertyIsEqualTo><fes:Literal>y</fes:Literal></fes:And>",
    "<fes:Not><fes:ValueReference>name</fes:ValueReference></fes:Not>"])
def test_a_filter_without_a_condition_is_an_exception_report(world, engine, inner):
    """``<fes:Filter><fes:Literal/></fes:Filter>`` was a 500 (found by the fuzz suite)."""
    flt = f'<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0">{inner}</fes:Filter>'
    status, _, body = ows_call(engine, SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
                               TYPENAMES="hilfsangebote", FILTER=flt)
    assert status == 400 and b'exceptionCode="InvalidParameterValue"' in body, body[:400]


@pytest.mark.parametrize("bbox, crs, areas", [
    ("181,0,0,0", None, 0), ("0,0,-181,0", None, 0), ("0,0,0,91", None, 0),
    ("-180,-90,180,90", None, 15), ("-1000,-1000,1000,1000", None, 15),
    ("-1e30,-1e30,1e30,1e30", "http://www.opengis.net/def/crs/EPSG/0/3857", 15),
    ("170,-10,-170,10", None, 0),  # across the antimeridian
])
def test_a_bbox_beyond_the_globe_selects_what_lies_in_it(world, engine, bbox, crs, areas):
    """A longitude over 180 recursed without end, a latitude over 90 or a box
    far from UTM zone 32 made PostGIS fail to project it: 500s on the area
    collection (found by the fuzz suite)."""
    from tests.ogc.client import ogcapi_call

    params = {"bbox": bbox, **({"bbox-crs": crs} if crs else {})}
    status, _, doc = ogcapi_call(engine, "collections/gebiete_gemeinde/items", **params)
    assert status == 200, doc
    assert len(doc["features"]) == areas
    status, _, doc = ogcapi_call(engine, "collections/hilfsangebote/items", **params)
    assert status == 200, doc
