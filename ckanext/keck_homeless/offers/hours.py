"""Opening hours of help offers: OSM ``opening_hours`` syntax, evaluated for NRW.

One module for the finder, the OGC layers and the flyer. No CKAN imports.

Public API
==========

``evaluate(opening_hours, at=None) -> HoursState``
    Status ``"open" | "closed" | "unknown"`` at ``at`` (naive = Europe/Berlin
    wall time, aware = converted), the next *status* change as an aware
    Europe/Berlin datetime (``None`` if there is none within ~400 days, e.g.
    ``24/7`` or ``off``), the status after it and the current comment.
    Empty, ``None`` or unparseable values give ``"unknown"`` (never raises).
``intervals(opening_hours, start, end) -> list[Interval]``
    Consistent-state intervals covering ``[start, end)``.
``validate(opening_hours) -> str``
    Returns the stripped value or raises ``OpeningHoursError`` (a ``ValueError``)
    carrying a translatable message (``.msg``, ``.text(lang)``).
``normalize(opening_hours) -> str``
    The library's canonical form, only if it provably means the same.
``warnings(opening_hours) -> list[Msg]``
    Non-fatal hints (bare comments, school holidays, lower-case keywords).
``describe_state(state, now=None, lang="de") -> str`` and
``week_table(opening_hours, week_start, lang="de")``
    Texts for humans ("geöffnet bis 20:00", "opens Mon 09:00", …).

NRW public holidays (``PH``)
============================

``opening-hours-py`` 2.1 takes only an ISO country code (``country="DE"``) and
then uses its embedded nager.date calendar, which holds *national* German
holidays only: Fronleichnam (e.g. 19 June 2025) and Allerheiligen (1 Nov) are
not holidays there. The Python binding cannot take a custom holiday list
(the Rust ``Context::with_holidays`` is not exposed) and rejects subdivision
codes such as ``"DE-NW"``.

What this module does instead (the ``holidays`` package with ``subdiv="NW"``
is the only holiday source):

1. The expression is parsed **without** a country, so ``PH`` and ``SH``
   never match. That is already correct for every day that is not next to a
   holiday.
2. The state during a day *d* only depends on the rules selected for *d* and
   for *d - 1* (a rule may run past midnight, at most until 48:00). For a day
   where ``PH`` (with its day offset, e.g. ``PH -1 day``) is true on *d - 1*
   or *d*, the expression is rewritten: each ``PH`` token becomes the list of
   weekday tokens of those of *d - 1*, *d* on which it is true (e.g. ``Th``
   on Fronleichnam), or a weekday outside the window when it is true on
   neither. ``opening-hours-py`` treats a weekday selector as a plain union
   (``PH,Mo-Fr`` and ``PH Mo-Fr`` alike), so on *d - 1* and *d* the rewritten
   expression selects exactly the same days as the original one would with
   an NRW calendar. A space between a holiday and a weekday becomes a comma
   (``Th Mo-Fr`` would not parse). The rewrite works on the stored text, not
   on the library's canonical form, which does not always round-trip
   (``PH +1 day`` is printed ``PH 1 days``, ``2025 Jun-Aug`` as
   ``2025Jun-Aug``, which means something else). Should a rewritten text
   ever fail to parse, that day falls back to the library's national
   calendar.
3. ``evaluate``/``intervals`` walk the timeline in segments: a run of
   unaffected days uses the plain expression, each affected day uses its
   rewritten one (cached). ``next_change`` is searched segment by segment.

Other semantic choices
======================

* A rule whose modifier is only a comment (``"nach Vereinbarung"``,
  ``Mo-Fr "auf Anfrage"``) is **unknown**, as the OSM specification and
  opening_hours.js define it. opening-hours-py would treat it as *open*
  (``"nach Vereinbarung"`` would be open 24/7!), so before parsing, an
  explicit ``unknown`` is inserted in front of such comments. Write
  ``Mo-Fr 09:00-12:00 open "Frühstück"`` for an open rule with a comment.
* A fallback rule without selectors (``… || "nach Vereinbarung"``) gets an
  explicit ``Mo-Su`` so that opening-hours-py does not mistake the whole
  expression for a constant one (its ``next_change``/``intervals`` would skip
  all later days).
* ``SH`` (school holidays) is never true: there is no NRW school holiday
  calendar here. ``warnings()`` says so.
* ``next_change`` is the next change of *status*; changes that only swap the
  comment are skipped. Changes more than ``LOOKAHEAD_DAYS`` ahead are
  reported as ``None`` (this also keeps expired expressions such as
  ``2020 Mo 10:00-12:00`` fast).
* Everything is computed in Europe/Berlin wall time by the library; DST
  gaps/folds are resolved by it (a rule ending 08:00 on 30 March 2025 ends at
  08:00 CEST, i.e. 06:00 UTC).
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

from ckanext.keck_homeless.offers.messages import Joined, Msg, format_date, translator

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


class OpeningHoursError(ValueError):
    """An opening-hours value is not accepted; ``str()`` is the English text,
    ``text(lang)`` the text in any UI language."""

    def __init__(self, code: str, msg: Msg | Joined):
        super().__init__(msg.text("en"))
        self.code = code
        self.msg = msg

    def text(self, lang: str | None = "de") -> str:
        return self.msg.text(lang)


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
    return at.astimezone(TZ)


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


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

_EXAMPLE = "Mo-Fr 09:00-17:00; PH off"
_WEEKDAY_RE = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"

MSG = {
    "empty": Msg("Please enter opening hours."),
    "too_long": Msg("The opening hours are too long (at most {max} characters)."),
    "syntax": Msg(
        "“{value}” is not valid OpenStreetMap opening_hours syntax (error at character {col})."),
    "example": Msg("Example: {example}"),
    "ambiguous_holiday": Msg(
        "“{part}” (holiday and weekday separated by a space) is read differently by different "
        "programs. Please use a comma, e.g. “Mo-Fr,PH” (Mo-Fr and on public holidays)."),
}

_HINTS: tuple[tuple[re.Pattern[str], Msg], ...] = (
    (re.compile(r"\buhr\b", re.I), Msg("Leave out “Uhr”.")),
    (
        re.compile(r"(?<![\d:.])\d{1,2}\s*[-–]\s*\d{1,2}(?![\d:.])|\d\.\d\d|\b\d{1,2}h\b"),
        Msg("Write times as HH:MM with a colon, e.g. 09:00-17:00."),
    ),
    (
        re.compile(
            r"(?<![A-Za-zäöü])(Di|Mi|Do|So)(?![A-Za-zäöü])|montag|dienstag|mittwoch|donnerstag|"
            r"freitag|samstag|sonnabend|sonntag|werktag",
            re.I,
        ),
        Msg("Use the weekday abbreviations Mo, Tu, We, Th, Fr, Sa, Su."),
    ),
    (
        re.compile(r"t(ä|ae)glich|tägl|jeden tag|rund um die uhr|immer|daily|always", re.I),
        Msg("Write Mo-Su for “daily” and 24/7 for “around the clock”."),
    ),
    (
        re.compile(r"vereinbarung|absprache|anfrage|termin|appointment|request|nach\b", re.I),
        Msg('Put free text in straight double quotes, e.g. "by appointment".'),
    ),
    (
        re.compile(r"feiertag|holiday", re.I),
        Msg("Use PH for public holidays, e.g. “PH off” (closed on public holidays)."),
    ),
    (
        re.compile(r"\b(bis|von|ab|und|to|from|and)\b", re.I),
        Msg(
            "Use a hyphen for ranges (09:00-17:00), commas between times and semicolons "
            "between rules."),
    ),
    (
        re.compile(r"[„“”«»]"),
        Msg('Use straight double quotes " for comments.'),
    ),
    (
        re.compile(r"[–—]"),
        Msg("Please use a plain hyphen -."),
    ),
)

_WEEKDAY_RANGE_RE = rf"(?i:{_WEEKDAY_RE})(?:-(?i:{_WEEKDAY_RE}))?"
_AMBIGUOUS_HOLIDAY = re.compile(
    rf"\b(?:PH|SH)(?: [+-]\d+ days?)? +{_WEEKDAY_RANGE_RE}\b"
    rf"|(?<![A-Za-z\]])(?:{_WEEKDAY_RANGE_RE},)*{_WEEKDAY_RANGE_RE} +(?:PH|SH)\b"
)
_ERROR_COL = re.compile(r"-->\s*\d+:(\d+)")


def _code_parts(expr: str) -> list[str]:
    """The parts of ``expr`` outside double-quoted comments."""
    return _COMMENT_SPLIT.split(expr)[0::2]


def _syntax_error(expr: str, err: Exception) -> OpeningHoursError:
    m = _ERROR_COL.search(str(err))
    col = m.group(1) if m else "?"
    msgs = [MSG["syntax"].format(value=expr, col=col)]
    code = " ".join(_code_parts(expr))
    for pattern, hint in _HINTS:
        if pattern.search(code) and hint not in msgs:
            msgs.append(hint)
    msgs.append(MSG["example"].format(example=_EXAMPLE))
    return OpeningHoursError("syntax", Joined(msgs))


def validate(opening_hours: str | None) -> str:
    """Return the stripped value or raise ``OpeningHoursError``.

    Accepts any OSM opening_hours syntax that opening-hours-py parses, except
    holiday/weekday selectors separated by a space (``PH Mo-Fr``), whose
    meaning differs between implementations. Free text must be quoted.
    """
    expr = _clean(opening_hours)
    if not expr:
        raise OpeningHoursError("empty", MSG["empty"])
    if len(expr) > MAX_LENGTH:
        raise OpeningHoursError("too_long", MSG["too_long"].format(max=MAX_LENGTH))
    try:
        _compile(expr)
    except Exception as err:  # opening_hours.ParserError
        raise _syntax_error(expr, err) from None
    for part in _code_parts(expr):
        m = _AMBIGUOUS_HOLIDAY.search(part)
        if m:
            raise OpeningHoursError(
                "ambiguous_holiday", MSG["ambiguous_holiday"].format(part=m.group(0))
            )
    return expr


def is_valid(opening_hours: str | None) -> bool:
    try:
        validate(opening_hours)
    except OpeningHoursError:
        return False
    return True


WARN = {
    "bare_comment": Msg(
        "A comment without open/off/unknown means “unknown”. For open with a note, put "
        'open before it, e.g. Mo-Fr 09:00-12:00 open "breakfast".'),
    "school_holidays": Msg("School holidays (SH) are not evaluated and never apply."),
    "style": Msg("Tolerated spelling, please fix: {detail}"),
}


def warnings(opening_hours: str | None) -> list[Msg]:
    """Non-fatal hints for a *valid* expression (empty list for invalid ones)."""
    expr = _clean(opening_hours)
    c = _try_compile(expr)
    if c is None:
        return []
    out: list[Msg] = []
    parts = _COMMENT_SPLIT.split(expr)
    for i in range(1, len(parts), 2):
        after = parts[i + 1] if i + 1 < len(parts) else ""
        if not _MODIFIER_BEFORE.search(parts[i - 1]) and not after.lstrip().startswith(":"):
            out.append(WARN["bare_comment"])
            break
    if any(kind == "SH" for kind, _ in c.tokens):
        out.append(WARN["school_holidays"])
    out.extend(WARN["style"].format(detail=w) for w in c.base.warnings)
    return out


def _same_meaning(a: str, b: str) -> bool:
    start = _midnight(dt.date(dt.date.today().year, 1, 1))
    end = start + dt.timedelta(days=2 * 366)
    return intervals(a, start, end) == intervals(b, start, end)


def normalize(opening_hours: str | None) -> str:
    """Canonical form from opening-hours-py (``off`` → ``closed``, merged rules).

    Raises ``OpeningHoursError`` like ``validate``. Falls back to the stripped
    input when the canonical form would not mean the same here (e.g. it drops
    an explicit ``open`` before a comment).
    """
    expr = validate(opening_hours)
    try:
        canonical = str(_compile(expr).base.normalize())
        if canonical != expr and _try_compile(canonical) and _same_meaning(expr, canonical):
            return canonical
    except Exception:  # pragma: no cover - defensive, library quirks
        log.debug("normalize(%r) failed", expr, exc_info=True)
    return expr


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
