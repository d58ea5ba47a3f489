"""ogc/errors.py and the dispatcher's safety net (pure, no CKAN)."""
from __future__ import annotations

from lxml import etree

from ckanext.keck_homeless.ogc import errors, ows


def test_ows11_report_with_code_locator_and_escaping():
    status, headers, body = errors.InvalidParameterValue("bad <value> & more", locator="COUNT").render("2.0.0")
    assert status == 400 and headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(body)
    assert root.tag == "{http://www.opengis.net/ows/1.1}ExceptionReport" and root.get("version") == "2.0.0"
    exc = root[0]
    assert exc.get("exceptionCode") == "InvalidParameterValue" and exc.get("locator") == "COUNT"
    assert exc[0].text == "bad <value> & more"


def test_ows10_report_for_wfs11_and_statuses():
    status, _, body = errors.NotFound("x").render("1.1.0")
    root = etree.fromstring(body)
    assert status == 404 and root.tag == "{http://www.opengis.net/ows}ExceptionReport"
    assert root.get("version") == "1.0.0" and root[0].get("locator") is None
    assert errors.OperationNotSupported("x").status == 501
    assert errors.OperationParsingFailed("x", status=413).status == 413


def test_wms_reports():
    status, headers, body = errors.InvalidCRS("nope", locator="CRS").render_wms("1.3.0")
    root = etree.fromstring(body)
    assert root.tag == "{http://www.opengis.net/ogc}ServiceExceptionReport"
    assert root[0].get("code") == "InvalidCRS"
    _, headers, body = errors.InvalidCRS("nope").render_wms("1.1.1")
    assert b'code="InvalidSRS"' in body and "se_xml" in headers["Content-Type"]


def test_unexpected_errors_become_a_generic_report(monkeypatch):
    from ckanext.keck_homeless.ogc import wfs

    def boom(request):
        raise RuntimeError("secret detail /etc/passwd")
    monkeypatch.setattr(wfs, "handle", boom)
    status, _, body = ows.handle(ows.OWSRequest.from_kvp({"service": "WFS", "request": "GetCapabilities"}))
    assert status == 500 and b"secret" not in body and b"Traceback" not in body
    assert b"NoApplicableCode" in body


def test_kvp_keys_are_case_insensitive():
    req = ows.OWSRequest.from_kvp({"typeNames": "a", "SERVICE": "WFS"})
    assert req.get("TYPENAMES") == "a" and req.get("typenames") == "a" and req.get("missing") is None


def test_post_parser_refuses_doctype_and_large_bodies():
    import pytest
    for body in (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', b"x" * (ows.MAX_POST_BYTES + 1), b"", b"<a"):
        with pytest.raises(errors.OWSException):
            ows.parse_xml_body(body)
    assert ows.parse_xml_body(b"<a b='1'/>").get("b") == "1"


def test_exception_texts_are_german_and_english():
    """Every WFS, WMS and OGC API exception text reads "Deutsch / English"
    (German first), whatever the request's language."""
    import json

    from ckanext.keck_homeless.ogc import features

    kvps = [
        {"service": "WFS"},
        {"service": "XYZ", "request": "GetCapabilities"},
        {"service": "WFS", "version": "2.0.0", "request": "Transaction"},
        {"service": "WFS", "version": "9.9", "request": "GetFeature", "typenames": "hilfsangebote"},
        {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typenames": "nope"},
        {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typenames": "hilfsangebote",
         "count": "-1"},
        {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typenames": "hilfsangebote",
         "bbox": "1,2,3"},
        {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typenames": "hilfsangebote",
         "srsname": "EPSG:31467"},
        {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typenames": "hilfsangebote",
         "sortby": "name SIDEWAYS"},
        {"service": "WFS", "version": "1.1.0", "request": "GetFeature", "typename": "hilfsangebote",
         "outputformat": "image/gif"},
        {"service": "WMS", "request": "GetMap", "layers": "hilfsangebote"},
    ]
    texts = []
    for kvp in kvps:
        status, _, body = ows.handle(ows.OWSRequest.from_kvp(kvp, lang="en"))
        assert 400 <= status < 600 and status != 500, (kvp, body)
        root = etree.fromstring(body)
        texts.append(root.findtext(".//{*}ExceptionText") or root.findtext(".//{*}ServiceException"))
    for path, args in (("collections/nope", {}), ("collections/hilfsangebote/items", {"LIMIT": "x"}),
                       ("collections/hilfsangebote/items", {"BBOX": "1,2"}), ("nowhere", {})):
        status, _, body = features.handle(ows.OWSRequest(args=args, path=path, lang="en"))
        assert status in (400, 404), path
        texts.append(json.loads(body)["description"])
    for text in texts:
        german, sep, english = text.partition(" / ")
        assert sep and german and english, text

