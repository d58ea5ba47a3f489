"""The base of the test pyramid runs without the stack: with CKAN not even
importable (as after ``pip install -e .[test]`` on a fresh clone), the pure
tests pass, and a run that still asks for stack tests stops with a usage
error instead of passing without them."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
PURE = "not db and not live and not browser"

#: Runs pytest with every ``ckan`` import failing, as if CKAN were not installed.
RUNNER = """
import sys
from importlib.abc import MetaPathFinder


class NoCkan(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "ckan" or name.startswith("ckan."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoCkan())
import pytest

sys.exit(pytest.main(sys.argv[1:]))
"""


def _run(*args: str, home: pathlib.Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, "-p", "no:ckan", "-p", "no:ckan_fixtures",
         "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_pure_tests_pass_without_ckan(tmp_path):
    # the whole tree, as `pytest -m ...` on a fresh clone collects it (conftests
    # included), but not this module again
    done = _run("-m", PURE, "--deselect", "tests/unit/test_pyramid.py", home=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = int(done.stdout.rsplit(" passed", 1)[0].rsplit(maxsplit=1)[-1])
    assert passed > 250 and " failed" not in done.stdout and " error" not in done.stdout


def test_stack_tests_without_a_config_stop_with_a_usage_error(tmp_path):
    done = _run("tests/ogc/test_wfs.py", home=tmp_path)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "need CKAN and its services" in done.stderr + done.stdout
