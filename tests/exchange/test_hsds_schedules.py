"""HSDS schedules from OSM opening hours: the round trip against hours.py."""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pytest

from ckanext.keck_homeless.exchange import hsds_schedules as hs
from ckanext.keck_homeless.offers import hours

DEMO_CSV = Path(__file__).parents[2] / "dev" / "demo" / "offers.csv"
TODAY = dt.date(2026, 12, 4)
#: hours the demo data does not have but partners write
EXTRA = ("Sa[1] 10:00-12:00", "Su[-1] 14:00-16:00", "Mo-Fr 09:00-12:00; PH 10:00-11:00",
         "Fr 18:00-24:00; Sa,Su 00:00-24:00; Mo 00:00-08:00", "Nov-Mar: Mo-Su 20:00-08:00",
         "Mo-Fr 08:00-12:00,13:00-16:00; We 08:00-12:00 \"nur mit Termin\"")


def _demo_hours() -> list[str]:
    with DEMO_CSV.open(encoding="utf-8") as fh:
        return sorted({r["opening_hours"] for r in csv.DictReader(fh) if r["opening_hours"]})


def _instants(count: int, seed: str) -> list[dt.datetime]:
    """``count`` instants in the 52 weeks the schedules describe, sampled in
    UTC (so no wall time falls into the DST gap), deterministic per ``seed``."""
    first, last = hs.horizon(TODAY)
    start = dt.datetime.combine(first, dt.time(), tzinfo=hours.TZ).astimezone(dt.timezone.utc)
    seconds = (last - first).days * 86400
    rng = random.Random(seed)
    return [start + dt.timedelta(seconds=rng.randrange(seconds)) for _ in range(count)]


def _expressible(value: str, at: dt.datetime) -> bool:
    """HSDS has no public holidays: skip instants on one (and the morning
    after, when an overnight opening began on it); "unknown" is no answer."""
    day = at.astimezone(hours.TZ).date()
    if hours.is_public_holiday(day) or hours.is_public_holiday(day - dt.timedelta(days=1)):
        return False
    return not hours.evaluate(value, at).is_unknown


@pytest.mark.parametrize("value", _demo_hours() + list(EXTRA))
def test_schedules_give_the_same_answer_as_the_evaluator(value):
    schedules = hs.schedules(value, TODAY)
    assert schedules and all(s["notes"].endswith(value) or value in s["notes"]
                             for s in schedules)
    compared = 0
    for at in _instants(200, value):
        if not _expressible(value, at):
            continue
        compared += 1
        expected = hours.evaluate(value, at).is_open
        assert hs.is_open(schedules, at) is expected, (value, at.astimezone(hours.TZ))
    assert compared >= 100, f"only {compared} of 200 instants were comparable"


def test_weekly_slots_merge_and_carry_their_utc_offset():
    found = hs.schedules("Mo-Fr 09:00-17:00", TODAY)
    winter = found[0]
    assert winter["freq"] == "WEEKLY" and winter["byday"] == "MO,TU,WE,TH,FR"
    assert (winter["opens_at"], winter["closes_at"]) == ("09:00+01:00", "17:00+01:00")
    # the last winter week ends on the Sunday before the first summer Monday
    assert "valid_from" not in winter and winter["valid_to"] == "2027-03-28"
    summer = found[1]
    assert summer["byday"] == "MO,TU,WE,TH,FR" and summer["opens_at"] == "09:00+02:00"
    assert (summer["valid_from"], summer["valid_to"]) == ("2027-03-29", "2027-10-31")
    assert len(found) == 3 and "valid_to" not in found[2]


def test_overnight_and_monthly_openings():
    night = hs.schedules("Mo-Su 18:00-08:00", TODAY)[0]
    assert (night["opens_at"], night["closes_at"]) == ("18:00+01:00", "08:00+01:00")
    assert night["byday"] == "MO,TU,WE,TH,FR,SA,SU"
    monthly = [s for s in hs.schedules("Sa[1] 10:00-12:00", TODAY) if s["freq"] == "MONTHLY"]
    assert [s["byday"] for s in monthly] == ["1SA", "1SA"]
    last = [s for s in hs.schedules("Su[-1] 14:00-16:00", TODAY) if s["freq"] == "MONTHLY"]
    assert last and all(s["byday"] == "-1SU" for s in last)


def test_what_hsds_cannot_express_stays_in_words():
    found = hs.schedules("Mo-Fr 09:00-17:00; PH off", TODAY, "Mittwochs nur Beratung")
    assert all("PH off" in s["notes"] and "Feiertagen" in s["notes"]
               and "Mittwochs nur Beratung" in s["notes"] for s in found)
    only_words = hs.schedules('"nach Vereinbarung"', TODAY)
    assert only_words == [{"description": "Keine regelmäßigen Öffnungszeiten angegeben.",
                           "notes": hs.notes('"nach Vereinbarung"')}]
    assert hs.schedules("", TODAY) == []


def test_evaluate_accepts_an_aware_wall_time_inside_the_dst_gap():
    # 02:30 on the last Sunday of March does not exist in Berlin; such a
    # value comes from adding a timedelta to a Berlin datetime
    at = dt.datetime(2027, 3, 28, 2, 30, tzinfo=hours.TZ)
    assert hours.evaluate("24/7", at).is_open
