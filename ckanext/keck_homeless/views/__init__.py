"""Flask blueprints: the only glue between CKAN/Flask and the framework-free
modules (ogc/, finder/, print/). Each submodule defines ``blueprint``."""
from __future__ import annotations

import importlib

#: Submodules of this package that define a ``blueprint``.
BLUEPRINT_MODULES: tuple[str, ...] = ("finder", "partners", "printing", "ogc", "hsds", "downloads",
                                      "unavailable")


def get_blueprints() -> list:
    return [importlib.import_module(f"{__name__}.{name}").blueprint
            for name in BLUEPRINT_MODULES]
