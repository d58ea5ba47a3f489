"""The test clock (?zeit=) is off unless the site enables it."""
from __future__ import annotations

import pytest

from tests.helpers import call_action

pytestmark = pytest.mark.usefixtures("offers_env")


def test_clock_parameter_is_ignored_unless_enabled(app, organization, make_offer_data):
    call_action("package_create", **make_offer_data(organization["id"]))
    html = app.get("/hilfe", query_string={"zeit": "2026-11-25T03:00"}).get_data(as_text=True)
    assert 'name="zeit"' not in html
    assert "Testzeitpunkt" not in html


@pytest.mark.ckan_config("ckanext.keck_homeless.finder.clock_param", "true")
def test_clock_parameter_when_enabled(app, organization, make_offer_data):
    call_action("package_create", **make_offer_data(
        organization["id"], opening_hours="Mo-Fr 11:30-13:30"))
    at_night = app.get("/hilfe", query_string={"zeit": "2026-11-25T03:00", "jetzt": "1"})
    assert "Keine Angebote gefunden" in at_night.get_data(as_text=True)
    at_noon = app.get("/hilfe", query_string={"zeit": "2026-11-25T12:00", "jetzt": "1"})
    html = at_noon.get_data(as_text=True)
    assert "geöffnet bis 13:30" in html and 'name="zeit" value="2026-11-25T12:00"' in html
