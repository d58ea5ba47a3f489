"""The HSDS 3.0 API and data package, validated with the official schemas.

Every response of every endpoint (all pages, every id) is checked against
the compiled HSDS 3.0 JSON schemas with jsonschema's format checker on
(UUIDs, URIs, e-mail, date-time); the data package is validated by
frictionless, foreign keys included, and its tables and fields are checked
against the official tabular ``datapackage.json``.
"""
from __future__ import annotations

import csv
import io
import json
import pathlib
import zipfile

import frictionless
import jsonschema
import pytest
from ckan.cli.cli import ckan as ckan_cli

from ckanext.keck_homeless.exchange import hsds, hsds_source
from tests.standards import hsds_dir

pytestmark = pytest.mark.usefixtures("offers_env")

API = "/keck-homeless/hsds"


@pytest.fixture
def demo(demo_offers):
    return demo_offers


def _validator(name: str):
    path = hsds_dir() / "schema" / name
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _valid(name: str, document) -> None:
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_the_format_checker_really_checks():
    """The validation below is only worth something if formats are checked
    (jsonschema ignores a format whose checker library is missing)."""
    validator = _validator("compiled/service.json")
    good = {"id": "0b3f8a52-6f0e-5c1b-9a37-4b2d9e61c0d4", "name": "x", "status": "active"}
    assert not list(validator.iter_errors(good))
    for key, bad in (("id", "not-a-uuid"), ("url", "no uri"), ("email", "nobody"),
                     ("last_modified", "2026-13-45T99:00:00Z")):
        assert list(validator.iter_errors({**good, key: bad})), key


def _get(app, url: str, status: int = 200):
    res = app.get(url, status=status)
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert res.headers["Content-Type"].startswith("application/json")
    return res.json


def _all_pages(app, url: str, per_page: int = 7) -> list[dict]:
    contents, page = [], 1
    while True:
        sep = "&" if "?" in url else "?"
        doc = _get(app, f"{url}{sep}per_page={per_page}&page={page}")
        assert doc["page_number"] == page and doc["size"] == len(doc["contents"])
        assert doc["first_page"] is (page == 1)
        contents += doc["contents"]
        if doc["last_page"]:
            assert doc["total_items"] == len(contents)
            assert doc["total_pages"] == page
            return contents
        page += 1


def test_every_endpoint_validates_against_the_official_schemas(app, demo):
    root = _get(app, f"{API}/")
    assert root["version"] == "3.0" and root["openapi_url"].endswith(f"{API}/openapi.json")
    assert _get(app, f"{API}/openapi.json")["paths"]["/services/{id}"]

    services = _all_pages(app, f"{API}/services")
    for item in services:
        _valid("compiled/service_list.json", item)
    full = _all_pages(app, f"{API}/services?full=true", per_page=25)
    assert [s["id"] for s in full] == [s["id"] for s in services]
    for item in full:
        _valid("compiled/service.json", item)
        assert _get(app, f"{API}/services/{item['id']}") == item

    # ended offers are not published (neither in the store nor in the finder)
    published = {n: r for n, r in demo.items() if r["offer_status"] != "ended"}
    assert sorted(s["name"] for s in services) == sorted(r["title"] for r in published.values())

    sals = _all_pages(app, f"{API}/service_at_locations")
    located = [s for s in full if s["service_at_locations"]]
    assert len(sals) == len(located)
    for item in sals:
        _valid("compiled/service_at_location_list.json", item)
        one = _get(app, f"{API}/service_at_locations/{item['id']}")
        _valid("compiled/service_at_location.json", one)
        assert one["location"] == item["location"]

    orgs = _all_pages(app, f"{API}/organizations")
    assert hsds_source.PROTECTED_ORG["id"] in {o["id"] for o in orgs}
    for item in orgs:
        _valid("compiled/organization_list.json", item)
        one = _get(app, f"{API}/organizations/{item['id']}?full_service=true")
        _valid("compiled/organization.json", one)
        assert {s["id"] for s in one["services"]} == {
            s["id"] for s in full if s.get("organization_id") == item["id"]}
    for item in _all_pages(app, f"{API}/organizations?full=true"):
        _valid("compiled/organization.json", item)

    taxonomies = _all_pages(app, f"{API}/taxonomies")
    terms = _all_pages(app, f"{API}/taxonomy_terms")
    for item in taxonomies:
        _valid("taxonomy.json", item)
        assert _get(app, f"{API}/taxonomies/{item['id']}") == item
    for item in terms:
        _valid("taxonomy_term.json", item)
        assert item["taxonomy_id"] == taxonomies[0]["id"]
        assert _get(app, f"{API}/taxonomy_terms/{item['id']}") == item
    used = {a["taxonomy_term_id"] for s in full for a in s["attributes"]}
    assert used <= {t["id"] for t in terms}


def test_protected_and_approximate_offers_are_published_as_the_store_has_them(app, demo):
    full = {s["name"]: s for s in _all_pages(app, f"{API}/services?full=true", per_page=100)}
    for name, row in demo.items():
        if row["location_visibility"] == "public" or row["offer_status"] == "ended":
            continue
        service = full[row["title"]]
        if row["location_visibility"] == "hidden":
            # phone and hours only: no location, no e-mail, no description,
            # not even the organisation that runs the place
            assert service["service_at_locations"] == []
            assert service["organization_id"] == hsds_source.PROTECTED_ORG["id"]
            assert "email" not in service and service["description"] == ""
            assert service["phones"] and service["phones"][0]["number"] == row["phone"]
            assert service["schedules"]
            text = json.dumps(service, ensure_ascii=False)
            for secret in (row["street"], row["postcode"], row["lat"][:6], row["lon"][:5]):
                if secret:
                    assert secret not in text, (name, secret)
        else:
            location = service["service_at_locations"][0]["location"]
            assert location["addresses"] == [] and "Ungefähre Lage" in location["description"]
            assert (location["latitude"], location["longitude"]) != (
                float(row["lat"]), float(row["lon"]))


def test_filters_paging_and_errors(app, demo):
    shelter = hsds.term_id("shelter")
    found = _all_pages(app, f"{API}/services?full=true&taxonomy_term_id={shelter}")
    assert found and all(shelter in {a["taxonomy_term_id"] for a in s["attributes"]}
                         for s in found)
    everything = _get(app, f"{API}/services?per_page=1000")
    assert _get(app, f"{API}/services?taxonomy_id={hsds.taxonomy_id()}&per_page=1")[
        "total_items"] == everything["total_items"]
    org = next(s["organization_id"] for s in everything["contents"])
    by_org = _all_pages(app, f"{API}/services?organization_id={org}")
    assert by_org and all(s["organization_id"] == org for s in by_org)
    assert _get(app, f"{API}/services?modified_after=2999-01-01T00:00:00Z")["empty"] is True
    assert _get(app, f"{API}/services?modified_after=2000-01-01")["total_items"] == \
        everything["total_items"]
    minimal = _get(app, f"{API}/services?minimal=true&per_page=1000")["contents"]
    assert minimal and set(minimal[0]) == {"id", "last_modified"}
    searched = _get(app, f"{API}/services?search=Notschlafstelle")["contents"]
    assert searched and all("notschlafstelle" in (s["name"] + s["description"]).lower()
                            for s in searched)
    beyond = _get(app, f"{API}/services?page=999")
    assert beyond["contents"] == [] and beyond["empty"] is False and beyond["last_page"]
    for query in ("page=0", "page=x", "per_page=0", "per_page=100000", "full=maybe",
                  "modified_after=yesterday", "format=xml", "proximity=500"):
        doc = _get(app, f"{API}/services?{query}", status=400)
        name = query.split("=")[0]
        # the parameter is named, the text is German (English under /en/)
        assert doc["status"] == 400 and doc["parameter"] == name and name in doc["error"]
        english = _get(app, f"/en{API}/services?{query}", status=400)
        assert english["parameter"] == name and english["error"] != doc["error"]
    assert _get(app, f"{API}/services?page=x", status=400)["error"] == \
        "page muss eine ganze Zahl sein"
    assert _get(app, f"/en{API}/services?page=x", status=400)["error"] == \
        "page must be an integer"
    for path in ("services", "organizations", "service_at_locations", "taxonomies",
                 "taxonomy_terms"):
        assert _get(app, f"{API}/{path}/00000000-0000-0000-0000-000000000000",
                    status=404)["status"] == 404


def _official_tables() -> dict[str, dict]:
    doc = json.loads((hsds_dir() / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: r for r in doc["resources"]}


def _check_package(data: bytes, tmp_path: pathlib.Path) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    report = frictionless.Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    official = _official_tables()
    ours = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    for resource in ours["resources"]:
        theirs = official[resource["name"]]
        assert resource["path"] == theirs["path"]
        spec = {f["name"]: f for f in theirs["schema"]["fields"]}
        for f in resource["schema"]["fields"]:
            assert f["name"] in spec, (resource["name"], f["name"])
            assert f["type"] == spec[f["name"]]["type"], (resource["name"], f["name"])
            assert f.get("format") == spec[f["name"]].get("format"), (resource["name"], f["name"])
            required = spec[f["name"]].get("constraints", {}).get("required", False)
            assert f["constraints"]["required"] == required, (resource["name"], f["name"])
    tables = {}
    for resource in ours["resources"]:
        with open(tmp_path / resource["path"], encoding="utf-8", newline="") as fh:
            tables[resource["name"]] = list(csv.DictReader(fh))
    return tables


def test_the_data_package_validates_with_foreign_keys(app, cli, demo, tmp_path):
    res = app.get(f"{API}/datapackage.zip")
    assert res.headers["Content-Type"] == "application/zip"
    tables = _check_package(res.get_data(), tmp_path / "web")
    services = _all_pages(app, f"{API}/services", per_page=100)
    assert {r["id"] for r in tables["service"]} == {s["id"] for s in services}
    assert tables["schedule"] and tables["address"] and tables["attribute"]

    out = tmp_path / "cli.zip"
    result = cli.invoke(ckan_cli, ["keck-homeless", "hsds", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from_cli = _check_package(out.read_bytes(), tmp_path / "cli")
    assert {r["id"] for r in from_cli["service"]} == {s["id"] for s in services}
