"""Parse the finder's GET parameters into ``Filters``.

Parameter names are German because they appear in shared and printed URLs
(``/hilfe?kategorie=shelter&jetzt=1``). Values are checked against the code
lists, so nothing unchecked ever reaches a query.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.offers.hours import TZ
from ckanext.keck_homeless.offers.messages import Msg

#: Longest accepted text search.
MAX_TEXT = 100

#: Boolean switches: GET parameter → attribute of ``Filters``.
SWITCHES = {
    "jetzt": "open_now",
    "nacht": "tonight",
    "hunde": "dogs",
    "rollstuhl": "wheelchair",
    "frauen": "women",
    "kostenlos": "free",
}

_TRUE = ("1", "true", "ja", "yes", "on")
_FALSE = ("", "0", "false", "nein", "no", "off")


class FilterError(ValueError):
    """A parameter has a value the finder does not accept (→ HTTP 400)."""

    def __init__(self, param: str, msg: Msg):
        super().__init__(msg.text("en"))
        self.param = param
        self.msg = msg


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    open_now: bool = False
    tonight: bool = False
    dogs: bool = False
    wheelchair: bool = False
    women: bool = False
    free: bool = False
    municipality: str | None = None
    text: str = ""
    organization: str | None = None
    #: The instant "now" for the time filters, when the caller fixed it.
    at: dt.datetime | None = field(default=None, compare=False)

    @property
    def active(self) -> bool:
        """Whether any filter narrows the result."""
        return bool(self.categories or self.municipality or self.text or self.organization
                    or any(getattr(self, a) for a in SWITCHES.values()))

    def as_params(self) -> dict[str, Any]:
        """The GET parameters that reproduce these filters (for links)."""
        out: dict[str, Any] = {}
        if self.categories:
            out["kategorie"] = list(self.categories)
        for param, attr in SWITCHES.items():
            if getattr(self, attr):
                out[param] = "1"
        if self.municipality:
            out["gemeinde"] = self.municipality
        if self.text:
            out["q"] = self.text
        if self.organization:
            out["organisation"] = self.organization
        return out


def _values(args: Mapping[str, Any], key: str) -> list[str]:
    """All values of ``key``; accepts plain dicts (str or list values) and
    multi-dicts with ``getlist``."""
    if hasattr(args, "getlist"):
        raw = args.getlist(key)
    else:
        raw = args.get(key, [])
        raw = raw if isinstance(raw, (list, tuple)) else [raw]
    return [str(v).strip() for v in raw if v is not None]


def _one(args: Mapping[str, Any], key: str) -> str:
    values = [v for v in _values(args, key) if v]
    if len(values) > 1:
        raise FilterError(key, Msg("Give parameter '{key}' only once.", key=key))
    return values[0] if values else ""


def _switch(args: Mapping[str, Any], key: str) -> bool:
    value = _one(args, key).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FilterError(key, Msg("Parameter '{key}': expected 1 or 0.", key=key))


def parse_at(value: str) -> dt.datetime:
    """ISO date-time (naive = Europe/Berlin wall time) → aware datetime."""
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FilterError("zeit", Msg("Give the time as 2026-11-25T20:00.")) from None
    return at.replace(tzinfo=TZ) if at.tzinfo is None else at.astimezone(TZ)


def parse(args: Mapping[str, Any], *, allow_clock: bool = False) -> Filters:
    """``Filters`` from GET parameters; raises ``FilterError`` for bad values.

    :param args: a plain dict (values str or list of str) or a multi-dict
    :param allow_clock: accept ``zeit=<ISO datetime>`` to fix "now" (only when
        the site enables it, see ``ckanext.keck_homeless.finder.clock_param``)
    """
    categories = tuple(dict.fromkeys(v for v in _values(args, "kategorie") if v))
    for cat in categories:
        if cat not in codes.codes("category"):
            raise FilterError("kategorie", Msg("Unknown category '{code}'.", code=cat))
    municipality = _one(args, "gemeinde") or None
    if municipality and municipality not in codes.codes("municipality"):
        raise FilterError("gemeinde", Msg("Unknown municipality '{code}'.", code=municipality))
    text = " ".join(_one(args, "q").split())
    if len(text) > MAX_TEXT:
        raise FilterError("q", Msg("Search text at most {max} characters.", max=MAX_TEXT))
    organization = _one(args, "organisation") or None
    if organization and (len(organization) > 100 or not all(
            c.isalnum() or c in "-_" for c in organization)):
        raise FilterError("organisation", Msg("Invalid organisation name."))
    at = None
    if allow_clock and _one(args, "zeit"):
        at = parse_at(_one(args, "zeit"))
    return Filters(
        categories=categories,
        municipality=municipality,
        text=text,
        organization=organization,
        at=at,
        **{attr: _switch(args, param) for param, attr in SWITCHES.items()},
    )
