"""transport.py as WSGI middleware around small WSGI applications (no CKAN):
when it compresses, that the bytes decompress to the same body, streaming,
asset caching. The real server is checked in tests/test_wsgi.py."""
from __future__ import annotations

import gzip

import pytest

from ckanext.keck_homeless import transport


def app_of(body: list[bytes], content_type="text/html; charset=utf-8", status="200 OK",
           extra=(), length=True, late_start=False):
    def app(environ, start_response):
        headers = [("Content-Type", content_type), *extra]
        if length:
            headers.append(("Content-Length", str(sum(map(len, body)))))
        if late_start:
            def gen():
                start_response(status, headers)
                yield from body
            return gen()
        start_response(status, headers)
        return body
    return app


def call(app, path="/hilfe", accept="gzip, deflate, br", method="GET", compress=True):
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)
    body = b"".join(transport.Transport(app, compress=compress)(
        {"PATH_INFO": path, "REQUEST_METHOD": method, "HTTP_ACCEPT_ENCODING": accept},
        start_response))
    return seen["status"], seen["headers"], body


PAGE = [b"<!DOCTYPE html><title>Hilfe</title>" + "Übernachtung ".encode() * 200]


def test_html_is_gzipped_and_decompresses_to_the_same_bytes():
    status, headers, body = call(app_of(PAGE))
    assert headers["Content-Encoding"] == "gzip" and "Content-Length" not in headers
    assert headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == PAGE[0] and len(body) < len(PAGE[0]) / 5


@pytest.mark.parametrize("accept", ["", "br", "gzip;q=0", "identity"])
def test_no_gzip_unless_accepted(accept):
    _, headers, body = call(app_of(PAGE), accept=accept)
    assert "Content-Encoding" not in headers and body == PAGE[0]


@pytest.mark.parametrize("kwargs", [
    {"content_type": "image/png"},                                   # already compressed
    {"extra": [("Content-Encoding", "gzip")]},                       # encoded upstream
    {"extra": [("Cache-Control", "no-transform")]},
    {"status": "304 Not Modified"},
])
def test_left_alone(kwargs):
    _, headers, body = call(app_of(PAGE, **kwargs))
    assert headers.get("Content-Encoding") in (None, "gzip") and body == PAGE[0]
    assert headers.get("Content-Encoding") != "gzip" or ("extra" in kwargs)


def test_small_known_bodies_and_head_are_not_compressed():
    _, headers, body = call(app_of([b"{}"], content_type="application/json"))
    assert "Content-Encoding" not in headers and body == b"{}"
    _, headers, _ = call(app_of(PAGE), method="HEAD")
    assert "Content-Encoding" not in headers


def test_streamed_body_without_length_and_late_start_response():
    chunks = [b'{"type":"FeatureCollection","features":['] + \
             [b'{"type":"Feature","properties":{"name":"Notschlafstelle"}},'] * 500 + [b"{}]}"]
    _, headers, body = call(app_of(chunks, "application/geo+json", length=False,
                                   late_start=True))
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == b"".join(chunks)


def test_switched_off():
    _, headers, body = call(app_of(PAGE), compress=False)
    assert "Content-Encoding" not in headers and body == PAGE[0]


def test_fingerprinted_assets_are_immutable_others_not():
    _, headers, _ = call(app_of(PAGE, "text/css", extra=[("Cache-Control", "no-cache")]),
                         path="/webassets/keck_homeless/fc0debeb_finder.css")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    _, headers, _ = call(app_of(PAGE, "text/css", extra=[("Cache-Control", "no-cache")]),
                         path="/base/css/main.css")
    assert headers["Cache-Control"] == "no-cache"


def test_the_application_iterable_is_closed():
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return Body(PAGE)
    call(app)
    assert closed == [True]
