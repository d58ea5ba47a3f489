"""KECK-Atlas figures (offers/figures.py): the counting rules."""
from __future__ import annotations

import datetime as dt

from ckanext.keck_homeless.exchange import figures  # the maths (offers/figures.py) and the writers
from ckanext.keck_homeless.offers.figures import Offer

DAY = dt.date(2026, 12, 4)
AREAS = [{"code": "A", "name": "Aheim", "population": 20000,
          "population_date": dt.date(2024, 12, 31)},
         {"code": "B", "name": "Bdorf", "population": None, "population_date": None}]


def _by_code(rows):
    return {r["code"]: r for r in rows}


def test_counts_places_hours_and_rate():
    offers = [Offer("A", "shelter", 12, True, "Mo-Su 19:00-08:00"),
              Offer("A", "shelter", 8, False, "Sa,Su 10:00-14:00"),
              Offer("A", "meal", None, True, "Mo-Fr 11:30-13:30"),
              Offer("B", "meal", None, False, ""),
              Offer(None, "meal", None, True, "24/7")]  # outside every area
    rows = _by_code(figures.compute(AREAS, offers, "gemeinde", DAY))
    a, b = rows["A"], rows["B"]
    assert (a["angebote"], a["angebote_shelter"], a["angebote_meal"]) == (3, 2, 1)
    assert a["plaetze_shelter"] == 20 and a["plaetze_meal"] is None
    assert (a["nachts_geoeffnet"], a["wochenende_geoeffnet"], a["kostenlos"]) == (1, 2, 2)
    assert a["angebote_je_10000_ew"] == 1.5 and a["einwohner_stand"] == "2024-12-31"
    assert (b["angebote"], b["angebote_je_10000_ew"], b["stand"]) == (1, None, "2026-12-04")
    assert list(rows) == ["A", "B"] and set(a) == set(figures.columns())


def test_protected_offers_only_where_three_of_their_kind_with_them():
    two = [Offer("A", "protection", 6, True, "24/7", protected=True),
           Offer("A", "protection", 4, True, "24/7", protected=True)]
    rows = _by_code(figures.compute(AREAS, two, "gemeinde", DAY))
    # neither the category nor any total gives them away
    assert rows["A"]["angebote"] == 0 and rows["A"]["angebote_protection"] == 0
    assert rows["A"]["plaetze_protection"] is None and rows["A"]["nachts_geoeffnet"] == 0
    three = [*two, Offer("A", "protection", None, False, "Mo-Fr 09:00-12:00")]
    rows = _by_code(figures.compute(AREAS, three, "gemeinde", DAY))
    assert rows["A"]["angebote_protection"] == 3 and rows["A"]["plaetze_protection"] == 10
    assert rows["A"]["angebote"] == 3 and rows["A"]["nachts_geoeffnet"] == 2
    # below the municipality level protected offers are never counted
    rows = _by_code(figures.compute(AREAS, three, "ortslage", DAY))
    assert rows["A"]["angebote_protection"] == 1


def test_csv_is_german_excel_and_xlsx_describes_each_indicator(tmp_path):
    from openpyxl import load_workbook

    rows = figures.compute(AREAS, [Offer("A", "meal", None, True, "")], "gemeinde", DAY)
    text = figures.csv_text(rows)
    assert text.startswith("\ufeffcode;name;angebote;")
    assert ";0,50;" in text  # 1 per 20,000 inhabitants → 0.5 per 10,000, decimal comma
    path = tmp_path / "k.xlsx"
    with open(path, "wb") as fh:
        figures.write_xlsx(rows, fh, "gemeinde", "© GeoBasis-DE / BKG 2021")
    book = load_workbook(path)
    assert book.sheetnames == ["Kennzahlen", "Indikatoren"]
    sheet = book["Kennzahlen"]
    assert [c.value for c in sheet[1]] == figures.columns()
    assert sheet.cell(row=2, column=3).value == 1  # a number, not text
    described = {r[0].value for r in book["Indikatoren"].iter_rows(min_row=2) if r[0].value}
    assert set(figures.columns()) <= described
