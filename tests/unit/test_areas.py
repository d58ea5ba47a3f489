"""Reading area sources with pyogrio (store/areas.py), no database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from ckanext.keck_homeless.store import areas

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "areas" / \
    "kreis-dueren-gemeinden.geojson"


def _shared() -> Path:
    if not SHARED.exists():
        pytest.fail(f"{SHARED} is missing (the county's boundaries beside the checkout)",
                    pytrace=False)
    return SHARED


def test_the_fifteen_municipalities_load():
    found, crs, skipped = areas.read_source(str(_shared()), "ags", "name")
    assert len(found) == 15 and not skipped and crs == "EPSG:25832"
    assert {a.code for a in found} >= {"05358004", "05358008", "05358060"}
    dueren = next(a for a in found if a.code == "05358008")
    geom = shapely.from_wkb(dueren.wkb)
    assert dueren.name == "Düren" and geom.is_valid and 20e6 < geom.area < 200e6
    # the demo's Düren offer lies inside it (UTM32 metres)
    assert geom.contains(shapely.Point(323_600, 5_628_400))


def test_a_wgs84_source_is_reprojected_and_bad_features_are_skipped(tmp_path):
    square = [[6.40, 50.78], [6.50, 50.78], [6.50, 50.83], [6.40, 50.83], [6.40, 50.78]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"key": "A1", "label": "Nord", "einw": "1234"},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"key": "P", "label": "Punkt", "einw": None},
         "geometry": {"type": "Point", "coordinates": [6.4, 50.8]}},
        {"type": "Feature", "properties": {"key": "", "label": "ohne", "einw": None},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
    ]}
    path = tmp_path / "ortslagen.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    found, crs, skipped = areas.read_source(str(path), "key", "label", "einw")
    assert crs == "EPSG:4326" and [a.code for a in found] == ["A1"] and len(skipped) == 2
    from pyproj import Transformer

    corner = Transformer.from_crs(4326, 25832, always_xy=True).transform(6.40, 50.78)
    polygon = shapely.from_wkb(found[0].wkb)
    polygon = polygon.geoms[0] if polygon.geom_type == "MultiPolygon" else polygon
    assert polygon.exterior.coords[0] == pytest.approx(corner, abs=0.01)  # metres
    assert found[0].population == 1234


def test_clear_errors():
    with pytest.raises(areas.AreaError, match="no field 'gkz'.*ags, name"):
        areas.read_source(str(_shared()), "gkz", "name")
    with pytest.raises(areas.AreaError, match="cannot read"):
        areas.read_source("/nonexistent/file.gpkg", "ags", "name")
    with pytest.raises(areas.AreaError, match="level"):
        areas.check_level("Gemeinde!")
    assert areas.parse_population("12.000,0".replace(".", "")) == 12000
    with pytest.raises(areas.AreaError):
        areas.parse_population("-3")
