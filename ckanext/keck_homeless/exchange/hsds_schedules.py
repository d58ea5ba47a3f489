"""HSDS 3.0 schedules from OSM ``opening_hours`` (no CKAN imports).

HSDS describes opening times as iCalendar-like recurrences (``freq``
``WEEKLY``/``MONTHLY``, ``byday``, ``opens_at``/``closes_at``, a validity
range); OSM ``opening_hours`` is a small language of its own (public
holidays, seasons, "first Saturday of the month", comments). Instead of
translating the syntax rule by rule — which would need a second parser with
its own mistakes — :func:`schedules` asks ``offers/hours.py`` (the evaluator
every other output uses) *when* the offer is open during the coming
52 weeks and describes exactly those periods:

* every open period is cut into pieces that start on one day and last at
  most 24 hours (an overnight shelter ``18:00-08:00`` stays one piece that
  closes the next morning; ``24/7`` becomes 00:00–00:00 every day);
* pieces with the same weekday, times, UTC offsets and comment are one
  recurring slot; a slot that occurs every week over a run of weeks is a
  ``WEEKLY`` schedule over that run; a slot that occurs exactly on every
  n-th (or last) weekday of the month is ``MONTHLY`` with ``byday=1SA``
  (``-1SA`` for the last one);
* slots with the same times and validity are merged into one ``byday``.

Times carry their UTC offset (``09:00+01:00``), as the HSDS reference asks,
so summer and winter time are separate schedules with ``valid_from``/
``valid_to`` at the clock changes. A closing time at or before the opening
time means the next day (``opens_at 18:00``, ``closes_at 08:00``).

What HSDS cannot express — public holidays (``PH off``), school holidays,
comments such as "nach Vereinbarung", open-ended "unknown" periods — is
kept in words: every schedule's ``notes`` carries the original OSM string,
and :func:`is_open` (the reading of our schedules that the round-trip test
checks against ``hours.evaluate``) treats holidays as not expressible.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ckanext.keck_homeless.offers import hours

#: How far ahead the schedules describe the hours (52 weeks from this Monday).
HORIZON_WEEKS = 52
#: iCalendar weekday codes, Monday first (``date.weekday()`` order).
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = dt.timedelta(days=1)


class _Slot(NamedTuple):
    weekday: int
    opens_at: str
    closes_at: str
    comment: str


def horizon(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day the schedules describe: Monday of ``today``'s week
    and the Sunday 52 weeks later."""
    start = today - dt.timedelta(days=today.weekday())
    return start, start + dt.timedelta(weeks=HORIZON_WEEKS) - _DAY


def _hhmm(moment: dt.datetime) -> str:
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{moment:%H:%M}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=hours.TZ)


def _pieces(opening_hours: str, first: dt.date, last: dt.date
            ) -> Iterable[tuple[dt.date, _Slot]]:
    """(start day, slot) of every open piece that starts in [first, last]."""
    # two days of margin on both sides, so an overnight period across the
    # horizon's edge is not cut into a stray piece
    spans = hours.intervals(opening_hours, _midnight(first - 2 * _DAY),
                            _midnight(last + 3 * _DAY))
    for span in spans:
        if span.status != "open":
            continue
        start, end = span.start, span.end
        while start < end:
            day = start.date()
            # a piece ends at the period's end, or at the next midnight when
            # the period lasts longer than one day from here
            if end - start <= dt.timedelta(hours=24) and end.date() <= day + _DAY:
                stop = end
            else:
                stop = min(end, _midnight(day + _DAY))
            if first <= day <= last:
                yield day, _Slot(day.weekday(), _hhmm(start), _hhmm(stop), span.comment)
            start = stop


def _nth(day: dt.date) -> tuple[int, bool]:
    """Which occurrence of its weekday in the month ``day`` is, and whether
    it is the last one."""
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 + 1, day.day + 7 > days_in_month


def _weekly_runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive weeks; a public holiday in between does not break
    a run (holidays are not expressible, see the module docstring)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs:
            begin, end = runs[-1]
            gap = end + dt.timedelta(weeks=1)
            while gap < day and hours.is_public_holiday(gap):
                gap += dt.timedelta(weeks=1)
            if gap == day:
                runs[-1] = (begin, day)
                continue
        runs.append((day, day))
    return runs


def _monthly(days: list[dt.date], weekday: int) -> str | None:
    """``byday`` prefix (``1``, ``2`` … or ``-1``) when ``days`` are exactly
    the n-th (or last) ``weekday`` of every month between the first and the
    last of them (public holidays excepted); else ``None``."""
    if len(days) < 2 or any(b - a < dt.timedelta(days=28) for a, b in itertools.pairwise(days)):
        return None
    nths = {_nth(d)[0] for d in days}
    candidates = []
    if len(nths) == 1:
        n = nths.pop()
        candidates.append((str(n), lambda d, n=n: _nth(d)[0] == n))
    if all(_nth(d)[1] for d in days):
        candidates.append(("-1", lambda d: _nth(d)[1]))
    for prefix, matches in candidates:
        expected, day = [], days[0]
        while day <= days[-1]:
            if day.weekday() == weekday and matches(day) and not hours.is_public_holiday(day):
                expected.append(day)
            day += _DAY
        if expected == [d for d in days if not hours.is_public_holiday(d)]:
            return prefix
    return None


class _Run(NamedTuple):
    slot: _Slot
    freq: str
    byday: str
    begin: dt.date
    end: dt.date
    count: int


def _runs(slot: _Slot, days: list[dt.date]) -> list[_Run]:
    """The slot's occurrences as MONTHLY runs where they are the n-th
    weekday of each month, else as runs of consecutive weeks."""
    segments: list[list[dt.date]] = [[days[0]]]
    for day in days[1:]:
        if day - segments[-1][-1] > dt.timedelta(days=35):
            segments.append([day])
        else:
            segments[-1].append(day)
    out = []
    code = WEEKDAYS[slot.weekday]
    for segment in segments:
        prefix = _monthly(segment, slot.weekday)
        if prefix is not None:
            out.append(_Run(slot, "MONTHLY", prefix + code, segment[0], segment[-1],
                            len(segment)))
            continue
        for begin, end in _weekly_runs(segment):
            count = (end - begin).days // 7 + 1
            out.append(_Run(slot, "WEEKLY", code, begin, end, count))
    return out


def _snap(runs: list[_Run]) -> dict[_Run, tuple[dt.date, dt.date]]:
    """Validity ranges that agree across weekdays. A pattern changes on
    different days for different weekdays (summer time starts on a Sunday:
    the Monday slot's first summer occurrence is a day later), so each run's
    range is widened to the earliest change at most 6 days before it and to
    the day before the next change at most 6 days after it. Widening by less
    than a week never takes in another occurrence of the same weekday, so
    the schedules still say exactly the same — and merge into one ``byday``."""
    starts = sorted({r.begin for r in runs})
    week = dt.timedelta(days=6)
    out = {}
    for run in runs:
        begin = min(b for b in starts if run.begin - week <= b <= run.begin)
        later = [b for b in starts if b > run.end]
        end = run.end
        if later and later[0] - _DAY <= run.end + week:
            end = later[0] - _DAY
        out[run] = (begin, end)
    return out


@functools.lru_cache(maxsize=4096)
def _recurrences(opening_hours: str, today: dt.date) -> tuple[tuple, ...]:
    first, last = horizon(today)
    occurrences: dict[_Slot, list[dt.date]] = defaultdict(list)
    for day, slot in _pieces(opening_hours, first, last):
        occurrences[slot].append(day)
    runs = [run for slot, days in occurrences.items() for run in _runs(slot, days)]
    merged: dict[tuple, list[str]] = defaultdict(list)
    for run, (begin, end) in _snap(runs).items():
        # a recurring run that starts (ends) within one repetition of the
        # horizon's edge goes on beyond it: no validity limit on that side
        edge = dt.timedelta(weeks=5 if run.freq == "MONTHLY" else 1)
        recurring = run.count >= 2
        valid_from = None if recurring and run.begin - first < edge else begin
        valid_to = None if recurring and last - run.end < edge else end
        key = (run.freq, run.slot.opens_at, run.slot.closes_at, run.slot.comment,
               valid_from, valid_to)
        merged[key].append(run.byday)
    order = {code: i for i, code in enumerate(WEEKDAYS)}
    out = []
    for (freq, opens, closes, comment, valid_from, valid_to), codes in merged.items():
        codes.sort(key=lambda c: order[c[-2:]])
        out.append((freq, ",".join(codes), opens, closes, comment, valid_from, valid_to))
    out.sort(key=lambda s: (s[5] or first, order[s[1].split(",")[0][-2:]], s[2], s[0]))
    return tuple(out)


def notes(opening_hours: str | None, note: str | None = None) -> str:
    """What every schedule of an offer says in words (German first)."""
    parts = []
    if opening_hours:
        parts.append(f"Öffnungszeiten im OpenStreetMap-Format (opening_hours): {opening_hours}")
        if "PH" in opening_hours or "SH" in opening_hours:
            parts.append("An Feiertagen in NRW (PH) und in Schulferien (SH) gilt die Angabe "
                         "im OpenStreetMap-Format. / On public holidays and school holidays "
                         "the OpenStreetMap value applies.")
    if note:
        parts.append(note)
    return " — ".join(parts)


def schedules(opening_hours: str | None, today: dt.date,
              note: str | None = None) -> list[dict[str, Any]]:
    """HSDS schedule objects (without ids) for an offer's hours, describing
    the 52 weeks from the Monday of ``today``'s week. An offer without
    expressible hours (empty, ``off``, only comments) gets one schedule that
    only carries the words, so nothing is lost."""
    text = notes(opening_hours, note)
    found = [] if not opening_hours else _recurrences(opening_hours.strip(), today)
    if not found:
        return [{"description": note or "Keine regelmäßigen Öffnungszeiten angegeben.",
                 "notes": text}] if text else []
    out = []
    for freq, byday, opens, closes, comment, valid_from, valid_to in found:
        item: dict[str, Any] = {"freq": freq, "interval": 1, "wkst": "MO", "byday": byday,
                                "opens_at": opens, "closes_at": closes}
        if valid_from:
            item["valid_from"] = valid_from.isoformat()
        if valid_to:
            item["valid_to"] = valid_to.isoformat()
        if comment:
            item["description"] = comment
        item["notes"] = text
        out.append(item)
    return out


# --------------------------------------------------------------------------
# Reading schedules back (the round trip the tests check)
# --------------------------------------------------------------------------


def _time(value: str, day: dt.date) -> dt.datetime:
    clock, sign, offset = value[:5], value[5], value[6:]
    hours_, minutes = (int(x) for x in offset.split(":"))
    delta = dt.timedelta(hours=hours_, minutes=minutes) * (1 if sign == "+" else -1)
    h, m = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=dt.timezone(delta))


def _occurs(schedule: Mapping[str, Any], day: dt.date) -> bool:
    if schedule.get("valid_from") and day < dt.date.fromisoformat(schedule["valid_from"]):
        return False
    if schedule.get("valid_to") and day > dt.date.fromisoformat(schedule["valid_to"]):
        return False
    for code in str(schedule.get("byday") or "").split(","):
        if WEEKDAYS[day.weekday()] != code[-2:]:
            continue
        prefix = code[:-2]
        if not prefix:
            return True
        nth, is_last = _nth(day)
        if (prefix == "-1" and is_last) or (prefix not in ("", "-1") and int(prefix) == nth):
            return True
    return False


def is_open(items: Iterable[Mapping[str, Any]], at: dt.datetime) -> bool:
    """Whether HSDS ``schedules`` (as :func:`schedules` writes them) say the
    service is open at the aware instant ``at``."""
    local = at.astimezone(hours.TZ)
    for schedule in items:
        if schedule.get("freq") not in ("WEEKLY", "MONTHLY"):
            continue
        for day in (local.date() - _DAY, local.date()):
            if not _occurs(schedule, day):
                continue
            opens = _time(schedule["opens_at"], day)
            # the wall clock decides "next day" (a 25-hour day closes at
            # 00:00+01:00 after opening at 00:00+02:00)
            overnight = schedule["closes_at"][:5] <= schedule["opens_at"][:5]
            closes = _time(schedule["closes_at"], day + _DAY if overnight else day)
            if opens <= at < closes:
                return True
    return False
