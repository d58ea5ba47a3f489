"""partners/places.py without a database: parsing, expiry, texts."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.keck_homeless.offers.hours import TZ
from ckanext.keck_homeless.partners import places

TEN = dt.time(10, 0)


@pytest.mark.parametrize("value, number", [("0", 0), (" 3 ", 3), (12, 12), ("10000", 10000)])
def test_parse_places(value, number):
    assert places.parse_places(value) == number


@pytest.mark.parametrize("value", ["", "-1", "3.5", "drei", "10001", "1e3", True, None, "٣"])
def test_parse_places_refuses(value):
    with pytest.raises(ValueError):
        places.parse_places(value)


@pytest.mark.parametrize("set_at, expires", [
    (dt.datetime(2026, 11, 26, 19, 40, tzinfo=TZ), dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)),
    (dt.datetime(2026, 11, 27, 7, 0, tzinfo=TZ), dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)),
    (dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ), dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)),
    # across the change to winter time (25 Oct 2026): still 10:00 wall time
    (dt.datetime(2026, 10, 24, 22, 0, tzinfo=TZ), dt.datetime(2026, 10, 25, 10, 0, tzinfo=TZ)),
    # given in UTC: converted to Berlin first
    (dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.timezone.utc),
     dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)),
])
def test_a_value_counts_until_the_next_morning(set_at, expires):
    assert places.expires_after(set_at, TEN) == expires


def test_texts_in_german_and_english():
    at = dt.datetime(2026, 11, 26, 19, 40, tzinfo=TZ)
    assert places.text({"places": 3, "set_at": at}, "de") == \
        "3 Plätze frei heute Nacht (Stand 19:40)"
    assert places.text({"places": 1, "set_at": at}, "de") == \
        "1 Platz frei heute Nacht (Stand 19:40)"
    assert places.text({"places": 0, "set_at": at}, "de") == \
        "Heute Nacht kein Platz frei (Stand 19:40)"
    assert places.text({"places": 2, "set_at": at}, "en") == \
        "2 places free tonight (as of 19:40)"
    assert places.text(None, "de") == ""
