"""finder/filters.py: GET parameters → Filters (pure, no CKAN)."""
from __future__ import annotations

import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from ckanext.keck_homeless.finder.filters import FilterError, Filters, parse


def test_empty_parameters_mean_no_filter():
    f = parse({})
    assert f == Filters()
    assert not f.active
    assert f.as_params() == {}


def test_all_filters_from_a_plain_dict():
    f = parse({"kategorie": ["shelter", "meal"], "jetzt": "1", "nacht": "on", "hunde": "ja",
               "rollstuhl": "true", "frauen": "1", "kostenlos": "1",
               "gemeinde": "05358008", "q": "  Mittag   Düren "})
    assert f.categories == ("shelter", "meal")
    assert f.open_now and f.tonight and f.dogs and f.wheelchair and f.women and f.free
    assert f.municipality == "05358008"
    assert f.text == "Mittag Düren"
    assert f.active


def test_multidict_and_round_trip_through_as_params():
    args = MultiDict([("kategorie", "meal"), ("kategorie", "hygiene"), ("jetzt", "1")])
    f = parse(args)
    assert f.categories == ("meal", "hygiene")
    assert parse(f.as_params()) == f


def test_unchecked_checkbox_values_are_false():
    assert parse({"jetzt": "", "hunde": "0"}) == Filters()


@pytest.mark.parametrize("args, param", [
    ({"kategorie": "bar"}, "kategorie"),
    ({"kategorie": "'; DROP TABLE offer; --"}, "kategorie"),
    ({"gemeinde": "99999999"}, "gemeinde"),
    ({"jetzt": "vielleicht"}, "jetzt"),
    ({"gemeinde": ["05358008", "05358004"]}, "gemeinde"),
    ({"q": "x" * 101}, "q"),
    ({"organisation": "a b"}, "organisation"),
])
def test_bad_values_raise_filter_error_naming_the_parameter(args, param):
    with pytest.raises(FilterError) as err:
        parse(args)
    assert err.value.param == param
    de, en = err.value.msg.text("de"), err.value.msg.text("en")
    assert de and en and de != en


def test_clock_parameter_only_when_allowed():
    assert parse({"zeit": "2026-11-25T20:00"}).at is None
    at = parse({"zeit": "2026-11-25T20:00"}, allow_clock=True).at
    assert at.isoformat() == "2026-11-25T20:00:00+01:00"
    # aware input is converted to Berlin time
    at = parse({"zeit": "2026-07-01T10:00+00:00"}, allow_clock=True).at
    assert (at.hour, at.utcoffset()) == (12, dt.timedelta(hours=2))
    with pytest.raises(FilterError):
        parse({"zeit": "gestern"}, allow_clock=True)
