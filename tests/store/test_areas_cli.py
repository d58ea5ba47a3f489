"""`ckan keck-homeless areas load|population|list|delete` against PostGIS."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.cli.cli import ckan as ckan_cli

from tests.unit.test_areas import _shared

pytestmark = pytest.mark.usefixtures("offers_env")
NOTE = "© GeoBasis-DE / BKG 2021 (Daten verändert)"


def _run(cli, *args):
    return cli.invoke(ckan_cli, ["keck-homeless", "areas", *args])


def _areas(level: str) -> dict[str, dict]:
    with model.meta.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT code, name, population, population_date, source, ST_SRID(geom) AS srid, "
            "GeometryType(geom) AS kind, ST_IsValid(geom) AS valid "
            "FROM keck_homeless.area WHERE level = :l"), {"l": level}).mappings()
        return {r["code"]: dict(r) for r in rows}


def test_load_list_population_replace_and_delete(cli, tmp_path):
    result = _run(cli, "load", str(_shared()), "--level", "gemeinde", "--code-field", "ags",
                  "--name-field", "name", "--source-note", NOTE)
    assert result.exit_code == 0, result.output
    assert "loaded 15 areas of level gemeinde from EPSG:25832" in result.output
    found = _areas("gemeinde")
    assert len(found) == 15 and found["05358008"]["name"] == "Düren"
    assert {(r["srid"], r["kind"], r["valid"], r["source"]) for r in found.values()} == \
        {(25832, "MULTIPOLYGON", True, NOTE)}

    listing = _run(cli, "list")
    assert "gemeinde: 15 areas" in listing.output and NOTE in listing.output

    figures = tmp_path / "einwohner.csv"
    figures.write_bytes("code;population\r\n05358008;92000\r\n5358004;13800\r\n99999999;1\r\n"
                        .encode("cp1252"))
    result = _run(cli, "population", str(figures), "--level", "gemeinde",
                  "--date", "2024-12-31")
    assert result.exit_code == 1 and "unknown code 99999999" in result.output
    assert "population set for 2 areas" in result.output
    found = _areas("gemeinde")
    assert found["05358004"]["population"] == 13800  # Excel dropped the leading zero
    assert found["05358008"]["population"] == 92000
    assert str(found["05358008"]["population_date"]) == "2024-12-31"

    # a second level beside it; loading again replaces only that level
    single = {"type": "FeatureCollection", "features": [json.loads(json.dumps({
        "type": "Feature", "properties": {"id": "OL-1", "bez": "Altstadt", "ew": 5000},
        "geometry": {"type": "Polygon", "coordinates": [[[6.47, 50.80], [6.49, 50.80],
                                                         [6.49, 50.81], [6.47, 50.81],
                                                         [6.47, 50.80]]]}}))]}
    path = tmp_path / "ortslagen.geojson"
    path.write_text(json.dumps(single), encoding="utf-8")
    for _ in range(2):
        result = _run(cli, "load", str(path), "--level", "ortslage", "--code-field", "id",
                      "--name-field", "bez", "--population-field", "ew")
        assert result.exit_code == 0, result.output
    assert list(_areas("ortslage")) == ["OL-1"] and _areas("ortslage")["OL-1"]["population"] == 5000
    assert len(_areas("gemeinde")) == 15

    result = _run(cli, "delete", "ortslage")
    assert result.exit_code == 0 and "deleted 1 areas" in result.output
    assert _areas("ortslage") == {} and len(_areas("gemeinde")) == 15


def test_a_failed_load_keeps_the_previous_areas(cli, tmp_path):
    assert _run(cli, "load", str(_shared()), "--level", "gemeinde", "--code-field", "ags",
                "--name-field", "name").exit_code == 0
    for args, message in (
            (["--code-field", "gkz", "--name-field", "name"], "no field 'gkz'"),
            (["--code-field", "kind", "--name-field", "name"], "more than once")):
        result = _run(cli, "load", str(_shared()), "--level", "gemeinde", *args)
        assert result.exit_code != 0 and message in result.output, result.output
        assert "Traceback" not in result.output
    assert len(_areas("gemeinde")) == 15
    bad = _run(cli, "load", str(tmp_path / "missing.gpkg"), "--level", "gemeinde",
               "--code-field", "a", "--name-field", "b")
    assert bad.exit_code != 0 and "cannot read" in bad.output
