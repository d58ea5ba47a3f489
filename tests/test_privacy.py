"""What CKAN itself shows of approximate and protected offers.

The feature store publishes approximate offers only coarsened, but CKAN's
own API, dataset page and search index would still carry the stored
position and street. Only people who may edit the offer see them."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from tests.helpers import store_rows

pytestmark = pytest.mark.usefixtures("offers_env")

EXACT = (6.48361, 50.80342)


@pytest.fixture
def approximate(organization, make_offer_data):
    return helpers.call_action("package_create", **make_offer_data(
        organization["id"], location_visibility="approximate", street="Geheimgasse 7",
        spatial=json.dumps({"type": "Point", "coordinates": list(EXACT)})))


def _point(pkg):
    return tuple(json.loads(pkg["spatial"])["coordinates"]) if pkg.get("spatial") else None


def test_anonymous_api_sees_only_the_published_point(app, approximate):
    row = store_rows()[0]
    shown = app.get("/api/3/action/package_show", query_string={"id": approximate["id"]}).json["result"]
    assert _point(shown) == pytest.approx((row["x"], row["y"]))
    assert _point(shown) != pytest.approx(EXACT, abs=1e-4)
    assert shown["street"] == ""
    found = app.get("/api/3/action/package_search",
                    query_string={"fq": "+dataset_type:hilfsangebot"}).json["result"]["results"]
    assert _point(found[0]) == pytest.approx((row["x"], row["y"]))
    assert "Geheimgasse" not in json.dumps(found)


def test_editors_see_the_exact_point(app, approximate):
    admin = factories.Sysadmin()
    token = helpers.call_action("api_token_create", context={"user": admin["name"]},
                                user=admin["name"], name="t")["token"]
    shown = app.get("/api/3/action/package_show", query_string={"id": approximate["id"]},
                    headers={"Authorization": token}).json["result"]
    assert _point(shown) == pytest.approx(EXACT)
    assert shown["street"] == "Geheimgasse 7"


def test_search_cannot_locate_the_exact_point_or_street(app, approximate):
    lon, lat = EXACT
    tiny = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    result = app.get("/api/3/action/package_search",
                     query_string={"ext_bbox": tiny, "fq": "+dataset_type:hilfsangebot"}).json
    assert result["result"]["count"] == 0
    by_street = app.get("/api/3/action/package_search", query_string={"q": "Geheimgasse"}).json
    assert by_street["result"]["count"] == 0


def test_dataset_page_hides_the_exact_point_and_street(app, approximate):
    page = app.get(f"/hilfsangebot/{approximate['name']}").body
    assert "Geheimgasse" not in page
    assert "50.80342" not in page and "6.48361" not in page


def test_default_export_is_what_may_be_published(cli, approximate, tmp_path):
    import csv

    from ckan.cli.cli import ckan as ckan_cli

    out = tmp_path / "export.csv"
    assert cli.invoke(ckan_cli, ["keck-homeless", "export", "-o", str(out)]).exit_code == 0
    with open(out, encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["street"] == "" and float(row["lat"]) != pytest.approx(EXACT[1], abs=1e-4)
    full = tmp_path / "full.csv"
    assert cli.invoke(ckan_cli, ["keck-homeless", "export", "--include-protected",
                                 "-o", str(full)]).exit_code == 0
    with open(full, encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["street"] == "Geheimgasse 7" and float(row["lat"]) == pytest.approx(EXACT[1])
