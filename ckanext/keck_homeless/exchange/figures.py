"""KECK-Atlas figures as files: CSV and XLSX in the layout the KECK-Atlas
import takes (one row per area keyed by code, one column per indicator, a
sheet describing each indicator). The indicators and their counting rules
are domain maths in offers/figures.py (re-exported here)."""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import IO, Any

from ckanext.keck_homeless.offers.figures import (  # noqa: F401  (re-exported)
    MIN_CELL,
    MUNICIPALITY_LEVEL,
    NIGHT,
    Indicator,
    Offer,
    columns,
    compute,
    indicators,
    open_at_night_and_weekend,
)


def write_csv(rows: list[Mapping[str, Any]], out: IO[str]) -> None:
    """``;``-separated with decimal commas (German Excel), UTF-8 with BOM."""
    from ckanext.keck_homeless.exchange.tabular import neutralise

    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns())
    for row in rows:
        cells = []
        for key in columns():
            value = row.get(key)
            if value is None:
                cells.append("")
            elif isinstance(value, float):
                cells.append(f"{value:.2f}".replace(".", ","))
            else:
                cells.append(neutralise(str(value)))
        writer.writerow(cells)


def write_xlsx(rows: list[Mapping[str, Any]], out: IO[bytes], level: str,
               source_note: str = "") -> None:
    """Sheet "Kennzahlen" (one row per area, numbers as numbers) and sheet
    "Indikatoren" describing each column in German."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ckanext.keck_homeless.exchange.tabular import neutralise

    book = Workbook()
    sheet = book.active
    sheet.title = "Kennzahlen"
    sheet.append(columns())
    for row in rows:
        sheet.append([neutralise(v) if isinstance(v, str) else v
                      for v in (row.get(k) for k in columns())])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    described = book.create_sheet("Indikatoren")
    described.append(["Spalte", "Bezeichnung", "Beschreibung", "Einheit"])
    described.append(["code", "Gebietsschlüssel", f"Schlüssel des Gebiets (Ebene {level}).",
                      "Text"])
    described.append(["name", "Gebiet", "Name des Gebiets.", "Text"])
    for ind in indicators():
        described.append([ind.key, ind.de, ind.description, ind.unit])
    described.append([])
    described.append(["Hinweis", "", "Geschützte Angebote (z. B. Frauenhäuser) zählen nur auf "
                      f"Gemeindeebene und nur in Zellen mit mindestens {MIN_CELL} Angeboten.", ""])
    if source_note:
        described.append(["Geometrien", "", source_note, ""])
    for cell in described[1]:
        cell.font = Font(bold=True)
    described.column_dimensions["A"].width = 26
    described.column_dimensions["B"].width = 40
    described.column_dimensions["C"].width = 100
    book.save(out)


def csv_text(rows: list[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    write_csv(rows, out)
    return out.getvalue()
