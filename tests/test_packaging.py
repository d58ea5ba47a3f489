"""A wheel carries everything a stock CKAN needs (not only `pip install -e`)."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).parents[1]


def _source_copy(dest: pathlib.Path) -> pathlib.Path:
    """The project's files (tracked and new, not ignored) in ``dest``: a
    wheel built in the checkout reuses its ``build/`` folder, where modules
    deleted since would still be found."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def test_wheel_contains_schemas_templates_migrations_and_config(tmp_path):
    src = _source_copy(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(src)], check=True)
    wheel = next(tmp_path.glob("ckanext_keck_homeless-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    # nothing but the sources: no module that has been deleted
    for name in names:
        if name.startswith("ckanext/keck_homeless/") and name.endswith(".py"):
            assert (ROOT / name).exists(), name
    for required in (
        "ckanext/keck_homeless/plugin.py",
        "ckanext/keck_homeless/config_declaration.yaml",
        "ckanext/keck_homeless/schemas/__init__.py",
        "ckanext/keck_homeless/schemas/hilfsangebot.yaml",
        "ckanext/keck_homeless/schemas/presets.yaml",
        "ckanext/keck_homeless/templates/scheming/form_snippets/keck_homeless_yesno.html",
        "ckanext/keck_homeless/migration/keck_homeless/alembic.ini",
        "ckanext/keck_homeless/migration/keck_homeless/env.py",
        "ckanext/keck_homeless/migration/keck_homeless/versions/7a1c0d2e4b10_create_feature_store.py",
        # gettext catalogues (ITranslation and the CLI/flyer read the .mo)
        "ckanext/keck_homeless/i18n/de/LC_MESSAGES/ckanext-keck_homeless.mo",
        "ckanext/keck_homeless/i18n/de/LC_MESSAGES/ckanext-keck_homeless.po",
    ):
        assert required in names, required
    for lang in (p.name for p in (ROOT / "ckanext/keck_homeless/i18n").iterdir() if p.is_dir()):
        assert f"ckanext/keck_homeless/i18n/{lang}/LC_MESSAGES/ckanext-keck_homeless.mo" in names
    # the namespace package stays CKAN's: we must not ship ckanext/__init__.py
    assert "ckanext/__init__.py" not in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "keck_homeless = ckanext.keck_homeless.plugin:KeckHomelessPlugin" in entry_points
