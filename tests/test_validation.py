"""The help-offer schema and its validation, through CKAN's real actions.

Every refused write must leave nothing behind: not in CKAN, not in the
feature store."""
from __future__ import annotations

import datetime as dt

import ckan.plugins.toolkit as tk
import pytest

from tests.helpers import call_action, package_count, store_rows

pytestmark = pytest.mark.usefixtures("offers_env")


def _refused(data: dict) -> dict:
    before = package_count()
    with pytest.raises(tk.ValidationError) as err:
        call_action("package_create", **data)
    assert package_count() == before, "a refused create left a dataset behind"
    assert store_rows() == [], "a refused create left a feature-store row behind"
    return err.value.error_dict


def test_valid_offer_round_trips_with_typed_fields(organization, make_offer_data):
    created = call_action("package_create", **make_offer_data(organization["id"]))
    shown = call_action("package_show", id=created["id"])
    assert shown["type"] == "hilfsangebot"
    assert shown["category"] == "meal"
    assert shown["services"] == ["meal", "wifi"]
    assert shown["target_groups"] == ["everyone"]
    assert shown["languages"] == ["de", "en"]
    assert shown["dogs_allowed"] is True
    assert shown["location_visibility"] == "public"
    rows = store_rows()
    assert [r["package_id"] for r in rows] == [created["id"]]
    assert rows[0]["street"] == "Musterstraße 1"
    assert rows[0]["municipality_name"] == "Düren"
    assert rows[0]["x"] == pytest.approx(6.4836) and rows[0]["y"] == pytest.approx(50.8034)
    # ETRS89/UTM32 for the OGC layers, inside the county's extent
    assert 301_000 < rows[0]["e"] < 341_000 and 5_606_000 < rows[0]["n"] < 5_659_500


@pytest.mark.parametrize("field, value, expected_field, expected_text", [
    ("opening_hours", "Mo-Fr 9-17 Uhr", "opening_hours", "OpenStreetMap-Format"),
    ("category", "hotel", "category", "Unbekannter Wert"),
    ("target_groups", ["everyone", "aliens"], "target_groups", "Unbekannter Wert"),
    ("municipality", "05358099", "municipality", "Unbekannter Wert"),
    ("spatial", '{"type": "Point", "coordinates": [7.1, 50.7]}', "spatial", "außerhalb"),
    ("spatial", "Düren Markt", "spatial", "GeoJSON-Punkt"),
    ("last_verified", (dt.date.today() + dt.timedelta(days=3)).isoformat(), "last_verified", "Zukunft"),
    ("phone", "ruf mich an", "phone", "Telefonnummer"),
    ("email", "nicht-mail", "email", "E-Mail"),
    ("website", "javascript:alert(1)", "website", "Web-Adresse"),
    ("dogs_allowed", "vielleicht", "dogs_allowed", "ja/nein"),
    ("postcode", "5234", "postcode", "fünf Ziffern"),
])
def test_bad_field_gets_a_german_field_error_and_nothing_is_saved(
        organization, make_offer_data, field, value, expected_field, expected_text):
    errors = _refused(make_offer_data(organization["id"], **{field: value}))
    assert expected_field in errors, errors
    assert any(expected_text in m for m in errors[expected_field]), errors[expected_field]


def test_public_offer_without_address_is_refused(organization, make_offer_data):
    errors = _refused(make_offer_data(organization["id"], street="", spatial=""))
    assert "street" in errors and "spatial" in errors
    assert "öffentliches Angebot" in errors["street"][0]


def test_protection_must_be_hidden(organization, make_offer_data):
    errors = _refused(make_offer_data(organization["id"], category="protection"))
    assert "location_visibility" in errors


def test_valid_until_before_valid_from(organization, make_offer_data):
    errors = _refused(make_offer_data(organization["id"], valid_from="2027-03-31",
                                      valid_until="2026-11-01"))
    assert "Gültig bis" in errors["valid_until"][0]


def test_missing_required_fields(organization, make_offer_data):
    data = make_offer_data(organization["id"])
    for field in ("category", "target_groups", "last_verified", "municipality"):
        data.pop(field)
    errors = _refused(data)
    assert {"category", "target_groups", "last_verified", "municipality"} <= set(errors)


def test_errors_in_english_under_the_english_locale(app, organization, make_offer_data, sysadmin):
    data = make_offer_data(organization["id"], opening_hours="Mo-Fr 9-17 Uhr",
                           valid_from="2027-03-31", valid_until="2026-11-01")
    headers = {"Authorization": call_action(
        "api_token_create", user=sysadmin["name"], name="t")["token"]}
    for prefix, opening, until in (("", "keine gültige Angabe", "Gültig bis"),
                                   ("/en", "is not valid", "Valid until")):
        res = app.post(prefix + "/api/3/action/package_create", json=data,
                       headers=headers, status=409)
        errors = res.json["error"]
        assert opening.lower() in errors["opening_hours"][0].lower(), errors
        assert until in errors["valid_until"][0], errors
    assert package_count(type="hilfsangebot") == 0


def test_refused_update_keeps_the_old_version_everywhere(organization, make_offer_data):
    created = call_action("package_create", **make_offer_data(organization["id"]))
    before = store_rows()
    with pytest.raises(tk.ValidationError):
        call_action("package_patch", id=created["id"], title="Neu",
                            opening_hours="täglich")
    assert call_action("package_show", id=created["id"])["title"] == created["title"]
    assert store_rows() == before
