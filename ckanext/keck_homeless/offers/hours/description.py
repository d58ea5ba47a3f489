"""Opening hours, described: texts for humans and week tables (gettext)."""
from __future__ import annotations

import datetime as dt

from ckanext.keck_homeless.offers.hours.evaluation import (
    _DAY,
    TZ,
    HoursState,
    _local,
    _midnight,
    evaluate,
    intervals,
)
from ckanext.keck_homeless.offers.messages import Msg, format_date, translator

# --------------------------------------------------------------------------
# Texts for humans
# --------------------------------------------------------------------------

def weekday_labels(lang: str | None = "de") -> tuple[str, ...]:
    """Short weekday names, Monday first ("Mo" … "So", "Mon" … "Sun")."""
    t = translator(lang)
    return (t.pgettext("weekday", "Mon"), t.pgettext("weekday", "Tue"),
            t.pgettext("weekday", "Wed"), t.pgettext("weekday", "Thu"),
            t.pgettext("weekday", "Fri"), t.pgettext("weekday", "Sat"),
            t.pgettext("weekday", "Sun"))


TEXT = {
    "unknown": Msg("opening hours unknown"),
    "open_forever": Msg("open around the clock"),
    "closed_forever": Msg("closed"),
    "open_until_midnight": Msg("open until midnight"),
    "open_until": Msg("open until {when}"),
    "opens_today": Msg("opens at {time}"),
    "opens": Msg("opens {when}"),
    "closed_until": Msg("closed until {when}"),
    "closed_until_today": Msg("closed until {time}"),
}


def weekday_label(day: dt.date, lang: str | None = "de") -> str:
    return weekday_labels(lang)[day.weekday()]


def _when(moment: dt.datetime, today: dt.date, lang: str | None) -> str:
    """``20:00`` (today), ``Mo 09:00`` (within 6 days), else with the date."""
    time = moment.strftime("%H:%M")
    day = moment.date()
    label = weekday_label(day, lang)
    if day == today:
        return time
    if today < day <= today + dt.timedelta(days=6):
        return f"{label} {time}"
    t = translator(lang)
    # TRANSLATORS: CLDR date pattern (d = day, MMM = short month name), e.g. "25 Nov".
    this_year = t.pgettext("date", "d MMM")
    # TRANSLATORS: CLDR date pattern (d = day, MMM = short month name, y = year).
    other_year = t.pgettext("date", "d MMM y")
    pattern = this_year if day.year == today.year else other_year
    return f"{label} {format_date(day, pattern, lang)} {time}"


def describe_state(
    state: HoursState,
    now: dt.datetime | None = None,
    lang: str | None = "de",
    *,
    with_comment: bool = True,
) -> str:
    """Short text such as "geöffnet bis 20:00", "öffnet Mo 09:00", "opens at 18:00".

    ``now`` decides what "today" is (default: ``state.at``, else now);
    ``lang`` is any UI language (default German; English where no catalogue
    translates). The comment of the current rule is appended in parentheses
    when ``with_comment``.
    """
    today = _local(now if now is not None else state.at).date()
    nc = state.next_change.astimezone(TZ) if state.next_change else None
    if state.status == "unknown":
        msg = TEXT["unknown"]
    elif state.status == "open":
        if nc is None:
            msg = TEXT["open_forever"]
        elif nc == _midnight(today + _DAY):
            msg = TEXT["open_until_midnight"]
        else:
            msg = TEXT["open_until"].format(when=_when(nc, today, lang))
    elif nc is None:
        msg = TEXT["closed_forever"]
    elif state.next_status == "open":
        when = _when(nc, today, lang)
        msg = (TEXT["opens_today"].format(time=when) if nc.date() == today
               else TEXT["opens"].format(when=when))
    else:
        when = _when(nc, today, lang)
        msg = (TEXT["closed_until_today"].format(time=when) if nc.date() == today
               else TEXT["closed_until"].format(when=when))
    out = msg.text(lang)
    if with_comment and state.comment:
        out = f"{out} ({state.comment})"
    return out


def describe(
    opening_hours: str | None, at: dt.datetime | None = None, lang: str | None = "de"
) -> str:
    """``describe_state(evaluate(opening_hours, at), at, lang)``."""
    state = evaluate(opening_hours, at)
    return describe_state(state, state.at, lang)


def _hhmm(moment: dt.datetime, day: dt.date) -> str:
    return "24:00" if moment == _midnight(day + _DAY) else moment.strftime("%H:%M")


def _day_entries(s: dt.datetime, e: dt.datetime) -> list[tuple[dt.date, tuple[str, str]]]:
    """Split one open interval into (day, (from, to)) pieces.

    A span that starts after midnight and ends on the next day before
    midnight stays in one piece on its start day: ("18:00", "08:00").
    """
    if s.time() != dt.time(0) and e.date() == s.date() + _DAY and e.time() != dt.time(0):
        return [(s.date(), (s.strftime("%H:%M"), e.strftime("%H:%M")))]
    out = []
    day, pos = s.date(), s
    while pos < e:
        day_end = min(e, _midnight(day + _DAY))
        out.append((day, (pos.strftime("%H:%M"), _hhmm(day_end, day))))
        day += _DAY
        pos = day_end
    return out


def week_table(
    opening_hours: str | None, week_start: dt.date, lang: str | None = "de"
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Open times for the 7 days from ``week_start`` (NRW holidays applied).

    ``[("Mo", [("09:00", "12:00"), ("14:00", "17:00")]), ("Di", []), …]``.
    Spans past midnight are listed on their start day (``("18:00", "08:00")``);
    a span from the day before ``week_start`` is not repeated on the first
    day. Unknown times are not listed.
    """
    first = _midnight(week_start)
    days = [week_start + i * _DAY for i in range(7)]
    rows: dict[dt.date, list[tuple[str, str]]] = {d: [] for d in days}
    for s, e, status, _ in intervals(opening_hours, first - _DAY, first + 8 * _DAY):
        if status != "open":
            continue
        for day, span in _day_entries(s, e):
            if day in rows:
                rows[day].append(span)
    return [(weekday_label(d, lang), sorted(rows[d])) for d in days]
