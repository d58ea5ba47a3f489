"""Hostile input against the real stack: a field error or a 400 in the
protocol's form, never a 500 and never a half-saved record (issue 13, the
classes found by its corpus)."""
from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest

from tests.helpers import call_action

pytestmark = [pytest.mark.usefixtures("offers_env")]


@pytest.mark.parametrize("path", [
    "/hilfe?q=%00",
    "/hilfe/karte.json?q=%00",
    "/hilfe?q=%C3%28",
    "/keck-homeless/ogcapi/collections/hilfsangebote/items/%00",
    "/keck-homeless/ows?SERVICE=WFS&REQUEST=GetFeature&TYPENAMES=hilfsangebote&FILTER=%00",
    "/dataset/?q=%00",
])
def test_nul_and_bad_utf8_are_a_400_in_the_protocols_form(app, path):
    res = app.get(path)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    body = res.get_data(as_text=True)
    if "/ows" in path:
        assert "ExceptionReport" in body and 'exceptionCode="InvalidParameterValue"' in body
    elif "/ogcapi" in path:
        assert json.loads(body)["code"] == "InvalidParameterValue"
    else:
        assert "NUL" in body


@pytest.mark.parametrize("field, value, message", [
    ("last_verified", "01.06.2026", "JJJJ-MM-TT"),
    ("last_verified", "x", "JJJJ-MM-TT"),
    ("last_verified", "2026-13-45", "JJJJ-MM-TT"),
    ("last_verified", "2026-06-01T25:00", "JJJJ-MM-TT"),
    ("valid_from", "2026-06-01T00:00", "JJJJ-MM-TT"),
    ("capacity", "99999999999999999999", "100000"),
    ("capacity", "-1", "100000"),
    ("capacity", "12.5", "100000"),
    ("spatial", '{"type": "Point", "coordinates": [6.48, 50.8, 1e309]}', "GeoJSON-Punkt"),
    ("spatial", '{"type": "Point", "coordinates": [6.48, 50.8, 1, 2]}', "GeoJSON-Punkt"),
])
def test_bad_values_are_field_errors_and_nothing_is_saved(organization, make_offer_data,
                                                          field, value, message):
    data = make_offer_data(organization["id"], name="feindselig", **{field: value})
    before = call_action("package_search", q="name:feindselig", include_private=True)["count"]
    with pytest.raises(tk.ValidationError) as err:
        call_action("package_create", **data)
    errors = err.value.error_dict
    assert field in errors, errors
    assert any(message in str(m) for m in errors[field]), errors[field]
    # nothing half-saved: no package, no search document, no store row
    with pytest.raises(tk.ObjectNotFound):
        call_action("package_show", id="feindselig")
    assert call_action("package_search", q="name:feindselig",
                       include_private=True)["count"] == before == 0


@pytest.mark.ckan_config("ckanext.keck_homeless.finder.tile_url",
                         "https://tiles.example.org/{z}/{x}/{y}.png")
@pytest.mark.parametrize("path", ["/hilfe", "/en/hilfe", "/hilfe/does-not-exist"])
def test_finder_pages_send_security_headers(app, path):
    import re

    res = app.get(path)
    csp = res.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([\w-]+)'", csp).group(1)
    assert "img-src 'self' data: https://tiles.example.org" in csp
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert res.headers["Referrer-Policy"] == "no-referrer"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    html = res.get_data(as_text=True)
    # every script is a file of ours or carries this response's nonce
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/' in tag or f'nonce="{nonce}"' in tag, tag
    assert re.search(r"\sstyle=", html) is None
    assert app.get(path).headers["Content-Security-Policy"] != csp   # a new nonce each time


@pytest.mark.ckan_config("ckanext.keck_homeless.finder.frame_ancestors",
                         "'self' https://www.kreis-dueren.de")
def test_frame_ancestors_is_configurable(app):
    assert "frame-ancestors 'self' https://www.kreis-dueren.de" in \
        app.get("/hilfe").headers["Content-Security-Policy"]


@pytest.mark.parametrize("path, status", [
    ("/dataset/changes_multiple", 404),
    ("/dataset/changes_multiple?new_id=x&old_id=y", 404),
])
def test_ckan_views_that_let_an_action_error_escape_answer_4xx(app, path, status):
    """CKAN's activity view raised NotFound/NotAuthorized into a 500."""
    assert app.get(path).status_code == status



@pytest.mark.parametrize("path", [
    "/api/3/action/package_show?id=ogc-x&id=ogc-y",
    "/api/3/action/organization_show?id=a&id=b",
    "/api/3/action/member_list?id=a&id=b",
])
def test_a_repeated_lookup_parameter_is_a_field_error(app, path):
    """CKAN turns ``?id=a&id=b`` into a list and passed it on to SQL: a 500
    (found by the fuzz suite)."""
    res = app.get(path)
    assert res.status_code == 409, res.get_data(as_text=True)[:300]
    assert "Bitte nur einen Wert" in res.json["error"]["id"][0]


@pytest.mark.parametrize("method, path, allow", [
    ("TRACE", "/keck-homeless/ogcapi/", "GET, HEAD, OPTIONS"),
    ("DELETE", "/keck-homeless/ogcapi/collections/hilfsangebote/items", "GET, HEAD, OPTIONS"),
    ("PUT", "/keck-homeless/ows", "GET, POST, HEAD, OPTIONS"),
])
def test_other_methods_are_a_405_with_allow_in_the_protocols_form(app, method, path, allow):
    """CKAN's 405 page dropped the Allow header RFC 9110 requires (found by
    schemathesis)."""
    res = app.test_client().open(path, method=method)
    assert res.status_code == 405 and res.headers["Allow"] == allow
    body = res.get_data(as_text=True)
    if "/ows" in path:
        assert 'exceptionCode="OperationNotSupported"' in body
    else:
        assert json.loads(body)["code"] == "OperationNotSupported"


def test_an_html_error_page_of_the_ogc_api_is_documented(app):
    """``…/items/<id with a newline>?f=html`` is a 404 HTML page (no route
    matches); the OpenAPI document said errors were JSON only (found by
    schemathesis in a fresh-clone CI run)."""
    res = app.get("/keck-homeless/ogcapi/collections/hilfsangebote/items/x%0Ay?f=html")
    assert res.status_code == 404 and res.content_type.startswith("text/html")
    doc = app.get("/keck-homeless/ogcapi/api").json
    assert "text/html" in doc["components"]["responses"]["Error"]["content"]
