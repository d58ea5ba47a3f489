"""The partner-facing form: field errors in the page, nothing saved."""
from __future__ import annotations

import pytest
from ckan.tests import factories

from tests.helpers import call_action, package_count, store_rows

pytestmark = [pytest.mark.usefixtures("offers_env"),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)]


@pytest.fixture
def editor_headers(organization):
    user = factories.User()
    call_action("organization_member_create", id=organization["id"],
                        username=user["name"], role="editor")
    token = call_action("api_token_create", context={"user": user["name"]},
                                user=user["name"], name="form")["token"]
    return {"Authorization": token}


def _form(organization, **overrides):
    data = {
        "title": "Duschen am Bahnhof", "name": "duschen-am-bahnhof", "owner_org": organization["id"],
        "category": "hygiene", "target_groups": "everyone", "street": "Bahnhofsplatz 1",
        "postcode": "52351", "municipality": "05358008",
        "spatial": '{"type": "Point", "coordinates": [6.4826, 50.8091]}',
        "location_visibility": "public", "offer_status": "active", "wheelchair": "unknown",
        "opening_hours": "Mo-Fr 08:00-12:00", "last_verified": "2026-10-01",
        "save": "continue",
    }
    data.update(overrides)
    return data


def test_form_shows_the_fields_in_german(app, editor_headers):
    page = app.get("/hilfsangebot/new", headers=editor_headers).body
    for label in ("Hauptkategorie", "Zielgruppen", "Öffnungszeiten", "; PH off</code> heißt",
                  "Sichtbarkeit des Standorts", "Zuletzt geprüft am", "Hunde erlaubt",
                  "Notunterkunft / Notschlafstelle", "Vettweiß"):
        assert label in page, label


def test_form_error_is_shown_at_the_field_and_nothing_is_saved(app, organization, editor_headers):
    res = app.post("/hilfsangebot/new", data=_form(organization, opening_hours="Mo-Fr 9-17 Uhr"),
                   headers=editor_headers)
    assert res.status_code == 200
    assert "keine gültige Angabe im OpenStreetMap-Format" in res.body
    assert package_count(type="hilfsangebot") == 0
    assert store_rows() == []


def test_form_creates_an_offer_that_reaches_the_store(app, organization, editor_headers):
    res = app.post("/hilfsangebot/new", data=_form(organization), headers=editor_headers,
                   follow_redirects=False)
    assert res.status_code == 302, res.body[:2000]
    assert res.headers["Location"].endswith("/hilfsangebot/duschen-am-bahnhof")
    shown = call_action("package_show", id="duschen-am-bahnhof")
    assert shown["category"] == "hygiene" and shown["target_groups"] == ["everyone"]
    # one page: the form ends with a published offer (no draft, no resource step)
    assert shown["state"] == "active" and shown["private"] is False
    assert [r["name"] for r in store_rows()] == ["duschen-am-bahnhof"]


def test_offer_pages_speak_german(app, organization, make_offer_data):
    call_action("package_create", **make_offer_data(
        organization["id"], name="essen", title="Mittagstisch", category="meal",
        last_verified="2026-10-01"))
    call_action("package_create", **make_offer_data(organization["id"], category="meal"))
    search = app.get("/hilfsangebot/").body
    assert "2 Hilfsangebote gefunden" in search and "hilfsangebots" not in search
    # facet labels are whole, not cut after 22 characters
    assert "Essensausgabe / Mittagstisch" in search
    none = app.get("/hilfsangebot/?q=gibtsnicht").body
    assert "Keine Hilfsangebote gefunden für „gibtsnicht“" in none or \
        'Keine Hilfsangebote gefunden für "gibtsnicht"' in none
    read = app.get("/hilfsangebot/essen").body
    assert "1. Oktober 2026" in read and ">2026-10-01<" not in read
    assert read.count(">Status<") <= 1
    english = app.get("/en/hilfsangebot/essen").body
    assert "October 1, 2026" in english or "Oct 1, 2026" in english


def test_the_form_warns_when_the_point_lies_outside_the_named_municipality(
        app, organization, editor_headers):
    """Issue 11: with the municipalities loaded, an offer that names Jülich
    but is placed in Düren is saved (the partner may know better) and its
    editors are told — on the offer page after saving and in the form."""
    from tests.ogc.wfs_world import load_areas

    load_areas()
    res = app.post("/hilfsangebot/new", data=_form(organization, municipality="05358024"),
                   headers=editor_headers, follow_redirects=False)
    assert res.status_code == 302, res.body[:2000]
    warning = "Die Position auf der Karte liegt in Düren, nicht in Jülich"
    page = app.get("/hilfsangebot/duschen-am-bahnhof", headers=editor_headers).body
    assert warning in page
    assert warning not in app.get("/hilfsangebot/duschen-am-bahnhof").body  # not to visitors
    form = app.get("/hilfsangebot/edit/duschen-am-bahnhof", headers=editor_headers).body
    assert warning in form
    # corrected in the form: the warning is gone
    res = app.post("/hilfsangebot/edit/duschen-am-bahnhof",
                   data=_form(organization, municipality="05358008"), headers=editor_headers,
                   follow_redirects=False)
    assert res.status_code == 302, res.body[:2000]
    page = app.get("/hilfsangebot/duschen-am-bahnhof", headers=editor_headers).body
    assert "Die Position auf der Karte liegt" not in page
    # a point outside the county altogether
    res = app.post("/hilfsangebot/edit/duschen-am-bahnhof", headers=editor_headers,
                   data=_form(organization, spatial='{"type": "Point", "coordinates": [6.25, 50.62]}'),
                   follow_redirects=False)
    assert res.status_code == 302, res.body[:2000]
    page = app.get("/hilfsangebot/duschen-am-bahnhof", headers=editor_headers).body
    assert "liegt außerhalb von Düren" in page
