"""KECK-Atlas figures: indicators per area (pure domain maths).

Computed here for the downloads (exchange/figures.py writes CSV/XLSX) and
the area layers (store/area_figures.py keeps them for WFS, WMS, OGC API).

One row per area of a level (keyed by its code), one column per indicator —
the layout the KECK-Atlas import takes — counted over published offers
only (the feature store; ended and private offers are never in it).

Protected (``hidden``) offers have no point, so they are counted only at the
municipality level (level ``gemeinde``, by the municipality they name) and
only where the municipality has at least :data:`MIN_CELL` offers of the
protected offer's category with it (then in every cell): a count of 1 or 2
in a small area — or the difference of two cells — would point at a
protected place. Their capacity follows the same rule.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ckanext.keck_homeless.offers import codes, hours

#: smallest count a cell with protected offers may show
MIN_CELL = 3
MUNICIPALITY_LEVEL = "gemeinde"
NIGHT = (dt.time(22, 0), dt.time(6, 0))


@dataclass(frozen=True)
class Indicator:
    key: str
    de: str
    description: str
    unit: str = "Anzahl"


def indicators() -> list[Indicator]:
    out = [Indicator("angebote", "Hilfsangebote insgesamt",
                     "Veröffentlichte Hilfsangebote im Gebiet (ohne beendete).")]
    for c in codes.CATEGORIES:
        out.append(Indicator(f"angebote_{c.code}", f"Angebote: {c.de}",
                             f"Angebote mit der Hauptkategorie „{c.de}“."))
    for c in codes.CATEGORIES:
        out.append(Indicator(f"plaetze_{c.code}", f"Plätze: {c.de}",
                             f"Summe der angegebenen Plätze der Angebote „{c.de}“ "
                             "(leer: keine Angabe).", "Plätze"))
    out += [
        Indicator("nachts_geoeffnet", "Nachts geöffnet",
                  "Angebote, die in der Woche des Stichtags zwischen 22 und 6 Uhr geöffnet "
                  "sind (Öffnungszeiten im OSM-Format, NRW-Feiertage berücksichtigt)."),
        Indicator("wochenende_geoeffnet", "Am Wochenende geöffnet",
                  "Angebote, die am Samstag oder Sonntag der Woche des Stichtags geöffnet sind."),
        Indicator("kostenlos", "Kostenlos", "Angebote, die als kostenlos angegeben sind."),
        Indicator("einwohner", "Einwohnerinnen und Einwohner",
                  "Bevölkerung des Gebiets laut geladener Gebietsdaten (leer: unbekannt).",
                  "Personen"),
        Indicator("einwohner_stand", "Stand der Einwohnerzahl", "Stichtag der Bevölkerungszahl.",
                  "Datum"),
        Indicator("angebote_je_10000_ew", "Angebote je 10.000 Einwohner",
                  "Hilfsangebote insgesamt je 10.000 Einwohnerinnen und Einwohner "
                  "(leer: Bevölkerung unbekannt).", "je 10.000"),
        Indicator("stand", "Stand", "Datum, an dem die Kennzahlen berechnet wurden.", "Datum"),
    ]
    return out


def _week(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = day - dt.timedelta(days=day.weekday())
    begin = dt.datetime.combine(start, dt.time(), tzinfo=hours.TZ)
    return begin, begin + dt.timedelta(days=7)


def open_at_night_and_weekend(opening_hours: str | None, day: dt.date) -> tuple[bool, bool]:
    """Whether the hours open between 22:00 and 06:00, and on Sat/Sun, in
    the week of ``day``."""
    night = weekend = False
    start, end = _week(day)
    for span in hours.intervals(opening_hours, start, end):
        if span.status != "open":
            continue
        t = span.start
        while t < span.end and not (night and weekend):
            if t.weekday() >= 5:
                weekend = True
            if t.time() >= NIGHT[0] or t.time() < NIGHT[1]:
                night = True
            t += dt.timedelta(minutes=30)
    return night, weekend


@dataclass
class Offer:
    """What the figures need of one offer."""
    area: str | None  # code in the level (None: outside every area)
    category: str
    capacity: int | None
    free: bool
    opening_hours: str | None
    protected: bool = False


def compute(areas: Iterable[Mapping[str, Any]], offers: Iterable[Offer], level: str,
            day: dt.date) -> list[dict[str, Any]]:
    """One row per area: ``code``, ``name`` and every indicator."""
    rows: dict[str, dict[str, Any]] = {}
    counts: dict[str, dict[str, int]] = {}
    for area in areas:
        row = {"code": area["code"], "name": area["name"]}
        rows[area["code"]] = row
        counts[area["code"]] = {}
        row["einwohner"] = area.get("population")
        date = area.get("population_date")
        row["einwohner_stand"] = date.isoformat() if isinstance(date, dt.date) else None
    offers = [o for o in offers if o.area in counts
              and (not o.protected or level == MUNICIPALITY_LEVEL)]
    # a protected offer counts only where its municipality has MIN_CELL
    # offers of its category with it — in every cell, so that no difference
    # of two cells (total minus categories) singles it out
    of_kind: dict[tuple[str, str], int] = {}
    for offer in offers:
        key = (offer.area, offer.category)
        of_kind[key] = of_kind.get(key, 0) + 1
    for offer in offers:
        if not offer.protected or of_kind[(offer.area, offer.category)] >= MIN_CELL:
            _count(counts[offer.area], offer, day)
    counted = ("angebote", "nachts_geoeffnet", "wochenende_geoeffnet", "kostenlos",
               *(f"angebote_{c.code}" for c in codes.CATEGORIES))
    for code, row in rows.items():
        cells = counts[code]
        for key in counted:
            row[key] = cells.get(key, 0)
        for c in codes.CATEGORIES:
            row[f"plaetze_{c.code}"] = cells.get(f"plaetze_{c.code}")
        population = row.get("einwohner")
        row["angebote_je_10000_ew"] = (round(row["angebote"] * 10000 / population, 2)
                                       if population else None)
        row["stand"] = day.isoformat()
    return [rows[c] for c in sorted(rows)]


def _count(cells: dict[str, int], offer: Offer, day: dt.date) -> None:
    night, weekend = open_at_night_and_weekend(offer.opening_hours, day)
    kinds = ["angebote", f"angebote_{offer.category}"]
    kinds += [k for k, on in (("nachts_geoeffnet", night), ("wochenende_geoeffnet", weekend),
                              ("kostenlos", offer.free)) if on]
    for kind in kinds:
        cells[kind] = cells.get(kind, 0) + 1
    if offer.capacity is not None:
        key = f"plaetze_{offer.category}"
        cells[key] = cells.get(key, 0) + offer.capacity


def columns() -> list[str]:
    return ["code", "name", *(i.key for i in indicators())]
