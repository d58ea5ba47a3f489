"""print/urls.py: the public URLs behind the QR codes."""
from __future__ import annotations

import pytest

from ckanext.keck_homeless.print.urls import BadTarget, PublicUrls, display


def test_finder_category_and_offer_urls():
    urls = PublicUrls("https://hilfe.kreis-dueren.de/")
    assert urls.finder() == "https://hilfe.kreis-dueren.de/hilfe"
    assert urls.category("shelter") == "https://hilfe.kreis-dueren.de/hilfe?kategorie=shelter"
    assert urls.offer("demo-notschlafstelle-dueren") == (
        "https://hilfe.kreis-dueren.de/hilfe/demo-notschlafstelle-dueren")


def test_base_with_path():
    assert PublicUrls("https://www.kreis-dueren.de/daten").finder() == (
        "https://www.kreis-dueren.de/daten/hilfe")


@pytest.mark.parametrize("base", ["hilfe.kreis-dueren.de", "ftp://x.de", "https://x.de/?utm_source=flyer",
                                  "https://x.de/#top", ""])
def test_bad_base_is_refused(base):
    with pytest.raises(ValueError):
        PublicUrls(base)


@pytest.mark.parametrize("code", ["", "nonsense", "shelter&utm_source=x"])
def test_unknown_category(code):
    with pytest.raises(BadTarget):
        PublicUrls("https://x.de").category(code)


@pytest.mark.parametrize("name", ["", "a", "../etc", "Großbuchstaben", "x?y=1", "a/b"])
def test_impossible_offer_name(name):
    with pytest.raises(BadTarget):
        PublicUrls("https://x.de").offer(name)


def test_display_drops_https_only():
    assert display("https://hilfe.kreis-dueren.de/hilfe/") == "hilfe.kreis-dueren.de/hilfe"
    assert display("http://127.0.0.1:5000/hilfe") == "http://127.0.0.1:5000/hilfe"


def test_urls_in_another_language_carry_ckans_locale_prefix():
    urls = PublicUrls("https://hilfe.kreis-dueren.de/")
    en = urls.in_language("en", "de")
    assert en.finder() == "https://hilfe.kreis-dueren.de/en/hilfe"
    assert en.category("shelter") == "https://hilfe.kreis-dueren.de/en/hilfe?kategorie=shelter"
    assert en.offer("demo-x") == "https://hilfe.kreis-dueren.de/en/hilfe/demo-x"
    assert urls.in_language("de", "de").finder() == "https://hilfe.kreis-dueren.de/hilfe"
    assert urls.in_language(None, "de") == urls
    assert urls.in_language("pt_BR", "de").finder().endswith("/pt_BR/hilfe")
    for bad in ("../x", "EN", "en/../..", "e"):
        with pytest.raises(ValueError):
            urls.in_language(bad, "de")
