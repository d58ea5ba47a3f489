"""What spreadsheets do to offer files, undone (no CKAN imports).

German Excel and LibreOffice write "CSV (Trennzeichen-getrennt)" as
Windows-1252 with ``;``, sometimes a ``sep=;`` first line and trailing empty
columns; they turn ``true`` into ``WAHR``, dates into ``01.06.2026``, and
codes and numbers that look numeric into numbers (AGS ``05358008`` →
``5358008``, postcode ``52428`` → ``52428.0``, a phone number into
``4,92421E+11``). :func:`decode` and :func:`normalise_row` turn such a file
back into the import format — or, where information is lost (a phone number
in exponent form), into a row error that says how to save the file.
"""
from __future__ import annotations

import datetime as dt
import re

from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.offers.messages import Msg

BOOL_COLUMNS = ("dogs_allowed", "women_only", "free_of_charge", "anonymous",
                "appointment_needed")
DATE_COLUMNS = ("valid_from", "valid_until", "closed_until", "last_verified")
_TRUE = {"true", "wahr", "ja", "yes", "j", "y", "x", "1", "1.0"}
_FALSE = {"false", "falsch", "nein", "no", "n", "0", "0.0"}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
#: a phone number a spreadsheet stored as a number: "2421123456.0", or
#: digits without the leading 0 or + every German number starts with
_PHONE_AS_NUMBER = re.compile(r"^(\d+\.0+|[1-9]\d{5,})$")
_EXPONENT = re.compile(r"^[+-]?\d+([.,]\d+)?[eE][+-]?\d+$")
_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")


class DecodeError(ValueError):
    pass


def decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1252
    (what German Excel writes); UTF-16 with BOM (Excel's "Unicode text")."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _whole(value: str) -> str:
    m = _WHOLE_FLOAT.match(value)
    return m.group(1) if m else value


def _bool(raw: str) -> str:
    if raw.lower() in _TRUE:
        return "true"
    if raw.lower() in _FALSE:
        return "false"
    return raw


def _date(raw: str) -> str:
    """``01.06.2026`` / ``1.6.26`` → ``2026-06-01``; anything else unchanged
    (the validator refuses it with its own message)."""
    m = _GERMAN_DATE.match(raw)
    if not m:
        return raw
    day, month, year = (int(x) for x in m.groups())
    try:
        return dt.date(year + (2000 if year < 100 else 0), month, day).isoformat()
    except ValueError:
        return raw


def _padded(raw: str, width: int) -> str:
    """A code Excel stored as a number: ``5358008`` → ``05358008``,
    ``52428.0`` → ``52428``."""
    value = _whole(raw)
    return "0" + value if value.isdigit() and len(value) == width - 1 else value


def normalise_row(values: dict[str, str]) -> dict[str, list[Msg]]:
    """Undo spreadsheet conversions in place; returns row errors for what
    cannot be undone."""
    for col in BOOL_COLUMNS:
        if col in values:
            values[col] = _bool(values[col])
    for col in DATE_COLUMNS:
        if col in values:
            values[col] = _date(values[col])
    for col, width in (("municipality", 8), ("postcode", 5)):
        if col in values:
            values[col] = _padded(values[col], width)
    if "capacity" in values:
        values["capacity"] = _whole(values["capacity"])
    phone = values.get("phone", "")
    if _EXPONENT.match(phone.replace(" ", "")) or _PHONE_AS_NUMBER.match(phone):
        return {"phone": [Msg(
            "The spreadsheet turned the phone number into a number ({value}): format the "
            "column as text and enter the number again", value=phone)]}
    return {}


#: coded columns whose German or English labels are read as their codes
SINGLE_CODED = ("category", "location_visibility", "offer_status", "wheelchair")
MULTI_CODED = ("services", "target_groups", "languages")


def _by_label(field: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if field == "municipality":
        for m in codes.MUNICIPALITIES:
            out[m.name.lower()] = m.ags
        return out
    for code in codes.codes(field):
        for lang in ("de", "en"):
            out[codes.label(field, code, lang).strip().lower()] = code
    return out


def codes_from_labels(values: dict[str, str]) -> None:
    """Labels of code lists (as the template's drop-downs write them) → codes."""
    for field in (*SINGLE_CODED, "municipality"):
        raw = values.get(field, "")
        if raw:
            values[field] = _by_label(field).get(raw.strip().lower(), raw)
    for field in MULTI_CODED:
        raw = values.get(field, "")
        if raw:
            table = _by_label(field)
            parts = [p.strip() for p in re.split(r"[|;]", raw) if p.strip()]
            values[field] = "|".join(table.get(p.lower(), p) for p in parts)
