"""The privacy and publication rules (offers/rules.py) on their own: no CKAN,
no database. These decide what of a protected offer may ever leave CKAN."""
from __future__ import annotations

import json
import math

import pytest
from pyproj import Transformer

from ckanext.keck_homeless.offers import rules

EXACT = {"street": "Geheimweg 7", "postcode": "52349", "district": "Nord",
         "spatial": json.dumps({"type": "Point", "coordinates": [6.4836, 50.8034]})}
_TO_UTM = Transformer.from_crs(4326, 25832, always_xy=True)


def test_public_offers_publish_their_exact_location():
    assert rules.published_location("public", EXACT) == EXACT
    assert rules.published_location(None, EXACT) == EXACT  # unset means public


def test_hidden_offers_publish_nothing_of_their_location():
    assert rules.published_location("hidden", EXACT) == {f: "" for f in rules.LOCATION_FIELDS}
    assert rules.public_location({**EXACT, "location_visibility": "hidden"}) is None


@pytest.mark.parametrize("grid_m", [250, 500, 1000])
def test_approximate_offers_publish_the_centre_of_their_cell_only(grid_m):
    out = rules.published_location("approximate", EXACT, grid_m)
    assert out["street"] == out["postcode"] == out["district"] == ""
    lon, lat = json.loads(out["spatial"])["coordinates"]
    e, n = _TO_UTM.transform(lon, lat)
    # the cell centre in UTM, in the same cell as the exact point
    assert e % grid_m == pytest.approx(grid_m / 2, abs=0.01)  # 1 cm: the WGS84 round trip
    assert n % grid_m == pytest.approx(grid_m / 2, abs=0.01)  # 1 cm: the WGS84 round trip
    ex, nx = _TO_UTM.transform(6.4836, 50.8034)
    assert math.floor(ex / grid_m) == math.floor(e / grid_m)
    assert math.floor(nx / grid_m) == math.floor(n / grid_m)
    assert (lon, lat) != (6.4836, 50.8034)


def test_every_point_of_a_cell_publishes_the_same_point():
    e, n = _TO_UTM.transform(6.4836, 50.8034)
    cell = (math.floor(e / 500) * 500, math.floor(n / 500) * 500)
    inv = Transformer.from_crs(25832, 4326, always_xy=True)
    published = {rules.coarsen(*inv.transform(cell[0] + dx, cell[1] + dy), 500)
                 for dx in (1, 250, 499) for dy in (1, 250, 499)}
    assert len({(round(a, 9), round(b, 9)) for a, b in published}) == 1


def test_public_location_of_an_approximate_offer_has_no_street():
    loc = rules.public_location({**EXACT, "location_visibility": "approximate"})
    assert loc is not None and loc.street is None and loc.precise is False


@pytest.mark.parametrize("offer, publishable", [
    ({}, True),
    ({"private": True}, False),
    ({"private": "True"}, False),
    ({"state": "draft"}, False),
    ({"state": "deleted"}, False),
    ({"offer_status": "ended"}, False),
    ({"offer_status": "temporarily_closed"}, True),
    ({"private": "not a boolean"}, True),  # garbage is not "private" … but never crashes
])
def test_is_publishable(offer, publishable):
    assert rules.is_publishable(offer) is publishable


def test_protection_offers_must_be_hidden():
    errors = rules.check_offer({"category": "protection", "location_visibility": "approximate",
                                "spatial": EXACT["spatial"], "municipality": "05358008"})
    assert list(errors) == ["location_visibility"]
    assert not rules.check_offer({"category": "protection", "location_visibility": "hidden",
                                  "phone": "02421 1"})


def test_hidden_offers_need_a_way_to_reach_them():
    assert list(rules.check_offer({"location_visibility": "hidden"})) == ["phone"]


def test_public_offers_need_an_address_and_a_point_in_the_region():
    errors = rules.check_offer({"spatial": json.dumps(
        {"type": "Point", "coordinates": [13.4, 52.5]})})
    assert set(errors) == {"spatial", "street", "postcode", "municipality"}


@pytest.mark.parametrize("visibility", rules.VISIBILITIES)
def test_same_location_value_compares_points_by_coordinates(visibility):
    a = json.dumps({"type": "Point", "coordinates": [6.1, 50.1]})
    b = '{"coordinates": [6.1, 50.1], "type": "Point"}'
    assert rules.same_location_value("spatial", a, b)
    assert not rules.same_location_value("spatial", a, "")
    assert rules.same_location_value("street", " A ", "A")
    assert rules.is_protected(visibility) is (visibility != "public")
