"""The README documents every config option and every CLI command."""
from __future__ import annotations

import pathlib

import yaml

ROOT = pathlib.Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_declared_option_is_documented():
    declaration = yaml.safe_load(
        (ROOT / "ckanext/keck_homeless/config_declaration.yaml").read_text(encoding="utf-8"))
    keys = [o["key"] for g in declaration["groups"] for o in g["options"]]
    assert keys
    missing = [k for k in keys if f"`{k}`" not in README]
    assert not missing, f"options missing from README.md: {missing}"


def test_every_cli_command_is_documented():
    from ckanext.keck_homeless.cli import keck_homeless

    missing = [name for name in keck_homeless.commands
               if f"ckan keck-homeless {name}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"
