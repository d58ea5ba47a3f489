"""The gettext catalogues (ckanext/keck_homeless/i18n) and the UI languages.

* every msgid of the code and the templates has a German translation, and the
  template (.pot) and catalogues list exactly those msgids;
* the committed .mo files are what the .po files compile to;
* translations keep the placeholders and add no HTML;
* a third language needs only a catalogue: a real CKAN request under its
  locale prefix shows the finder in it, English where it has no entry, a
  language switch to every UI language and ``dir="rtl"`` for Arabic.
"""
from __future__ import annotations

import re
import shutil
import string

import pytest

from ckanext.keck_homeless.offers import messages
from tests.helpers import call_action
from tests.i18n_tools import (
    LOCALE_DIR,
    POT,
    compiled,
    extracted,
    key,
    po_path,
    read_catalogue,
    shipped_languages,
    write_catalogue,
)

#: extraction runs CKAN's Babel extractor (ckan.lib.extract), so this module needs CKAN
pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def used():
    found = extracted()
    assert len(found) > 200, "extraction found too little: check babel.cfg/setup.cfg"
    return found


def _translations(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _msgids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def test_extraction_covers_code_templates_and_code_labels(used):
    places = {p.split(":")[0] for ps in used.values() for p in ps}
    assert "ckanext/keck_homeless/offers/rules.py" in places
    assert "ckanext/keck_homeless/templates/keck_homeless/finder/index.html" in places
    assert ("offer_status", "Active") in used and ("weekday", "Sun") in used
    assert (None, ("{n} offer found", "{n} offers found")) in used


def test_template_lists_exactly_the_msgids_in_use(used):
    pot = {key(m) for m in read_catalogue(POT) if m.id}
    missing, stale = set(used) - pot, pot - set(used)
    assert not missing and not stale, (
        f"run `python setup.py extract_messages`: missing {sorted(missing, key=str)[:5]}, "
        f"stale {sorted(stale, key=str)[:5]}")


def test_german_catalogue_is_complete(used):
    catalogue = read_catalogue(po_path("de"), "de")
    entries = {key(m): m for m in catalogue if m.id}
    untranslated = [(k, used[k]) for k in used
                    if k not in entries or not all(_translations(entries[k]))]
    assert not untranslated, f"no German for: {untranslated[:10]}"
    fuzzy = [k for k, m in entries.items() if m.fuzzy]
    assert not fuzzy, f"fuzzy German entries: {fuzzy[:10]}"
    assert set(entries) == set(used), "run `python setup.py update_catalog -l de`"


@pytest.mark.parametrize("lang", shipped_languages())
def test_compiled_catalogues_are_up_to_date(lang):
    catalogue = read_catalogue(po_path(lang), lang)
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / f"{messages.DOMAIN}.mo", "rb") as f:
        import gettext

        shipped = gettext.GNUTranslations(f)
    assert shipped._catalog == compiled(catalogue)._catalog, (
        f"run `python setup.py compile_catalog` ({lang})")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", shipped_languages())
def test_translations_keep_placeholders_and_add_no_markup(lang):
    catalogue = read_catalogue(po_path(lang), lang)
    for message in catalogue:
        if not message.id:
            continue
        fields = set().union(*(_fields(m) for m in _msgids(message)))
        for translation in _translations(message):
            if not translation:
                continue
            assert _fields(translation) <= fields, (message.id, translation)
            if message.context != "date":  # CLDR patterns have no placeholders
                assert _fields(translation) == fields or isinstance(message.id, (list, tuple)), (
                    message.id, translation)
            for char in '<>&"':
                if char in translation:
                    assert any(char in m for m in _msgids(message)), (message.id, translation)


@pytest.mark.parametrize("lang", shipped_languages())
def test_date_patterns_are_cldr_patterns(lang):
    from babel.dates import parse_pattern

    catalogue = read_catalogue(po_path(lang), lang)
    for message in catalogue:
        if message.context == "date" and message.string:
            parse_pattern(message.string)
            assert re.search(r"d", message.string), message.string


# --------------------------------------------------------------------------
# A third UI language end to end, through CKAN's ITranslation
# --------------------------------------------------------------------------

TURKISH = [
    (None, "Find help", "Yardım bul"),
    (None, "Open now", "Şimdi açık"),
    (None, "open until {when}", "{when} saatine kadar açık"),
    ("category", "Meals", "Yemek"),
    (None, ("{n} offer found", "{n} offers found"), ("{n} teklif bulundu", "{n} teklif bulundu")),
]
ARABIC = [(None, "Find help", "ابحث عن مساعدة")]


@pytest.fixture
def third_languages(tmp_path, monkeypatch):
    """The shipped catalogues plus small Turkish and Arabic ones in a copy of
    the catalogue folder, which the plugin then serves (ITranslation's
    i18n_directory is ``messages.LOCALE_DIR``). CKAN caches its locale list
    on first use, so that cache is reset for the new ``locales_offered``."""
    import ckan.lib.i18n as ckan_i18n

    folder = tmp_path / "i18n"
    shutil.copytree(LOCALE_DIR, folder)
    write_catalogue(folder, "tr", TURKISH)
    write_catalogue(folder, "ar", ARABIC)
    monkeypatch.setattr(messages, "LOCALE_DIR", str(folder))
    for cached in ("locales", "locales_dict", "available_locales", "_non_translated_locals"):
        monkeypatch.setattr(ckan_i18n, cached, None)
    messages.translator.cache_clear()
    yield folder
    monkeypatch.undo()
    messages.translator.cache_clear()


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_store")
@pytest.mark.ckan_config("ckan.locales_offered", ["de", "en", "tr", "ar", "fr"])
@pytest.mark.ckan_config("ckanext.keck_homeless.finder.clock_param", "true")
@pytest.mark.ckan_config("ckanext.keck_homeless.finder.tile_url", "")
def test_a_new_language_needs_only_a_catalogue(third_languages, make_app, organization,
                                                make_offer_data):

    call_action("package_create", **make_offer_data(
        organization["id"], title="Suppenküche Test", category="meal",
        opening_hours="Mo-Fr 11:30-13:30"))
    app = make_app()

    html = app.get("/tr/hilfe", query_string={"zeit": "2026-11-25T12:00"}).get_data(as_text=True)
    assert '<html lang="tr"' in html and 'dir="rtl"' not in html
    assert "<h1>Yardım bul</h1>" in html
    assert "Yemek" in html and "<strong>Şimdi açık</strong>: 13:30 saatine kadar açık" in html
    assert "1 teklif bulundu" in html
    assert "Search and filters" in html  # not in the Turkish catalogue: English
    # the switch: every other language with a catalogue that CKAN offers
    # (French is offered by CKAN, but we have no catalogue for it)
    switch = re.search(r'<nav class="kh-nav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'hreflang="([^"]+)">([^<]+)</a>', switch) == [
        ("de", "Deutsch"), ("en", "English"), ("ar", "العربية")]
    assert 'flyer.pdf?lang=tr"' in html

    rtl = app.get("/ar/hilfe").get_data(as_text=True)
    assert re.search(r'<html lang="ar"\s+dir="rtl"', rtl)
    assert "<h1>ابحث عن مساعدة</h1>" in rtl

    german = app.get("/hilfe", query_string={"zeit": "2026-11-25T12:00"}).get_data(as_text=True)
    assert "<h1>Hilfe finden</h1>" in german and "1 Angebot gefunden" in german
    assert 'hreflang="tr">Türkçe</a>' in german
