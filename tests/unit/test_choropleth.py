"""Classes and labels of the area choropleth (ogc/choropleth.py)."""
from __future__ import annotations

from ckanext.keck_homeless.ogc import choropleth


def test_few_distinct_values_get_one_class_each_spread_over_the_palette():
    classes = choropleth.classify([0, 0, 1, 2, None, 2])
    assert [(c.low, c.high) for c in classes] == [(0, 0), (1, 1), (2, 2)]
    assert [c.colour for c in classes] == [choropleth.PALETTE[0], choropleth.PALETTE[2],
                                           choropleth.PALETTE[4]]
    assert choropleth.colour_of(None, classes) is None
    assert choropleth.colour_of(1, classes) == choropleth.PALETTE[2]


def test_many_values_get_quantile_classes_that_never_split_a_value():
    values = [0] * 8 + [1, 1, 2, 3, 5, 8, 9, 12, 30]
    classes = choropleth.classify(values)
    assert [(c.low, c.high) for c in classes] == [(0, 0), (1, 2), (3, 8), (9, 30)]
    # every value falls into exactly one class, in order
    for v in values:
        assert sum(c.low <= v <= c.high for c in classes) == 1
    assert choropleth.classify([]) == [] and choropleth.classify([None]) == []


def test_labels_are_german_numbers():
    c = choropleth.Class(1200, 3400.0, (0, 0, 0))
    assert choropleth.label(c, "Anzahl") == "1.200 – 3.400"
    assert choropleth.label(c, "Anzahl", "en") == "1,200 – 3,400"
    per = choropleth.Class(2.34, 5.0, (0, 0, 0))
    assert choropleth.label(per, "je 10.000") == "2,3 – 5,0"
    assert choropleth.label(per, "je 10.000", "en") == "2.3 – 5.0"


def test_styles_are_the_numeric_indicators_with_the_default_first():
    names = [s.name for s in choropleth.styles()]
    assert names[0] == "angebote" and "stand" not in names and "einwohner_stand" not in names
    assert choropleth.style("") == choropleth.style("default") == choropleth.styles()[0]
    assert choropleth.style("PLAETZE_SHELTER").name == "plaetze_shelter"
    assert choropleth.style("nope") is None
