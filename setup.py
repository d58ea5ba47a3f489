"""Only what pyproject.toml cannot say: the package list (with the
``schemas`` and ``templates`` folders inside the package, as ckanext-dcat
keeps them) and the package data. The gettext catalogues ``i18n/<lang>/LC_MESSAGES`` ship as package data; the
Babel commands (``extract_messages`` …) are configured in setup.cfg and babel.cfg."""
from setuptools import find_namespace_packages, setup

packages = find_namespace_packages(include=["ckanext.keck_homeless", "ckanext.keck_homeless.*"])

setup(
    packages=packages,
    include_package_data=True,
    package_data={
        "ckanext.keck_homeless": [
            "config_declaration.yaml",
            "migration/keck_homeless/alembic.ini",
            "migration/keck_homeless/script.py.mako",
            "migration/keck_homeless/README",
            "i18n/*/LC_MESSAGES/*",
            "public/**/*",
            "assets/**/*",
        ],
        "ckanext.keck_homeless.schemas": ["*.yaml", "*.json"],
        "ckanext.keck_homeless.templates": ["**/*.html", "*.html"],
    },
)
