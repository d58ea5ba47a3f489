"""The help finder in a real browser (Chromium headless via Playwright).

Expectations are derived from the demo CSV with the domain function
(``offers.hours.evaluate``), not from the finder's own code.
"""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import math
import urllib.request

import pytest

from ckanext.keck_homeless.offers import hours
from tests.browser.conftest import ARTIFACTS, DEMO_CSV, axe_violations

#: The fixed clock: Wednesday 25 November 2026, 12:00 Europe/Berlin.
AT = "2026-11-25T12:00"
AT_DT = dt.datetime(2026, 11, 25, 12, 0, tzinfo=hours.TZ)
BUDGET_BYTES = 250 * 1024


@pytest.fixture(scope="module")
def demo_rows() -> list[dict]:
    with open(DEMO_CSV, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def located(rows):
    """Offers the finder lists with a location (published, not hidden)."""
    return [r for r in rows if r["location_visibility"] != "hidden" and r["offer_status"] != "ended"]


def open_at(row, at: dt.datetime) -> bool:
    day = at.date()
    if row["offer_status"] != "active":
        return False
    if row["valid_from"] and day < dt.date.fromisoformat(row["valid_from"]):
        return False
    if row["valid_until"] and day > dt.date.fromisoformat(row["valid_until"]):
        return False
    return hours.evaluate(row["opening_hours"], at).status == "open"


def admits_at(row, at: dt.datetime) -> bool:
    """Open at ``at`` and, with a last admission ("23:00"), not past it in the
    opening that ``at`` lies in."""
    if not open_at(row, at):
        return False
    if not row.get("admission_until"):
        return True
    hh, mm = map(int, row["admission_until"].split(":"))
    span = next(i for i in hours.intervals(row["opening_hours"], at - dt.timedelta(days=2),
                                           at + dt.timedelta(days=2))
                if i.status == "open" and i.start <= at < i.end)
    cut = span.start.replace(hour=hh, minute=mm)
    if cut <= span.start:
        cut += dt.timedelta(days=1)
    return at < cut or cut >= span.end


def list_names(pg) -> list[str]:
    return [i.get_attribute("id").removeprefix("angebot-")
            for i in pg.locator("#kh-list li.kh-offer").all()]


def marker_count(pg) -> int:
    """Offers on the map: single markers plus the count of each cluster."""
    return pg.evaluate("""() => [...document.querySelectorAll('#kh-map .leaflet-marker-icon')]
        .reduce((n, el) => n + (el.dataset.count ? Number(el.dataset.count) : 1), 0)""")


def test_finder_loads_with_map_equal_to_list(page, live_server, demo_rows):
    blocked = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/hilfe?zeit={AT}")
    page.wait_for_selector("#kh-map .leaflet-marker-icon")
    names = list_names(page)
    assert sorted(names) == sorted(r["name"] for r in located(demo_rows))
    assert marker_count(page) == len(names)
    # protected offers: listed by name with phone, never on the map
    hidden = [r for r in demo_rows if r["location_visibility"] == "hidden"]
    protected = page.locator(".kh-protected-offer")
    assert protected.count() == len(hidden)
    assert all(r["name"] not in names for r in hidden)
    assert page.errors == [] and blocked == []   # nothing refused by the page's CSP
    # the inline script (with its nonce) ran: the near-me button has its place
    assert page.locator("html.kh-js").count() == 1
    # no request leaves the site (the test config has no base map)
    assert all(u.startswith(live_server) or u.startswith("data:") for u in page.requests), page.requests


def test_filters_change_the_list(page, live_server, demo_rows):
    page.goto(f"{live_server}/hilfe?zeit={AT}")
    before = list_names(page)
    page.click(".kh-filter-box > summary")
    page.select_option("#kh-kategorie", "shelter")
    page.click(".kh-filters button[type=submit]")
    page.wait_for_url("**kategorie=shelter**")
    page.wait_for_selector("#kh-map .leaflet-marker-icon")
    after = list_names(page)
    expected = [r["name"] for r in located(demo_rows) if r["category"] == "shelter"]
    assert sorted(after) == sorted(expected)
    assert after != before
    assert marker_count(page) == len(after)


@pytest.mark.parametrize("at", [AT, "2026-11-25T03:00", "2026-11-28T20:00"])
def test_open_now_filter_for_a_fixed_clock(page, live_server, demo_rows, at):
    page.goto(f"{live_server}/hilfe?zeit={at}")
    page.click(".kh-filter-box > summary")
    page.check("input[name=jetzt]")
    page.click(".kh-filters button[type=submit]")
    page.wait_for_url("**jetzt=1**")
    at_dt = dt.datetime.fromisoformat(at).replace(tzinfo=hours.TZ)
    expected = sorted(r["name"] for r in located(demo_rows) if admits_at(r, at_dt))
    assert expected, "the fixed clock should find something open"
    assert sorted(list_names(page)) == expected
    assert marker_count(page) == len(expected)
    assert page.locator("#kh-list li.kh-offer .kh-status-open").count() == len(expected)


def test_works_without_javascript(browser, live_server, demo_rows):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    pg = ctx.new_page()
    try:
        pg.goto(f"{live_server}/hilfe?zeit={AT}")
        assert len(list_names(pg)) == len(located(demo_rows))
        assert not pg.locator(".kh-map-section").is_visible()  # no empty map box
        pg.click(".kh-filter-box > summary")  # <details> needs no script
        pg.select_option("#kh-kategorie", "meal")
        pg.check("input[name=jetzt]")
        pg.click(".kh-filters button[type=submit]")
        pg.wait_for_url("**kategorie=meal**")
        expected = sorted(r["name"] for r in located(demo_rows)
                          if r["category"] == "meal" and open_at(r, AT_DT))
        assert sorted(list_names(pg)) == expected
        # the deep link works too
        pg.click("#kh-list li.kh-offer h3 a >> nth=0")
        assert pg.locator(".kh-week").count() == 1
    finally:
        ctx.close()


def _distance(lat1, lon1, lat2, lon2):
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(math.sqrt(a))


def test_near_me_sorts_on_the_device_and_sends_no_position(browser, live_server, demo_rows):
    me = (50.9220, 6.3610)  # Jülich
    ctx = browser.new_context(geolocation={"latitude": me[0], "longitude": me[1]},
                              permissions=["geolocation"], viewport={"width": 360, "height": 740})
    pg = ctx.new_page()
    sent = []
    pg.on("request", lambda r: sent.append((r.url, r.post_data or "")))
    try:
        pg.goto(f"{live_server}/hilfe?zeit={AT}")
        groups_before = [g.get_attribute("class") for g in pg.locator(".kh-group").all()]
        pg.click("#kh-near-button")
        pg.wait_for_selector("#kh-list .kh-distance:not([hidden])")
        # sorted by distance inside each group; the groups keep their order
        assert [g.get_attribute("class") for g in pg.locator(".kh-group").all()] == groups_before
        for group in pg.locator(".kh-group").all():
            items = group.locator("li.kh-offer").all()
            coords = [(float(i.get_attribute("data-lat")), float(i.get_attribute("data-lon")))
                      for i in items]
            dists = [_distance(*me, *c) for c in coords]
            assert dists == sorted(dists)
        for url, body in sent:
            for needle in ("50.922", "6.361", "50,922", "6,361"):
                assert needle not in url and needle not in body
    finally:
        ctx.close()


def test_language_switch(page, live_server):
    page.goto(f"{live_server}/hilfe?zeit={AT}")
    # the map's own controls speak the page's language too
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Vergrößern"
    page.click("a[hreflang=en]")
    page.wait_for_url("**/en/hilfe**")
    assert page.locator("h1").inner_text() == "Find help"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".leaflet-control-zoom-out").get_attribute("title") == "Zoom out"


def test_axe_finder(page, live_server):
    page.goto(f"{live_server}/hilfe?zeit={AT}")
    page.wait_for_selector("#kh-map .leaflet-marker-icon")
    page.click(".kh-filter-box > summary")
    assert axe_violations(page) == []


def test_axe_finder_offer_page(page, live_server):
    page.goto(f"{live_server}/hilfe/demo-notschlafstelle-dueren?zeit={AT}")
    page.wait_for_selector("#kh-map .leaflet-marker-icon")
    assert axe_violations(page) == []


def test_axe_dataset_page(page, live_server):
    page.goto(f"{live_server}/hilfsangebot/demo-notschlafstelle-dueren")
    page.wait_for_selector(".kh-preview-map .leaflet-marker-icon")
    assert axe_violations(page) == []


def test_screenshot_and_page_weight(browser, live_server):
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    pg = ctx.new_page()
    sizes = {}

    def finished(req):
        resp = req.response()
        s = req.sizes()
        sizes[req.url] = s["responseBodySize"] + s["responseHeadersSize"] if resp else 0
    pg.on("requestfinished", finished)
    try:
        pg.goto(f"{live_server}/hilfe")  # real clock: this is the README picture
        pg.wait_for_selector("#kh-map .leaflet-marker-icon")
        pg.wait_for_load_state("networkidle")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "finder-360.png"
        pg.screenshot(path=str(shot))
        total = sum(sizes.values())  # no tiles: the test config has no base map
        # what a gzip-compressing front server (nginx) would transfer
        gzipped = {}
        for url in sizes:
            with urllib.request.urlopen(url, timeout=30) as resp:
                gzipped[url] = len(gzip.compress(resp.read(), 6))
        (ARTIFACTS / "finder-page-weight.json").write_text(json.dumps(
            {"total_bytes": total, "budget_bytes": BUDGET_BYTES, "requests": sizes,
             "gzip_body_bytes": gzipped, "gzip_total": sum(gzipped.values())}, indent=1))
        assert total < BUDGET_BYTES, sizes
        assert shot.stat().st_size > 1000
    finally:
        ctx.close()


# -- the first screen at night (issue 9) ---------------------------------------------------------
NIGHT_CATEGORIES = {"shelter", "protection"}


def _bool(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "ja", "yes")


def beds_tonight(rows, at: dt.datetime) -> set[str]:
    """Places to sleep open at some time between max(now, 22:00) and 06:00,
    from the demo CSV and the domain's hours function."""
    start = at.replace(hour=22, minute=0) if at.hour >= 6 else \
        (at - dt.timedelta(days=1)).replace(hour=22, minute=0)
    start = max(start, at)
    end = (start + dt.timedelta(days=1) if start.hour >= 6 else start).replace(hour=6, minute=0)
    out = set()
    for r in rows:
        night = r["category"] in NIGHT_CATEGORIES or "shelter" in r["services"].split("|")
        if not night or r["offer_status"] != "active":
            continue
        day = start.date()
        if (r["valid_from"] and day < dt.date.fromisoformat(r["valid_from"])) or \
                (r["valid_until"] and day > dt.date.fromisoformat(r["valid_until"])):
            continue
        if any(i.status == "open" for i in hours.intervals(r["opening_hours"], start, end)):
            out.add(r["name"])
    return out


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("size", [(360, 740), (320, 640)], ids=["360", "320"])
@pytest.mark.parametrize("at", ["2026-11-26T12:00", "2026-11-26T22:00", "2026-11-26T23:30"])
def test_first_screen_answers_where_to_sleep_tonight(browser, live_server, demo_rows,
                                                       at, size, js, lang):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]},
                              java_script_enabled=js)
    pg = ctx.new_page()
    try:
        prefix = "/en" if lang == "en" else ""
        pg.goto(f"{live_server}{prefix}/hilfe?zeit={at}")
        expected = beds_tonight(demo_rows, dt.datetime.fromisoformat(at).replace(tzinfo=hours.TZ))
        assert expected, "the demo has beds for every night"
        groups = [g.get_attribute("class").split()[1] for g in pg.locator(".kh-group").all()]
        assert groups[0] == "kh-group-tonight"
        tonight = pg.locator(".kh-group-tonight li")
        names = {i.get_attribute("id").removeprefix("angebot-") for i in tonight.all()}
        assert names == expected
        # protected beds are in the block, with their phone and without an address
        hidden = {r["name"] for r in demo_rows if r["location_visibility"] == "hidden"}
        assert names & hidden
        # the cut-off: before 23:00 "Einlass bis 23:00", after it "Kein Einlass mehr"
        door = pg.locator("#angebot-demo-notschlafstelle-dueren").inner_text()
        if at.endswith("23:30"):
            assert ("Kein Einlass mehr" if lang == "de" else "No admission any more") in door
        else:
            assert ("Einlass bis 23:00" if lang == "de" else "Admission until 23:00") in door
        # the block's first entry and the emergency numbers are on the first screen
        first = tonight.first.locator(".kh-offer-title").bounding_box()
        assert first["y"] + first["height"] <= size[1], (at, size, first)
        emergency = pg.locator(".kh-emergency a[href='#kh-emergency']").bounding_box()
        assert emergency["y"] + emergency["height"] <= size[1]
        assert pg.locator(".kh-chips a").first.bounding_box()["y"] < size[1]
        # nothing wider than the screen
        assert pg.evaluate("document.documentElement.scrollWidth") <= size[0]
        # "Emergency numbers" jumps to the list of numbers with tel: links
        pg.click(".kh-emergency a[href='#kh-emergency']")
        assert pg.locator("#kh-emergency a[href='tel:112']").is_visible()
    finally:
        ctx.close()


def test_women_filter_lists_the_protected_shelter_and_counts_it(page, live_server, demo_rows):
    women = {r["name"] for r in demo_rows if _bool(r["women_only"])
             and r["offer_status"] != "ended"}
    protected_women = {r["name"] for r in demo_rows if _bool(r["women_only"])
                       and r["location_visibility"] == "hidden"}
    assert protected_women
    page.goto(f"{live_server}/hilfe?frauen=1&zeit=2026-11-26T20:30")
    shown = {i.get_attribute("id").removeprefix("angebot-")
             for i in page.locator("#kh-list li").all()}
    assert protected_women <= shown and shown <= women
    count = page.locator("#kh-count").inner_text()
    assert count.startswith(f"{len(shown)} "), count
    # a protected entry says when it is open (the women's shelter: around the clock)
    womens_shelter = page.locator("#angebot-demo-frauenhaus-kreis-dueren")
    assert "durchgehend geöffnet" in womens_shelter.locator(".kh-hours").inner_text()


def test_map_clusters_overlapping_markers_and_has_no_tab_stops(page, live_server, demo_rows):
    page.goto(f"{live_server}/hilfe?zeit={AT}")
    page.wait_for_selector("#kh-map .leaflet-marker-icon")
    icons = page.locator("#kh-map .leaflet-marker-icon")
    clusters = page.locator("#kh-map .kh-cluster")
    located_n = len(located(demo_rows))
    # at the start zoom the 49 offers overlap: fewer symbols than offers, none lost
    assert clusters.count() >= 1 and icons.count() < located_n
    assert marker_count(page) == located_n
    # a cluster's title says how many; a tap on the largest zooms in and splits it
    counts = [int(c.get_attribute("data-count")) for c in clusters.all()]
    n = max(counts)
    largest = clusters.nth(counts.index(n))
    assert largest.get_attribute("title") == f"{n} Angebote hier – hineinzoomen"
    largest.click()
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('#kh-map .kh-cluster')]
              .every(e => Number(e.dataset.count) < {n})""", timeout=5000)
    assert icons.count() >= 2
    # markers are not keyboard stops: the list is the keyboard path
    assert page.locator("#kh-map .leaflet-marker-icon[tabindex]").count() == 0
    assert page.errors == []


def test_marker_letters_follow_the_ui_language(page, live_server):
    page.goto(f"{live_server}/en/hilfe?zeit={AT}&kategorie=meal")
    page.wait_for_selector("#kh-map .leaflet-marker-icon")
    letters = {el.inner_text() for el in page.locator("#kh-map .kh-marker span").all()}
    assert letters == {"M"}          # Meal (German: E for Essen)
    assert {el.inner_text() for el in page.locator("#kh-list .kh-icon").all()} == {"M"}


def test_offline_after_one_visit_without_keeping_searches(browser, live_server, demo_rows):
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="allow")
    pg = ctx.new_page()
    offer = "demo-notschlafstelle-dueren"
    try:
        pg.goto(f"{live_server}/hilfe")
        assert pg.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") in (
            "activating", "activated")
        pg.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
        pg.goto(f"{live_server}/hilfe/{offer}")                   # opened once, online
        pg.goto(f"{live_server}/hilfe?kategorie=meal")            # a search, online
        ctx.set_offline(True)
        pg.goto(f"{live_server}/hilfe")
        note = pg.locator(".kh-offline")
        assert note.is_visible() and "Stand: " in note.inner_text()
        assert len(list_names(pg)) == len(located(demo_rows))
        assert pg.locator(".kh-group-tonight li").count() >= 1
        pg.goto(f"{live_server}/hilfe/{offer}")
        assert pg.locator(".kh-offline").is_visible()
        assert "Notschlafstelle" in pg.locator("h1").inner_text()
        # searches are not kept on the device
        from playwright.sync_api import Error as PlaywrightError

        with pytest.raises(PlaywrightError, match="ERR_"):
            pg.goto(f"{live_server}/hilfe?kategorie=meal")
        ctx.set_offline(False)
        pg.goto(f"{live_server}/hilfe/{offer}")     # back on a page of the site
        kept = pg.evaluate("""async () => {
            const out = [];
            for (const name of await caches.keys()) {
              for (const req of await (await caches.open(name)).keys()) out.push(req.url);
            }
            return out; }""")
        pages = [u for u in kept if "/webassets/" not in u]
        assert sorted(u.removeprefix(live_server) for u in pages) == ["/hilfe", f"/hilfe/{offer}"]
        assert all("?" not in u for u in kept)
    finally:
        ctx.close()


@pytest.mark.parametrize("name", ["demo-notschlafstelle-dueren", "demo-frauenhaus-kreis-dueren"])
def test_an_offer_prints_on_one_page(page, live_server, name):
    """The offer's page printed from the browser (A4): one page, with its
    phone; nothing of the navigation, map or share links."""
    import subprocess

    page.goto(f"{live_server}/hilfe/{name}")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=False)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    assert b"Pages:           1" in info
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    assert "0221 4710-20" in text and "Datenkatalog" not in text
