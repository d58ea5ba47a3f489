"""The printable flyer: offers by category, QR code to the finder, emergency
numbers, "Stand: <date>" — as a tagged PDF (PDF/UA-1) made by WeasyPrint.

Framework-free: :func:`render` takes a :class:`FlyerData` of plain values and
returns PDF bytes. Where the data come from (feature store + protected offers
from CKAN) is ``source.py``'s business.

Formats
=======
``a4``
    One page, portrait, three columns, body text 9 pt. When the offers do not
    fit on one page, each category keeps its first *n* offers (the largest *n*
    that fits, found by rendering) and says "+ k weitere: <category URL>"; the
    order within a category is active before temporarily closed, then
    municipality, then name.
``a6``
    A pocket booklet (105 × 148 mm): a cover with a large QR code and the
    emergency numbers, then all offers, page numbers. A booklet is printed on
    folded sheets of four pages, so the page count is a multiple of four: the
    body text is set between 9 and :data:`A6_MAX_PT` pt, as large as still
    gives that many pages — which also fills the last page. Only when no size
    reaches it are pages for notes added at the end.

Protected offers (``FlyerOffer.protected``) show name, category, hours and
phone only — the renderer never prints an address for them, whatever the
object holds. Approximate ones show the municipality only, no street.
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ckanext.keck_homeless.offers import codes, hours, messages
from ckanext.keck_homeless.offers.messages import Msg, PluralMsg
from ckanext.keck_homeless.print import qr
from ckanext.keck_homeless.print.urls import PublicUrls, display

log = logging.getLogger(__name__)

FORMATS = ("a4", "a6")
#: Body text of the flyer never goes below this (readable when photocopied).
MIN_BODY_PT = 9.0
#: The A6 booklet's body text may grow up to this to fill whole sheets.
A6_MAX_PT = 12.0
#: Categories the A4 flyer always prints in full (a bed for tonight comes first).
ALWAYS_COMPLETE = frozenset({"shelter", "protection"})
#: How far ahead to look for the first open week of a seasonal offer.
SEASON_LOOKAHEAD_WEEKS = 53

TEXT: dict[str, Msg] = {
    "default_title": Msg("Help for people without a home"),
    "title_municipality": Msg("Help in {municipality}"),
    "intro": Msg(
        "Sleeping, food, drinking water, showers, clothing, advice – free or low-cost "
        "help near you."),
    "scan": Msg("Scan: all offers, what is open now, map and directions"),
    "emergency": Msg("Emergency and helplines"),
    "as_of": Msg("As of: {date}"),
    "publisher": Msg("Published by: {publisher}"),
    "disclaimer": Msg(
        "Information without guarantee. Current opening hours and changes: {url}"),
    "phone": Msg("Phone"),
    "protected": Msg("Address by phone only"),
    "approximate": Msg("exact address by phone"),
    "temporarily_closed": Msg("temporarily closed"),
    "temporarily_closed_until": Msg("temporarily closed until {date}"),
    "hours_24_7": Msg("24 hours, every day"),
    "daily": Msg("daily"),
    "on_request": Msg("hours on request"),
    "holidays_closed": Msg("closed on public holidays"),
    "from": Msg("from {date}"),
    "until": Msg("until {date}"),
    "offers_title": Msg("Offers by kind of help"),
    "admission_until": Msg("admission until {time}"),
    "requirements": Msg("Requirements: {text}"),
    "notes": Msg("Notes"),
    "dogs": Msg("dogs allowed"),
    "women_only": Msg("women only"),
    "wheelchair": Msg("wheelchair accessible"),
    "also_in": Msg("also in {languages}"),
    "for": Msg("for {groups}"),
}

#: The English labels of the default ``emergency_numbers`` (config_declaration.yaml):
#: a flyer in a language other than German and English prints their translation.
DEFAULT_EMERGENCY_LABELS = (
    Msg("Police"),
    Msg("Fire brigade and ambulance"),
    Msg("Out-of-hours doctor"),
    Msg("Violence against women helpline"),
    Msg("Crisis helpline"),
)

_PH_OFF_RE = re.compile(r"\bPH\s+(off|closed)\b")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlyerOffer:
    """One offer as the flyer may print it.

    Build protected ones with :meth:`protected_offer`: it has no address
    fields at all, and the renderer ignores them for ``protected`` anyway.
    """

    title: str
    category: str
    phone: str | None = None
    street: str | None = None
    postcode: str | None = None
    municipality_name: str | None = None
    district: str | None = None
    opening_hours: str | None = None
    opening_hours_note: str | None = None
    offer_status: str = "active"
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    approximate: bool = False
    protected: bool = False
    #: Last admission ("23:00") and what to do after it / who is admitted.
    admission_until: str | None = None
    requirements_note: str | None = None
    #: Last day of a temporary closure (the offer is open again after it).
    closed_until: dt.date | None = None
    #: Who and what: printed as one short line ("Hunde erlaubt · nur Frauen · …").
    dogs_allowed: bool | None = None
    women_only: bool | None = None
    wheelchair: str | None = None
    languages: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()

    @classmethod
    def protected_offer(cls, title: str, category: str, phone: str | None,
                        opening_hours: str | None = None,
                        offer_status: str = "active", admission_until: str | None = None,
                        requirements_note: str | None = None) -> FlyerOffer:
        return cls(title=title, category=category, phone=phone, opening_hours=opening_hours,
                   offer_status=offer_status, protected=True, admission_until=admission_until,
                   requirements_note=requirements_note)


@dataclass(frozen=True)
class EmergencyNumber:
    label_de: str
    label_en: str
    number: str

    def label(self, lang: str) -> str:
        """The German label in German; in other languages the English one,
        translated where a catalogue knows it (the default labels)."""
        if lang == "de":
            return self.label_de
        return messages.translator(lang).gettext(self.label_en)


@dataclass(frozen=True)
class FlyerData:
    offers: Sequence[FlyerOffer]
    urls: PublicUrls
    today: dt.date
    lang: str = "de"
    fmt: str = "a4"
    emergency: Sequence[EmergencyNumber] = ()
    title: str = ""
    publisher: str = ""
    #: Optional overrides of the computed reference week (tests).
    week_start: dt.date | None = field(default=None)
    #: A notice for one municipality (its AGS): its offers, plus the protected
    #: ones of the whole county (they have no town to filter by), and the finder
    #: for that municipality in the QR code.
    municipality: str | None = None

    def municipality_name(self) -> str:
        return codes.label("municipality", self.municipality) if self.municipality else ""

    def finder_url(self) -> str:
        return (self.urls.municipality(self.municipality) if self.municipality
                else self.urls.finder())


def parse_emergency_numbers(value: str | Iterable[str] | None) -> list[EmergencyNumber]:
    """Parse ``label|number`` or ``German label|English label|number`` entries,
    one per line (or a list of such strings). Blank lines and lines starting
    with ``#`` are skipped; a line without ``|`` raises ``ValueError``."""
    if value is None:
        return []
    lines = value.splitlines() if isinstance(value, str) else list(value)
    out = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 2 and all(parts):
            out.append(EmergencyNumber(parts[0], parts[0], parts[1]))
        elif len(parts) == 3 and all(parts):
            out.append(EmergencyNumber(parts[0], parts[1], parts[2]))
        else:
            raise ValueError(f"emergency number must be 'label|number' or "
                             f"'label de|label en|number': {line!r}")
    return out


# --------------------------------------------------------------------------
# Plain-word texts
# --------------------------------------------------------------------------


def languages() -> tuple[str, ...]:
    """The languages a flyer can be made in: English and every catalogue."""
    return messages.languages()


def format_date(day: dt.date, lang: str, *, year: bool = True) -> str:
    t = messages.translator(lang)
    # TRANSLATORS: CLDR date pattern on the flyer (d = day, MMMM = month name, y = year).
    with_year = t.pgettext("date", "d MMMM y")
    # TRANSLATORS: CLDR date pattern on the flyer, without the year.
    without_year = t.pgettext("date", "d MMMM")
    return messages.format_date(day, with_year if year else without_year, lang)


def reference_week(today: dt.date) -> dt.date:
    """The Monday of the first week from ``today`` on without an NRW public
    holiday: the flyer prints a typical week, not the one with Easter."""
    monday = today - dt.timedelta(days=today.weekday())
    if monday < today:
        monday += dt.timedelta(days=7)
    for _ in range(10):
        if not any(hours.is_public_holiday(monday + dt.timedelta(days=i)) for i in range(7)):
            return monday
        monday += dt.timedelta(days=7)
    return monday


def _day_list(indices: list[int], labels: list[str]) -> str:
    """[0,1,2,3,4] → "Mo–Fr"; [0,2,4] → "Mo, Mi, Fr"; [0,1] → "Mo, Di"."""
    parts, run = [], [indices[0]]
    for i in indices[1:]:
        if i == run[-1] + 1:
            run.append(i)
            continue
        parts.append(run)
        run = [i]
    parts.append(run)
    out = []
    for r in parts:
        if len(r) >= 3:
            out.append(f"{labels[r[0]]}–{labels[r[-1]]}")
        else:
            out.extend(labels[i] for i in r)
    return ", ".join(out)


def _spans_text(spans: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{a}–{b}" for a, b in spans)


def week_text(table: list[tuple[str, list[tuple[str, str]]]], lang: str) -> str:
    """A week table (``hours.week_table``) in plain words:
    "Mo–Fr 12:00–13:30; Sa 10:00–12:00", "täglich 19:00–09:00",
    "rund um die Uhr"; "" when no open time is known."""
    labels = [label for label, _ in table]
    groups: dict[tuple, list[int]] = {}
    for i, (_, spans) in enumerate(table):
        if spans:
            groups.setdefault(tuple(spans), []).append(i)
    if not groups:
        return ""
    if list(groups) == [(("00:00", "24:00"),)] and len(groups[(("00:00", "24:00"),)]) == 7:
        return TEXT["hours_24_7"].text(lang)
    parts = []
    for spans, days in sorted(groups.items(), key=lambda kv: kv[1][0]):
        when = TEXT["daily"].text(lang) if len(days) == 7 else _day_list(days, labels)
        parts.append(f"{when} {_spans_text(spans)}")
    return "; ".join(parts)


@functools.lru_cache(maxsize=2048)
def hours_text(opening_hours: str | None, week_start: dt.date, lang: str = "de") -> str:
    """Opening hours in plain words for the week from ``week_start``.

    A seasonal offer closed in that week is described by its first open week
    ahead, prefixed "ab <date>"; "feiertags geschlossen" is added for
    ``PH off``. Returns "" when no open time can be said (unknown, only a
    comment, invalid).
    """
    if not opening_hours or not opening_hours.strip():
        return ""
    text = week_text(hours.week_table(opening_hours, week_start, lang), lang)
    if not text:
        for weeks in range(1, SEASON_LOOKAHEAD_WEEKS):
            start = week_start + dt.timedelta(weeks=weeks)
            table = hours.week_table(opening_hours, start, lang)
            text = week_text(table, lang)
            if text:
                # Describe the first *full* week of the season, not the
                # partial one it starts in ("ab 01.04.: täglich …").
                first = next(i for i, (_, spans) in enumerate(table) if spans)
                if first:
                    text = week_text(hours.week_table(
                        opening_hours, start + dt.timedelta(weeks=1), lang), lang) or text
                since = format_date(start + dt.timedelta(days=first), lang, year=False)
                text = f"{TEXT['from'].format(date=since).text(lang)}: {text}"
                break
    if text and _PH_OFF_RE.search(opening_hours):
        text += f"; {TEXT['holidays_closed'].text(lang)}"
    return text


# --------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What one offer prints: every string already in the flyer's language."""

    title: str
    place: str
    hours: str
    phone: str
    status: str
    #: "Einlass bis 23:00. Voraussetzungen: …" ("" when the offer names none).
    rules: str = ""


def _place(offer: FlyerOffer, lang: str) -> str:
    if offer.protected:
        return TEXT["protected"].text(lang)
    town = offer.municipality_name or ""
    if offer.district and offer.district != town:
        town = f"{town}-{offer.district}" if town else offer.district
    if offer.approximate or not offer.street:
        hint = TEXT["approximate"].text(lang) if offer.approximate else ""
        return ", ".join(p for p in (town, hint) if p) if town else hint
    # No postcode: "Musterstraße 12, Düren" is what people ask for, and the
    # shorter line keeps the phone number on it.
    return ", ".join(p for p in (offer.street, offer.municipality_name) if p)


def entry(offer: FlyerOffer, week_start: dt.date, today: dt.date, lang: str) -> Entry:
    text = hours_text(offer.opening_hours, week_start, lang)
    if not text:
        # The free-text note stands in only when the structured hours say
        # nothing, and never for a protected offer (it may name a place).
        note = "" if offer.protected else (offer.opening_hours_note or "").strip()
        text = note or TEXT["on_request"].text(lang)
    validity = []
    if offer.valid_from and offer.valid_from > today:
        validity.append(TEXT["from"].format(date=format_date(offer.valid_from, lang)).text(lang))
    if offer.valid_until:
        validity.append(TEXT["until"].format(date=format_date(offer.valid_until, lang)).text(lang))
    if validity:
        text = f"{text} ({' '.join(validity)})"
    status = ""
    if offer.offer_status == "temporarily_closed" and (
            offer.closed_until is None or offer.closed_until >= today):
        status = (TEXT["temporarily_closed_until"].format(
            date=format_date(offer.closed_until, lang)).text(lang) if offer.closed_until
            else TEXT["temporarily_closed"].text(lang))
    rules = []
    if offer.admission_until:
        rules.append(TEXT["admission_until"].format(time=offer.admission_until).text(lang))
    if offer.requirements_note and offer.requirements_note.strip():
        rules.append(TEXT["requirements"].format(
            text=offer.requirements_note.strip().rstrip(".")).text(lang))
    rules_text = ". ".join(r[:1].upper() + r[1:] for r in rules) + ("." if rules else "")
    facts = _facts(offer, lang)
    if facts:
        rules_text = f"{rules_text} {facts}".strip()
    return Entry(title=offer.title, place=_place(offer, lang), hours=text,
                 phone=(offer.phone or "").strip(), status=status, rules=rules_text)


def _facts(offer: FlyerOffer, lang: str) -> str:
    """"Für Frauen · Hunde erlaubt · rollstuhlgerecht · auch auf Englisch, Arabisch"."""
    out = []
    groups = [codes.label("target_groups", g, lang) for g in offer.target_groups
              if g not in ("everyone", "adults") and g in codes.codes("target_groups")]
    if offer.women_only:
        out.append(TEXT["women_only"].text(lang))
    elif groups:
        out.append(TEXT["for"].format(groups=", ".join(groups)).text(lang))
    if offer.dogs_allowed:
        out.append(TEXT["dogs"].text(lang))
    if offer.wheelchair == "yes":
        out.append(TEXT["wheelchair"].text(lang))
    others = [codes.label("languages", code, lang) for code in offer.languages
              if code != "de" and code in codes.codes("languages")]
    if others:
        out.append(TEXT["also_in"].format(languages=", ".join(others)).text(lang))
    text = " · ".join(out)
    return text[:1].upper() + text[1:] if text else ""


def _sort_key(offer: FlyerOffer) -> tuple:
    return (offer.offer_status != "active", (offer.municipality_name or "~").casefold(),
            offer.title.casefold())


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    entries: tuple[Entry, ...]
    more: int
    more_url: str
    #: "+ k weitere: <url>" in the flyer's language ("" when nothing is left out).
    more_text: str = ""


def sections(data: FlyerData, limit: int | None = None,
             complete: frozenset[str] = ALWAYS_COMPLETE) -> list[Section]:
    """Offers grouped by category in the order of the code list (shelter
    first); at most ``limit`` per category (except those in ``complete``),
    the rest counted in ``more``."""
    today = data.today
    week = data.week_start or reference_week(today)
    by_cat: dict[str, list[FlyerOffer]] = {}
    town = data.municipality_name()
    for offer in data.offers:
        if offer.offer_status == "ended" or (offer.valid_until and offer.valid_until < today):
            continue
        if town and not offer.protected and offer.municipality_name != town:
            continue
        by_cat.setdefault(offer.category, []).append(offer)
    out = []
    for cat in codes.CATEGORIES:
        offers = sorted(by_cat.get(cat.code, ()), key=_sort_key)
        if not offers:
            continue
        shown = offers if limit is None or cat.code in complete else offers[:limit]
        more, more_url = len(offers) - len(shown), display(data.urls.category(cat.code))
        out.append(Section(
            code=cat.code, label=cat.label(data.lang),
            entries=tuple(entry(o, week, today, data.lang) for o in shown),
            more=more, more_url=more_url,
            more_text=PluralMsg("+ {n} more: {url}", "+ {n} more: {url}", more,
                                url=more_url).text(data.lang) if more else ""))
    return out


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    folder = importlib.resources.files("ckanext.keck_homeless.templates") / "keck_homeless" / "print"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _title(data: FlyerData) -> str:
    if data.municipality:
        return TEXT["title_municipality"].format(municipality=data.municipality_name()).text(
            data.lang)
    return data.title or TEXT["default_title"].text(data.lang)


def html(data: FlyerData, limit: int | None = None, body_pt: float = MIN_BODY_PT,
         note_pages: int = 0, complete: frozenset[str] = ALWAYS_COMPLETE) -> str:
    """The flyer's HTML (what WeasyPrint lays out)."""
    if data.fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}: {data.fmt!r}")
    if data.lang not in languages():
        raise ValueError(f"language must be one of {languages()}: {data.lang!r}")
    lang = data.lang
    finder = data.finder_url()
    title = _title(data)
    t = {key: TEXT[key].text(lang) for key in ("scan", "intro", "emergency", "offers_title",
                                               "phone")}
    return _environment().get_template("flyer.html").render(
        lang=lang, dir=messages.text_direction(lang), fmt=data.fmt, t=t, title=title,
        publisher=(TEXT["publisher"].format(publisher=data.publisher).text(lang)
                   if data.publisher else ""),
        as_of=TEXT["as_of"].format(date=format_date(data.today, lang)).text(lang),
        finder_display=display(finder), finder_url=finder, qr_src=qr.svg_data_uri(finder),
        qr_alt=Msg("QR code: {url}", url=display(finder)).text(lang),
        emergency=[(e.label(lang), e.number) for e in data.emergency],
        sections=sections(data, limit, complete),
        disclaimer=TEXT["disclaimer"].format(url=display(finder)).text(lang),
        pt=body_pt, notes_title=TEXT["notes"].text(lang), note_pages=note_pages,
    )


def _document(data: FlyerData, limit: int | None, body_pt: float = MIN_BODY_PT,
              note_pages: int = 0, complete: frozenset[str] = ALWAYS_COMPLETE):
    import weasyprint

    return weasyprint.HTML(string=html(data, limit, body_pt, note_pages, complete),
                           base_url=".").render(pdf_variant="pdf/ua-1", pdf_tags=True)


def _booklet_document(data: FlyerData):
    """The A6 booklet with a page count that is a multiple of four: the
    largest body size in [MIN_BODY_PT, A6_MAX_PT] (0.1 pt steps) that gives the
    next multiple of four — the last page is then as full as it gets. The page
    count grows with the size, so a bisection finds it in a few renderings."""
    smallest = _document(data, None)
    pages = len(smallest.pages)
    target = -(-pages // 4) * 4
    lo, hi = round(MIN_BODY_PT * 10), round(A6_MAX_PT * 10)
    best = smallest if pages == target else None
    while lo <= hi:
        mid = (lo + hi) // 2
        doc = _document(data, None, mid / 10)
        n = len(doc.pages)
        if n <= target:
            if n == target:
                best = doc
            lo = mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return best
    log.info("flyer: no size up to %s pt gives %s pages; adding pages for notes",
             A6_MAX_PT, target)
    return _document(data, None, MIN_BODY_PT, note_pages=target - pages)


def _fitting_document(data: FlyerData):
    """The A4 document with as many offers per category as fit on one page:
    shelters and protection complete if at all possible, else they are
    limited like the others."""
    doc = _document(data, None)
    if len(doc.pages) <= 1:
        return doc
    largest = max((len(s.entries) for s in sections(data)), default=1)
    for complete in (ALWAYS_COMPLETE, frozenset()):
        lo, hi, best = 1, largest - 1, None
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate = _document(data, mid, complete=complete)
            if len(candidate.pages) <= 1:
                best, lo = candidate, mid + 1
            else:
                hi = mid - 1
        if best is not None:
            return best
    log.warning("flyer: even one offer per category does not fit on one A4 page")
    return _document(data, 1, complete=frozenset())


def render(data: FlyerData) -> bytes:
    """The flyer as PDF bytes (tagged, PDF/UA-1)."""
    doc = _fitting_document(data) if data.fmt == "a4" else _booklet_document(data)
    title = _title(data)
    doc.metadata.title = title
    doc.metadata.authors = [data.publisher] if data.publisher else []
    doc.metadata.lang = data.lang
    return doc.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
