"""Turn feature-store rows into what people see, for one instant ``now``.

``now`` is always passed in (aware, Europe/Berlin): the views take it from
the real clock, tests and the browser tests fix it. Nothing here reads a
clock, a config or a request.
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from ckanext.keck_homeless.finder.filters import Filters
from ckanext.keck_homeless.offers import codes, hours
from ckanext.keck_homeless.offers.messages import Msg, PluralMsg, format_date, translator

#: A letter per category for the icon, from the word in the UI language
#: (German: B = Bett, E = Essen …; English: B = Bed, M = Meal …); the text label
#: is always shown next to it (never colour or shape alone). Languages without
#: their own set use the English one.
ICONS = {
    "de": {"shelter": "B", "meal": "E", "food_bank": "T", "drinking_water": "W",
           "day_centre": "A", "counselling": "R", "hygiene": "D", "clothing": "K",
           "medical": "M", "postal_address": "P", "outreach": "S", "protection": "!"},
    "en": {"shelter": "B", "meal": "M", "food_bank": "F", "drinking_water": "W",
           "day_centre": "D", "counselling": "C", "hygiene": "S", "clothing": "Cl",
           "medical": "H", "postal_address": "P", "outreach": "O", "protection": "!"},
}


def icon(category: str, lang: str = "de") -> str:
    """The letter(s) of a category's icon in ``lang``."""
    return ICONS.get((lang or "en")[:2], ICONS["en"]).get(category, "?")

#: The night that "heute Nacht" means: from NIGHT_START to NIGHT_END.
NIGHT_START = dt.time(22, 0)
NIGHT_END = dt.time(6, 0)

#: Offers that are a place to sleep: they lead the list as "heute Nacht".
NIGHT_CATEGORIES = frozenset({"shelter", "protection"})

MSG = {
    "temporarily_closed": Msg("Temporarily closed"),
    "temporarily_closed_until": Msg("Temporarily closed until {date}"),
    "out_of_season": Msg("Not in season"),
    "admission_until": Msg("Admission until {time}"),
    "no_admission": Msg("No admission any more"),
    "no_admission_since": Msg("since {time}"),
    "season_starts": Msg("Seasonal, opens on {date}"),
    "season_ended": Msg("Season ended on {date}"),
    "season_until": Msg("Seasonal until {date}"),
    "approximate": Msg("Approximate location"),
    "never_verified": Msg("Never verified – please call first."),
}

def is_night_offer(row: dict[str, Any]) -> bool:
    """A place to sleep: a shelter or protection offer, or one offering shelter."""
    return row.get("category") in NIGHT_CATEGORIES or "shelter" in (row.get("services") or ())


#: The opening state as the list and the detail page name it.
STATUS = {
    "open": Msg("Open now"),
    "closed": Msg("Closed now"),
    "unknown": Msg("Opening hours unknown"),
}


def _date_text(day: dt.date, lang: str) -> str:
    # TRANSLATORS: CLDR date pattern of dates in the finder (yyyy = year, MM = month, dd = day).
    return format_date(day, translator(lang).pgettext("date", "yyyy-MM-dd"), lang)


def _short_date(day: dt.date, lang: str) -> str:
    # TRANSLATORS: CLDR pattern of a day without the year (dd = day, MM = month), German "dd.MM."
    return format_date(day, translator(lang).pgettext("date", "MM/dd"), lang)


def asof_text(now: dt.datetime, lang: str) -> str:
    """When the page was made ("2026-11-26 20:30" in the UI language's date
    form): an offline copy says how old it is."""
    return f"{_date_text(now.date(), lang)} {now.astimezone(hours.TZ):%H:%M}"


def tel_uri(phone: str | None) -> str | None:
    """``tel:`` URI of an office number (digits and a leading +)."""
    if not phone:
        return None
    digits = re.sub(r"[^\d+]", "", phone)
    digits = digits[0] + digits[1:].replace("+", "") if digits else ""
    return f"tel:{digits}" if len(digits.lstrip("+")) >= 3 else None


def geo_uri(lat: float, lon: float, label: str = "") -> str:
    """RFC 5870 ``geo:`` URI (opens the phone's map app); with ``label`` the
    Android ``?q=lat,lon(label)`` form that shows a named pin."""
    uri = f"geo:{lat:.6f},{lon:.6f}"
    if label:
        uri += "?q=" + urllib.parse.quote(f"{lat:.6f},{lon:.6f}({label})")
    return uri


def osm_url(lat: float, lon: float) -> str:
    """A plain link to openstreetmap.org (a link, not a request of ours)."""
    return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"


def season_state(row: dict[str, Any], day: dt.date, lang: str) -> tuple[bool, str | None]:
    """(in season on ``day``, alert text or ``None``)."""
    start, end = row.get("valid_from"), row.get("valid_until")
    if start and day < start:
        return False, MSG["season_starts"].format(date=_date_text(start, lang)).text(lang)
    if end and day > end:
        return False, MSG["season_ended"].format(date=_date_text(end, lang)).text(lang)
    if end:
        return True, MSG["season_until"].format(date=_date_text(end, lang)).text(lang)
    return True, None


def closed_on(row: dict[str, Any], day: dt.date) -> bool:
    """Whether the offer is closed on ``day`` by its status: ended, or
    temporarily closed (until ``closed_until`` inclusive, when it names a day)."""
    status = row.get("offer_status") or "active"
    if status == "temporarily_closed":
        until = row.get("closed_until")
        return until is None or day <= until
    return status != "active"


def state_at(row: dict[str, Any], now: dt.datetime) -> hours.HoursState:
    """Opening state honouring the offer's status and season."""
    in_season, _ = season_state(row, now.date(), "de")
    if closed_on(row, now.date()) or not in_season:
        return hours.HoursState("closed", None, None, "", now)
    return hours.evaluate(row.get("opening_hours"), now)


def night_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The coming (or current) night: 22:00 → 06:00, never starting before now."""
    now = now.astimezone(hours.TZ)
    if now.time() < NIGHT_END:
        start = dt.datetime.combine(now.date() - dt.timedelta(days=1), NIGHT_START, hours.TZ)
    else:
        start = dt.datetime.combine(now.date(), NIGHT_START, hours.TZ)
    end = dt.datetime.combine(start.date() + dt.timedelta(days=1), NIGHT_END, hours.TZ)
    return max(start, now), end


def open_tonight(row: dict[str, Any], now: dt.datetime) -> bool:
    """Whether the offer is open at some time of the coming night."""
    start, end = night_window(now)
    in_season, _ = season_state(row, start.date(), "de")
    if closed_on(row, start.date()) or not in_season:
        return False
    return any(i.status == "open" for i in hours.intervals(row.get("opening_hours"), start, end))


def admission(row: dict[str, Any], state: hours.HoursState,
              now: dt.datetime) -> tuple[dt.datetime | None, bool]:
    """(the admission cut-off of the current or next opening, whether people
    are still admitted now). The cut-off ``admission_until`` ("23:00") is the
    first such time after the opening starts; it counts only if it falls
    before the opening ends. Without a cut-off, or closed: ``(None, open now)``."""
    cut = row.get("admission_until")
    if not cut or state.status == "unknown":
        return None, state.status == "open"
    try:
        hh, mm = (int(p) for p in cut.split(":"))
    except ValueError:
        return None, state.status == "open"
    spans = [i for i in hours.intervals(row.get("opening_hours"), now - dt.timedelta(days=2),
                                        now + dt.timedelta(days=2)) if i.status == "open"]
    if state.status == "open":
        span = next((i for i in spans if i.start <= now < i.end), None)
    else:
        span = next((i for i in spans if i.start > now), None)
    if span is None:
        return None, state.status == "open"
    start = span.start.astimezone(hours.TZ)
    cutoff = dt.datetime.combine(start.date(), dt.time(hh, mm), hours.TZ)
    if cutoff <= start:
        cutoff += dt.timedelta(days=1)
    if cutoff >= span.end:
        return None, state.status == "open"
    return cutoff, state.status == "open" and now < cutoff


def apply_time_filters(rows: Iterable[dict[str, Any]], filters: Filters,
                       now: dt.datetime) -> list[dict[str, Any]]:
    """Keep the rows that pass "jetzt geöffnet" / "heute Nacht" (a place to
    sleep open at some time of the coming night). Rows are store rows or
    protected views; for store rows the SQL already narrowed "heute Nacht"."""
    out = []
    for row in rows:
        if filters.open_now and not admission(row, state_at(row, now), now)[1]:
            continue
        if filters.tonight and not (is_night_offer(row) and open_tonight(row, now)):
            continue
        out.append(row)
    return out


def _address(row: dict[str, Any], lang: str) -> str:
    place = " ".join(p for p in (row.get("postcode"), row.get("municipality_name")) if p)
    if row.get("district") and row.get("district") != row.get("municipality_name"):
        place = f"{place}-{row['district']}" if place else row["district"]
    if row.get("location_visibility") == "approximate" or not row.get("street"):
        return f"{MSG['approximate'].text(lang)}: {place}" if place else ""
    return f"{row['street']}, {place}" if place else row["street"]


def _timing(row: dict[str, Any], state: hours.HoursState, now: dt.datetime,
            lang: str) -> dict[str, Any]:
    """What the list and the grouping need to know about time, for any offer
    (published or protected): status and its text, the next change, tonight."""
    in_season, season_alert = season_state(row, now.date(), lang)
    temporarily_closed = row.get("offer_status") == "temporarily_closed" and \
        closed_on(row, now.date())
    if temporarily_closed:
        until = row.get("closed_until")
        status_label = (MSG["temporarily_closed_until"].format(
            date=_short_date(until, lang)).text(lang) if until
            else MSG["temporarily_closed"].text(lang))
        hours_text = ""
    elif not in_season:
        status_label, hours_text = MSG["out_of_season"].text(lang), season_alert or ""
    elif row.get("opening_hours"):
        status_label, hours_text = STATUS[state.status].text(lang), ""
        if state.status != "unknown":
            hours_text = hours.describe_state(state, now, lang)
    else:
        status_label, hours_text = STATUS["unknown"].text(lang), ""
    cutoff, admits = admission(row, state, now)
    admission_text = ""
    if cutoff is not None and not temporarily_closed and in_season:
        when = cutoff.strftime("%H:%M")
        if state.status == "open" and not admits:
            status_label = MSG["no_admission"].text(lang)
            hours_text = MSG["no_admission_since"].format(time=when).text(lang)
        else:
            admission_text = MSG["admission_until"].format(time=when).text(lang)
    nc = state.next_change
    return {
        "status": state.status,
        "admits": admits,
        "admission_text": admission_text,
        "requirements_note": row.get("requirements_note") or "",
        "status_label": status_label,
        "hours_text": hours_text,
        "temporarily_closed": temporarily_closed,
        "in_season": in_season,
        "season_alert": season_alert if in_season else None,
        "opens_at": nc if nc is not None and state.status != "open" and state.next_status == "open"
        else None,
        "closes_at": nc if state.status == "open" else None,
        "night_offer": is_night_offer(row),
        "tonight": open_tonight(row, now),
        # a bed that still takes people tonight (or opens later): first in its group
        "admits_tonight": admits or (state.status != "open" and in_season
                                     and not temporarily_closed),
    }


def _labels(kind: str, values: Iterable[str] | None, lang: str,
            skip: tuple[str, ...] = ()) -> list[str]:
    """Labels of coded values in the UI language; unknown codes are dropped."""
    known = codes.codes(kind)
    return [codes.label(kind, v, lang) for v in values or () if v in known and v not in skip]


def present(row: dict[str, Any], now: dt.datetime, lang: str = "de",
            stale_after_days: int = 365) -> dict[str, Any]:
    """Everything the list, the map and the detail page show of one offer."""
    state = state_at(row, now)
    timing = _timing(row, state, now, lang)
    alerts: list[str] = []   # in the UI language; the partner's notice is "status_note"
    if timing["season_alert"]:
        alerts.append(timing["season_alert"])
    verified = row.get("last_verified")
    stale_days = (now.date() - verified).days if verified else None
    stale = stale_days is None or stale_days > stale_after_days
    stale_text = None
    if stale:
        stale_text = (PluralMsg("Not verified for more than {n} day – please call first.",
                                "Not verified for more than {n} days – please call first.",
                                stale_after_days).text(lang) if verified
                      else MSG["never_verified"].text(lang))
    lat, lon = float(row["lat"]), float(row["lon"])
    return {
        "id": row.get("package_id"),
        "name": row["name"],
        "title": row["title"],
        "organization_title": row.get("organization_title") or "",
        "category": row["category"],
        "category_label": codes.label("category", row["category"], lang),
        "icon": icon(row["category"], lang),
        "address": _address(row, lang),
        "approximate": row.get("location_visibility") == "approximate",
        "protected": False,
        **timing,
        "opening_hours": row.get("opening_hours") or "",
        "opening_hours_note": row.get("opening_hours_note") or "",
        "alerts": alerts,
        "status_note": row.get("status_note") or "",
        "phone": row.get("phone") or "",
        "tel": tel_uri(row.get("phone")),
        "website": row.get("website") or "",
        "target_groups": _labels("target_groups", row.get("target_groups"), lang,
                                 skip=("everyone",)),
        "services": _labels("services", row.get("services"), lang),
        "languages": _labels("languages", row.get("languages"), lang, skip=("de",)),
        "dogs_allowed": row.get("dogs_allowed"),
        "women_only": row.get("women_only"),
        "free_of_charge": row.get("free_of_charge"),
        "wheelchair": row.get("wheelchair"),
        "wheelchair_label": codes.label("wheelchair", row.get("wheelchair") or "unknown", lang),
        "last_verified": verified.isoformat() if verified else None,
        "last_verified_text": _date_text(verified, lang) if verified else None,
        "stale": stale,
        "stale_text": stale_text,
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "geo_uri": geo_uri(lat, lon),
        "osm_url": osm_url(lat, lon),
    }


def present_protected(view: dict[str, Any], now: dt.datetime,
                      lang: str = "de") -> dict[str, Any]:
    """A protected offer (``protected.public_view``) with its opening state:
    no address or position exists to show, but when it is open does."""
    state = state_at(view, now)
    return {**view, **_timing(view, state, now, lang), "protected": True, "alerts": []}


def week(opening_hours: str | None, now: dt.datetime, lang: str) -> list[tuple[str, list]]:
    """The opening week from today (for the detail page and the form preview)."""
    return hours.week_table(opening_hours, now.date(), lang)


def feature_collection(items: Iterable[dict[str, Any]], urls: dict[str, str]) -> dict[str, Any]:
    """GeoJSON for the map: only what a marker's popup needs."""
    keys = ("name", "title", "category", "category_label", "icon", "address", "status",
            "hours_text", "approximate")
    return {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "id": it["name"],
            "geometry": {"type": "Point", "coordinates": [it["lon"], it["lat"]]},
            "properties": {**{k: it[k] for k in keys}, "url": urls.get(it["name"], "")},
        } for it in items],
    }
