"""Read and write help offers as CSV and GeoJSON (no CKAN imports).

A row is a flat dict of strings with the columns of :data:`COLUMNS`;
multi-valued fields are joined with ``|``. CSV files may use ``,`` or ``;``
as delimiter (German spreadsheet exports use ``;``) and may start with a
UTF-8 BOM. GeoJSON files are FeatureCollections with Point geometries (or
``lat``/``lon`` properties).
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.offers.messages import Msg

COLUMNS: tuple[str, ...] = (
    "external_id", "name", "title", "notes", "owner_org", "category", "services",
    "target_groups", "dogs_allowed", "women_only", "free_of_charge", "anonymous",
    "appointment_needed", "fee_note", "requirements_note", "street", "postcode",
    "municipality", "district", "lat", "lon", "location_visibility", "opening_hours",
    "opening_hours_note", "admission_until", "valid_from", "valid_until", "offer_status",
    "status_note", "closed_until", "phone", "email", "website", "languages", "wheelchair", "accessibility_note",
    "capacity", "last_verified", "verified_by",
)
LIST_COLUMNS = ("services", "target_groups", "languages")
BOOL_COLUMNS = ("dogs_allowed", "women_only", "free_of_charge", "anonymous", "appointment_needed")
#: Schema fields filled from the columns one to one.
FIELD_COLUMNS = tuple(c for c in COLUMNS if c not in ("lat", "lon"))


@dataclass
class Row:
    number: int  # line in a CSV file (header = 1), feature index (from 1) in GeoJSON
    values: dict[str, str]
    #: field → messages: text, or a ``Msg`` the caller renders in its language
    errors: dict[str, list[str | Msg]] = field(default_factory=dict)


class FileFormatError(ValueError):
    """The file as a whole cannot be read (not a row-level problem)."""


def detect_format(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".geojson", ".json")):
        return "geojson"
    if lower.endswith((".csv", ".txt")):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    raise FileFormatError(f"unknown file type of {path!r}: use .csv, .xlsx or .geojson")


def finish(rows: list[Row]) -> list[Row]:
    """Labels → codes, spreadsheet conversions undone, duplicates marked."""
    from ckanext.keck_homeless.exchange import spreadsheet

    seen: dict[str, list[int]] = {}
    for row in rows:
        spreadsheet.codes_from_labels(row.values)
        for key, found in spreadsheet.normalise_row(row.values).items():
            row.errors.setdefault(key, []).extend(found)
        if "title" in row.values and not row.values["title"]:
            row.errors.setdefault("title", []).append(Msg("Missing value"))
        if row.values.get("external_id"):
            seen.setdefault(row.values["external_id"], []).append(row.number)
    for row in rows:
        numbers = seen.get(row.values.get("external_id") or "", [])
        if len(numbers) > 1:
            others = ", ".join(str(n) for n in numbers if n != row.number)
            row.errors.setdefault("external_id", []).append(Msg(
                "{value} appears more than once in the file (also in row {rows}): "
                "each offer only once", value=row.values["external_id"], rows=others))
    return rows


_HEADER = re.compile(r"\(([a-z_]+)\)\s*$")


def column_of(text: object) -> str | None:
    """The field a header cell names (``Name des Angebots (title)`` as the
    template writes it, or ``title``), else ``None``."""
    value = str(text or "").strip()
    if value in COLUMNS:
        return value
    m = _HEADER.search(value)
    return m.group(1) if m and m.group(1) in COLUMNS else None


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str) -> list[Row]:
    if not text.strip():
        raise FileFormatError("the file is empty")
    lines = text.splitlines(keepends=True)
    delimiter, offset = None, 0
    if lines[0].lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]  # Excel's "sep=;" line
        text = "".join(lines[1:])
        lines, offset = lines[1:], 1
    if not lines:
        raise FileFormatError("the file is empty")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter or _delimiter(lines[0]))
    raw_header = next(reader)
    header = [column_of(h) if h.strip() else "" for h in raw_header]
    unknown = [h.strip() for h, col in zip(raw_header, header, strict=True)
               if h.strip() and col is None]
    if unknown:
        raise FileFormatError(f"unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    if "title" not in header:
        raise FileFormatError("the column 'title' is missing")
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # empty lines and ";;;;" lines Excel writes
        values: dict[str, str] = {}
        errors: dict[str, list[str | Msg]] = {}
        for index, cell in enumerate(cells):
            column = header[index] if index < len(header) else ""
            if column:
                values[column] = restore(cell.strip())
            elif cell.strip():
                errors["_row"] = [Msg("a value in a column without header: {value}",
                                      value=cell.strip())]
        rows.append(Row(reader.line_num + offset, values, errors))
    return rows


def read_geojson(text: str) -> list[Row]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise FileFormatError(f"not valid JSON: {err}") from None
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise FileFormatError("expected a GeoJSON FeatureCollection")
    rows = []
    for index, feature in enumerate(doc.get("features") or [], start=1):
        props = dict(feature.get("properties") or {}) if isinstance(feature, Mapping) else {}
        values = {k: _cell(props.get(k)) for k in COLUMNS if k in props}
        errors: dict[str, list[str | Msg]] = {}
        geom = feature.get("geometry") if isinstance(feature, Mapping) else None
        if geom:
            try:
                point = rules.parse_point(geom)
                values["lon"], values["lat"] = repr(point[0]), repr(point[1])
            except (TypeError, ValueError):
                errors["geometry"] = [Msg("not a GeoJSON Point")]
        rows.append(Row(index, values, errors))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return str(value).strip()


def row_to_dataset(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[str | Msg]]]:
    """A dataset dict for ``package_create``/``package_patch``, plus errors
    the file itself already shows (bad coordinates)."""
    data: dict[str, Any] = {"type": DATASET_TYPE}
    errors: dict[str, list[str | Msg]] = {}
    for col in FIELD_COLUMNS:
        if col not in values:
            continue
        value = values[col]
        if col in LIST_COLUMNS:
            data[col] = [v.strip() for v in value.split("|") if v.strip()]
        else:
            data[col] = value
    lat, lon = values.get("lat", ""), values.get("lon", "")
    if lat or lon:
        try:
            data["spatial"] = rules.point_geojson(float(lon.replace(",", ".")),
                                                  float(lat.replace(",", ".")))
        except ValueError:
            errors["lat/lon"] = [Msg("lat and lon must be decimal numbers")]
    elif "lat" in values or "lon" in values:
        data["spatial"] = ""
    if not data.get("name") and values.get("external_id"):
        data["name"] = slug(values["external_id"])
    return data, errors


def slug(text: str) -> str:
    out = []
    for ch in text.lower():
        ch = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}.get(ch, ch)
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)[:100]


def dataset_to_row(pkg: Mapping[str, Any]) -> dict[str, str]:
    """The inverse of :func:`row_to_dataset` for a ``package_show`` dict."""
    row = {}
    for col in FIELD_COLUMNS:
        value = pkg.get(col)
        if col == "owner_org":
            value = (pkg.get("organization") or {}).get("name") or value
        row[col] = _cell(value)
    try:
        point = rules.parse_point(pkg.get("spatial"))
    except (TypeError, ValueError):
        point = None
    row["lon"], row["lat"] = (repr(point[0]), repr(point[1])) if point else ("", "")
    return {c: row.get(c, "") for c in COLUMNS}


#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(value: str) -> str:
    """A cell that Excel or LibreOffice would run as a formula, prefixed with
    an apostrophe (``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``); plain numbers
    (``-0.5``) stay as they are. :func:`restore` is the inverse."""
    if value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The inverse of :func:`neutralise` (applied by the importer), so an
    export imports back exactly."""
    if value.startswith("'") and value[1:2] and value[1] in "".join(FORMULA_START):
        return value[1:]
    return value


def write_csv(rows: Iterable[Mapping[str, str]], out: IO[str]) -> int:
    """The import format; cells that would start a formula are neutralised."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({c: neutralise(str(row.get(c, "") or "")) for c in COLUMNS})
        count += 1
    return count


def write_geojson(rows: Iterable[Mapping[str, str]], out: IO[str]) -> int:
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for row in rows:
        props = {c: row.get(c, "") for c in COLUMNS if c not in ("lat", "lon")}
        geom = None
        if row.get("lat") and row.get("lon"):
            geom = {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}
        if count:
            out.write(",\n")
        feature = {"type": "Feature", "geometry": geom, "properties": props}
        if row.get("external_id"):
            feature["id"] = row["external_id"]
        out.write(json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
