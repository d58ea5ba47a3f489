"""Where the official standards data for validation lives (not in the repo).

``../shared/standards/`` beside the checkout (CI and this project's machines
have it), else ``.standards/`` filled by ``dev/fetch-standards.sh`` from the
upstream repositories at the pinned commits, else ``$KECK_STANDARDS_DIR``
(checked first). A missing folder fails the test with that advice — it is
never skipped, so a validation cannot silently not happen.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (ROOT.parent / "shared" / "standards", ROOT / ".standards")


def standards_dir() -> Path:
    env = os.environ.get("KECK_STANDARDS_DIR")
    for path in ([Path(env)] if env else []) + list(CANDIDATES):
        if (path / "hsds" / "schema" / "compiled").is_dir():
            return path
    pytest.fail("official standards data not found: run `bash dev/fetch-standards.sh` "
                "(needs internet) or set KECK_STANDARDS_DIR", pytrace=False)


def hsds_dir() -> Path:
    return standards_dir() / "hsds"


def dcat_shapes_dir() -> Path:
    return standards_dir() / "dcat-ap-de-shacl" / "validator" / "resources"
