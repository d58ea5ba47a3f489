"""Shelter staff set tonight's free places from a phone in two taps, as an
editor of the shelter's organisation (not a sysadmin); the finder shows the
number with its time and no longer shows it after it expired."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import add_member, axe_violations, login

STAFF = ("nacht-dienst", "nacht-dienst-pass-1", "nachtdienst@sozialamt.example")
ORG = "demo-sozialamt-kreis-dueren"   # owns the demo's Notschlafstelle (24 places)
SHELTER = "demo-notschlafstelle-dueren"


@pytest.fixture(scope="module")
def staff(live_server, request):
    add_member(request, live_server, STAFF, ORG, "editor")
    return STAFF


def test_staff_set_free_places_in_two_taps_and_they_expire(browser, live_server, staff):
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        login(pg, live_server, staff)
        # tap 1: the bookmarked page; tap 2: the number
        pg.goto(f"{live_server}/hilfe/{SHELTER}/plaetze")
        buttons = pg.locator(".kh-number-grid button")
        assert buttons.count() == 25                     # 0 … 24 (the capacity)
        three = pg.locator(".kh-number-grid button[value='3']")
        box = three.bounding_box()
        assert box["y"] + box["height"] <= 740 and box["height"] >= 44
        assert axe_violations(pg) == []
        three.click()
        pg.wait_for_load_state("networkidle")
        assert "Gespeichert: 3 Plätze frei heute Nacht" in pg.content()
        assert pg.evaluate("document.documentElement.scrollWidth") <= 360
        # the finder, as a visitor: the number with its time, in the shelter's entry
        visitor = browser.new_context(viewport={"width": 360, "height": 740})
        vp = visitor.new_page()
        vp.goto(f"{live_server}/hilfe")
        entry = vp.locator(f"#angebot-{SHELTER}")
        now = dt.datetime.now(dt.timezone.utc).astimezone()
        text = entry.locator(".kh-places").inner_text()
        assert text.startswith("3 Plätze frei heute Nacht (Stand ")
        # the next morning after the expiry time (10:00) it is gone
        tomorrow = (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT11:00")
        vp.goto(f"{live_server}/hilfe?zeit={tomorrow}")
        assert vp.locator(f"#angebot-{SHELTER} .kh-places").count() == 0
        vp.goto(f"{live_server}/en/hilfe/{SHELTER}")
        assert vp.locator(".kh-places").inner_text().startswith("3 places free tonight (as of ")
        visitor.close()
        assert errors == []
    finally:
        ctx.close()
