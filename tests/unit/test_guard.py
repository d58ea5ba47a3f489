"""guard.py: which requests carry bytes no value may hold (no CKAN needed)."""
from __future__ import annotations

import json

import pytest
from lxml import etree

from ckanext.keck_homeless import guard


def env(path="/hilfe", query=""):
    # PEP 3333: PATH_INFO holds the decoded bytes as latin-1
    return {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": "GET"}


@pytest.mark.parametrize("path, query, where", [
    ("/hilfe", "q=%00", "q"),
    ("/hilfe", "kategorie=meal&q=a%00b", "q"),
    ("/hilfe", "q=%C3%28", "q"),                       # invalid UTF-8
    ("/hilfe", "%00=1", "%00"),
    ("/keck-homeless/ogcapi/collections/hilfsangebote/items/\x00", "", "path"),
    ("/hilfe/\xc3\x28", "", "path"),                   # invalid UTF-8 in the path
])
def test_refused(path, query, where):
    assert guard.refused(env(path, query)) == where


@pytest.mark.parametrize("path, query", [
    ("/hilfe", "q=M%C3%BCnster+Stra%C3%9Fe"),          # umlauts, plus for space
    ("/hilfe/demo-x", ""),
    ("/keck-homeless/ows", "SERVICE=WFS&REQUEST=GetFeature&FILTER=%3Cfes%3AFilter%3E"),
    ("/hilfe/\xc3\xbc", ""),                           # ü, valid UTF-8
])
def test_passed(path, query):
    assert guard.refused(env(path, query)) is None


def test_answers_in_the_protocols_form():
    status, headers, body = guard.InputGuard.answer("/keck-homeless/ows", "q")
    assert status == 400 and headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(body)
    exc = root.find("{http://www.opengis.net/ows/1.1}Exception")
    assert exc.get("exceptionCode") == "InvalidParameterValue" and exc.get("locator") == "q"
    status, headers, body = guard.InputGuard.answer("/keck-homeless/ogcapi/collections", "path")
    assert status == 400 and json.loads(body)["code"] == "InvalidParameterValue"
    status, headers, body = guard.InputGuard.answer("/hilfe", "q")
    assert status == 400 and "NUL" in body.decode() and headers["Content-Type"].startswith("text/plain")
