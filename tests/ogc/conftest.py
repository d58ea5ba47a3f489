"""Fixtures shared by the WFS / OGC API tests: the small world of offers in
``wfs_world`` (loaded once per module) and an engine on the test database."""
from __future__ import annotations

import pytest

from ckanext.keck_homeless.ogc import query
from tests.ogc import wfs_world


@pytest.fixture(scope="module")
def world():
    import ckan.plugins as plugins

    data = wfs_world.load()
    yield data
    plugins.unload_non_system_plugins()


@pytest.fixture(scope="module")
def engine(world):
    import ckan.plugins.toolkit as tk

    return query.engine_for(tk.config["sqlalchemy.url"])
