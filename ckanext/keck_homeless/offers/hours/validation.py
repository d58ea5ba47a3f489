"""Opening hours, validated: field errors with hints, warnings, normalisation."""
from __future__ import annotations

import datetime as dt
import logging
import re

from ckanext.keck_homeless.offers.hours.evaluation import (
    _COMMENT_SPLIT,
    _MODIFIER_BEFORE,
    MAX_LENGTH,
    _clean,
    _compile,
    _midnight,
    _try_compile,
    intervals,
)
from ckanext.keck_homeless.offers.messages import Joined, Msg

log = logging.getLogger(__name__)


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
