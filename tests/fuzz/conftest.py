"""The fuzz suite's harness: hostile requests through the whole WSGI stack
CKAN serves (our input guard, the OGC fast path, CKAN's Flask app with all
demo plugins) against the real PostgreSQL/PostGIS, Solr and Redis.

Every response is checked the same way (:meth:`Fuzzer.send`):

* no 5xx — except 501 with an OWS ``OperationNotSupported`` report, which
  OWS Common prescribes for operations a read-only WFS does not offer
  (``Transaction``, ``LockFeature``);
* no Python traceback, no database driver message in the body;
* an answer within :data:`SLOW_S` seconds;
* after each test the site still answers (``status_show``).

Volume: the default run sends at least :data:`MIN_REQUESTS` requests
(``test_zz_volume.py`` asserts it after a full run). ``FUZZ_EXAMPLES`` scales
every test's example count for longer local runs (default 10000, the total
the suite aims at). Hypothesis is derandomized, so CI sends the same requests
every time; ``FUZZ_RANDOM=1`` draws new ones (a failure prints the example).
"""
from __future__ import annotations

import collections
import os
import time

import pytest
from hypothesis import HealthCheck, settings

#: the volume the issue asks for; FUZZ_EXAMPLES scales it
MIN_REQUESTS = 10_000
SLOW_S = 10.0
SCALE = int(os.environ.get("FUZZ_EXAMPLES", MIN_REQUESTS)) / MIN_REQUESTS
#: requests sent, per family of endpoints (read by test_zz_volume.py)
SENT: collections.Counter = collections.Counter()
#: the families every full run covers
FAMILIES = ("wfs-kvp", "wfs-filter", "wfs-xml", "wms", "ogcapi-schema", "ogcapi-paths",
            "finder", "qr-flyer", "downloads", "hsds", "ckan")

settings.register_profile(
    "fuzz", derandomize=os.environ.get("FUZZ_RANDOM") != "1", database=None, deadline=None,
    print_blob=True, suppress_health_check=list(HealthCheck))


def examples(n: int) -> settings:
    """Hypothesis settings for a test that should run ``n`` examples by default."""
    return settings(settings.get_profile("fuzz"), max_examples=max(1, round(n * SCALE)))


_LEAKS = (b"Traceback (most recent call last)", b"psycopg2.", b"sqlalchemy.exc",
          b"File \"/", b"lxml.etree.XMLSyntaxError")


class Fuzzer:
    def __init__(self, client):
        self.client = client

    def send(self, family: str, method: str, path: str, query: str = "",
             body: bytes | None = None, headers: dict | None = None):
        started = time.perf_counter()
        res = self.client.open(path, method=method, query_string=query, data=body,
                               headers=headers or {})
        data = res.get_data()
        took = time.perf_counter() - started
        SENT[family] += 1
        where = f"{method} {path}?{query[:300]} body={body[:300] if body else b''!r}"
        allowed_501 = res.status_code == 501 and b'exceptionCode="OperationNotSupported"' in data
        assert res.status_code < 500 or allowed_501, f"{res.status_code} for {where}\n{data[:800]!r}"
        for leak in _LEAKS:
            assert leak not in data, f"{leak!r} in the answer to {where}\n{data[:800]!r}"
        assert took < SLOW_S, f"{took:.1f} s for {where}"
        return res


@pytest.fixture(scope="module")
def world():
    import ckan.plugins as plugins

    from tests.ogc import wfs_world

    data = wfs_world.load()
    yield data
    plugins.unload_non_system_plugins()


@pytest.fixture
def fuzz(app, world):
    client = app.test_client()
    yield Fuzzer(client)
    res = client.get("/api/3/action/status_show")
    assert res.status_code == 200, f"the site stopped answering: {res.status_code} {res.get_data()[:300]!r}"
