"""Read an offer file of any supported kind (CSV, XLSX, GeoJSON).

The one entry point of the importer: a workbook is recognised by its
content (an XLSX saved under a ``.csv`` name is still read as one), text is
decoded as spreadsheets write it, and ``tabular.finish`` undoes spreadsheet
conversions and marks duplicate ``external_id``s.
"""
from __future__ import annotations

from ckanext.keck_homeless.exchange import spreadsheet, tabular, xlsx
from ckanext.keck_homeless.exchange.tabular import FileFormatError, Row


def read(path: str, fmt: str | None = None) -> list[Row]:
    """Rows of a CSV, XLSX or GeoJSON file, with what spreadsheets did to
    the values undone (``spreadsheet.py``) and duplicate ``external_id``s
    marked. An XLSX workbook is read as one whatever its name says."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"PK\x03\x04"):
        rows = xlsx.read(data)
    else:
        fmt = fmt or tabular.detect_format(path)
        if fmt == "xlsx":
            raise FileFormatError("not an XLSX workbook (no ZIP signature)")
        text = spreadsheet.decode(data)
        rows = tabular.read_geojson(text) if fmt == "geojson" else tabular.read_csv(text)
    return tabular.finish(rows)
