"""The rules a help offer must satisfy, and what of it may be published.

Pure functions over plain dicts (the offer as CKAN's package_show returns
it, with scheming fields at the top level). The CKAN validators, the importer
and the feature store all call these, so a rule lives in one place.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ckanext.keck_homeless.offers.constants import REGION_BBOX

from . import codes
from .messages import Msg

#: Kreis Düren with a margin of about 1 km (lon/lat, WGS84).
DEFAULT_REGION_BBOX = REGION_BBOX

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()/\-.]{3,30}[0-9]$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

MSG = {
    "required": Msg("Missing value."),
    "unknown_code": Msg("Unknown value '{value}'. Allowed: {allowed}."),
    "public_needs_address": Msg(
        "A public offer needs street, postcode, municipality and a map position."),
    "approximate_needs_point": Msg(
        "An approximate location needs a map position."),
    "hidden_needs_contact": Msg(
        "Protected offers need a phone number or e-mail address."),
    "protection_must_be_hidden": Msg(
        "Offers for protection from violence must be protected (no address, no position)."),
    "outside_region": Msg(
        "The position lies outside the region ({bbox})."),
    "not_point": Msg(
        "The location must be a GeoJSON Point, e.g. {{\"type\": \"Point\", \"coordinates\": [6.48, 50.80]}}."),
    "until_before_from": Msg("'Valid until' is before 'valid from'."),
    "future_date": Msg("The date is in the future."),
    "bad_date": Msg("Invalid date, expected YYYY-MM-DD."),
    "bad_phone": Msg("Invalid phone number (digits, spaces, + ( ) / - only)."),
    "bad_email": Msg("Invalid e-mail address."),
    "bad_url": Msg("Invalid web address (must start with http:// or https://)."),
    "bad_postcode": Msg("The postcode must have five digits."),
    "bad_capacity": Msg("Please give a whole number from 0 to {max}."),
    "bad_boolean": Msg("Expected yes/no (true/false)."),
    "bad_time": Msg("Give the time as HH:MM, e.g. 23:00."),
}

#: Largest number of places an offer may give (the store's column is a 32-bit integer;
#: no shelter in a county has more).
MAX_CAPACITY = 100_000

_TIME_RE = re.compile(r"^([01]?\d|2[0-3])(?:[:.]([0-5]\d))?(?:\s*(?:uhr|h))?$", re.IGNORECASE)


def parse_time_of_day(value: Any) -> str:
    """A time of day as ``HH:MM`` (``23:00``, ``23.00``, ``23``, ``23 Uhr``
    are accepted); raises ``ValueError`` for anything else."""
    m = _TIME_RE.match(str(value).strip())
    if not m:
        raise ValueError(value)
    return f"{int(m.group(1)):02d}:{m.group(2) or '00'}"


def region_bbox_from_string(value: str | None) -> tuple[float, float, float, float]:
    """Parse ``"minlon,minlat,maxlon,maxlat"``; empty → the Kreis Düren."""
    if not value:
        return DEFAULT_REGION_BBOX
    parts = [float(p) for p in str(value).replace(" ", "").split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError(f"region bbox must be minlon,minlat,maxlon,maxlat: {value!r}")
    return parts[0], parts[1], parts[2], parts[3]


def parse_point(value: Any) -> tuple[float, float] | None:
    """(lon, lat) of a GeoJSON Point given as dict or JSON text; ``None`` if
    empty. Raises ``ValueError`` for anything that is not a finite Point."""
    if value in (None, "", {}):
        return None
    geom = json.loads(value) if isinstance(value, str) else value
    if not isinstance(geom, Mapping) or geom.get("type") != "Point":
        raise ValueError("not a Point")
    coords = geom.get("coordinates")
    if not isinstance(coords, (list, tuple)) or not 2 <= len(coords) <= 3:
        raise ValueError("bad coordinates")
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
               for c in coords):
        raise ValueError("coordinates must be finite numbers")
    lon, lat = float(coords[0]), float(coords[1])
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
        raise ValueError("coordinates out of range")
    return lon, lat


def point_geojson(lon: float, lat: float) -> str:
    return json.dumps({"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]})


def parse_date(value: Any) -> dt.date | None:
    """A date, or ``None`` for nothing. Text must be exactly ``YYYY-MM-DD``
    (``2026-06-01T25:00`` and ``01.06.2026`` raise ``ValueError``)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if len(text) != 10:
        raise ValueError(f"not a date (YYYY-MM-DD): {text[:40]!r}")
    return dt.date.fromisoformat(text)


def as_bool(value: Any) -> bool | None:
    """``True``/``False`` for the spellings people use in forms and CSVs."""
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return None
    v = str(value).strip().lower()
    if v in ("true", "1", "yes", "ja", "j", "y", "on", "wahr"):
        return True
    if v in ("false", "0", "no", "nein", "n", "off", "falsch"):
        return False
    raise ValueError(value)


def as_list(value: Any) -> list[str]:
    """A multi-valued field as a list: accepts lists, JSON lists, and text
    separated by ``|`` or ``,`` (CSV cells)."""
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        return [str(v).strip() for v in json.loads(text) if str(v).strip()]
    return [v.strip() for v in re.split(r"[|,]", text) if v.strip()]


def check_code(field: str, value: str) -> Msg | None:
    allowed = codes.codes(field)
    if value in allowed:
        return None
    shown = ", ".join(allowed) if len(allowed) <= 16 else ", ".join(allowed[:16]) + ", …"
    return MSG["unknown_code"].format(value=value, allowed=shown)


def check_offer(offer: Mapping[str, Any], *,
                region=DEFAULT_REGION_BBOX) -> dict[str, list[Msg]]:
    """Cross-field rules. Returns field → messages (empty dict: valid).

    Single-field syntax (codes, dates, opening hours) is checked by the
    field validators before; this sees their already-converted values but
    tolerates raw ones so the importer can pre-check too.
    """
    errors: dict[str, list[Msg]] = {}

    def add(field: str, msg: Msg) -> None:
        errors.setdefault(field, []).append(msg)

    visibility = offer.get("location_visibility") or "public"
    try:
        point = parse_point(offer.get("spatial"))
    except (ValueError, TypeError):
        add("spatial", MSG["not_point"])
        point = None
    if point is not None and not _in_region(point, region):
        add("spatial", MSG["outside_region"].format(bbox=",".join(str(c) for c in region)))
    if offer.get("category") == "protection" and visibility != "hidden":
        add("location_visibility", MSG["protection_must_be_hidden"])
    rule = _LOCATION_RULES.get(visibility)
    if rule:
        rule(offer, point, "spatial" in errors, add)
    _check_validity(offer, add)
    return errors


def _in_region(point: tuple[float, float], region) -> bool:
    minx, miny, maxx, maxy = region
    return minx <= point[0] <= maxx and miny <= point[1] <= maxy


def _public_rule(offer, point, spatial_failed, add) -> None:
    missing = [f for f in ("street", "postcode", "municipality") if not offer.get(f)]
    if point is None and not spatial_failed:
        missing.append("spatial")
    for field in missing:
        add(field, MSG["public_needs_address"])


def _approximate_rule(offer, point, spatial_failed, add) -> None:
    if point is None and not spatial_failed:
        add("spatial", MSG["approximate_needs_point"])
    if not offer.get("municipality"):
        add("municipality", MSG["required"])


def _hidden_rule(offer, point, spatial_failed, add) -> None:
    # Street and position may be given: they are kept in the protected
    # table, never in the published dataset (see published_location).
    if not (offer.get("phone") or offer.get("email")):
        add("phone", MSG["hidden_needs_contact"])


_LOCATION_RULES = {
    "public": _public_rule,
    "approximate": _approximate_rule,
    "hidden": _hidden_rule,
}


def _check_validity(offer, add) -> None:
    try:
        valid_from = parse_date(offer.get("valid_from"))
        valid_until = parse_date(offer.get("valid_until"))
    except ValueError:
        return
    if valid_from and valid_until and valid_until < valid_from:
        add("valid_until", MSG["until_before_from"])


def as_bool_safe(value: Any) -> bool:
    try:
        return bool(as_bool(value))
    except ValueError:
        return False


def parse_date_safe(value: Any) -> dt.date | None:
    """``parse_date`` for values already stored: ``None`` instead of an error."""
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        return None


def as_list_safe(value: Any) -> list[str]:
    """``as_list`` for values already stored: ``[]`` instead of an error."""
    try:
        return as_list(value)
    except (TypeError, ValueError):
        return []


# --- what may be published -------------------------------------------------

@dataclass(frozen=True)
class PublicLocation:
    """The location of an offer as it may leave CKAN."""

    lon: float
    lat: float
    street: str | None
    precise: bool


def coarsen(lon: float, lat: float, grid_m: int) -> tuple[float, float]:
    """Snap a WGS84 point to the centre of its ``grid_m`` cell in ETRS89/UTM32.

    Every point in a cell maps to the same published point, so the true
    position cannot be recovered beyond the cell, and the result is stable
    (an edit inside the cell does not move the published point).
    """
    from pyproj import Transformer  # local: pyproj is slow to import

    fwd, inv = _transformers(Transformer)
    e, n = fwd.transform(lon, lat)
    e = (math.floor(e / grid_m) + 0.5) * grid_m
    n = (math.floor(n / grid_m) + 0.5) * grid_m
    return inv.transform(e, n)


_TRANSFORMERS: dict = {}


def _transformers(transformer_cls):
    if not _TRANSFORMERS:
        _TRANSFORMERS["fwd"] = transformer_cls.from_crs(4326, 25832, always_xy=True)
        _TRANSFORMERS["inv"] = transformer_cls.from_crs(25832, 4326, always_xy=True)
    return _TRANSFORMERS["fwd"], _TRANSFORMERS["inv"]


def public_location(offer: Mapping[str, Any], grid_m: int = 500) -> PublicLocation | None:
    """What of the location may be published, or ``None`` (not at all).

    ``public``: the point and street as entered. ``approximate``: the point
    snapped to a grid cell (see :func:`coarsen`), no street. ``hidden`` or
    no valid point: nothing.
    """
    visibility = offer.get("location_visibility") or "public"
    if visibility == "hidden":
        return None
    try:
        point = parse_point(offer.get("spatial"))
    except (ValueError, TypeError):
        return None
    if point is None:
        return None
    if visibility == "approximate":
        lon, lat = coarsen(point[0], point[1], grid_m)
        return PublicLocation(lon, lat, None, False)
    if visibility != "public":
        return None
    return PublicLocation(point[0], point[1], (offer.get("street") or None), True)


def is_publishable(offer: Mapping[str, Any]) -> bool:
    """Whether the offer itself may appear in public layers (location aside)."""
    return (
        offer.get("state", "active") == "active"
        and not as_bool_safe(offer.get("private"))
        and (offer.get("offer_status") or "active") != "ended"
    )


#: The fields that place an offer. For ``approximate`` and ``hidden`` offers
#: their exact values live only in the protected table; the dataset that CKAN
#: stores, indexes and copies into its activity stream holds
#: :func:`published_location` of them.
LOCATION_FIELDS = ("street", "postcode", "district", "spatial")

VISIBILITIES = ("public", "approximate", "hidden")


def is_protected(visibility: str | None) -> bool:
    """Whether an offer of this ``location_visibility`` keeps its exact
    location outside CKAN's package (anything but ``public``)."""
    return (visibility or "public") != "public"


def published_location(visibility: str | None, exact: Mapping[str, Any],
                       grid_m: int = 500) -> dict[str, str]:
    """The values of :data:`LOCATION_FIELDS` that may be published.

    ``public``: the exact values. ``approximate``: the centre of the grid
    cell that contains the exact point (see :func:`coarsen`), no street,
    postcode or district (the municipality stays). ``hidden``: nothing.
    """
    if not is_protected(visibility):
        return {f: exact.get(f) or "" for f in LOCATION_FIELDS}
    out = {f: "" for f in LOCATION_FIELDS}
    if visibility == "approximate":
        try:
            point = parse_point(exact.get("spatial"))
        except (ValueError, TypeError):
            point = None
        if point is not None:
            out["spatial"] = point_geojson(*coarsen(point[0], point[1], grid_m))
    return out


def same_location_value(field: str, a: Any, b: Any) -> bool:
    """Whether two values of a location field mean the same (points compared
    by their coordinates, text after stripping; empty equals missing)."""
    if field == "spatial":
        try:
            pa, pb = parse_point(a), parse_point(b)
        except (ValueError, TypeError):
            return False
        if pa is None or pb is None:
            return pa is pb
        return abs(pa[0] - pb[0]) < 1e-9 and abs(pa[1] - pb[1]) < 1e-9
    return str(a or "").strip() == str(b or "").strip()
