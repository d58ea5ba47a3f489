"""Formula neutralisation of CSV cells (OWASP CSV injection) and its inverse."""
from __future__ import annotations

import pytest

from ckanext.keck_homeless.exchange.tabular import neutralise, restore


@pytest.mark.parametrize("value", ["=1+1", "+49 2421 1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                   "=HYPERLINK(\"http://x\")", "=cmd|' /C calc'!A0"])
def test_formulas_become_text_and_come_back(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["Notschlafstelle", "", "-0.5", "+1", "50.80", "'quoted",
                                   "Frauen-Notruf"])
def test_ordinary_cells_and_numbers_stay(value):
    assert neutralise(value) == value
    assert restore(value) == value
