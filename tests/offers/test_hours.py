"""Tests for ckanext.keck_homeless.offers.hours (plain unit tests, no CKAN).

Times are Europe/Berlin wall times unless an explicit tzinfo is given.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import opening_hours as oh
import pytest

from ckanext.keck_homeless.offers import hours
from ckanext.keck_homeless.offers.hours import (
    HoursState,
    OpeningHoursError,
    describe_state,
    evaluate,
    intervals,
    normalize,
    validate,
    week_table,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def berlin(*args, fold=0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN, fold=fold)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def check(expr, at, status, next_change, next_status=None):
    """Evaluate and compare status and next change (as an instant)."""
    state = evaluate(expr, at)
    assert state.status == status, state
    if next_change is None:
        assert state.next_change is None, state
    else:
        assert state.next_change == next_change, state
        assert state.next_change.tzinfo is not None
        # same instant *and* same Berlin wall clock / offset
        assert state.next_change.utcoffset() == next_change.astimezone(BERLIN).utcoffset()
    if next_status is not None:
        assert state.next_status == next_status, state
    return state


# --------------------------------------------------------------------------
# NRW public holidays
# --------------------------------------------------------------------------

WORKDAYS_PH_OFF = "Mo-Fr 09:00-17:00; PH off"


def test_fronleichnam_2025_is_a_holiday_in_nrw():
    # Thursday 19 June 2025: Corpus Christi, a holiday in NRW (not nationwide)
    assert hours.is_public_holiday(dt.date(2025, 6, 19))
    assert hours.is_public_holiday(dt.date(2024, 11, 1))
    assert not hours.is_public_holiday(dt.date(2025, 6, 18))
    assert not hours.is_public_holiday(dt.date(2025, 10, 31))  # Reformationstag: not NRW


def test_fronleichnam_ph_off_closed_until_next_working_day():
    state = check(WORKDAYS_PH_OFF, dt.datetime(2025, 6, 19, 10, 0), "closed",
                  berlin(2025, 6, 20, 9, 0), "open")
    assert state.at == berlin(2025, 6, 19, 10, 0)


def test_day_before_fronleichnam_skips_the_holiday():
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 6, 18, 10, 0), "open", berlin(2025, 6, 18, 17, 0),
          "closed")
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 6, 18, 18, 0), "closed", berlin(2025, 6, 20, 9, 0),
          "open")


def test_allerheiligen_2024_friday_closed_until_monday():
    check(WORKDAYS_PH_OFF, dt.datetime(2024, 11, 1, 10, 0), "closed", berlin(2024, 11, 4, 9, 0))
    check(WORKDAYS_PH_OFF, dt.datetime(2024, 10, 31, 18, 0), "closed", berlin(2024, 11, 4, 9, 0))
    # the Monday after: normal again
    check(WORKDAYS_PH_OFF, dt.datetime(2024, 11, 4, 9, 0), "open", berlin(2024, 11, 4, 17, 0))


def test_national_holidays_still_apply():
    # Christi Himmelfahrt 29 May 2025 (Thursday) and 1st Christmas Day 2025
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 5, 29, 12, 0), "closed", berlin(2025, 5, 30, 9, 0))
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 12, 25, 12, 0), "closed", berlin(2025, 12, 29, 9, 0))


def test_normal_weekday():
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 6, 17, 12, 0), "open", berlin(2025, 6, 17, 17, 0),
          "closed")
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 6, 17, 8, 59), "closed", berlin(2025, 6, 17, 9, 0),
          "open")
    check(WORKDAYS_PH_OFF, dt.datetime(2025, 6, 21, 12, 0), "closed", berlin(2025, 6, 23, 9, 0))


def test_ph_only_hours():
    expr = "PH 10:00-12:00"
    check(expr, dt.datetime(2025, 6, 19, 11, 0), "open", berlin(2025, 6, 19, 12, 0))
    check(expr, dt.datetime(2025, 6, 19, 9, 0), "closed", berlin(2025, 6, 19, 10, 0))
    # on an ordinary day the next opening is the next NRW holiday
    check(expr, dt.datetime(2025, 6, 18, 9, 0), "closed", berlin(2025, 6, 19, 10, 0))
    check(expr, dt.datetime(2025, 10, 4, 9, 0), "closed", berlin(2025, 11, 1, 10, 0))


def test_ph_off_alone_and_ph_with_sunday():
    check("PH off", dt.datetime(2025, 6, 19, 9, 0), "closed", None)
    check("Su,PH 10:00-12:00", dt.datetime(2025, 6, 18, 9, 0), "closed",
          berlin(2025, 6, 19, 10, 0))
    check("Su,PH 10:00-12:00", dt.datetime(2025, 6, 19, 10, 30), "open",
          berlin(2025, 6, 19, 12, 0))
    check("Mo-Fr 09:00-12:00; PH off", dt.datetime(2025, 6, 19, 10, 0), "closed",
          berlin(2025, 6, 20, 9, 0))


def test_ph_with_day_offset():
    expr = "PH -1 day 10:00-12:00"  # the day before a holiday
    check(expr, dt.datetime(2025, 6, 18, 11, 0), "open", berlin(2025, 6, 18, 12, 0))
    check(expr, dt.datetime(2025, 10, 31, 11, 0), "open", berlin(2025, 10, 31, 12, 0))
    check(expr, dt.datetime(2025, 10, 30, 11, 0), "closed", berlin(2025, 10, 31, 10, 0))


@pytest.mark.parametrize("expr", ["PH Mo-Fr 10:00-12:00", "Mo-Fr PH 10:00-12:00"])
def test_space_separated_holiday_and_weekday_is_a_union(expr):
    # validate() rejects this spelling, but stored values still evaluate the
    # way opening-hours-py reads them: holidays OR Mo-Fr. Allerheiligen 2025
    # is a Saturday.
    check(expr, dt.datetime(2025, 11, 1, 11, 0), "open", berlin(2025, 11, 1, 12, 0))
    check(expr, dt.datetime(2025, 11, 8, 11, 0), "closed", berlin(2025, 11, 10, 10, 0))


def test_fronleichnam_behaves_like_a_national_holiday_on_the_same_weekday():
    """Our NRW evaluation on Thursday 19 June 2025 (Fronleichnam) equals the
    library's own (national) evaluation on Thursday 29 May 2025 (Ascension)."""
    exprs = [WORKDAYS_PH_OFF, "PH 10:00-12:00", "Mo-Su 18:00-08:00; PH off",
             "Mo-Su 08:00-20:00; PH 10:00-14:00", "Mo-Fr 09:00-12:00, PH 14:00-16:00",
             "Th,PH off; 10:00-18:00", "PH -1 day 12:00-14:00; Mo-Fr 08:00-16:00"]
    shift = dt.date(2025, 6, 19) - dt.date(2025, 5, 29)
    for expr in exprs:
        lib = oh.OpeningHours(expr, timezone=BERLIN, country="DE")
        for hour in range(-30, 54):  # Tuesday 18:00 .. Saturday 06:00
            t_lib = berlin(2025, 5, 29) + dt.timedelta(hours=hour)
            t_nrw = t_lib + shift
            mine = evaluate(expr, t_nrw)
            assert mine.status == str(lib.state(t_lib)[0]), (expr, t_nrw)


# Days whose evaluation involves an NRW-only holiday (the day itself, the day
# after for spill-over, the day before for "PH -1 day").
_NRW_ONLY = [dt.date(2025, 6, 19), dt.date(2025, 11, 1)]
_NRW_ONLY_AFFECTED = {h + dt.timedelta(days=k) for h in _NRW_ONLY for k in (-1, 0, 1)}

CORPUS = [
    WORKDAYS_PH_OFF,
    "Mo-Su 18:00-08:00; PH off",
    "Mo-Sa 08:00-20:00; Su,PH 10:00-14:00",
    "Mo,We,Fr 10:00-12:00,14:00-16:00; PH 11:00-13:00",
    "Nov-Mar: Mo-Su 18:00-08:00",
    "PH -1 day 10:00-12:00; Mo-Fr 13:00-15:00",
    "Mo-Fr 08:00-12:00 open \"Frühstück\", Mo-Fr 12:00-16:00 open \"Mittag\"; PH off",
    "Mo-Fr 09:00-17:00; Sa unknown; PH closed",
    "Mo-Fr 09:00-17:00 || Sa unknown \"nach Vereinbarung\"",
    "week 01-26 Tu 10:00-12:00; week 27-53 Th 10:00-12:00; PH off",
    "Jan 01-Mar 15,Oct 15-Dec 31 Mo-Fr 17:00-09:00; Dec 24-26 off; easter off",
    "2025 Jun-Aug Sa 10:00-14:00; Mo[1] 14:00-16:00; PH +1 day 08:00-10:00",
    "Mo-Fr 10:00-12:00, PH,SH 14:00-16:00",
    "Mo-Su 22:00-30:00; Su off",
]


@pytest.mark.parametrize("expr", CORPUS)
def test_matches_library_with_national_holidays_outside_nrw_only_days(expr):
    """Outside the NRW-only holidays our result must equal the library's own
    evaluation with country="DE" - for status and next change."""
    lib = oh.OpeningHours(expr, timezone=BERLIN, country="DE", max_interval_days=400)
    t = berlin(2025, 1, 1, 0, 30)
    end = berlin(2026, 1, 1)
    checked = 0
    while t < end:
        if t.date() not in _NRW_ONLY_AFFECTED:
            mine = evaluate(expr, t)
            state, comment = lib.state(t)
            assert mine.status == str(state), (expr, t)
            expected = lib.next_change(t)
            # compare next status change only when the library's first change
            # is a status change and no NRW-only day lies in between
            if expected is not None and lib.state(expected)[0] != state:
                crosses = any(t.date() <= d <= expected.date() for d in _NRW_ONLY_AFFECTED)
                if not crosses:
                    assert mine.next_change == expected, (expr, t)
                    checked += 1
        t += dt.timedelta(hours=5, minutes=7)
    assert checked > 100


@pytest.mark.parametrize("expr", CORPUS[:5])
def test_intervals_match_library_in_a_week_without_nrw_only_holidays(expr):
    start, end = berlin(2025, 3, 24), berlin(2025, 4, 7)  # includes the DST switch
    lib = oh.OpeningHours(expr, timezone=BERLIN, country="DE")
    expected = [(s, e, str(st), c) for s, e, st, c in lib.intervals(start, end)
                if s < e]
    got = [tuple(i) for i in intervals(expr, start, end)]
    assert got == expected


# --------------------------------------------------------------------------
# Daylight saving time and past-midnight hours
# --------------------------------------------------------------------------

NIGHT = "18:00-08:00"


def test_dst_spring_forward_night_shelter_before_and_after_the_switch():
    # 30 March 2025: 02:00 CET -> 03:00 CEST
    check(NIGHT, dt.datetime(2025, 3, 30, 1, 30), "open", berlin(2025, 3, 30, 8, 0), "closed")
    check(NIGHT, dt.datetime(2025, 3, 30, 3, 30), "open", berlin(2025, 3, 30, 8, 0), "closed")
    # closes at 08:00 CEST = 06:00 UTC (not 07:00 UTC)
    state = evaluate(NIGHT, dt.datetime(2025, 3, 30, 1, 30))
    assert state.next_change.astimezone(UTC) == utc(2025, 3, 30, 6, 0)
    assert state.next_change.utcoffset() == dt.timedelta(hours=2)


def test_dst_spring_forward_nonexistent_and_aware_input():
    # 02:30 does not exist that night: read as 03:30 CEST
    state = evaluate(NIGHT, dt.datetime(2025, 3, 30, 2, 30))
    assert state.at == berlin(2025, 3, 30, 3, 30)
    assert state.status == "open"
    # aware UTC input is converted: 00:30 UTC = 01:30 CET
    check(NIGHT, utc(2025, 3, 30, 0, 30), "open", utc(2025, 3, 30, 6, 0))
    # the evening before: 20:00 CET -> 08:00 CEST is only 11 hours
    state = check(NIGHT, dt.datetime(2025, 3, 29, 20, 0), "open", berlin(2025, 3, 30, 8, 0))
    assert state.until_change == dt.timedelta(hours=11)


def test_dst_fall_back_ambiguous_hour():
    # 26 October 2025: 03:00 CEST -> 02:00 CET, 02:30 happens twice
    for at in (berlin(2025, 10, 26, 2, 30, fold=0), berlin(2025, 10, 26, 2, 30, fold=1),
               utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30)):
        state = check(NIGHT, at, "open", utc(2025, 10, 26, 7, 0), "closed")
        assert state.next_change.utcoffset() == dt.timedelta(hours=1)  # 08:00 CET
    assert evaluate(NIGHT, utc(2025, 10, 26, 0, 30)).at.utcoffset() == dt.timedelta(hours=2)
    assert evaluate(NIGHT, utc(2025, 10, 26, 1, 30)).at.utcoffset() == dt.timedelta(hours=1)
    # 20:00 CEST -> 08:00 CET is 13 hours
    state = evaluate(NIGHT, dt.datetime(2025, 10, 25, 20, 0))
    assert state.until_change == dt.timedelta(hours=13)
    assert state.next_change == berlin(2025, 10, 26, 8, 0)


def test_past_midnight_friday_night():
    expr = "Fr 18:00-08:00"
    check(expr, dt.datetime(2025, 6, 21, 2, 0), "open", berlin(2025, 6, 21, 8, 0))  # Saturday
    check(expr, dt.datetime(2025, 6, 20, 2, 0), "closed", berlin(2025, 6, 20, 18, 0))  # Friday
    check(expr, dt.datetime(2025, 6, 21, 9, 0), "closed", berlin(2025, 6, 27, 18, 0))
    check("Mo-Su 18:00-08:00", dt.datetime(2025, 6, 17, 12, 0), "closed",
          berlin(2025, 6, 17, 18, 0))


def test_seasonal_night_shelter():
    expr = "Nov-Mar: Mo-Su 18:00-08:00"
    check(expr, dt.datetime(2025, 7, 15, 12, 0), "closed", berlin(2025, 11, 1, 18, 0), "open")
    check(expr, dt.datetime(2025, 11, 1, 19, 0), "open", berlin(2025, 11, 2, 8, 0))
    check(expr, dt.datetime(2025, 12, 24, 23, 0), "open", berlin(2025, 12, 25, 8, 0))
    # the last night of March runs into the morning of 1 April
    check(expr, dt.datetime(2026, 3, 31, 20, 0), "open", berlin(2026, 4, 1, 8, 0))
    check(expr, dt.datetime(2026, 4, 1, 9, 0), "closed", berlin(2026, 11, 1, 18, 0))


# --------------------------------------------------------------------------
# Constant, unknown, comments, fallback
# --------------------------------------------------------------------------


def test_24_7_and_off():
    state = check("24/7", dt.datetime(2025, 6, 19, 12, 0), "open", None)
    assert state.next_status is None and state.until_change is None
    check("off", dt.datetime(2025, 6, 19, 12, 0), "closed", None)


@pytest.mark.parametrize("value", ["", "   ", None, "Mo-Fr 9-17 Uhr"])
def test_empty_or_invalid_is_unknown(value):
    state = evaluate(value, dt.datetime(2025, 6, 18, 12, 0))
    assert state == HoursState("unknown", None, None, "", berlin(2025, 6, 18, 12, 0))


def test_unknown_modifier():
    expr = "Mo-Fr 09:00-17:00; Sa unknown"
    check(expr, dt.datetime(2025, 6, 21, 10, 0), "unknown", berlin(2025, 6, 22, 0, 0), "closed")
    check(expr, dt.datetime(2025, 6, 20, 18, 0), "closed", berlin(2025, 6, 21, 0, 0), "unknown")


def test_comments():
    state = check('Mo-Fr 09:00-17:00 open "Frühstück"', dt.datetime(2025, 6, 18, 10, 0),
                  "open", berlin(2025, 6, 18, 17, 0))
    assert state.comment == "Frühstück"
    # a bare comment means unknown (OSM spec), not "open 24/7"
    state = check('"nach Vereinbarung"', dt.datetime(2025, 6, 18, 10, 0), "unknown", None)
    assert state.comment == "nach Vereinbarung"
    state = check('Mo-Fr "auf Anfrage"', dt.datetime(2025, 6, 18, 10, 0), "unknown",
                  berlin(2025, 6, 21, 0, 0), "closed")
    assert state.comment == "auf Anfrage"


def test_fallback_rule():
    expr = 'Mo-Fr 09:00-17:00 || "nach Vereinbarung"'
    # the fallback only applies on days the first rule does not select
    check(expr, dt.datetime(2025, 6, 18, 10, 0), "open", berlin(2025, 6, 18, 17, 0), "closed")
    # Saturday: only the fallback applies, for the whole day(s)
    state = check(expr, dt.datetime(2025, 6, 21, 10, 0), "unknown", berlin(2025, 6, 23, 0, 0),
                  "closed")
    assert state.comment == "nach Vereinbarung"
    # Friday evening: closed until the fallback starts on Saturday 00:00
    # (opening-hours-py alone reports no change at all here, see
    # _fix_unconditional_fallback)
    check(expr, dt.datetime(2025, 6, 20, 18, 0), "closed", berlin(2025, 6, 21, 0, 0), "unknown")
    assert [(i.start, i.status) for i in intervals(expr, berlin(2025, 6, 20, 18),
                                                     berlin(2025, 6, 23, 12))] == [
        (berlin(2025, 6, 20, 18), "closed"),
        (berlin(2025, 6, 21, 0), "unknown"),
        (berlin(2025, 6, 23, 0), "closed"),
        (berlin(2025, 6, 23, 9), "open"),
    ]


def test_ph_with_positive_day_offset():
    # the day after a holiday
    expr = "PH +1 day 10:00-12:00"
    check(expr, dt.datetime(2025, 6, 20, 11, 0), "open", berlin(2025, 6, 20, 12, 0))
    check(expr, dt.datetime(2025, 6, 19, 11, 0), "closed", berlin(2025, 6, 20, 10, 0))


def test_comment_only_changes_are_skipped():
    expr = 'Mo-Fr 08:00-12:00 open "Frühstück", Mo-Fr 12:00-16:00 open "Mittag"'
    state = check(expr, dt.datetime(2025, 6, 17, 10, 0), "open", berlin(2025, 6, 17, 16, 0))
    assert state.comment == "Frühstück"
    assert evaluate(expr, dt.datetime(2025, 6, 17, 13, 0)).comment == "Mittag"


def test_expired_expression_is_closed_for_good():
    check("2020 Mo 10:00-12:00", dt.datetime(2025, 6, 17, 10, 0), "closed", None)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "Mo-Fr 09:00-17:00",
    "Mo-Fr 09:00-17:00; PH off",
    "Mo-Su 18:00-08:00",
    "Nov-Mar: Mo-Su 18:00-08:00",
    "24/7",
    '"nach Vereinbarung"',
    'Mo-Fr 08:00-12:00 || "nach Vereinbarung"',
    "Mo-Fr,PH 10:00-12:00",
    "Mo 10:00-12:00; Tu unknown",
    "PH -1 day 10:00-12:00",
])
def test_valid_values_are_accepted(value):
    assert validate(f"  {value} ") == value


@pytest.mark.parametrize("value,hint_de,hint_en", [
    ("Mo-Fr 9-17 Uhr", "ohne „Uhr“", "Leave out “Uhr”"),
    ("Mo-Fr 8-20 Uhr", "mit Doppelpunkt", "HH:MM"),
    ("täglich", "Mo-Su", "Mo-Su"),
    ("nach Vereinbarung", 'z. B. "nach Vereinbarung"', "double quotes"),
    ("Di-Fr 09:00-17:00", "englischen Kürzeln", "weekday abbreviations"),
    ("Mo-Fr 9.00-17.00", "mit Doppelpunkt", "HH:MM"),
])
def test_free_text_is_rejected_in_german_and_english(value, hint_de, hint_en):
    with pytest.raises(OpeningHoursError) as info:
        validate(value)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == "syntax"
    de, en = err.text("de"), err.text("en")
    assert de.startswith(f"„{value}“ ist keine gültige Angabe")
    assert en.startswith(f"“{value}” is not valid OpenStreetMap opening_hours syntax")
    assert hint_de in de
    assert hint_en in en
    assert err.msg.text("de") == de
    assert str(err) == en


def test_error_position_is_reported():
    with pytest.raises(OpeningHoursError) as info:
        validate("Mo-Fr 9-17 Uhr")
    assert "Fehler ab Zeichen 7" in info.value.text("de")
    assert "error at character 7" in info.value.text("en")


@pytest.mark.parametrize("value", ["", "  ", None])
def test_empty_is_rejected(value):
    with pytest.raises(OpeningHoursError) as info:
        validate(value)
    assert info.value.code == "empty"
    assert info.value.text("de") == "Bitte Öffnungszeiten angeben."


def test_too_long_is_rejected():
    with pytest.raises(OpeningHoursError) as info:
        validate("; ".join(["Mo 10:00-12:00"] * 20))
    assert info.value.code == "too_long"
    assert "255" in info.value.text("de") and "255" in info.value.text("en")


@pytest.mark.parametrize("value", ["PH Mo-Fr 10:00-12:00", "Mo-Fr PH 10:00-12:00"])
def test_holiday_and_weekday_separated_by_space_is_rejected(value):
    with pytest.raises(OpeningHoursError) as info:
        validate(value)
    assert info.value.code == "ambiguous_holiday"
    assert "Mo-Fr,PH" in info.value.text("de") and "Mo-Fr,PH" in info.value.text("en")


def test_normalize():
    assert normalize(" Mo-Su 10:00-12:00, Mo-Fr 14:00-18:00 ") == (
        "Mo-Fr 10:00-12:00,14:00-18:00; Sa-Su 10:00-12:00")
    assert normalize("Nov-Mar: Mo-Su 18:00-08:00; PH off") == (
        "Nov-Mar Mo-Su 18:00-08:00; PH closed")
    # the canonical form would drop "open" and make the rule unknown here
    assert normalize('Mo-Fr 09:00-17:00 open "a"') == 'Mo-Fr 09:00-17:00 open "a"'
    with pytest.raises(OpeningHoursError):
        normalize("täglich")


def test_warnings():
    codes = hours.warnings('Mo-Fr 09:00-12:00 "Frühstück"; SH off')
    assert hours.WARN["bare_comment"] in codes
    assert hours.WARN["school_holidays"] in codes
    assert hours.warnings("Mo-Fr 09:00-12:00 open \"Frühstück\"") == []
    assert hours.warnings("nonsense") == []


# --------------------------------------------------------------------------
# Texts for humans
# --------------------------------------------------------------------------


def describe(expr, at, lang):
    return describe_state(evaluate(expr, at), at, lang)


def test_describe_open_until():
    at = dt.datetime(2025, 6, 17, 12, 0)
    assert describe("Mo-Fr 09:00-20:00", at, "de") == "geöffnet bis 20:00"
    assert describe("Mo-Fr 09:00-20:00", at, "en") == "open until 20:00"


def test_describe_opens_today():
    at = dt.datetime(2025, 6, 17, 12, 0)
    assert describe("Mo-Su 18:00-08:00", at, "de") == "öffnet um 18:00"
    assert describe("Mo-Su 18:00-08:00", at, "en") == "opens at 18:00"


def test_describe_opens_another_day():
    at = dt.datetime(2025, 6, 21, 12, 0)  # Saturday
    assert describe("Mo-Fr 09:00-17:00", at, "de") == "öffnet Mo 09:00"
    assert describe("Mo-Fr 09:00-17:00", at, "en") == "opens Mon 09:00"
    # Fronleichnam: next opening is Friday
    at = dt.datetime(2025, 6, 19, 10, 0)
    assert describe(WORKDAYS_PH_OFF, at, "de") == "öffnet Fr 09:00"
    assert describe(WORKDAYS_PH_OFF, at, "en") == "opens Fri 09:00"


def test_describe_far_away_and_overnight():
    at = dt.datetime(2025, 7, 15, 12, 0)
    expr = "Nov-Mar: Mo-Su 18:00-08:00"
    assert describe(expr, at, "de") == "öffnet Sa 01.11. 18:00"
    assert describe(expr, at, "en") == "opens Sat 1 Nov 18:00"
    at = dt.datetime(2025, 11, 1, 20, 0)
    assert describe(expr, at, "de") == "geöffnet bis So 08:00"
    assert describe(expr, at, "en") == "open until Sun 08:00"
    at = dt.datetime(2025, 12, 20, 12, 0)
    assert describe("2026 Jan 05 10:00-12:00", at, "de") == "öffnet Mo 05.01.2026 10:00"
    assert describe("2026 Jan 05 10:00-12:00", at, "en") == "opens Mon 5 Jan 2026 10:00"
    at = dt.datetime(2025, 12, 30, 12, 0)  # within six days: weekday only
    assert describe("2026 Jan 05 10:00-12:00", at, "de") == "öffnet Mo 10:00"


def test_describe_unknown_constant_and_midnight():
    at = dt.datetime(2025, 6, 17, 12, 0)
    assert describe("", at, "de") == "Öffnungszeiten unbekannt"
    assert describe("", at, "en") == "opening hours unknown"
    assert describe('"nach Vereinbarung"', at, "de") == (
        "Öffnungszeiten unbekannt (nach Vereinbarung)")
    assert describe_state(evaluate('"x"', at), at, "de", with_comment=False) == (
        "Öffnungszeiten unbekannt")
    assert describe("24/7", at, "de") == "durchgehend geöffnet"
    assert describe("24/7", at, "en") == "open around the clock"
    assert describe("off", at, "de") == "geschlossen"
    assert describe("off", at, "en") == "closed"
    assert describe("Mo-Su 10:00-24:00", at, "de") == "geöffnet bis 24:00"
    assert describe("Mo-Su 10:00-24:00", at, "en") == "open until midnight"
    friday_evening = dt.datetime(2025, 6, 20, 18, 0)
    assert describe("Mo-Fr 09:00-17:00; Sa unknown", friday_evening, "de") == (
        "geschlossen bis Sa 00:00")
    assert describe("Mo-Fr 09:00-17:00; Sa unknown", friday_evening, "en") == (
        "closed until Sat 00:00")


def test_describe_defaults_to_state_time_and_german():
    state = evaluate("Mo-Fr 09:00-20:00", dt.datetime(2025, 6, 17, 12, 0))
    assert describe_state(state) == "geöffnet bis 20:00"
    assert describe_state(state, lang="en_GB") == "open until 20:00"
    assert hours.describe("Mo-Fr 09:00-20:00", dt.datetime(2025, 6, 17, 12, 0), "en") == (
        "open until 20:00")


def test_week_table_with_fronleichnam():
    table = week_table("Mo-Fr 09:00-12:00,14:00-17:00; PH off", dt.date(2025, 6, 16), "de")
    assert table == [
        ("Mo", [("09:00", "12:00"), ("14:00", "17:00")]),
        ("Di", [("09:00", "12:00"), ("14:00", "17:00")]),
        ("Mi", [("09:00", "12:00"), ("14:00", "17:00")]),
        ("Do", []),
        ("Fr", [("09:00", "12:00"), ("14:00", "17:00")]),
        ("Sa", []),
        ("So", []),
    ]


def test_week_table_overnight_and_english():
    table = week_table("Fr-Sa 20:00-08:00", dt.date(2025, 6, 16), "en")
    assert table == [("Mon", []), ("Tue", []), ("Wed", []), ("Thu", []),
                     ("Fri", [("20:00", "08:00")]), ("Sat", [("20:00", "08:00")]), ("Sun", [])]
    # a Sunday night is shown on Sunday, not again on the first Monday
    table = week_table("Su 22:00-06:00", dt.date(2025, 6, 16), "de")
    assert table[0] == ("Mo", []) and table[6] == ("So", [("22:00", "06:00")])


def test_week_table_whole_days():
    assert week_table("24/7", dt.date(2025, 6, 16), "de") == [
        (label, [("00:00", "24:00")]) for label in ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")]
    table = week_table("Fr 18:00-24:00; Sa-Su 00:00-24:00; Mo 00:00-08:00",
                       dt.date(2025, 6, 16), "de")
    assert table[0] == ("Mo", [("00:00", "08:00")])
    assert table[4] == ("Fr", [("18:00", "24:00")])
    assert table[5] == ("Sa", [("00:00", "24:00")])
    assert week_table("", dt.date(2025, 6, 16), "de")[0] == ("Mo", [])
