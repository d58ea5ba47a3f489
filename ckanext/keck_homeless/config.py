"""Typed access to the options declared in config_declaration.yaml."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE

PREFIX = "ckanext.keck_homeless."


def region_bbox() -> tuple[float, float, float, float]:
    return rules.region_bbox_from_string(tk.config.get(PREFIX + "region_bbox"))


def approximate_grid_m() -> int:
    return tk.asint(tk.config.get(PREFIX + "approximate_grid_m"))


def dataset_type() -> str:
    return DATASET_TYPE


def default_lang() -> str:
    return (tk.config.get("ckan.locale_default") or "de")[:2]


def stale_after_days() -> int:
    return tk.asint(tk.config.get(PREFIX + "stale_after_days"))


def remind_interval_days() -> int:
    return max(1, tk.asint(tk.config.get(PREFIX + "remind_interval_days")))
