"""print/flyer.py: the PDF as a reader sees it (pdftotext, pdfinfo, a
rendered page decoded with zxing-cpp). No CKAN: the offers are the demo
CSV, mapped the way the feature store publishes them."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from ckanext.keck_homeless.offers import codes, rules
from ckanext.keck_homeless.print import flyer
from ckanext.keck_homeless.print.urls import PublicUrls
from tests.print import tools

DEMO_CSV = Path(__file__).parents[2] / "dev" / "demo" / "offers.csv"
TODAY = dt.date(2026, 11, 25)
BASE = "https://hilfe.kreis-dueren.de"
EMERGENCY = flyer.parse_emergency_numbers(
    "Polizei|Police|110\n# comment\n\nBereitschaft Obdach|Shelter on-call|02421 22-1234")


def demo_offers() -> list[flyer.FlyerOffer]:
    """The published demo offers (as in the store: ended ones are not)."""
    out = []
    for row in csv.DictReader(DEMO_CSV.open(encoding="utf-8")):
        if row["offer_status"] == "ended":
            continue
        visibility = row["location_visibility"]
        if visibility == "hidden":
            out.append(flyer.FlyerOffer.protected_offer(
                row["title"], row["category"], row["phone"], row["opening_hours"],
                admission_until=row["admission_until"] or None,
                requirements_note=row["requirements_note"] or None))
            continue
        out.append(flyer.FlyerOffer(
            title=row["title"], category=row["category"], phone=row["phone"] or None,
            street=row["street"] if visibility == "public" else None,
            municipality_name=codes.label("municipality", row["municipality"]),
            district=row["district"] or None, opening_hours=row["opening_hours"],
            opening_hours_note=row["opening_hours_note"], offer_status=row["offer_status"],
            valid_from=rules.parse_date(row["valid_from"]),
            valid_until=rules.parse_date(row["valid_until"]),
            approximate=visibility == "approximate",
            admission_until=row["admission_until"] or None,
            requirements_note=row["requirements_note"] or None,
            closed_until=rules.parse_date(row["closed_until"]),
            dogs_allowed=rules.as_bool_safe(row["dogs_allowed"]),
            women_only=rules.as_bool_safe(row["women_only"]), wheelchair=row["wheelchair"],
            languages=tuple(rules.as_list(row["languages"])),
            target_groups=tuple(rules.as_list(row["target_groups"]))))
    return out


def make_data(offers=None, **kw) -> flyer.FlyerData:
    values = dict(offers=tuple(demo_offers() if offers is None else offers),
                  urls=PublicUrls(BASE), today=TODAY, emergency=tuple(EMERGENCY),
                  publisher="Kreis Düren (Test)")
    values.update(kw)
    return flyer.FlyerData(**values)


@pytest.fixture(scope="module")
def a4_de() -> bytes:
    return flyer.render(make_data())


def one_line(text: str) -> str:
    return " ".join(text.split())


# ---- plain-word hours ------------------------------------------------------

MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("oh, lang, expected", [
    ("Mo-Fr 12:00-13:30; PH off", "de", "Mo–Fr 12:00–13:30; feiertags geschlossen"),
    ("Mo-Fr 12:00-13:30; PH off", "en", "Mon–Fri 12:00–13:30; closed on public holidays"),
    ("Mo,We,Fr 08:30-10:00", "de", "Mo, Mi, Fr 08:30–10:00"),
    ("Mo-Su 19:00-09:00", "de", "täglich 19:00–09:00"),
    ("24/7", "de", "rund um die Uhr"),
    ("24/7", "en", "24 hours, every day"),
    ("Mo-Fr 08:00-16:00; Sa 10:00-12:00", "de", "Mo–Fr 08:00–16:00; Sa 10:00–12:00"),
    ("Mo,We 09:00-12:00; Th 14:00-17:00", "de", "Mo, Mi 09:00–12:00; Do 14:00–17:00"),
    ("Mo-Fr 09:00-12:00,14:00-16:00", "de", "Mo–Fr 09:00–12:00, 14:00–16:00"),
    # Seasonal, closed in the printed week: its first full open week.
    ("Apr-Oct: Mo-Su 06:00-22:00", "de", "ab 01.04.: täglich 06:00–22:00"),
    ("Apr-Oct: Mo-Su 06:00-22:00", "en", "from 1 April: daily 06:00–22:00"),
    ("", "de", ""),
    ('"nach Vereinbarung"', "de", ""),
    ("Mo-Fr 8-20 Uhr", "de", ""),
])
def test_hours_text(oh, lang, expected):
    assert flyer.hours_text(oh, MONDAY, lang) == expected


def test_reference_week_skips_holidays():
    # 28 Dec 2026: week with 1 Jan 2027 (Neujahr) → the next one.
    assert flyer.reference_week(dt.date(2026, 12, 24)) == dt.date(2027, 1, 4)
    assert flyer.reference_week(dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)
    assert flyer.reference_week(dt.date(2026, 11, 25)) == dt.date(2026, 11, 30)


def test_emergency_numbers_parsing():
    assert [(e.label("de"), e.label("en"), e.number) for e in EMERGENCY] == [
        ("Polizei", "Police", "110"), ("Bereitschaft Obdach", "Shelter on-call", "02421 22-1234")]
    assert flyer.parse_emergency_numbers("Notruf|112")[0].label("en") == "Notruf"
    with pytest.raises(ValueError):
        flyer.parse_emergency_numbers("Polizei 110")


# ---- the A4 page -----------------------------------------------------------

def test_a4_is_one_tagged_page(a4_de):
    info = tools.pdf_info(a4_de)
    assert info["Pages"] == "1"
    assert info["Tagged"] == "yes"
    assert info["Page size"].startswith("595.276 x 841.89")
    assert info["Title"] == "Hilfe für Menschen ohne Wohnung"


def test_a4_lists_every_category_every_bed_and_points_online_for_the_rest(a4_de):
    """At 9 pt the 50 demo offers do not all fit on one page: shelters and
    protection are complete, every other category shows its first offers and
    "+ k weitere: <finder URL>" for the others — none is lost."""
    import re

    text = one_line(tools.pdf_text(a4_de))
    for code in {o.category for o in demo_offers()}:
        assert codes.label("category", code, "de") in text
    more = {code: int(n) for n, code in re.findall(
        r"\+ (\d+) weitere: hilfe\.kreis-dueren\.de/hilfe\? ?kategorie= ?(\w+)", text)}
    for code in {o.category for o in demo_offers()}:
        offers = [o for o in demo_offers() if o.category == code]
        shown = [o for o in offers if one_line(o.title) in text]
        if code in flyer.ALWAYS_COMPLETE:
            assert shown == offers and code not in more
        else:
            assert shown and len(shown) + more.get(code, 0) == len(offers), code
    # Categories in the order of the code list: shelters first.
    order = [s.code for s in flyer.sections(make_data())]
    assert order == [c for c in codes.codes("category") if c in order]
    assert order[0] == "shelter"


def test_a4_content(a4_de):
    text = one_line(tools.pdf_text(a4_de))
    assert "Stand: 25.11.2026" in text
    assert "110 Polizei" in text and "02421 22-1234 Bereitschaft Obdach" in text
    assert "hilfe.kreis-dueren.de/hilfe" in text
    assert "Herausgeber: Kreis Düren (Test)" in text
    # Address, hours in plain words and phone of a public offer.
    assert "Notschlafstelle Düren (Demo) Musterstraße 12, Düren · Tel. 0221 4710-201 täglich 19:00–09:00" in text
    assert "Frühstückstreff am Bahnhof Düren (Demo) Demostraße 21, Düren · Tel. 0221 4710-205 Mo, Mi, Fr 08:30–10:00" in text
    # Winter shelter: its validity.
    assert "täglich 18:00–08:00 (bis 31.03.2027)" in text
    # Approximate: district, no street.
    assert "Arztmobil-Haltepunkt Düren (Demo) Düren-Süd, genaue Adresse telefonisch" in text
    # Free-text note when the hours say nothing.
    assert "Termine nach telefonischer Vereinbarung." in text


def test_a4_protected_offer_shows_phone_never_address(a4_de):
    text = one_line(tools.pdf_text(a4_de))
    assert "Frauenhaus Kreis Düren (Demo) Adresse nur telefonisch · Tel. 0221 4710-203 rund um die Uhr" in text
    # Its free-text note is not printed (could name a place).
    assert "Aufnahme rund um die Uhr nach telefonischer Absprache" not in text


def test_protected_offer_never_prints_address_fields():
    """Even a FlyerOffer that wrongly carries an address prints none of it."""
    leaky = dataclasses.replace(
        flyer.FlyerOffer.protected_offer("Geheime Schutzwohnung", "protection", "02421 99-0"),
        street="Geheimweg 99", municipality_name="Geheimstadt", district="Geheimviertel",
        opening_hours_note="Eingang Geheimweg 99")
    text = one_line(tools.pdf_text(flyer.render(make_data([leaky]))))
    assert "Geheime Schutzwohnung Adresse nur telefonisch · Tel. 02421 99-0" in text
    assert "Geheim" not in text.replace("Geheime Schutzwohnung", "")


def test_a4_qr_code_on_the_rendered_page_decodes_to_the_finder(a4_de):
    image = tools.pdf_page_image(a4_de, 1, 150)
    assert tools.decode_image(image) == [f"{BASE}/hilfe"]


def test_a4_with_too_many_offers_stays_one_page_and_points_online():
    many = [dataclasses.replace(o, title=f"{o.title} #{i}") for i in range(4) for o in demo_offers()]
    pdf = flyer.render(make_data(many))
    assert tools.pdf_info(pdf)["Pages"] == "1"
    text = one_line(tools.pdf_text(pdf))
    assert "+ " in text and "weitere: hilfe.kreis-dueren.de/hilfe?kategorie=counselling" in text.replace("? ", "?")
    # Every category still appears, with at least its first offer.
    for code in {o.category for o in many}:
        assert codes.label("category", code, "de") in text


def test_english_a4():
    pdf = flyer.render(make_data(lang="en"))
    info = tools.pdf_info(pdf)
    assert info["Pages"] == "1" and info["Tagged"] == "yes"
    text = one_line(tools.pdf_text(pdf))
    assert "Help for people without a home" in text
    assert "As of: 25 November 2026" in text
    assert "110 Police" in text and "Emergency and helplines" in text
    assert "Emergency shelter" in text and "Drinking water" in text
    assert "Notschlafstelle Düren (Demo) Musterstraße 12, Düren · Phone 0221 4710-201 daily 19:00–09:00" in text
    assert "Address by phone only" in text
    assert "Stand:" not in text and "täglich" not in text


@pytest.mark.parametrize("fmt", ["a4", "a6"])
def test_body_text_is_at_least_9_pt(fmt):
    """Every glyph of the flyer, measured from the PDF (was 7.5 pt on A4)."""
    sizes = tools.pdf_font_sizes(flyer.render(make_data(fmt=fmt)))
    assert sizes and min(sizes) >= 9.0 - 0.01, sorted(sizes.items())


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a6_booklet_fills_whole_sheets(lang):
    """Folded sheets of four pages: the page count is a multiple of four and
    no page is more than a third empty except the last."""
    pdf = flyer.render(make_data(fmt="a6", lang=lang))
    pages = int(tools.pdf_info(pdf)["Pages"])
    assert pages % 4 == 0
    empty = tools.empty_fractions(pdf, top_mm=7, bottom_mm=10, height_mm=148)
    assert len(empty) == pages
    assert all(e <= 1 / 3 for e in empty[:-1]), [round(e, 2) for e in empty]


def test_a6_booklet_with_few_offers_still_has_whole_sheets():
    pdf = flyer.render(make_data(demo_offers()[:4], fmt="a6"))
    assert int(tools.pdf_info(pdf)["Pages"]) % 4 == 0


def test_the_rules_at_the_door_are_printed(a4_de):
    for pdf in (a4_de, flyer.render(make_data(fmt="a6"))):
        text = one_line(tools.pdf_text(pdf))
        assert "Einlass bis 23:00. Voraussetzungen: Aufnahme ohne Voranmeldung; nach 23 Uhr " \
               "über die Bereitschaftsnummer. Hunde erlaubt · auch auf Englisch, Arabisch, " \
               "Rumänisch" in text


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a6_booklet(lang):
    pdf = flyer.render(make_data(fmt="a6", lang=lang))
    info = tools.pdf_info(pdf)
    assert info["Tagged"] == "yes"
    assert info["Page size"].startswith("297.6")  # A6 = 105 mm
    assert int(info["Pages"]) > 1
    cover = one_line(tools.pdf_text(pdf, "-f", "1", "-l", "1"))
    assert ("Stand: 25.11.2026" if lang == "de" else "As of: 25 November 2026") in cover
    assert "110" in cover
    text = one_line(tools.pdf_text(pdf))
    for offer in demo_offers():
        assert one_line(offer.title) in text
    assert tools.decode_image(tools.pdf_page_image(pdf, 1, 150)) == [f"{BASE}/hilfe"]


def test_expired_and_ended_offers_are_left_out():
    gone = flyer.FlyerOffer(title="Alte Kältehilfe", category="shelter", street="Altweg 1",
                            municipality_name="Düren", opening_hours="Mo-Su 18:00-08:00",
                            valid_until=TODAY - dt.timedelta(days=1))
    ended = dataclasses.replace(gone, title="Beendete Tafel", valid_until=None, offer_status="ended")
    text = tools.pdf_text(flyer.render(make_data([gone, ended, *demo_offers()[:3]])))
    assert "Alte Kältehilfe" not in text and "Beendete Tafel" not in text
    assert one_line(demo_offers()[0].title) in one_line(text)


@pytest.mark.parametrize("kw", [{"fmt": "a5"}, {"lang": "fr"}])
def test_bad_format_or_language(kw):
    with pytest.raises(ValueError):
        flyer.html(make_data(**kw))


def test_notice_for_one_municipality():
    """One page for a municipality's notice board: its offers and the county's
    protected ones (phone only, no town to filter by), the finder for that
    municipality in the QR code."""
    pdf = flyer.render(make_data(municipality="05358024"))     # Jülich
    assert tools.pdf_info(pdf)["Pages"] == "1"
    assert tools.pdf_info(pdf)["Title"] == "Hilfe in Jülich"
    text = one_line(tools.pdf_text(pdf))
    for offer in demo_offers():
        if offer.protected or offer.municipality_name == "Jülich":
            assert one_line(offer.title) in text, offer.title
        else:
            assert one_line(offer.title) not in text, offer.title
    assert tools.decode_image(tools.pdf_page_image(pdf, 1, 150)) == [
        f"{BASE}/hilfe?gemeinde=05358024"]


def test_a_closure_prints_its_last_day_and_ends_by_itself():
    text = one_line(tools.pdf_text(flyer.render(make_data(fmt="a6"))))
    assert "Duschmöglichkeit Jülich (Demo) – vorübergehend geschlossen bis 15.12.2026" in text
    later = one_line(tools.pdf_text(flyer.render(make_data(fmt="a6",
                                                           today=dt.date(2026, 12, 16)))))
    assert "vorübergehend geschlossen" not in later
