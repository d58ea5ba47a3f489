"""views/printing.py + print/source.py against the real CKAN, PostGIS and
Solr: QR endpoints decoded with zxing-cpp, the flyer read with poppler."""
from __future__ import annotations

import pytest

from ckanext.keck_homeless.print import source
from tests.helpers import call_action
from tests.print import tools

pytestmark = pytest.mark.usefixtures("offers_env")

PUBLIC_URL = "https://hilfe.kreis-dueren.de"
EMERGENCY = "Polizei|Police|110\nBereitschaft Obdach|Shelter on-call|02421 22-4711"
SECRET_POINT = '{"type": "Point", "coordinates": [6.4712345, 50.8112345]}'

with_public_url = pytest.mark.ckan_config("ckanext.keck_homeless.public_url", PUBLIC_URL)


@pytest.fixture
def offers(organization, make_offer_data):
    """One offer of each kind that matters for what may be printed."""
    org = organization["id"]

    def create(**kw):
        return call_action("package_create", **make_offer_data(org, **kw))

    return {
        "public": create(title="Mittagstisch Öffentlich", street="Sichtbarweg 1",
                         phone="02421 100-100"),
        "approximate": create(title="Duschmobil Ungefähr", category="hygiene",
                              location_visibility="approximate", street="Nahweg 5",
                              spatial=SECRET_POINT, phone="02421 200-200"),
        "hidden": create(title="Schutzwohnung Geschützt", category="protection",
                         location_visibility="hidden", street="", spatial="",
                         opening_hours="24/7", phone="02421 300-300",
                         opening_hours_note="Treffpunkt nach Anruf am Markt"),
        "hidden_private": create(title="Frauenhaus Privat", category="protection",
                                 location_visibility="hidden", private=True,
                                 street="Geheimgasse 7", spatial=SECRET_POINT,
                                 phone="02421 400-400"),
        "private": create(title="Tafel Privat", category="food_bank", private=True,
                          street="Privatstraße 9", phone="02421 500-500"),
        "ended": create(title="Kältehilfe Beendet", category="shelter", offer_status="ended",
                        street="Endweg 3", phone="02421 600-600"),
    }


# ---- QR codes ----------------------------------------------------------------

@with_public_url
@pytest.mark.parametrize("ext, mimetype", [("svg", "image/svg+xml"), ("png", "image/png")])
def test_finder_qr(app, ext, mimetype):
    res = app.get(f"/keck-homeless/qr/finder.{ext}")
    assert res.status_code == 200
    assert res.mimetype == mimetype
    assert res.headers["Cache-Control"] == "public, max-age=86400"
    assert res.headers["ETag"]
    image = tools.svg_to_image(res.data) if ext == "svg" else None
    decoded = tools.decode_image(image) if image else tools.decode_png(res.data)
    assert decoded == [f"{PUBLIC_URL}/hilfe"]


def test_finder_qr_defaults_to_site_url(app, ckan_config):
    res = app.get("/keck-homeless/qr/finder.png")
    assert tools.decode_png(res.data) == [ckan_config["ckan.site_url"].rstrip("/") + "/hilfe"]


@with_public_url
def test_english_qr_codes_lead_to_the_english_finder(app, offers):
    assert tools.decode_png(app.get("/en/keck-homeless/qr/finder.png").data) == [
        f"{PUBLIC_URL}/en/hilfe"]
    assert tools.decode_png(app.get("/keck-homeless/qr/finder.png?lang=en").data) == [
        f"{PUBLIC_URL}/en/hilfe"]
    assert tools.decode_png(app.get("/en/keck-homeless/qr/kategorie/shelter.png").data) == [
        f"{PUBLIC_URL}/en/hilfe?kategorie=shelter"]
    name = offers["public"]["name"]
    assert tools.decode_png(app.get(f"/en/keck-homeless/qr/angebot/{name}.png").data) == [
        f"{PUBLIC_URL}/en/hilfe/{name}"]
    # German (the default) has no prefix, also when asked for explicitly
    assert tools.decode_png(app.get("/keck-homeless/qr/finder.png?lang=de").data) == [
        f"{PUBLIC_URL}/hilfe"]
    bad = app.get("/keck-homeless/qr/finder.png?lang=xx")
    assert bad.status_code == 400 and "lang" in bad.get_data(as_text=True)


@with_public_url
def test_category_qr(app):
    res = app.get("/keck-homeless/qr/kategorie/shelter.png?scale=4")
    assert res.status_code == 200 and res.mimetype == "image/png"
    assert tools.decode_png(res.data) == [f"{PUBLIC_URL}/hilfe?kategorie=shelter"]
    svg = app.get("/keck-homeless/qr/kategorie/drinking_water.svg")
    assert tools.decode_image(tools.svg_to_image(svg.data)) == [
        f"{PUBLIC_URL}/hilfe?kategorie=drinking_water"]
    assert "script-src" not in svg.headers["Content-Security-Policy"]
    assert svg.headers["Content-Security-Policy"].startswith("default-src 'none'")


@with_public_url
def test_offer_qr(app, offers):
    name = offers["public"]["name"]
    res = app.get(f"/keck-homeless/qr/angebot/{name}.png")
    assert res.status_code == 200
    assert res.headers["Cache-Control"] == "public, max-age=3600"
    assert tools.decode_png(res.data) == [f"{PUBLIC_URL}/hilfe/{name}"]
    # by id too, always encoding the name
    res = app.get(f"/keck-homeless/qr/angebot/{offers['public']['id']}.png")
    assert tools.decode_png(res.data) == [f"{PUBLIC_URL}/hilfe/{name}"]


@with_public_url
def test_protected_public_offer_has_a_qr_code_of_its_page(app, offers):
    name = offers["hidden"]["name"]
    res = app.get(f"/keck-homeless/qr/angebot/{name}.svg")
    assert res.status_code == 200
    assert tools.decode_image(tools.svg_to_image(res.data)) == [f"{PUBLIC_URL}/hilfe/{name}"]


@pytest.mark.parametrize("kind", ["hidden_private", "private", "ended"])
def test_offer_qr_404_for_what_is_not_public(app, offers, kind):
    res = app.get(f"/keck-homeless/qr/angebot/{offers[kind]['name']}.png")
    assert res.status_code == 404
    assert res.mimetype == "text/plain"
    assert "Nicht gefunden" in res.get_data(as_text=True)


@pytest.mark.parametrize("path, status", [
    ("/keck-homeless/qr/angebot/gibt-es-nicht.png", 404),
    ("/keck-homeless/qr/kategorie/nonsense.svg", 404),
    ("/keck-homeless/qr/finder.gif", 404),
    ("/keck-homeless/qr/finder.png?scale=0", 400),
    ("/keck-homeless/qr/finder.png?scale=abc", 400),
    ("/keck-homeless/qr/finder.png?scale=1000", 400),
])
def test_bad_qr_requests(app, path, status):
    res = app.get(path)
    assert res.status_code == status
    assert "Traceback" not in res.get_data(as_text=True)


def test_qr_revalidation_with_etag(app):
    first = app.get("/keck-homeless/qr/finder.svg")
    again = app.get("/keck-homeless/qr/finder.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_organisation_offer_is_not_a_qr_target(app, organization):
    res = app.get(f"/keck-homeless/qr/angebot/{organization['name']}.png")
    assert res.status_code == 404


# ---- flyer -------------------------------------------------------------------

@with_public_url
@pytest.mark.ckan_config("ckanext.keck_homeless.emergency_numbers", EMERGENCY)
@pytest.mark.ckan_config("ckanext.keck_homeless.flyer.publisher", "Kreis Düren, Amt für Soziales")
def test_flyer_a4_german(app, offers):
    res = app.get("/keck-homeless/flyer.pdf?format=a4&lang=de")
    assert res.status_code == 200
    assert res.mimetype == "application/pdf"
    assert res.headers["Content-Disposition"] == 'attachment; filename="hilfe-flyer-a4-de.pdf"'
    assert res.headers["Cache-Control"] == "public, max-age=600"
    pdf = res.data
    info = tools.pdf_info(pdf)
    assert info["Pages"] == "1" and info["Tagged"] == "yes"
    text = " ".join(tools.pdf_text(pdf).split())
    assert "Stand: " in text
    assert "110 Polizei" in text and "02421 22-4711 Bereitschaft Obdach" in text
    assert "Herausgeber: Kreis Düren, Amt für Soziales" in text
    assert "Mittagstisch Öffentlich Sichtbarweg 1, Düren · Tel. 02421 100-100" in text
    assert "Duschmobil Ungefähr Düren, genaue Adresse telefonisch · Tel. 02421 200-200" in text
    assert "Schutzwohnung Geschützt Adresse nur telefonisch · Tel. 02421 300-300 rund um die Uhr" in text
    for leak in ("Nahweg", "Treffpunkt nach Anruf", "Frauenhaus Privat", "Geheimgasse", "400-400",
                 "Tafel Privat", "Privatstraße", "Kältehilfe Beendet", "Endweg",
                 "6.47", "50.81", "6,47", "50,81"):
        assert leak not in text, leak
    assert tools.decode_image(tools.pdf_page_image(pdf, 1, 150)) == [f"{PUBLIC_URL}/hilfe"]


def test_flyer_a6_english(app, offers):
    res = app.get("/keck-homeless/flyer.pdf?format=a6&lang=en")
    assert res.status_code == 200
    info = tools.pdf_info(res.data)
    assert info["Tagged"] == "yes" and info["Page size"].startswith("297.6")
    text = " ".join(tools.pdf_text(res.data).split())
    assert "As of: " in text and "Emergency and helplines" in text and "112" in text
    assert "Address by phone only · Phone 02421 300-300" in text
    assert "Geheimgasse" not in text and "Nahweg" not in text
    # the English flyer leads to the English finder: printed and in its QR code
    assert "/en/hilfe" in text
    assert [u.endswith("/en/hilfe") for u in tools.decode_image(
        tools.pdf_page_image(res.data, 1, 150))] == [True]


def test_flyer_defaults_and_etag(app, offers):
    first = app.get("/keck-homeless/flyer.pdf")
    assert first.status_code == 200
    assert first.headers["Content-Disposition"].endswith('hilfe-flyer-a4-de.pdf"')
    again = app.get("/keck-homeless/flyer.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_flyer_follows_changes(app, offers):
    """The cache is keyed by content: an edit shows in the next download."""
    before = app.get("/keck-homeless/flyer.pdf?format=a4&lang=de")
    call_action("package_patch", id=offers["public"]["id"], phone="02421 777-777")
    after = app.get("/keck-homeless/flyer.pdf?format=a4&lang=de")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "02421 777-777" in tools.pdf_text(after.data)


@pytest.mark.parametrize("query", ["format=a3", "lang=fr", "format=", "lang=", "gemeinde=12345",
                                   "gemeinde=%00"])
def test_flyer_bad_parameters(app, query):
    res = app.get(f"/keck-homeless/flyer.pdf?{query}")
    assert res.status_code == 400
    assert res.mimetype == "text/plain"


def test_source_reads_protected_offers_without_location(offers):
    protected = source.protected_offers()
    assert [o.title for o in protected] == ["Schutzwohnung Geschützt"]
    offer = protected[0]
    assert offer.protected and offer.phone == "02421 300-300"
    assert offer.street is None and offer.municipality_name is None and offer.district is None
    assert offer.opening_hours_note is None
    by_title = {o.title: o for o in source.store_offers()}
    assert set(by_title) == {"Mittagstisch Öffentlich", "Duschmobil Ungefähr"}
    assert by_title["Duschmobil Ungefähr"].street is None
    assert by_title["Duschmobil Ungefähr"].approximate


def test_flyer_language_follows_the_ui_language(app, offers):
    res = app.get("/en/keck-homeless/flyer.pdf?format=a4")
    assert res.status_code == 200
    assert res.headers["Content-Disposition"].endswith('hilfe-flyer-a4-en.pdf"')
    assert "Help for people without a home" in tools.pdf_text(res.data)


def test_snippets_link_to_working_endpoints(app, offers):
    import re

    import ckan.plugins.toolkit as tk

    with app.flask_app.test_request_context("/"):
        links = tk.render_snippet("keck_homeless/print/snippets/flyer_links.html")
        qr_html = tk.render_snippet("keck_homeless/print/snippets/offer_qr.html", {
            "offer_name": offers["public"]["name"], "offer_title": "Mittagstisch"})
    assert "Flyer zum Ausdrucken" in links and 'alt="QR-Code zu: Mittagstisch"' in qr_html
    hrefs = re.findall(r'(?:href|src)="([^"]+)"', links + qr_html)
    assert len(hrefs) == 6
    for href in hrefs:
        res = app.get(href.replace("&amp;", "&"))
        assert res.status_code == 200, href
        assert res.mimetype in ("application/pdf", "image/svg+xml", "image/png")


def test_notice_for_one_municipality(app, offers):
    res = app.get("/keck-homeless/flyer.pdf?gemeinde=05358008")
    assert res.status_code == 200
    assert res.headers["Content-Disposition"].endswith('hilfe-flyer-a4-de-05358008.pdf"')
    assert tools.pdf_info(res.data)["Pages"] == "1"
    text = " ".join(tools.pdf_text(res.data).split())
    assert "Hilfe in Düren" in text and "Mittagstisch Öffentlich" in text
    assert "Schutzwohnung Geschützt Adresse nur telefonisch" in text
    for leak in ("Geheimgasse", "Nahweg"):
        assert leak not in text
