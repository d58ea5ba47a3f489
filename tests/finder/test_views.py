"""The finder pages and JSON against real PostgreSQL/PostGIS and Solr."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.helpers import call_action

pytestmark = [
    pytest.mark.usefixtures("offers_env"),
    pytest.mark.ckan_config("ckanext.keck_homeless.finder.clock_param", "true"),
    pytest.mark.ckan_config("ckanext.keck_homeless.finder.tile_url", ""),
]

SECRETS = ("Geheimweg", "Geheimviertel", "geheim@example.org", "Geheimnotiz", "6.4444", "50.7777",
           "nur-intern")


@pytest.fixture
def offers(organization, make_offer_data):
    org = organization["id"]
    def mk(**kw):
        return call_action("package_create", **make_offer_data(org, **kw))
    return {
        "meal": mk(title="Mittagstisch Markt", category="meal",
                   opening_hours="Mo-Fr 11:30-13:30", dogs_allowed="false"),
        "shelter": mk(title="Notschlafstelle Nord", category="shelter",
                      opening_hours="Mo-Su 19:00-09:00", dogs_allowed="true",
                      spatial='{"type": "Point", "coordinates": [6.49, 50.81]}'),
        "water": mk(title="Trinkbrunnen Kaiserplatz", category="drinking_water",
                    opening_hours="24/7", municipality="05358024", street="Kaiserplatz 1",
                    free_of_charge="true", dogs_allowed="false",
                    spatial='{"type": "Point", "coordinates": [6.36, 50.92]}'),
        "approx": mk(title="Streetwork Treffpunkt", category="outreach",
                     location_visibility="approximate", street="Versteckweg 7", dogs_allowed="false",
                     spatial='{"type": "Point", "coordinates": [6.48361, 50.80342]}'),
        "hidden": mk(title="Schutzwohnung Test", category="protection", women_only="true",
                     location_visibility="hidden", street="", spatial="",
                     district="Geheimviertel", email="geheim@example.org",
                     notes="Geheimnotiz", phone="0221 999-1", external_id="nur-intern"),
        "private_hidden": mk(title="Privat geschützt", category="protection",
                             location_visibility="hidden", private=True,
                             street="Geheimweg 5",
                             spatial='{"type": "Point", "coordinates": [6.4444, 50.7777]}'),
    }


def _names(html: str) -> list[str]:
    import re
    return re.findall(r'<li class="kh-offer" id="angebot-([^"]+)"', html)


def test_list_works_without_javascript_and_shows_everything_needed(app, offers):
    html = app.get("/hilfe", query_string={"zeit": "2026-11-25T12:00"}).get_data(as_text=True)
    names = _names(html)
    assert sorted(names) == sorted(offers[k]["name"] for k in ("meal", "shelter", "water", "approx"))
    assert "Mittagstisch Markt" in html and "geöffnet bis 13:30" in html
    assert "öffnet um 19:00" in html
    assert 'href="tel:024215550100"' in html  # offer_data's phone, dialable
    assert 'href="geo:50.803400,6.483600"' in html
    assert "openstreetmap.org/?mlat=" in html
    assert "Zuletzt geprüft" in html
    assert '<form class="kh-filters" method="get"' in html
    # the approximate offer: no street, marked approximate
    assert "Versteckweg" not in html and "Ungefähre Lage" in html
    # the protected offer: name and phone only
    assert "Schutzwohnung Test" in html and "tel:0221999" in html
    assert "Privat geschützt" not in html


@pytest.mark.parametrize("query, expected", [
    ({"kategorie": "shelter"}, ["shelter"]),
    ({"kategorie": ["shelter", "meal"]}, ["meal", "shelter"]),
    ({"hunde": "1"}, ["shelter"]),
    ({"kostenlos": "1"}, ["water"]),
    ({"gemeinde": "05358024"}, ["water"]),
    ({"q": "markt"}, ["meal"]),
    ({"q": "Kaiserplatz"}, ["water"]),
    ({"q": "Versteckweg"}, []),  # the street of an approximate offer is not searchable
    ({"jetzt": "1", "zeit": "2026-11-25T12:00"}, ["meal", "water", "approx"]),
    ({"jetzt": "1", "zeit": "2026-11-25T22:00"}, ["shelter", "water"]),
    ({"nacht": "1", "zeit": "2026-11-25T12:00"}, ["shelter"]),
])
def test_filters(app, offers, query, expected):
    html = app.get("/hilfe", query_string=query).get_data(as_text=True)
    assert sorted(_names(html)) == sorted(offers[k]["name"] for k in expected)
    geo = app.get("/hilfe/karte.json", query_string=query).json
    assert sorted(f["id"] for f in geo["features"]) == sorted(offers[k]["name"] for k in expected)


def test_protected_offer_follows_filters(app, offers):
    html = app.get("/hilfe", query_string={"frauen": "1"}).get_data(as_text=True)
    assert "Schutzwohnung Test" in html
    # the count includes the protected entry: never "0 found" above a listed offer
    assert "1 Angebot gefunden" in html and "Keine Angebote" not in html
    html = app.get("/hilfe", query_string={"kategorie": "protection"}).get_data(as_text=True)
    assert "Schutzwohnung Test" in html and "1 Angebot gefunden" in html
    html = app.get("/hilfe", query_string={"kategorie": "meal"}).get_data(as_text=True)
    assert "Schutzwohnung Test" not in html


def test_english(app, offers):
    html = app.get("/en/hilfe", query_string={"zeit": "2026-11-25T12:00"}).get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Find help" in html and "open until 13:30" in html and "Meals" in html
    assert 'hreflang="de">Deutsch</a>' in html


def test_partner_text_is_marked_german_on_english_pages(app, organization, make_offer_data):
    pkg = call_action("package_create", **make_offer_data(
        organization["id"], title="Tagestreff", category="day_centre",
        requirements_note="Bitte Ausweis mitbringen.", opening_hours_note="Kaffee ab 9 Uhr.",
        status_note="Heute nur bis 12 Uhr."))
    english = app.get(f"/en/hilfe/{pkg['name']}").get_data(as_text=True)
    for text in ("Bitte Ausweis mitbringen.", "Kaffee ab 9 Uhr.", "Heute nur bis 12 Uhr."):
        before = english[:english.index(text)]
        assert before.rsplit("<p", 1)[1].count('lang="de"') == 1, text
    assert english.count("(only in German)") == 3
    german = app.get(f"/hilfe/{pkg['name']}").get_data(as_text=True)
    assert "nur auf Deutsch" not in german and "only in German" not in german
    listing = app.get("/en/hilfe").get_data(as_text=True)
    assert "Bitte Ausweis mitbringen. <span class=\"kh-lang-note\" lang=\"en\">(only in German)" \
        in listing


def test_hidden_never_leaks(app, offers):
    hidden = offers["hidden"]["name"]
    pages = [app.get("/hilfe").get_data(as_text=True),
             app.get("/en/hilfe").get_data(as_text=True),
             app.get("/hilfe/karte.json").get_data(as_text=True),
             app.get(f"/hilfe/{hidden}").get_data(as_text=True),
             app.get(f"/hilfe/{offers['private_hidden']['name']}", status=404).get_data(as_text=True)]
    for body in pages:
        for secret in SECRETS:
            assert secret not in body, secret
    # searching for a hidden field finds nothing (the query itself is echoed)
    found = app.get("/hilfe", query_string={"q": "Geheimviertel"}).get_data(as_text=True)
    assert "Schutzwohnung Test" not in found and not _names(found)
    detail = pages[3]
    assert "Schutzwohnung Test" in detail and "tel:0221999" in detail
    assert 'id="kh-map"' not in detail and "geo:" not in detail
    geo = json.loads(pages[2])
    assert hidden not in [f["id"] for f in geo["features"]]


def test_approximate_is_coarsened_in_json(app, offers):
    geo = app.get("/hilfe/karte.json").json
    feat = next(f for f in geo["features"] if f["id"] == offers["approx"]["name"])
    lon, lat = feat["geometry"]["coordinates"]
    assert (lon, lat) != (6.48361, 50.80342)
    assert feat["properties"]["approximate"] is True
    assert "Versteckweg" not in json.dumps(geo)


def test_detail_page(app, offers):
    name = offers["shelter"]["name"]
    html = app.get(f"/hilfe/{name}", query_string={"zeit": "2026-11-25T12:00"}).get_data(as_text=True)
    assert "Notschlafstelle Nord" in html
    assert "öffnet um 19:00" in html
    assert "<caption>Öffnungszeiten diese Woche</caption>" in html
    assert f'href="/hilfsangebot/{name}"' in html


@pytest.mark.parametrize("url, status", [
    ("/hilfe?kategorie=nope", 400), ("/hilfe?gemeinde=1", 400), ("/hilfe?jetzt=x", 400),
    ("/hilfe?zeit=gestern", 400), ("/hilfe/karte.json?kategorie=nope", 400),
    ("/hilfe/gibt-es-nicht", 404), ("/hilfe/B%C3%B6se", 404),
    # parameters that are not ours are ignored, even url_for's own keywords
    ("/hilfe?locale=x&endpoint=y&_external=1&qualified=1", 200),
    ("/hilfe/karte.json?locale=x&endpoint=y", 200),
])
def test_bad_input_is_a_clear_4xx(app, offers, url, status):
    resp = app.get(url, status=status)
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body
    if "json" in url and status == 400:
        assert "Unbekannte Kategorie" in resp.json["error"]


def test_stale_warning(app, organization, make_offer_data):
    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    call_action("package_create", **make_offer_data(organization["id"], last_verified=old))
    html = app.get("/hilfe").get_data(as_text=True)
    assert "seit über 365 Tagen nicht geprüft" in html


def test_hours_preview(app):
    ok = app.get("/hilfe/oeffnungszeiten.json", query_string={"oh": "Mo-Fr 09:00-12:00"}).json
    assert ok["valid"] and len(ok["week"]) == 7
    assert sum(1 for d in ok["week"] if d["spans"] == ["09:00–12:00"]) >= 4
    bad = app.get("/hilfe/oeffnungszeiten.json", query_string={"oh": "Mo-Fr 8-20 Uhr"}).json
    assert not bad["valid"] and "Uhr" in bad["message"]
    en = app.get("/en/hilfe/oeffnungszeiten.json", query_string={"oh": "Mo-Fr 8-20 Uhr"}).json
    assert "not" in en["message"] or "valid" in en["message"]
    empty = app.get("/hilfe/oeffnungszeiten.json").json
    assert not empty["valid"] and empty["week"] == []


def test_dataset_page_preview(app, offers):
    public = app.get(f"/hilfsangebot/{offers['shelter']['name']}").get_data(as_text=True)
    assert 'class="kh-preview-map"' in public and 'data-lat="50.81" data-lon="6.49"' in public
    assert f"/keck-homeless/qr/angebot/{offers['shelter']['name']}.svg" in public
    assert f'href="/hilfe/{offers["shelter"]["name"]}"' in public
    approx = app.get(f"/hilfsangebot/{offers['approx']['name']}").get_data(as_text=True)
    assert 'data-lat="50.80342"' not in approx and 'class="kh-preview-map"' in approx
    hidden = app.get(f"/hilfsangebot/{offers['hidden']['name']}").get_data(as_text=True)
    assert 'class="kh-preview-map"' not in hidden
    assert "Geschütztes Angebot" in hidden


def test_organisation_page_map_and_json(app, offers, organization):
    html = app.get(f"/organization/{organization['name']}").get_data(as_text=True)
    assert f'data-geojson="/hilfe/karte.json?organisation={organization["id"]}"' in html
    assert 'packages_list' not in html  # the block is extended, the list is still there:
    assert "Mittagstisch Markt" in html
    geo = app.get("/hilfe/karte.json", query_string={"organisation": organization["id"]}).json
    assert len(geo["features"]) == 4
    other = app.get("/hilfe/karte.json", query_string={"organisation": "someone-else"}).json
    assert other["features"] == []


@pytest.mark.ckan_config("ckanext.keck_homeless.finder.page_size", "2")
def test_long_lists_are_paged_in_urgency_order_and_the_map_has_all(app, offers):
    """With many offers (a state-wide deployment) the list comes in pages,
    tonight's beds first; the count and the map cover every match (issue 13)."""
    at = {"zeit": "2026-11-25T20:30"}
    first = app.get("/hilfe", query_string=at).get_data(as_text=True)
    assert "5 Angebote gefunden" in first
    names = re.findall(r'id="angebot-([^"]+)"', first)
    assert len(names) == 2
    # tonight's bed (the shelter) is on the first page, first
    assert names[0] == offers["shelter"]["name"]
    assert "Seite 1 von 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    seen = set(names)
    for page in (2, 3):
        html = app.get("/hilfe", query_string={**at, "seite": str(page)}).get_data(as_text=True)
        assert f"Seite {page} von 3" in html and 'rel="prev"' in html
        ids = re.findall(r'id="angebot-([^"]+)"', html)
        assert ids and not seen & set(ids)
        seen |= set(ids)
    assert len(seen) == 5
    # the filters and the clock travel with the page links
    assert re.search(r'href="[^"]*zeit=2026-11-25T20(:|%3A)30[^"]*seite=2"', first), first[-3000:]
    # the map JSON is not paged
    doc = app.get("/hilfe/karte.json", query_string=at).json
    assert len(doc["features"]) == 4   # the hidden offer has no position
    assert app.get("/hilfe", query_string={"seite": "x"}).status_code == 400
    assert app.get("/hilfe", query_string={"seite": "0"}).status_code == 400


def test_a_changed_offer_shows_at_once_despite_the_cache(app, offers):
    """The finder caches its list per store version and minute: an edit
    bumps the version, so it shows on the next request."""
    at = {"zeit": "2026-11-25T12:00"}
    assert "Mittagstisch Markt" in app.get("/hilfe", query_string=at).get_data(as_text=True)
    assert "Mittagstisch Markt" in app.get("/hilfe/karte.json", query_string=at).get_data(as_text=True)
    call_action("package_patch", id=offers["meal"]["id"], title="Mittagstisch Rathaus")
    html = app.get("/hilfe", query_string=at).get_data(as_text=True)
    assert "Mittagstisch Rathaus" in html and "Mittagstisch Markt" not in html
    assert "Mittagstisch Rathaus" in app.get("/hilfe/karte.json", query_string=at).get_data(as_text=True)
    # another minute, another opening state
    assert "geöffnet bis 13:30" in html
    later = app.get("/hilfe", query_string={"zeit": "2026-11-25T14:00"}).get_data(as_text=True)
    assert "geöffnet bis 13:30" not in later


def test_the_cached_page_follows_protected_offers_and_free_places(app, offers):
    """The rendered page is cached per list, page and free-places report:
    a protected offer (no row in the feature store), its purge and a new
    report of free places each show on the very next request."""
    hidden = offers["hidden"]
    assert "Schutzwohnung Test" in app.get("/hilfe").get_data(as_text=True)
    call_action("package_patch", id=hidden["id"], title="Schutzwohnung Umbenannt")
    html = app.get("/hilfe").get_data(as_text=True)
    assert "Schutzwohnung Umbenannt" in html and "Schutzwohnung Test" not in html
    call_action("keck_homeless_free_places_set", id=offers["shelter"]["id"], places=3)
    assert re.search(r"3 Plätze frei", app.get("/hilfe").get_data(as_text=True))
    call_action("dataset_purge", id=hidden["id"])
    assert "Schutzwohnung Umbenannt" not in app.get("/hilfe").get_data(as_text=True)


def test_when_the_minute_turns_the_last_list_is_served_while_a_thread_refreshes(
        app, offers, monkeypatch):
    """With 10 000 offers a list takes ~1.5 s to compute: at a new minute the
    previous one is served and one background thread computes the new one."""
    import threading

    from ckanext.keck_homeless.finder import filters as ffilters
    from ckanext.keck_homeless.views import finder

    t0 = dt.datetime(2026, 11, 25, 12, 0, 30, tzinfo=dt.timezone.utc)
    clock = [t0]
    monkeypatch.setattr(finder, "_now", lambda filters: filters.at or clock[0])
    with app.flask_app.test_request_context("/hilfe"):
        first = finder._search(ffilters.Filters())
        assert first[2][-1] == t0.replace(second=0)
        clock[0] = t0 + dt.timedelta(minutes=1)
        second = finder._search(ffilters.Filters())
        assert second[2] == first[2]            # the last minute's list, at once
        for thread in threading.enumerate():
            if thread.name == "finder-refresh":
                thread.join(timeout=30)
        third = finder._search(ffilters.Filters())
        assert third[2][-1] == (t0 + dt.timedelta(minutes=1)).replace(second=0)


def test_concurrent_requests_for_a_new_list_compute_it_once(app, offers, monkeypatch):
    """Four threads asking for the same uncached list: one computes it, the
    others wait for it (at 10 000 offers, four parallel computations made the
    first requests of a worker wait 7 s)."""
    import threading
    import time

    from ckanext.keck_homeless.finder import filters as ffilters
    from ckanext.keck_homeless.finder import query
    from ckanext.keck_homeless.views import finder

    calls = []
    original = query.select_offers

    def slow(conn, filters):
        calls.append(filters)
        time.sleep(0.3)
        return original(conn, filters)

    monkeypatch.setattr(query, "select_offers", slow)
    at = ffilters.Filters(at=dt.datetime(2026, 11, 25, 12, 7, tzinfo=dt.timezone.utc))
    results = []

    def ask():
        with app.flask_app.test_request_context("/hilfe"):
            results.append(finder._search(at))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 4 and len(calls) == 1
    assert all(r[0] is results[0][0] for r in results)


def test_after_an_edit_only_the_changed_offer_is_presented_again(app, offers, monkeypatch):
    """Presenting 10 000 offers takes ~2 s: after an edit, within the same
    minute, only the changed row is presented again (its row version is
    new); an offer made hidden is gone from the next list at once."""
    from ckanext.keck_homeless.finder import filters as ffilters
    from ckanext.keck_homeless.finder import present
    from ckanext.keck_homeless.views import finder

    presented = []
    original = present.present

    def counting(row, *args, **kw):
        presented.append(row["name"])
        return original(row, *args, **kw)

    monkeypatch.setattr(present, "present", counting)
    at = ffilters.Filters(at=dt.datetime(2026, 11, 25, 12, 9, tzinfo=dt.timezone.utc))
    with app.flask_app.test_request_context("/hilfe"):
        first = finder._search(at)[0]
    assert sorted(presented) == sorted(it["name"] for it in first) and len(first) == 4
    presented.clear()
    call_action("package_patch", id=offers["meal"]["id"], title="Mittagstisch Neu")
    with app.flask_app.test_request_context("/hilfe"):
        second = finder._search(at)[0]
    assert presented == [offers["meal"]["name"]]
    assert "Mittagstisch Neu" in [it["title"] for it in second]
    assert "Mittagstisch Markt" not in [it["title"] for it in second]
    presented.clear()
    call_action("package_patch", id=offers["water"]["id"], location_visibility="hidden",
                street="", spatial="")
    with app.flask_app.test_request_context("/hilfe"):
        third = finder._search(at)[0]
    assert presented == []
    assert offers["water"]["name"] not in [it["name"] for it in third] and len(third) == 3
