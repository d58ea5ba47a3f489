"""The offer form in a real browser: location picker and hours preview."""
from __future__ import annotations

import json
import urllib.request

from tests.browser.conftest import axe_violations

NAME = "demo-mittagstisch-dueren"


def _package(live_server, name):
    with urllib.request.urlopen(f"{live_server}/api/3/action/package_show?id={name}", timeout=10) as r:
        return json.load(r)["result"]


def test_location_picker_and_hours_preview(admin_page, live_server):
    pg = admin_page
    pg.goto(f"{live_server}/hilfsangebot/edit/{NAME}")
    pg.wait_for_selector("#kh-picker-map .leaflet-marker-icon")
    # the GeoJSON text field became hidden; lat/lon inputs show the point
    assert pg.locator("#field-spatial").get_attribute("type") == "hidden"
    assert pg.locator("#kh-picker-lat").input_value().startswith("50.80")
    # keyboard entry
    pg.fill("#kh-picker-lat", "50,7999")
    pg.fill("#kh-picker-lon", "6.4811")
    pg.press("#kh-picker-lon", "Tab")
    assert json.loads(pg.locator("#field-spatial").input_value()) == {
        "type": "Point", "coordinates": [6.4811, 50.7999]}
    # a click on the map moves the point and fills the inputs
    pg.locator("#kh-picker-map").scroll_into_view_if_needed()
    box = pg.locator("#kh-picker-map").bounding_box()
    pg.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    clicked = json.loads(pg.locator("#field-spatial").input_value())["coordinates"]
    assert clicked != [6.4811, 50.7999]
    assert float(pg.locator("#kh-picker-lon").input_value()) == clicked[0]
    # invalid keyboard input is announced, the last valid point is kept
    pg.fill("#kh-picker-lat", "abc")
    pg.press("#kh-picker-lat", "Tab")
    assert pg.locator("#kh-picker-lat").get_attribute("aria-invalid") == "true"
    assert "Dezimalzahl" in pg.locator("#kh-picker-status").inner_text()
    pg.fill("#kh-picker-lat", "50.7999")
    pg.fill("#kh-picker-lon", "6.4811")
    pg.press("#kh-picker-lon", "Tab")

    # opening-hours preview as you type
    pg.fill("#field-opening_hours", "Mo-Fr 8-20 Uhr")
    pg.wait_for_selector("#kh-hours-preview.kh-invalid")
    assert "Uhr" in pg.locator("#kh-hours-preview").inner_text()
    pg.fill("#field-opening_hours", "Mo-Fr 11:00-14:00; PH off")
    pg.wait_for_selector("#kh-hours-preview:not(.kh-invalid) table")
    assert "11:00–14:00" in pg.locator("#kh-hours-preview").inner_text()

    assert axe_violations(pg) == []

    pg.click("button[name=save]")
    pg.wait_for_url(f"**/hilfsangebot/{NAME}")
    pkg = _package(live_server, NAME)
    assert json.loads(pkg["spatial"]) == {"type": "Point", "coordinates": [6.4811, 50.7999]}
    assert pkg["opening_hours"] == "Mo-Fr 11:00-14:00; PH off"


def test_form_without_javascript_keeps_the_geojson_input(browser, live_server):
    from tests.browser.conftest import ADMIN

    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    try:
        pg.goto(f"{live_server}/user/login")
        pg.fill("#field-login", ADMIN[0])
        pg.fill("#field-password", ADMIN[1])
        pg.click("form button.btn-primary")
        pg.goto(f"{live_server}/hilfsangebot/edit/{NAME}")
        assert pg.locator("#field-spatial").get_attribute("type") == "text"
        assert pg.locator("#field-spatial").is_visible()
        assert not pg.locator(".kh-location-picker").is_visible()
    finally:
        ctx.close()
