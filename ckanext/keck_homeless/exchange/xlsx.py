"""Offers as Excel workbooks (XLSX): export, import and the template.

No CKAN imports (openpyxl only). The data sheet "Hilfsangebote" has one row
per offer and a header per column in the form ``Name des Angebots (title)``:
the German label for people, the field name in brackets for the importer
(a bare field name is read too). The template adds drop-down lists with the
German labels of every code list (sheet "Listen"), a sheet "Erläuterungen"
explaining each column and the opening-hours syntax, and example rows.
Cells are written as text (never as a formula: values that would start one
are neutralised as in CSV, see ``tabular.neutralise``); code-like columns
(phone, postcode, AGS, ids) are formatted as text so Excel keeps leading
zeros when someone types into them.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import yaml

from ckanext.keck_homeless.exchange import tabular
from ckanext.keck_homeless.offers import codes

SHEET = "Hilfsangebote"
HELP_SHEET = "Erläuterungen"
LIST_SHEET = "Listen"
TEXT_COLUMNS = ("external_id", "name", "phone", "postcode", "municipality", "admission_until")
#: coded columns with a drop-down in the template (single value)
CHOICE_COLUMNS = ("category", "municipality", "location_visibility", "offer_status",
                  "wheelchair")
YES_NO = ("ja", "nein")
_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "hilfsangebot.yaml"
_EXTRA_LABELS = {"lat": ("Breitengrad (WGS84)", "Latitude (WGS84)"),
                 "lon": ("Längengrad (WGS84)", "Longitude (WGS84)")}


@functools.lru_cache(maxsize=1)
def _labels() -> dict[str, tuple[str, str]]:
    schema = yaml.safe_load(_SCHEMA.read_text(encoding="utf-8"))
    out = dict(_EXTRA_LABELS)
    for f in schema["dataset_fields"]:
        label = f.get("label")
        if isinstance(label, dict):
            out[f["field_name"]] = (label.get("de", f["field_name"]), label.get("en", ""))
    return out


def header(column: str) -> str:
    """``Name des Angebots (title)``."""
    return f"{_labels().get(column, (column,))[0]} ({column})"


def _choices(column: str) -> list[tuple[str, str]]:
    """(code, German label) of a coded column."""
    if column == "municipality":
        return [(m.ags, m.name) for m in codes.MUNICIPALITIES]
    return [(c, codes.label(column, c, "de")) for c in codes.codes(column)]


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read(data: bytes) -> list[tabular.Row]:
    """Rows of the first sheet with recognised headers (the data sheet of
    our files; any workbook whose first row names our columns)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a broken file
        raise tabular.FileFormatError(f"not a readable XLSX workbook: {err}") from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        first = next(rows_iter)
    except StopIteration:
        raise tabular.FileFormatError("the file is empty") from None
    columns = [tabular.column_of(c) for c in first]
    unknown = [str(c) for c, col in zip(first, columns, strict=True)
               if col is None and str(c or "").strip()]
    if unknown:
        raise tabular.FileFormatError(
            f"unknown columns: {', '.join(unknown)} (known: {', '.join(tabular.COLUMNS)})")
    if "title" not in columns:
        raise tabular.FileFormatError("the column 'title' is missing")
    rows = []
    for number, cells in enumerate(rows_iter, start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue  # empty lines Excel keeps
        values = {}
        for col, cell in zip(columns, cells, strict=False):
            if col:
                values[col] = tabular.restore(_cell_text(cell))
        rows.append(tabular.Row(number, values))
    book.close()
    return rows


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _set(cell, value: str) -> None:
    cell.value = tabular.neutralise(value) if value else None
    cell.data_type = "s" if value else cell.data_type


def _data_sheet(book, rows: Iterable[Mapping[str, str]]):
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.active
    sheet.title = SHEET
    sheet.append([header(c) for c in tabular.COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        count += 1
        for index, column in enumerate(tabular.COLUMNS, start=1):
            _set(sheet.cell(row=count + 1, column=index), str(row.get(column, "") or ""))
    for index, column in enumerate(tabular.COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(header(column)) + 2))
        if column in TEXT_COLUMNS:
            for cells in sheet[f"{letter}2:{letter}{max(count + 1, 1000)}"]:
                for cell in cells:
                    cell.number_format = "@"
    sheet.freeze_panes = "B2"
    return sheet, count


def write(rows: Iterable[Mapping[str, str]], out: IO[bytes]) -> int:
    """An export workbook (data sheet only); returns the number of rows."""
    from openpyxl import Workbook

    book = Workbook()
    _sheet, count = _data_sheet(book, rows)
    book.save(out)
    return count


EXAMPLES = (
    {"external_id": "NS-001", "title": "Notschlafstelle Musterstadt (Beispiel)",
     "owner_org": "mein-verein", "category": "Notunterkunft / Notschlafstelle",
     "services": "shelter|hygiene", "target_groups": "adults", "dogs_allowed": "ja",
     "free_of_charge": "ja", "street": "Beispielstraße 1", "postcode": "52349",
     "municipality": "Düren", "location_visibility": "public",
     "opening_hours": "Mo-Su 19:00-08:00", "admission_until": "23:00",
     "offer_status": "active", "phone": "02421 123456", "languages": "de|en",
     "wheelchair": "limited", "capacity": "12", "last_verified": "2026-11-30",
     "lat": "50.8030", "lon": "6.4830"},
    {"external_id": "FH-002", "title": "Frauenschutzwohnung (Beispiel)",
     "owner_org": "mein-verein", "category": "protection", "target_groups": "women",
     "women_only": "ja", "municipality": "05358008", "location_visibility": "hidden",
     "opening_hours": "24/7", "offer_status": "active", "phone": "02421 654321",
     "last_verified": "2026-11-30"},
)

OPENING_HOURS_HELP = (
    ("Mo-Fr 09:00-17:00", "montags bis freitags 9 bis 17 Uhr"),
    ("Mo-Fr 09:00-12:00,13:00-16:00; PH off", "mit Mittagspause; an Feiertagen geschlossen"),
    ("Mo-Su 19:00-08:00", "jede Nacht von 19 bis 8 Uhr am nächsten Morgen"),
    ("Sa[1] 10:00-12:00", "am ersten Samstag im Monat"),
    ("Nov-Mar: Mo-Su 20:00-08:00", "nur im Winter (Kältehilfe)"),
    ("24/7", "immer geöffnet"),
)


def _help_sheet(book) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet(HELP_SHEET)
    sheet.append(["Spalte", "Feld", "Pflicht", "Was eintragen?"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    explain = {
        "external_id": "Ihre eigene Kennung; gleiche Kennung = dasselbe Angebot (wird "
                       "aktualisiert). Jede Kennung nur einmal in der Datei.",
        "title": "Name des Angebots, wie Hilfesuchende ihn lesen.",
        "owner_org": "Kurzname Ihrer Organisation im Datenkatalog.",
        "category": "Hauptkategorie aus der Liste (Bezeichnung oder Code).",
        "services": "Weitere Leistungen, Codes oder Bezeichnungen getrennt mit |.",
        "target_groups": "Zielgruppen, getrennt mit | (z. B. adults|women).",
        "municipality": "Gemeinde aus der Liste (Name oder Gemeindeschlüssel).",
        "location_visibility": "public = Adresse und Lage öffentlich; approximate = nur "
                               "ungefähre Lage; hidden = geschützt (z. B. Frauenhaus).",
        "opening_hours": "Öffnungszeiten im OpenStreetMap-Format, siehe unten.",
        "phone": "Dienstnummer mit Vorwahl; die Spalte ist als Text formatiert.",
        "lat": "Breitengrad in Dezimalgrad (z. B. 50,8030); leer lassen, wenn geschützt.",
        "lon": "Längengrad in Dezimalgrad (z. B. 6,4830).",
        "last_verified": "Datum der letzten Prüfung, TT.MM.JJJJ oder JJJJ-MM-TT.",
    }
    for column in tabular.COLUMNS:
        required = "ja" if column in ("title", "owner_org", "category", "target_groups",
                                      "municipality", "location_visibility") else ""
        if column in tabular.BOOL_COLUMNS:
            text = "ja oder nein (auch WAHR/FALSCH)."
        elif column in ("valid_from", "valid_until", "closed_until"):
            text = "Datum, TT.MM.JJJJ oder JJJJ-MM-TT."
        else:
            text = explain.get(column, "")
        sheet.append([_labels().get(column, (column,))[0], column, required, text])
    sheet.append([])
    sheet.append(["Öffnungszeiten (OpenStreetMap-Format)"])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    for example, meaning in OPENING_HOURS_HELP:
        sheet.append([example, "", "", meaning])
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["D"].width = 90
    for cells in sheet["D2:D60"]:
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _lists(book, data_sheet) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = book.create_sheet(LIST_SHEET)
    position = {c: i for i, c in enumerate(tabular.COLUMNS, start=1)}
    entries = [(c, [label for _code, label in _choices(c)]) for c in CHOICE_COLUMNS]
    entries.append(("_bool", list(YES_NO)))
    for index, (column, labels) in enumerate(entries, start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=column)
        for row, label in enumerate(labels, start=2):
            lists.cell(row=row, column=index, value=label)
        targets = tabular.BOOL_COLUMNS if column == "_bool" else (column,)
        for target in targets:
            check = DataValidation(type="list",
                                   formula1=f"'{LIST_SHEET}'!${letter}$2:${letter}${len(labels) + 1}",
                                   allow_blank=True, showErrorMessage=True,
                                   errorTitle="Ungültiger Wert",
                                   error="Bitte einen Wert aus der Liste wählen.")
            target_letter = get_column_letter(position[target])
            check.add(f"{target_letter}2:{target_letter}1000")
            data_sheet.add_data_validation(check)
    lists.sheet_state = "hidden"


def template(out: IO[bytes]) -> None:
    """The XLSX template: data sheet with example rows and drop-downs, the
    explanation sheet, the (hidden) list sheet."""
    from openpyxl import Workbook

    book = Workbook()
    sheet, _count = _data_sheet(book, EXAMPLES)
    _lists(book, sheet)
    _help_sheet(book)
    book.save(out)
