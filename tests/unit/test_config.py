"""config.load: every declared option parsed once into typed settings."""
from __future__ import annotations

import pathlib

import yaml

from ckanext.keck_homeless import config

DECLARATION = (pathlib.Path(__file__).resolve().parents[2] / "ckanext" / "keck_homeless"
               / "config_declaration.yaml")


def declared() -> dict[str, object]:
    doc = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    return {o["key"]: o.get("default") for group in doc["groups"] for o in group["options"]}


def test_an_empty_config_gets_the_declared_defaults():
    s = config.load({})
    assert s.finder.attribution.startswith("© <a href=\"https://www.openstreetmap.org")
    assert "110" in s.emergency_numbers and s.ogc.count_max == 100000
    assert s.flyer_title("de") == "Hilfe für Menschen ohne Wohnung"
    assert s.ogc.wms.max_width == 4096 and s.approximate_grid_m == 500


def test_every_declared_option_is_read():
    """Changing any declared option changes the settings (so none is
    declared but forgotten, or read somewhere else)."""
    base = config.load({})
    odd = {"region_bbox": "6.0,50.0,7.0,51.5", "finder.clock_param": "true",
           "ogc.fast_path": "false", "ogc.keywords": "a, b", "free_places.expire_at": "08:30",
           "compress": "false", "finder.frame_ancestors": "'none'",
           "dcat.include_offers": "true"}
    for key, default in declared().items():
        name = key[len(config.PREFIX):]
        if name in odd:
            value = odd[name]
        elif isinstance(default, int) and not isinstance(default, bool):
            value = str(default + 3)
        else:
            value = f"{default or ''} geändert".strip()
        assert config.load({key: value}) != base, key


def test_bad_values_fall_back_to_the_default():
    s = config.load({"ckanext.keck_homeless.wms.max_width": "viele",
                     "ckanext.keck_homeless.region_bbox": "Düren",
                     "ckanext.keck_homeless.wms.png_compress_level": "42",
                     "ckanext.keck_homeless.wms.symbol_px": "1"})
    assert s.ogc.wms.max_width == 4096
    assert s.region_bbox == config.load({}).region_bbox
    assert s.ogc.wms.png_compress_level == 9 and s.ogc.wms.symbol_px == 4


def test_the_services_get_the_region_and_the_namespace():
    s = config.load({"ckanext.keck_homeless.region_bbox": "6.0,50.0,7.0,51.5",
                     "ckanext.keck_homeless.ogc.namespace_uri": "https://example.org/ns"})
    assert s.ogc.region_bbox == (6.0, 50.0, 7.0, 51.5) == s.region_bbox
    assert s.ogc.namespace_uri == "https://example.org/ns"
