"""``ckan keck-homeless publish-services`` (services_dataset.py, cli.py)."""
from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest
from click.testing import CliRunner

from ckanext.keck_homeless import cli
from ckanext.keck_homeless import services_dataset as publish
from tests.helpers import call_action

#: the demo's plugins without geo_view
NO_GEO_VIEW = "keck_homeless scheming_datasets spatial_metadata spatial_query activity"


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_store")
def test_publish_creates_then_updates_the_two_datasets_with_geo_views(organization, app):
    site = tk.config["ckan.site_url"].rstrip("/")
    first = publish.publish(site, organization["name"])
    pkg = first["package"]
    assert first["created"] and pkg["name"] == publish.DEFAULT_NAME
    by_format = {r["format"]: r for r in pkg["resources"]}
    assert set(by_format) == {"WMS", "WFS", "OGC API - Features", "GeoJSON"}
    assert by_format["WFS"]["url"] == site + "/keck-homeless/ows"
    assert by_format["OGC API - Features"]["url"] == site + "/keck-homeless/ogcapi"
    # WMS, WFS, GeoJSON here + the GeoJSON of the offers' dataset
    assert first["geo_view"] and first["views_created"] == 4
    product = first["product"]
    assert first["product_created"] and product["name"] == publish.PRODUCT_NAME
    assert product["license_id"] == "dl-de-by-2.0"
    assert sorted((r["format"], r["url"]) for r in product["resources"]) == sorted([
        ("GeoJSON", site + "/keck-homeless/ogcapi/collections/hilfsangebote/items"
                           "?f=json&limit=100000"),
        ("CSV", site + "/keck-homeless/download/hilfsangebote.csv"),
        ("XLSX", site + "/keck-homeless/download/hilfsangebote.xlsx"),
        ("XLSX", site + "/keck-homeless/download/kennzahlen-gemeinde.xlsx"),
        ("JSON", site + "/keck-homeless/hsds/"),
        ("ZIP", site + "/keck-homeless/hsds/datapackage.zip")])
    assert len({r["id"] for r in product["resources"]}) == 6
    # the figures need the municipalities as areas
    from ckan import model

    from ckanext.keck_homeless.store import areas
    from tests.unit.test_areas import _shared

    found, _crs, _skipped = areas.read_source(str(_shared()), "ags", "name")
    with model.meta.engine.begin() as conn:
        areas.replace_level(conn, "gemeinde", found, "© GeoBasis-DE / BKG 2021 (Daten verändert)",
                            source_url="http://www.bkg.bund.de")
    for res in product["resources"]:  # every distribution answers
        assert app.get(res["url"].replace(site, "")).status_code == 200, res["url"]
    views = call_action("resource_view_list", id=by_format["WFS"]["id"])
    assert [v["view_type"] for v in views] == ["geo_view"]
    spatial = pkg["spatial"]
    assert json.loads(spatial)["type"] == "Polygon"

    # published again with the areas loaded: the area layer joins the services
    again = publish.publish(site, organization["name"])
    assert not again["created"] and not again["product_created"]
    assert again["views_created"] == 1  # the area layer's map preview
    assert {r["id"] for r in again["package"]["resources"]} > {r["id"] for r in pkg["resources"]}
    area_res = next(r for r in again["package"]["resources"] if "gebiete_gemeinde" in r["url"])
    assert "© GeoBasis-DE / BKG 2021" in area_res["description"]
    doc = app.get(area_res["url"].replace(site, "")).get_json()
    assert len(doc["features"]) == 15
    third = publish.publish(site, organization["name"])
    assert third["views_created"] == 0
    assert {r["id"] for r in third["package"]["resources"]} == \
        {r["id"] for r in again["package"]["resources"]}
    assert {r["id"] for r in again["product"]["resources"]} == \
        {r["id"] for r in product["resources"]}
    assert call_action("package_search", q="name:" + publish.DEFAULT_NAME)["count"] == 1

    page = app.get("/dataset/" + publish.DEFAULT_NAME)
    assert page.status_code == 200 and "Geodienste" in page.get_data(as_text=True)
    view_id = views[0]["id"]
    res = app.get(f"/dataset/{pkg['id']}/resource/{by_format['WFS']['id']}/view/{view_id}")
    assert res.status_code == 200


@pytest.mark.ckan_config("ckan.plugins", NO_GEO_VIEW)
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "clean_store")
def test_command_output_and_errors(organization):
    runner = CliRunner()
    result = runner.invoke(cli.publish_services, ["--organization", organization["name"]])
    assert result.exit_code == 0, result.output
    assert "created:" in result.output and "geo_view: plugin not loaded" in result.output
    result = runner.invoke(cli.publish_services, ["--organization", organization["name"]])
    assert result.exit_code == 0 and "updated:" in result.output
    result = runner.invoke(cli.publish_services, ["--organization", "no-such-org"])
    assert result.exit_code != 0 and "not found" in result.output
