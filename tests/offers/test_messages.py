"""offers/messages.py: gettext lookup outside a request, formatting, fallbacks,
and a third UI language added by nothing but a catalogue."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.keck_homeless.offers import codes, hours, messages, rules
from ckanext.keck_homeless.offers.hours import TZ
from ckanext.keck_homeless.offers.messages import Joined, ListText, Msg, PluralMsg
from ckanext.keck_homeless.print import flyer
from ckanext.keck_homeless.print.urls import PublicUrls
from tests.i18n_tools import write_catalogue

WED_NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=TZ)


def test_german_from_the_catalogue_english_is_the_msgid():
    msg = Msg("Missing value.")
    assert msg.text("de") == "Bitte ausfüllen."
    assert msg.text("en") == "Missing value."
    assert msg.text() == msg.text(None) == "Bitte ausfüllen."  # the county's default
    assert msg.text("de_DE") == msg.text("de-AT") == "Bitte ausfüllen."  # region → language
    assert str(msg) == "Missing value."


def test_arguments_are_inserted_after_the_lookup_and_never_parsed():
    msg = Msg("Unknown category '{code}'.", code="{x}")
    assert msg.text("de") == "Unbekannte Kategorie „{x}“."
    assert msg.text("en") == "Unknown category '{x}'."
    later = Msg("Unknown category '{code}'.").format(code="sauna")
    assert later.text("de") == "Unbekannte Kategorie „sauna“."
    assert later == Msg("Unknown category '{code}'.", code="sauna") != Msg("Unknown category '{code}'.")


def test_literal_braces_are_doubled_in_msgids():
    point = '{"type": "Point", "coordinates": [6.48, 50.80]}.'
    assert rules.MSG["not_point"].text("de").endswith(point)
    assert rules.MSG["not_point"].text("en").endswith(point)


@pytest.mark.parametrize("n, de, en", [
    (0, "0 Angebote gefunden", "0 offers found"),
    (1, "1 Angebot gefunden", "1 offer found"),
    (2, "2 Angebote gefunden", "2 offers found"),
])
def test_plural_forms(n, de, en):
    msg = PluralMsg("{n} offer found", "{n} offers found", n)
    assert (msg.text("de"), msg.text("en")) == (de, en)


def test_translatable_arguments_follow_the_language():
    msg = Msg("Invalid parameter lang: allowed are {languages}.", languages=ListText(["de", "en"]))
    assert msg.text("de") == "Ungültiger Parameter lang: erlaubt sind de und en."
    assert msg.text("en") == "Invalid parameter lang: allowed are de and en."
    joined = Joined([Msg("Missing value."), Msg("Invalid e-mail address.")])
    assert joined.text("de") == "Bitte ausfüllen. Ungültige E-Mail-Adresse."
    assert str(joined) == "Missing value. Invalid e-mail address."


def test_code_labels_carry_the_field_as_context():
    # "Active" is CKAN's own msgid too; ours must not change CKAN's wording
    active = codes.OFFER_STATUS[0]
    assert (active.field, active.code, active.en) == ("offer_status", "active", "Active")
    assert active.label("de") == active.de == "Geöffnet / aktiv"
    assert active.label("en") == "Active"
    assert codes.label("category", "meal", "de") == "Essensausgabe / Mittagstisch"
    assert codes.label("category", "nope", "de") == "nope"
    assert codes.choices("wheelchair")[0] == {
        "value": "yes", "label": {"de": "Rollstuhlgerecht", "en": "Wheelchair accessible"}}


def test_languages_and_what_the_ui_offers():
    assert messages.languages() == ("de", "en")
    assert messages.offered_languages(["de", "en"]) == ["de", "en"]
    # CKAN offers French (it has a catalogue), we do not: no French switch
    assert messages.offered_languages(["en", "fr", "de", "en"]) == ["en", "de"]
    assert messages.offered_languages([]) == ["de", "en"]


def test_language_names_and_direction():
    assert messages.language_name("de") == "Deutsch"
    assert messages.language_name("en", "de") == "Englisch"
    assert messages.language_name("uk") == "Українська"
    assert messages.text_direction("ar") == messages.text_direction("fa") == "rtl"
    assert messages.text_direction("de") == messages.text_direction("xx") == "ltr"


# --------------------------------------------------------------------------
# A third language: only a catalogue, no code
# --------------------------------------------------------------------------

TURKISH = [
    (None, "Please enter opening hours.", "Lütfen açılış saatlerini girin."),
    (None, "open until {when}", "{when} saatine kadar açık"),
    ("weekday", "Mon", "Pzt"),
    ("category", "Meals", "Yemek"),
    (None, "As of: {date}", "Tarih: {date}"),
    (None, "Police", "Polis"),
    # a broken translation (unknown placeholder) must not break the text
    (None, "Example: {example}", "Örnek: {örnek}"),
    (None, ("{n} offer found", "{n} offers found"), ("{n} teklif bulundu", "{n} teklif bulundu")),
]


@pytest.fixture
def localedir(tmp_path):
    folder = tmp_path / "i18n"
    write_catalogue(folder, "tr", TURKISH)
    yield str(folder)
    messages.translator.cache_clear()


@pytest.fixture
def use_localedir(monkeypatch):
    """Point the extension at another catalogue folder (as if the catalogues
    had been added to ``ckanext/keck_homeless/i18n``)."""
    def use(folder):
        monkeypatch.setattr(messages, "LOCALE_DIR", str(folder))
        messages.translator.cache_clear()
    yield use
    monkeypatch.undo()
    messages.translator.cache_clear()


def test_a_catalogue_adds_a_language_and_missing_msgids_fall_back_to_english(localedir):
    assert messages.languages(localedir) == ("en", "tr")
    assert messages.offered_languages(["de", "en", "tr"], localedir) == ["en", "tr"]
    assert Msg("Please enter opening hours.").text("tr", localedir=localedir) == (
        "Lütfen açılış saatlerini girin.")
    assert Msg("Missing value.").text("tr", localedir=localedir) == "Missing value."
    assert Msg("Example: {example}", example="Mo-Fr 09:00-17:00").text(
        "tr", localedir=localedir) == "Example: Mo-Fr 09:00-17:00"
    assert PluralMsg("{n} offer found", "{n} offers found", 3).text(
        "tr", localedir=localedir) == "3 teklif bulundu"
    assert messages.translator("tr", localedir).pgettext("category", "Meals") == "Yemek"


def test_hours_codes_and_flyer_texts_in_the_new_language(localedir, use_localedir):
    use_localedir(localedir)
    assert "tr" in flyer.languages()
    assert hours.describe("Mo-Fr 09:00-17:00", WED_NOON, "tr") == "17:00 saatine kadar açık"
    # not translated: English, with the weekday and date of the language
    assert hours.describe("Mo 09:00-17:00", WED_NOON, "tr") == "opens Pzt 09:00"
    assert hours.describe("2027 Jan 04 09:00-12:00", WED_NOON, "tr") == "opens Pzt 4 Oca 2027 09:00"
    assert codes.label("category", "meal", "tr") == "Yemek"
    assert codes.label("category", "shelter", "tr") == "Emergency shelter"
    html = flyer.html(flyer.FlyerData(
        offers=(flyer.FlyerOffer(title="Suppe", category="meal", opening_hours="Mo 12:00-13:00"),),
        urls=PublicUrls("https://hilfe.example.org"), today=dt.date(2026, 11, 25), lang="tr",
        emergency=tuple(flyer.parse_emergency_numbers("Polizei|Police|110\nNotruf|112"))))
    assert '<html lang="tr">' in html
    assert "Tarih: 25 Kasım 2026" in html and "<h3>Yemek</h3>" in html
    assert "Polis" in html and "Notruf" in html
    assert "Help for people without a home" in html  # no translation: English


def test_right_to_left_flyer(tmp_path, use_localedir):
    write_catalogue(tmp_path, "ar", [(None, "Help for people without a home",
                                      "مساعدة للأشخاص بلا مأوى")])
    use_localedir(tmp_path)
    html = flyer.html(flyer.FlyerData(offers=(), urls=PublicUrls("https://hilfe.example.org"),
                                      today=dt.date(2026, 11, 25), lang="ar"))
    assert '<html lang="ar" dir="rtl">' in html and "مساعدة للأشخاص بلا مأوى" in html
