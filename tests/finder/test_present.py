"""finder/present.py: texts, alerts, links and time filters for a fixed clock."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.keck_homeless.finder import present
from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.offers.hours import TZ

# Wednesday 25 November 2026
WED_1400 = dt.datetime(2026, 11, 25, 14, 0, tzinfo=TZ)
WED_2300 = dt.datetime(2026, 11, 25, 23, 0, tzinfo=TZ)
THU_0300 = dt.datetime(2026, 11, 26, 3, 0, tzinfo=TZ)


def row(**kw):
    base = {
        "name": "x", "title": "Mittagstisch", "category": "meal", "street": "Markt 1",
        "postcode": "52349", "municipality_name": "Düren", "district": None,
        "location_visibility": "public", "opening_hours": "Mo-Fr 12:00-20:00",
        "offer_status": "active", "status_note": None, "valid_from": None,
        "valid_until": None, "phone": "02421 / 555-0100", "last_verified": dt.date(2026, 11, 1),
        "lat": 50.8034, "lon": 6.4836, "organization_title": "Caritas",
    }
    base.update(kw)
    return base


def test_open_offer_in_german_and_english():
    de = present.present(row(), WED_1400, "de")
    assert (de["status"], de["hours_text"]) == ("open", "geöffnet bis 20:00")
    en = present.present(row(), WED_1400, "en")
    assert en["category_label"] == "Meals"
    assert en["hours_text"].startswith("open until 20:00")


def test_closed_offer_says_when_it_opens():
    item = present.present(row(opening_hours="Mo-Su 18:00-08:00", category="shelter"), WED_1400)
    assert item["status"] == "closed"
    assert item["hours_text"] == "öffnet um 18:00"


def test_unknown_hours():
    item = present.present(row(opening_hours=None), WED_1400)
    assert item["status"] == "unknown"
    assert (item["status_label"], item["hours_text"]) == ("Öffnungszeiten unbekannt", "")


def test_temporarily_closed_is_closed_with_alert():
    item = present.present(row(offer_status="temporarily_closed", status_note="Renovierung"),
                           WED_1400)
    assert item["status"] == "closed" and item["temporarily_closed"]
    # one clear statement, no "Jetzt geschlossen: geschlossen", no weekly hours text
    assert (item["status_label"], item["hours_text"]) == ("Vorübergehend geschlossen", "")
    assert item["status_note"] == "Renovierung" and item["alerts"] == []
    en = present.present(row(offer_status="temporarily_closed"), WED_1400, "en")
    assert (en["status_label"], en["hours_text"], en["alerts"]) == ("Temporarily closed", "", [])


def test_seasonal_offer_before_during_and_after_the_season():
    season = {"valid_from": dt.date(2026, 12, 1), "valid_until": dt.date(2027, 3, 31)}
    before = present.present(row(**season), WED_1400)
    assert before["status"] == "closed" and not before["in_season"]
    assert (before["status_label"], before["hours_text"]) == (
        "Außerhalb der Saison", "Saisonangebot, geöffnet ab 01.12.2026")
    assert before["alerts"] == []
    during = present.present(row(**season), dt.datetime(2027, 1, 6, 14, tzinfo=TZ))
    assert during["status"] == "open"
    assert during["alerts"] == ["Saisonangebot bis 31.03.2027"]
    after = present.present(row(**season), dt.datetime(2027, 4, 7, 14, tzinfo=TZ), "en")
    assert after["status"] == "closed"
    assert (after["status_label"], after["hours_text"]) == ("Not in season",
                                                           "Season ended on 2027-03-31")


def test_nrw_holiday_counts_fronleichnam():
    # Thursday 4 June 2026 is Fronleichnam in NRW, not a national holiday.
    item = present.present(row(opening_hours="Mo-Fr 12:00-20:00; PH off"),
                           dt.datetime(2026, 6, 4, 14, tzinfo=TZ))
    assert item["status"] == "closed"


def test_links_and_stale_flag():
    item = present.present(row(last_verified=dt.date(2025, 1, 1)), WED_1400, "de", 365)
    assert item["tel"] == "tel:024215550100"
    assert item["geo_uri"] == "geo:50.803400,6.483600"
    assert item["osm_url"] == "https://www.openstreetmap.org/?mlat=50.803400&mlon=6.483600"
    assert item["stale"] and "365 Tagen" in item["stale_text"]
    assert item["last_verified_text"] == "01.01.2025"
    fresh = present.present(row(), WED_1400, "de", 365)
    assert not fresh["stale"] and fresh["stale_text"] is None
    never = present.present(row(last_verified=None), WED_1400, "en")
    assert never["stale"] and never["stale_text"].startswith("Never verified")


def test_approximate_offer_has_no_street_in_the_address():
    item = present.present(row(location_visibility="approximate", street=None,
                               district="Nord"), WED_1400)
    assert item["address"] == "Ungefähre Lage: 52349 Düren-Nord"
    assert item["approximate"]


@pytest.mark.parametrize("phone, uri", [
    ("+49 2421 555", "tel:+492421555"), ("", None), (None, None), ("12", None)])
def test_tel_uri(phone, uri):
    assert present.tel_uri(phone) == uri


def test_open_now_filter_for_a_fixed_clock():
    rows = [row(name="day", opening_hours="Mo-Fr 09:00-17:00"),
            row(name="night", opening_hours="Mo-Su 18:00-08:00"),
            row(name="closed", opening_hours="Mo-Fr 09:00-17:00", offer_status="temporarily_closed"),
            row(name="none", opening_hours=None)]
    def names(at):
        return [r["name"] for r in present.apply_time_filters(rows, Filters(open_now=True), at)]
    assert names(WED_1400) == ["day"]
    assert names(WED_2300) == ["night"]
    assert names(THU_0300) == ["night"]


def test_tonight_window_and_filter():
    assert present.night_window(WED_1400) == (
        dt.datetime(2026, 11, 25, 22, tzinfo=TZ), dt.datetime(2026, 11, 26, 6, tzinfo=TZ))
    # after midnight "tonight" is the current night, from now on
    assert present.night_window(THU_0300) == (THU_0300, dt.datetime(2026, 11, 26, 6, tzinfo=TZ))
    bed = {"category": "shelter", "services": ["shelter"]}
    rows = [row(name="evening", opening_hours="Mo-Su 18:00-08:00", **bed),
            row(name="day", opening_hours="Mo-Fr 09:00-17:00", **bed),
            row(name="fri-sat", opening_hours="Fr,Sa 20:00-08:00", **bed),
            row(name="later-season", opening_hours="24/7", valid_from=dt.date(2026, 12, 1), **bed),
            row(name="night-cafe", opening_hours="Mo-Su 20:00-02:00"),  # open, but no bed
            row(name="bed-in-a-day-centre", category="day_centre", services=["shelter"],
                opening_hours="Mo-Su 18:00-08:00")]
    got = [r["name"] for r in present.apply_time_filters(rows, Filters(tonight=True), WED_1400)]
    assert got == ["evening", "bed-in-a-day-centre"]


def test_feature_collection_carries_only_what_the_popup_needs():
    item = present.present(row(), WED_1400)
    fc = present.feature_collection([item], {"x": "/hilfe/x"})
    feat = fc["features"][0]
    assert feat["geometry"] == {"type": "Point", "coordinates": [6.4836, 50.8034]}
    assert feat["properties"]["url"] == "/hilfe/x"
    assert "phone" not in feat["properties"]


def test_icon_letters_follow_the_ui_language():
    assert present.present(row(), WED_1400, "de")["icon"] == "E"        # Essen
    assert present.present(row(), WED_1400, "en")["icon"] == "M"        # Meal
    assert present.present(row(), WED_1400, "tr")["icon"] == "M"        # falls back to English
    for lang in ("de", "en"):   # one distinct symbol per category in each language
        assert len(set(present.ICONS[lang].values())) == len(present.ICONS[lang]) == 12


def test_a_closure_with_its_last_day_ends_by_itself():
    closed = row(offer_status="temporarily_closed", closed_until=dt.date(2026, 12, 15),
                 status_note="Renovierung")
    during = present.present(closed, WED_1400)
    assert (during["status"], during["status_label"]) == ("closed",
                                                          "Vorübergehend geschlossen bis 15.12.")
    assert present.present(closed, WED_1400, "en")["status_label"] == \
        "Temporarily closed until 12/15"
    last_day = present.present(closed, dt.datetime(2026, 12, 15, 14, tzinfo=TZ))
    assert last_day["status"] == "closed"
    # from the day after, the opening hours count again — nobody has to flip the status
    after = present.present(closed, dt.datetime(2026, 12, 16, 14, tzinfo=TZ))
    assert (after["status"], after["temporarily_closed"]) == ("open", False)
    assert present.apply_time_filters([closed], Filters(open_now=True),
                                      dt.datetime(2026, 12, 16, 14, tzinfo=TZ)) == [closed]
