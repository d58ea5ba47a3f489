"""Opening hours of help offers: OSM ``opening_hours`` syntax, evaluated for NRW.

One package for the finder, the OGC layers and the flyer; no CKAN imports.

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

How NRW public holidays and comments are evaluated, and why:
``docs/opening-hours.md``.
"""
from ckanext.keck_homeless.offers.hours.description import (
    TEXT,
    describe,
    describe_state,
    week_table,
    weekday_label,
    weekday_labels,
)
from ckanext.keck_homeless.offers.hours.evaluation import (
    HOLIDAY_COUNTRY,
    HOLIDAY_SUBDIV,
    LOOKAHEAD_DAYS,
    MAX_LENGTH,
    TZ,
    HoursState,
    Interval,
    Status,
    evaluate,
    intervals,
    is_public_holiday,
)
from ckanext.keck_homeless.offers.hours.validation import (
    MSG,
    WARN,
    OpeningHoursError,
    is_valid,
    normalize,
    validate,
    warnings,
)

__all__ = [
    "HOLIDAY_COUNTRY", "HOLIDAY_SUBDIV", "LOOKAHEAD_DAYS", "MAX_LENGTH", "MSG", "TEXT", "TZ",
    "WARN", "HoursState", "Interval", "OpeningHoursError", "Status", "describe",
    "describe_state", "evaluate", "intervals", "is_public_holiday", "is_valid", "normalize",
    "validate", "warnings", "week_table", "weekday_label", "weekday_labels",
]
