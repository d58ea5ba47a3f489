"""Offers in areas: assigned in the store sync, by the exact point of an
approximate offer, repaired by `rebuild`, reviewed by `check`."""
from __future__ import annotations

import csv
import json
import pathlib

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from pyproj import Transformer

from ckanext.keck_homeless.offers import rules
from tests.helpers import call_action
from tests.unit.test_areas import _shared

pytestmark = pytest.mark.usefixtures("offers_env")
DEMO = pathlib.Path(__file__).parents[2] / "dev" / "demo"


def _load_gemeinden(cli):
    result = cli.invoke(ckan_cli, ["keck-homeless", "areas", "load", str(_shared()),
                                   "--level", "gemeinde", "--code-field", "ags",
                                   "--name-field", "name"])
    assert result.exit_code == 0, result.output


def _assigned(level: str) -> dict[str, str]:
    with model.meta.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.name, oa.code FROM keck_homeless.offer_area oa "
            "JOIN keck_homeless.offer o USING (package_id) WHERE oa.level = :l"), {"l": level})
        return dict(rows.fetchall())


def test_every_demo_offer_lies_in_the_municipality_it_names(cli):
    _load_gemeinden(cli)  # areas first, offers after: assigned by the sync
    result = cli.invoke(ckan_cli, ["keck-homeless", "import", str(DEMO / "offers.csv"),
                                   "--organizations", str(DEMO / "organizations.json")])
    assert result.exit_code == 0, result.output
    with open(DEMO / "offers.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh)
                if r["lat"] and r["location_visibility"] != "hidden"
                and r["offer_status"] != "ended"]
    assigned = _assigned("gemeinde")
    assert assigned == {r["name"]: r["municipality"] for r in rows}
    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 0 and "warning" not in check.output, check.output

    # an offer moved to Jülich but still naming Düren: reassigned in the same
    # write, and `check` asks to review it
    name = rows[0]["name"]
    call_action("package_patch", id=name, municipality="05358008",
                spatial=json.dumps({"type": "Point", "coordinates": [6.3611, 50.9225]}))
    assert _assigned("gemeinde")[name] == "05358024"
    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 0, check.output
    assert f"warning: outside its municipality: {name} names Düren (05358008) but lies " \
           "in Jülich" in check.output


def test_an_approximate_offer_is_assigned_by_its_exact_point(cli, organization,
                                                             make_offer_data, tmp_path):
    exact = (6.4836, 50.8034)
    centre = rules.coarsen(*exact, 500)
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    (ex, ny), (cx, _cy) = to_utm.transform(*exact), to_utm.transform(*centre)
    assert ex != cx
    border = (ex + cx) / 2  # a border between the exact point and its cell centre
    west, east = (ex, cx) if ex < cx else (cx, ex)
    features = []
    for code, x0, x1 in (("WEST", west - 2000, border), ("EAST", border, east + 2000)):
        ring = [to_utm_inverse(x, y) for x, y in ((x0, ny - 2000), (x1, ny - 2000),
                                                   (x1, ny + 2000), (x0, ny + 2000),
                                                   (x0, ny - 2000))]
        features.append({"type": "Feature", "properties": {"code": code, "name": code},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path = tmp_path / "split.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = cli.invoke(ckan_cli, ["keck-homeless", "areas", "load", str(path), "--level",
                                   "ortslage", "--code-field", "code", "--name-field", "name"])
    assert result.exit_code == 0, result.output

    offer = call_action("package_create", **make_offer_data(
        organization["id"], location_visibility="approximate",
        spatial=json.dumps({"type": "Point", "coordinates": list(exact)})))
    expected = "WEST" if ex < border else "EAST"
    assert _assigned("ortslage") == {offer["name"]: expected}
    # the published (coarsened) point lies in the other area
    published = call_action("package_show", id=offer["id"])["spatial"]
    assert json.loads(published)["coordinates"] != list(exact)

    # a tampered assignment is a difference, and `rebuild` repairs it
    with model.meta.engine.begin() as conn:
        conn.execute(sa.text("UPDATE keck_homeless.offer_area SET code = 'EAST' || code"))
    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 1 and "area assignment" in check.output
    assert cli.invoke(ckan_cli, ["keck-homeless", "rebuild"]).exit_code == 0
    assert _assigned("ortslage") == {offer["name"]: expected}

    assert cli.invoke(ckan_cli, ["keck-homeless", "areas", "delete", "ortslage"]).exit_code == 0
    assert _assigned("ortslage") == {}


def to_utm_inverse(x: float, y: float) -> list[float]:
    lon, lat = Transformer.from_crs(25832, 4326, always_xy=True).transform(x, y)
    return [lon, lat]


def test_figures_per_municipality_by_command_and_download(app, cli, tmp_path):
    from openpyxl import load_workbook

    _load_gemeinden(cli)
    assert cli.invoke(ckan_cli, ["keck-homeless", "import", str(DEMO / "offers.csv"),
                                 "--organizations",
                                 str(DEMO / "organizations.json")]).exit_code == 0
    out = tmp_path / "kennzahlen.xlsx"
    result = cli.invoke(ckan_cli, ["keck-homeless", "figures", "--level", "gemeinde",
                                   "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Kennzahlen"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 15
    with open(DEMO / "offers.csv", encoding="utf-8") as fh:
        demo = [r for r in csv.DictReader(fh) if r["offer_status"] != "ended"]
    located = [r for r in demo if r["location_visibility"] != "hidden"]
    # every located offer once; the two protected ones (in Düren and Jülich)
    # stay out: fewer than three offers of their category there
    assert sum(r["angebote"] for r in rows.values()) == len(located)
    dueren = rows["05358008"]
    assert dueren["angebote"] == sum(1 for r in located if r["municipality"] == "05358008")
    assert dueren["angebote_protection"] == sum(
        1 for r in located if r["municipality"] == "05358008" and r["category"] == "protection")

    res = app.get("/keck-homeless/download/kennzahlen-gemeinde.csv")
    assert res.headers["Content-Type"].startswith("text/csv")
    assert res.get_data(as_text=True).count("\r\n") == 16
    assert app.get("/keck-homeless/download/kennzahlen-ortslage.xlsx", status=404)
    missing = cli.invoke(ckan_cli, ["keck-homeless", "figures", "--level", "ortslage",
                                    "-o", str(tmp_path / "x.xlsx")])
    assert missing.exit_code != 0 and "areas load" in missing.output


def test_the_municipality_check_uses_the_exact_point_also_of_hidden_offers(
        cli, organization, make_offer_data):
    """The form's warning (store/areas.municipality_mismatch): a hidden
    offer has no store row; its exact point in the protected table counts."""
    _load_gemeinden(cli)
    in_dueren = json.dumps({"type": "Point", "coordinates": [6.4836, 50.8034]})
    hidden = call_action("package_create", **make_offer_data(
        organization["id"], category="protection", services=["protection"],
        location_visibility="hidden", municipality="05358024", spatial=in_dueren))
    public = call_action("package_create", **make_offer_data(
        organization["id"], municipality="05358008", spatial=in_dueren))
    from ckanext.keck_homeless.store import areas

    with model.meta.engine.connect() as conn:
        assert areas.municipality_mismatch(conn, hidden["id"], "05358024") == ("Jülich", "Düren")
        assert areas.municipality_mismatch(conn, public["id"], "05358008") is None
        assert areas.municipality_mismatch(conn, public["id"], "") is None
        assert areas.municipality_mismatch(conn, public["id"], "99999999") is None  # not loaded
