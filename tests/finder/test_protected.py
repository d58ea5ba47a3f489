"""finder/protected.py: only name, category and phone of hidden offers."""
from __future__ import annotations

from ckanext.keck_homeless.finder import protected
from ckanext.keck_homeless.finder.filters import Filters

PKG = {
    "name": "frauenhaus", "title": "Frauenhaus", "category": "protection",
    "location_visibility": "hidden", "offer_status": "active", "private": False,
    "state": "active", "phone": "0221 4710-203", "email": "geheim@example.org",
    "street": "Geheimweg 1", "postcode": "52349", "district": "Geheimviertel",
    "spatial": '{"type": "Point", "coordinates": [6.44, 50.77]}',
    "notes": "Adresse nur telefonisch", "municipality": "05358008", "women_only": "true",
    "opening_hours": "24/7", "owner_org": "org-1",
}


def test_public_view_is_a_whitelist():
    view = protected.public_view(PKG)
    assert set(view) == {"id", "name", "title", "category", "category_label", "icon", "phone", "tel",
                         "services", "opening_hours", "opening_hours_note", "admission_until",
                         "requirements_note", "offer_status", "closed_until",
                         "status_note", "valid_from", "valid_until"}
    assert view["tel"] == "tel:02214710203"
    text = repr(view)
    for secret in ("Geheimweg", "Geheimviertel", "geheim@", "6.44", "50.77", "52349"):
        assert secret not in text


def test_select_skips_private_ended_deleted_and_non_hidden():
    pkgs = [PKG, {**PKG, "name": "p", "private": True}, {**PKG, "name": "e", "offer_status": "ended"},
            {**PKG, "name": "d", "state": "deleted"}, {**PKG, "name": "pub", "location_visibility": "public"}]
    assert [o["name"] for o in protected.select(pkgs, Filters())] == ["frauenhaus"]


def test_filters_apply_and_text_search_sees_only_shown_fields():
    def sel(**kw):
        return [o["name"] for o in protected.select([PKG], Filters(**kw))]
    assert sel(categories=("protection",)) == ["frauenhaus"]
    assert sel(categories=("meal",)) == []
    assert sel(municipality="05358008", women=True) == ["frauenhaus"]
    assert sel(municipality="05358004") == []
    assert sel(dogs=True) == []
    assert sel(text="frauen") == ["frauenhaus"]
    assert sel(text="Gewalt") == ["frauenhaus"]  # the category label
    # hidden fields cannot be probed through the search
    assert sel(text="Geheimweg") == []
    assert sel(text="Geheimviertel") == []
