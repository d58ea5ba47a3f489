"""Runs last in tests/fuzz (pytest orders files by name): after a full run the
suite must have sent at least MIN_REQUESTS requests over every family — so a
strategy that stopped generating (Hypothesis runs fewer examples when it runs
out of distinct ones) cannot shrink the fuzz volume unnoticed."""
from __future__ import annotations

import pytest

from tests.fuzz.conftest import FAMILIES, MIN_REQUESTS, SCALE, SENT


def test_the_suite_sent_its_volume():
    missing = [f for f in FAMILIES if not SENT[f]]
    if len(missing) == len(FAMILIES):
        pytest.skip("no fuzz test ran in this session (selected on its own)")
    if missing:
        pytest.skip(f"partial run: families {missing} not selected")
    total = sum(SENT.values())
    print(f"fuzz requests: {total} " + ", ".join(f"{k} {v}" for k, v in sorted(SENT.items())))
    assert total >= MIN_REQUESTS * min(SCALE, 1.0), dict(SENT)
