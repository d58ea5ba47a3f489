"""store/derive.row_for: what of a CKAN offer becomes a feature-store row.
Pure: the input is the flat dict ``derive.load_offers`` builds."""
from __future__ import annotations

import datetime as dt
import json

from ckanext.keck_homeless.store import derive
from ckanext.keck_homeless.store.model import ATTRIBUTE_COLUMNS


def offer(**kw):
    data = {
        "id": "p1", "name": "mittagstisch", "title": "Mittagstisch", "state": "active",
        "private": "False", "owner_org": "o1", "organization_title": "Caritas",
        "category": "food", "services": '["food", "counselling"]', "target_groups": "",
        "languages": '["de"]', "street": "Markt 1", "postcode": "52349",
        "municipality": "05358008", "district": "Mitte", "location_visibility": "public",
        "spatial": json.dumps({"type": "Point", "coordinates": [6.4836, 50.8034]}),
        "opening_hours": "Mo-Fr 12:00-14:00", "offer_status": "active", "phone": "02421 1",
        "dogs_allowed": "true", "women_only": "false", "capacity": "12",
        "last_verified": "2026-11-30", "metadata_modified": dt.datetime(2026, 12, 1),
    }
    data.update(kw)
    return data


def test_a_public_offer_becomes_a_row_with_every_store_column():
    row = derive.row_for(offer(), 500)
    assert set(row) == {"package_id", *ATTRIBUTE_COLUMNS}
    assert row["street"] == "Markt 1" and row["postcode"] == "52349" and row["precise"] is True
    assert row["services"] == ["food", "counselling"] and row["target_groups"] == []
    assert row["dogs_allowed"] is True and row["women_only"] is False and row["capacity"] == 12
    assert row["last_verified"] == dt.date(2026, 11, 30)
    assert row["municipality_name"] == "Düren"
    assert (row["lon"], row["lat"]) == (6.4836, 50.8034)


def test_an_approximate_offer_loses_street_postcode_and_district():
    row = derive.row_for(offer(location_visibility="approximate"), 500)
    assert row["street"] is row["postcode"] is row["district"] is None
    assert row["precise"] is False and row["location_visibility"] == "approximate"
    assert (row["lon"], row["lat"]) != (6.4836, 50.8034)
    assert row["municipality"] == "05358008"


def test_what_never_becomes_a_row():
    assert derive.row_for(offer(location_visibility="hidden"), 500) is None
    assert derive.row_for(offer(private="True"), 500) is None
    assert derive.row_for(offer(state="draft"), 500) is None
    assert derive.row_for(offer(offer_status="ended"), 500) is None
    assert derive.row_for(offer(spatial=""), 500) is None
    assert derive.row_for(offer(category=""), 500) is None


def test_an_empty_title_falls_back_to_the_name():
    assert derive.row_for(offer(title=""), 500)["title"] == "mittagstisch"
