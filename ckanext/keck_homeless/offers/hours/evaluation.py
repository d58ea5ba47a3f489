"""Opening hours, evaluated: status and next change at an instant, NRW holidays.

``evaluate(opening_hours, at)`` and ``intervals(opening_hours, start, end)``;
how public holidays and comments are handled is explained in
``docs/opening-hours.md``. No CKAN imports.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

import holidays as _holidays
import opening_hours as _oh

log = logging.getLogger(__name__)

TZ = ZoneInfo("Europe/Berlin")
HOLIDAY_COUNTRY = "DE"
HOLIDAY_SUBDIV = "NW"
#: OSM tag values are limited to 255 characters.
MAX_LENGTH = 255
#: Changes further ahead than this are reported as "no change" (``None``).
LOOKAHEAD_DAYS = 400

Status = Literal["open", "closed", "unknown"]

_STATUS = {
    _oh.State.OPEN: "open",
    _oh.State.CLOSED: "closed",
    _oh.State.UNKNOWN: "unknown",
}
_OSM_WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY = dt.timedelta(days=1)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursState:
    """The state of an offer at one instant.

    ``next_change`` is aware (Europe/Berlin) or ``None`` when the status does
    not change within ``LOOKAHEAD_DAYS`` (e.g. ``24/7``); ``next_status`` is
    the status from ``next_change`` on. ``at`` is the evaluated instant
    (aware, Europe/Berlin).
    """

    status: Status
    next_change: dt.datetime | None
    next_status: Status | None = None
    comment: str = ""
    at: dt.datetime | None = None

    @property
    def until_change(self) -> dt.timedelta | None:
        """Real time until ``next_change`` (computed in UTC, so DST-safe).

        Note: subtracting two aware datetimes of the *same* zone in Python
        gives the wall-clock difference, which is wrong across DST changes.
        """
        if self.next_change is None or self.at is None:
            return None
        return self.next_change.astimezone(dt.timezone.utc) - self.at.astimezone(dt.timezone.utc)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    @property
    def is_unknown(self) -> bool:
        return self.status == "unknown"


class Interval(NamedTuple):
    start: dt.datetime
    end: dt.datetime
    status: Status
    comment: str


# --------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------


def _local(at: dt.datetime | None) -> dt.datetime:
    """Aware Europe/Berlin datetime; naive input is Berlin wall time."""
    if at is None:
        return dt.datetime.now(TZ)
    if not isinstance(at, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        # Round-trip through UTC so that non-existent wall times (DST gap)
        # become the real instant (02:30 on 30 March → 03:30 CEST).
        return at.replace(tzinfo=TZ).astimezone(dt.timezone.utc).astimezone(TZ)
    # through UTC as well: an aware Berlin wall time inside the DST gap
    # (made by adding a timedelta to a Berlin datetime) is not a valid
    # instant for the library until normalised
    return at.astimezone(dt.timezone.utc).astimezone(TZ)


def _midnight(day: dt.date) -> dt.datetime:
    # Midnight always exists in Europe/Berlin (DST switches at 02:00/03:00).
    return dt.datetime.combine(day, dt.time(0), tzinfo=TZ)


# --------------------------------------------------------------------------
# Holidays
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _holidays_of_year(year: int) -> frozenset[dt.date]:
    return frozenset(
        _holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIV, years=year)
    )


def is_public_holiday(day: dt.date) -> bool:
    """NRW public holiday (the calendar used for ``PH``)."""
    return day in _holidays_of_year(day.year)


@functools.lru_cache(maxsize=256)
def _affected_days(offsets: tuple[int, ...], year: int) -> tuple[dt.date, ...]:
    """Sorted days d (around ``year``) whose evaluation needs the PH rewrite.

    A ``PH`` token with offset k is true on x iff x - k is a holiday; the
    state during d depends on the rules of d - 1 and d.
    """
    days: set[dt.date] = set()
    for y in (year - 1, year, year + 1):
        for h in _holidays_of_year(y):
            for k in offsets:
                x = h + dt.timedelta(days=k)
                days.add(x)
                days.add(x + _DAY)
    return tuple(sorted(days))


# --------------------------------------------------------------------------
# Parsing and the PH rewrite
# --------------------------------------------------------------------------

_COMMENT_SPLIT = re.compile(r'("[^"]*")')
_MODIFIER_BEFORE = re.compile(r"(?:^|[^A-Za-z])(open|closed|off|unknown)\s*$", re.IGNORECASE)
_HOLIDAY_TOKEN = re.compile(r"\b(PH|SH)(?: ([+-]\d+) days?)?\b")


def _parse(text: str) -> _oh.OpeningHours:
    return _oh.OpeningHours(text, timezone=TZ, max_interval_days=LOOKAHEAD_DAYS)


def _explicit_comment_modifiers(expr: str) -> str:
    """Insert ``unknown`` before comments that are the whole rule modifier.

    Comments used as a wide-range selector label (``"x": …``) are left alone.
    """
    parts = _COMMENT_SPLIT.split(expr)
    out: list[str] = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            before = parts[i - 1]
            after = parts[i + 1] if i + 1 < len(parts) else ""
            if not _MODIFIER_BEFORE.search(before) and not after.lstrip().startswith(":"):
                if out and out[-1] and not out[-1][-1].isspace():
                    out.append(" ")
                out.append("unknown ")
        out.append(part)
    return "".join(out)


@dataclass(frozen=True)
class _Compiled:
    text: str  # the evaluated text (after the rewrites); PH never matches
    base: _oh.OpeningHours
    # ``text`` split around holiday tokens: literal, token, literal, …
    # tokens are ("PH", offset) or ("SH", 0).
    pieces: tuple[str, ...]
    tokens: tuple[tuple[str, int], ...]
    ph_offsets: tuple[int, ...]

    def variant_text(self, day: dt.date) -> str:
        window = (day - _DAY, day)
        filler = _OSM_WEEKDAYS[(day + 2 * _DAY).weekday()]
        out = [self.pieces[0]]
        for (kind, offset), literal in zip(self.tokens, self.pieces[1:], strict=True):
            wds = []
            if kind == "PH":
                delta = dt.timedelta(days=offset)
                wds = [_OSM_WEEKDAYS[x.weekday()] for x in window if is_public_holiday(x - delta)]
            out.append(",".join(wds) or filler)
            out.append(literal)
        return "".join(out)


_FALLBACK_UNCONDITIONAL = re.compile(
    r"(\|\|\s*)(?:24/7|00:00-24:00)?\s*(?=(?:open|closed|off|unknown)\b|$)", re.IGNORECASE
)
_WDAY = r"(?i:Mo|Tu|We|Th|Fr|Sa|Su)(?![A-Za-z])"
_SPACE_THEN_WEEKDAY = re.compile(rf" (?={_WDAY})")
_WEEKDAY_THEN_SPACE = re.compile(rf"(?<![A-Za-z])(?:{_WDAY}|\]) $")
_MONTH_NTH_THEN_SPACE = re.compile(
    r"(?i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(?i:Mo|Tu|We|Th|Fr|Sa|Su)\[[^\]]*\] $"
)


def _fix_unconditional_fallback(expr: str) -> str:
    """``|| unknown "…"`` → ``|| Mo-Su unknown "…"`` (same days selected).

    opening-hours-py 2.1 treats an expression whose last rule has no day
    selector and covers the whole day as constant, ignoring that the rule is
    a fallback: ``state`` is right, but ``next_change`` and ``intervals``
    skip every later day (``Mo-Fr 09:00-17:00 || "nach Vereinbarung"``
    would never reopen). An explicit ``Mo-Su`` avoids that shortcut.
    """
    parts = _COMMENT_SPLIT.split(expr)
    for i in range(0, len(parts), 2):
        parts[i] = _FALLBACK_UNCONDITIONAL.sub(
            lambda m: m.group(1) + ("Mo-Su " if m.end() < len(m.string) else "Mo-Su"), parts[i]
        )
    return "".join(parts)


def _split_holiday_tokens(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """Split ``text`` around ``PH``/``SH`` tokens (outside comments).

    A holiday token and a weekday may be separated by a space in the source
    (``PH Mo-Fr``, ``Mo-Fr PH``); opening-hours-py reads both as a union,
    like a comma. Once the token is replaced by weekdays only a comma is
    valid, so such spaces become commas in the pieces. (A date such as
    ``Dec Su[-1]`` before ``PH`` is left alone.)
    """
    pieces: list[str] = [""]
    tokens: list[tuple[str, int]] = []
    for i, part in enumerate(_COMMENT_SPLIT.split(text)):
        if i % 2 == 1:
            pieces[-1] += part
            continue
        pos = 0
        for m in _HOLIDAY_TOKEN.finditer(part):
            pieces[-1] += part[pos:m.start()]
            tokens.append((m.group(1), int(m.group(2) or 0)))
            pieces.append("")
            pos = m.end()
        pieces[-1] += part[pos:]
    for j in range(len(tokens)):
        before, after = pieces[j], pieces[j + 1]
        if _WEEKDAY_THEN_SPACE.search(before) and not _MONTH_NTH_THEN_SPACE.search(before):
            pieces[j] = before[:-1] + ","
        if _SPACE_THEN_WEEKDAY.match(after):
            pieces[j + 1] = "," + after[1:]
    return tuple(pieces), tuple(tokens)


@functools.lru_cache(maxsize=4096)
def _compile(expr: str) -> _Compiled:
    """Parse once (raises the library's ``ParserError`` on bad syntax)."""
    text = _fix_unconditional_fallback(_explicit_comment_modifiers(expr))
    try:
        base = _parse(text)
    except Exception:  # pragma: no cover - the rewrites broke a valid value
        base = _parse(expr)
        log.warning("opening hours %r: rewritten form %r does not parse", expr, text)
        text = expr
    pieces, tokens = _split_holiday_tokens(text)
    ph_offsets = tuple(sorted({k for kind, k in tokens if kind == "PH"}))
    return _Compiled(text, base, pieces, tokens, ph_offsets)


@functools.lru_cache(maxsize=4096)
def _parse_variant(text: str) -> _oh.OpeningHours:
    return _parse(text)


@functools.lru_cache(maxsize=256)
def _national_fallback(text: str) -> _oh.OpeningHours:
    return _oh.OpeningHours(
        text, timezone=TZ, country=HOLIDAY_COUNTRY, max_interval_days=LOOKAHEAD_DAYS
    )


def _expression_for_day(c: _Compiled, day: dt.date) -> tuple[_oh.OpeningHours, dt.date | None]:
    """The expression valid for times in ``day`` and the first day it is not
    valid for any more (``None``: valid for ever)."""
    if not c.ph_offsets:
        return c.base, None
    affected = _affected_days(c.ph_offsets, day.year)
    i = bisect.bisect_left(affected, day)
    if i < len(affected) and affected[i] == day:
        text = c.variant_text(day)
        try:
            return _parse_variant(text), day + _DAY
        except Exception:  # the rewritten text does not parse (unexpected)
            log.warning("opening hours %r: rewrite %r failed, using national holidays",
                        c.text, text)
            return _national_fallback(c.text), day + _DAY
    # ``affected`` is complete for ``day.year`` only (holidays of the next
    # year may reach back with a negative offset), so stop at New Year.
    new_year = dt.date(day.year + 1, 1, 1)
    return c.base, min(affected[i], new_year) if i < len(affected) else new_year


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _clean(opening_hours: str | None) -> str:
    if opening_hours is None:
        return ""
    return str(opening_hours).strip()


def _try_compile(opening_hours: str | None) -> _Compiled | None:
    expr = _clean(opening_hours)
    if not expr:
        return None
    try:
        return _compile(expr)
    except Exception:
        return None


def _state(c: _Compiled, t: dt.datetime) -> tuple[Status, str]:
    expr, _ = _expression_for_day(c, t.date())
    state, comment = expr.state(t)
    return _STATUS[state], comment


def _next_change(
    c: _Compiled, t: dt.datetime, status: Status
) -> tuple[dt.datetime | None, Status | None]:
    horizon = t + dt.timedelta(days=LOOKAHEAD_DAYS)
    pos = t
    for _ in range(4 * LOOKAHEAD_DAYS):
        expr, valid_until = _expression_for_day(c, pos.date())
        seg_end = _midnight(valid_until) if valid_until else None
        nc = expr.next_change(pos)
        # (compare instants via timestamp(): aware datetimes sharing a tzinfo
        # compare by wall time in Python, which is ambiguous in October)
        while nc is not None and nc.timestamp() <= horizon.timestamp() and (
            seg_end is None or nc.timestamp() < seg_end.timestamp()
        ):
            new_status = _STATUS[expr.state(nc)[0]]
            if new_status != status:
                return nc, new_status
            following = expr.next_change(nc)  # only the comment changed
            if following is not None and following.timestamp() <= nc.timestamp():
                following = None  # no progress: never loop
            nc = following
        if seg_end is None or seg_end > horizon:
            return None, None
        pos = seg_end
        new_status, _ = _state(c, pos)
        if new_status != status:
            return pos, new_status
    return None, None


def evaluate(opening_hours: str | None, at: dt.datetime | None = None) -> HoursState:
    """Status of ``opening_hours`` at ``at`` (default: now), NRW holidays applied.

    Never raises for bad values: empty or unparseable expressions are
    ``"unknown"``.
    """
    t = _local(at)
    c = _try_compile(opening_hours)
    if c is None:
        return HoursState("unknown", None, None, "", t)
    status, comment = _state(c, t)
    nc, next_status = _next_change(c, t, status)
    return HoursState(status, nc, next_status, comment, t)


def intervals(
    opening_hours: str | None, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """Intervals of constant (status, comment) covering ``[start, end)``.

    Empty or invalid values give one ``"unknown"`` interval.
    """
    start, end = _local(start), _local(end)
    if end <= start:
        return []
    c = _try_compile(opening_hours)
    if c is None:
        return [Interval(start, end, "unknown", "")]
    out: list[Interval] = []
    pos = start
    while pos < end:
        expr, valid_until = _expression_for_day(c, pos.date())
        seg_end = min(end, _midnight(valid_until)) if valid_until else end
        for s, e, state, comment in expr.intervals(pos, seg_end):
            s, e = max(_local(s), pos), min(_local(e), seg_end)
            if s >= e:
                continue
            item = Interval(s, e, _STATUS[state], comment)
            if out and out[-1].end == s and out[-1][2:] == item[2:]:
                out[-1] = out[-1]._replace(end=e)
            else:
                out.append(item)
        pos = seg_end
    return out
