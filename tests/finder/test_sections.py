"""finder/sections.py: the list answers "where can I sleep tonight / who is open now" first.

Plain pytest: rows → present.present / present_protected → sections.arrange,
at fixed instants. Expected groups are written out by hand from the hours.
"""
from __future__ import annotations

import datetime as dt

from ckanext.keck_homeless.finder import present, protected, sections
from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.offers.hours import TZ

THU_2030 = dt.datetime(2026, 11, 26, 20, 30, tzinfo=TZ)   # a Thursday evening
THU_1200 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=TZ)


def row(name, category="meal", hours="Mo-Fr 12:00-20:00", **kw):
    base = {"name": name, "title": name.title(), "category": category, "services": [category],
            "street": "Markt 1", "postcode": "52349", "municipality_name": "Düren",
            "district": None, "location_visibility": "public", "opening_hours": hours,
            "offer_status": "active", "status_note": None, "valid_from": None,
            "valid_until": None, "phone": "0221 4710-100", "last_verified": dt.date(2026, 11, 1),
            "lat": 50.8, "lon": 6.48}
    base.update(kw)
    return base


ROWS = [
    row("medical-bus", "medical", "Th 09:00-12:00"),                      # closed, not today
    row("night-shelter", "shelter", "Mo-Su 19:00-09:00"),                 # open now, night
    row("winter-shelter", "shelter", "Mo-Su 21:00-08:00"),                # opens 21:00, night
    row("day-shelter-only", "shelter", "Mo-Fr 08:00-16:00"),              # shelter, not at night
    row("soup", "meal", "Mo-Su 18:00-22:00"),                             # open now
    row("cafe", "day_centre", "Mo-Su 18:00-21:00"),                       # open now, closes first
    row("breakfast", "meal", "Mo-Su 22:30-23:30"),                        # opens in 2 h → soon
    row("tomorrow", "counselling", "Mo-Fr 09:00-12:00"),                  # later
    row("renovation", "hygiene", "Mo-Su 00:00-24:00", offer_status="temporarily_closed"),
    row("unknown", "clothing", None),
]

WOMENS_SHELTER = {
    "name": "frauenhaus", "title": "Frauenhaus", "category": "protection",
    "location_visibility": "hidden", "offer_status": "active", "private": False,
    "state": "active", "phone": "0221 4710-203", "street": "Geheimweg 1",
    "opening_hours": "24/7", "women_only": "true", "services": '["protection"]',
}


NO_FILTER = Filters()


def groups_at(now, rows=ROWS, hidden=(WOMENS_SHELTER,), filters=NO_FILTER):
    items = [present.present(r, now) for r in present.apply_time_filters(rows, filters, now)]
    views = protected.select(list(hidden), filters)
    items += [present.present_protected(v, now)
              for v in present.apply_time_filters(views, filters, now)]
    return {g.key: [i["name"] for i in g.items] for g in sections.arrange(items, now)}


def test_thursday_evening_puts_tonight_first_then_open_soon_rest():
    groups = groups_at(THU_2030)
    assert list(groups) == ["tonight", "open", "soon", "later"]
    # open now first (shelter and the 24/7 protected one, by title), then by opening time
    assert groups["tonight"] == ["frauenhaus", "night-shelter", "winter-shelter"]
    assert groups["open"] == ["cafe", "soup"]          # the one closing first on top
    assert groups["soon"] == ["breakfast"]
    assert groups["later"] == ["day-shelter-only", "medical-bus", "renovation", "tomorrow",
                               "unknown"]


def test_every_offer_is_in_exactly_one_group():
    for now in (THU_1200, THU_2030, dt.datetime(2026, 11, 27, 3, 0, tzinfo=TZ)):
        groups = groups_at(now)
        names = [n for g in groups.values() for n in g]
        assert sorted(names) == sorted([r["name"] for r in ROWS] + ["frauenhaus"])


def test_at_noon_the_night_places_are_still_first_with_their_opening_time():
    groups = groups_at(THU_1200)
    assert groups["tonight"] == ["frauenhaus", "night-shelter", "winter-shelter"]
    # the day-only shelter is open at noon, but not a bed for tonight
    assert "day-shelter-only" in groups["open"]


def test_protected_offers_follow_the_women_and_tonight_filters_with_hours():
    women = groups_at(THU_2030, filters=Filters(women=True), rows=[])
    assert women == {"tonight": ["frauenhaus"]}
    tonight = groups_at(THU_2030, filters=Filters(tonight=True))
    assert tonight["tonight"] == ["frauenhaus", "night-shelter", "winter-shelter"]
    assert set(tonight) == {"tonight"}
    item = present.present_protected(protected.select([WOMENS_SHELTER], Filters())[0], THU_2030)
    assert (item["status_label"], item["hours_text"]) == ("Jetzt geöffnet",
                                                          "durchgehend geöffnet")
    assert "Geheimweg" not in repr(item)


def test_temporarily_closed_protected_offer_is_not_open_tonight():
    closed = {**WOMENS_SHELTER, "offer_status": "temporarily_closed"}
    assert groups_at(THU_2030, rows=[], hidden=(closed,)) == {"later": ["frauenhaus"]}
    assert groups_at(THU_2030, rows=[], hidden=(closed,), filters=Filters(tonight=True)) == {}


def test_admission_cut_off_changes_what_tonight_says():
    shelter = row("notschlafstelle", "shelter", "Mo-Su 19:00-09:00", admission_until="23:00",
                  requirements_note="Nach 23 Uhr über die Bereitschaftsnummer.")
    winter = row("winter", "shelter", "Mo-Su 21:00-08:00")

    def item(at, lang="de"):
        return present.present(shelter, at, lang)

    noon = item(THU_1200)
    assert (noon["status_label"], noon["hours_text"], noon["admission_text"]) == (
        "Jetzt geschlossen", "öffnet um 19:00", "Einlass bis 23:00")
    evening = item(THU_2030)
    assert (evening["status_label"], evening["admission_text"]) == ("Jetzt geöffnet",
                                                                    "Einlass bis 23:00")
    late = dt.datetime(2026, 11, 26, 23, 30, tzinfo=TZ)
    after = item(late)
    assert (after["status_label"], after["hours_text"]) == ("Kein Einlass mehr", "seit 23:00")
    assert after["requirements_note"] == "Nach 23 Uhr über die Bereitschaftsnummer."
    assert item(late, "en")["status_label"] == "No admission any more"
    # after midnight the cut-off of the opening that began yesterday still holds
    assert item(dt.datetime(2026, 11, 27, 3, 0, tzinfo=TZ))["status_label"] == "Kein Einlass mehr"
    # "jetzt geöffnet" leaves it out after 23:00; "heute Nacht" keeps it, after the beds that admit
    assert [r["name"] for r in present.apply_time_filters([shelter, winter],
                                                          Filters(open_now=True), late)] == ["winter"]
    groups = groups_at(late, rows=[shelter, winter], hidden=())
    assert groups == {"tonight": ["winter", "notschlafstelle"]}
    assert groups_at(THU_2030, rows=[shelter, winter], hidden=()) == {
        "tonight": ["notschlafstelle", "winter"]}


def test_cut_off_after_closing_time_means_nothing():
    early = row("early", "shelter", "Mo-Su 19:00-22:00", admission_until="23:00")
    item = present.present(early, THU_2030)
    assert item["admission_text"] == "" and item["admits"]


def test_paginate_cuts_the_groups_in_order_and_keeps_their_titles():
    from ckanext.keck_homeless.finder.sections import Group, paginate

    groups = [Group("tonight", "Heute Nacht", [{"n": 1}, {"n": 2}, {"n": 3}]),
              Group("open", "Jetzt geöffnet", [{"n": 4}]),
              Group("later", "Weitere", [{"n": 5}, {"n": 6}])]
    page, pages = paginate(groups, 1, 2)
    assert pages == 3 and [(g.key, [i["n"] for i in g.items]) for g in page] == [("tonight", [1, 2])]
    page, _ = paginate(groups, 2, 2)
    assert [(g.title, [i["n"] for i in g.items]) for g in page] == [
        ("Heute Nacht", [3]), ("Jetzt geöffnet", [4])]
    page, _ = paginate(groups, 9, 2)          # past the last: the last
    assert [[i["n"] for i in g.items] for g in page] == [[5, 6]]
    assert paginate(groups, 1, 0) == (groups, 1)   # 0: everything
    assert paginate([], 1, 10) == ([], 1)
