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
