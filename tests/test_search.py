"""Facets for category, municipality and target groups: real Solr, real counts."""
from __future__ import annotations

import pytest

from tests.helpers import call_action

pytestmark = pytest.mark.usefixtures("offers_env")


@pytest.fixture
def three_offers(offers_env, organization, make_offer_data):
    org = organization["id"]
    call_action("package_create", **make_offer_data(
        org, category="shelter", target_groups=["men", "adults"]))
    call_action("package_create", **make_offer_data(
        org, category="shelter", target_groups=["women"], municipality="05358024",
        spatial='{"type": "Point", "coordinates": [6.36, 50.92]}'))
    call_action("package_create", **make_offer_data(
        org, category="meal", target_groups=["everyone"]))


def _facets(fq: str = ""):
    result = call_action(
        "package_search", fq=("+dataset_type:hilfsangebot " + fq).strip(),
        **{"facet.field": '["category", "municipality", "vocab_target_groups"]'})
    return result, {name: {i["name"]: (i["count"], i["display_name"]) for i in f["items"]}
                    for name, f in result["search_facets"].items()}


@pytest.mark.usefixtures("three_offers")
def test_facet_counts_and_german_labels():
    result, facets = _facets()
    assert result["count"] == 3
    assert facets["category"] == {"shelter": (2, "Notunterkunft / Notschlafstelle"),
                                  "meal": (1, "Essensausgabe / Mittagstisch")}
    assert facets["municipality"] == {"05358008": (2, "Düren"), "05358024": (1, "Jülich")}
    assert facets["vocab_target_groups"]["women"] == (1, "Frauen")
    assert facets["vocab_target_groups"]["adults"] == (1, "Erwachsene")


@pytest.mark.usefixtures("three_offers")
def test_filtering_by_a_facet():
    result, facets = _facets("+vocab_target_groups:women")
    assert result["count"] == 1
    assert result["results"][0]["municipality"] == "05358024"


@pytest.mark.usefixtures("three_offers")
def test_search_page_shows_facets_with_german_labels(app):
    page = app.get("/hilfsangebot/").body
    assert "Hilfsangebote durchsuchen" in page and "Hilfsangebots" not in page
    assert "Kategorie" in page and "Zielgruppe" in page and "Gemeinde" in page
    assert "Notunterkunft / Notschlafstelle" in page
    assert "Jülich" in page
    filtered = app.get("/hilfsangebot/?category=meal").body
    assert "3 Hilfsangebote" not in filtered
    assert "Essensausgabe / Mittagstisch" in filtered
