"""WSGI middleware for the bytes on the wire: compression and asset caching.

A phone on a slow, metered connection opens the finder from a QR code; every
kilobyte counts. CKAN itself neither compresses nor lets browsers keep its
fingerprinted assets, so this middleware (installed through ``IMiddleware``,
so ``ckan run``, the shipped gunicorn entry point and any other WSGI server
get it alike) does two things:

* **gzip** for text responses (HTML, CSS, JavaScript, JSON/GeoJSON, XML, SVG,
  plain text) when the client accepts it — streamed, so a large WFS response
  is compressed as it is produced, never buffered. Responses that are already
  encoded, ranges, ``no-transform``, HEAD and bodies known to be small are
  left alone; ``Vary: Accept-Encoding`` tells caches.
* **immutable caching** of CKAN's webassets, whose file names carry a content
  hash (``/webassets/keck_homeless/3ec3069a_finder.js``): a new version has a
  new URL, so browsers may keep each file for a year without asking again.

A reverse proxy that compresses itself can keep doing so: an encoded response
is passed through unchanged (``ckanext.keck_homeless.compress = false``
switches our compression off).
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

#: Media types worth compressing.
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/xml", "text/csv", "text/javascript",
    "application/javascript", "application/json", "application/geo+json",
    "application/xml", "application/gml+xml", "application/vnd.ogc.gml",
    "application/vnd.ogc.se_xml", "application/vnd.ogc.wms_xml", "application/schema+json",
    "application/vnd.oai.openapi+json", "image/svg+xml",
})
#: Bodies shorter than this (when the length is known) are sent as they are.
MIN_SIZE = 512
#: Fingerprinted webassets: ``<8 hex digits>_<name>`` below /webassets/.
_FINGERPRINTED = re.compile(r"^/webassets/(?:[^/]+/)*[0-9a-f]{8}_[^/]+$")
IMMUTABLE = "public, max-age=31536000, immutable"


def accepts_gzip(header: str | None) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (``q=0`` refuses it)."""
    for part in (header or "").split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _media_type(headers: list[tuple[str, str]]) -> str:
    for k, v in headers:
        if k.lower() == "content-type":
            return v.split(";", 1)[0].strip().lower()
    return ""


def _should_compress(status: str, headers: list[tuple[str, str]]) -> bool:
    code = status.split(" ", 1)[0]
    if code in ("204", "206", "304") or code.startswith("1"):
        return False
    if _media_type(headers) not in COMPRESSIBLE:
        return False
    for k, v in headers:
        key = k.lower()
        if key == "content-encoding" and v.strip().lower() not in ("", "identity"):
            return False
        if key == "cache-control" and "no-transform" in v.lower():
            return False
        if key == "content-length" and v.strip().isdigit() and int(v) < MIN_SIZE:
            return False
    return True


def _with_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out, seen = [], False
    for k, v in headers:
        if k.lower() == "vary":
            seen = True
            if "accept-encoding" not in v.lower():
                v = f"{v}, Accept-Encoding" if v.strip() else "Accept-Encoding"
        out.append((k, v))
    if not seen:
        out.append(("Vary", "Accept-Encoding"))
    return out


def _gzip(body: Iterable[bytes], level: int) -> Iterator[bytes]:
    """Stream ``body`` through gzip; closes ``body`` when done (WSGI)."""
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    try:
        for chunk in body:
            if chunk:
                out = z.compress(chunk)
                if out:
                    yield out
        yield z.flush()
    finally:
        close = getattr(body, "close", None)
        if close:
            close()


class Transport:
    """The middleware; ``compress`` off leaves only the asset caching."""

    def __init__(self, app: Any, compress: bool = True, level: int = 6):
        self.app = app
        self.compress = compress
        self.level = level

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO", "")
        gzip_ok = (self.compress and environ.get("REQUEST_METHOD", "GET") != "HEAD"
                   and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")))
        state: dict[str, bool] = {"gzip": False}

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            headers = list(headers)
            if _FINGERPRINTED.match(path) and status.startswith("200"):
                headers = [(k, v) for k, v in headers
                           if k.lower() not in ("cache-control", "expires", "pragma")]
                headers.append(("Cache-Control", IMMUTABLE))
            if self.compress and _media_type(headers) in COMPRESSIBLE:
                headers = _with_vary(headers)
            if gzip_ok and _should_compress(status, headers):
                state["gzip"] = True
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Encoding", "gzip"))
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        body = self.app(environ, start)
        if not gzip_ok:
            return body
        return self._maybe_gzip(body, state)

    def _maybe_gzip(self, body: Iterable[bytes], state: dict[str, bool]) -> Iterator[bytes]:
        """WSGI lets an application call ``start_response`` as late as its
        first body chunk: decide only then."""
        it = iter(body)
        try:
            first = next(it, None)
        except BaseException:
            close = getattr(body, "close", None)
            if close:
                close()
            raise
        rest = _Chained(first, it, body)
        if state["gzip"]:
            yield from _gzip(rest, self.level)
        else:
            yield from rest


class _Chained:
    """The first chunk, then the rest of an iterator; ``close`` closes the
    application's iterable."""

    def __init__(self, first: bytes | None, it: Iterator[bytes], body: Any):
        self.first, self.it, self.body = first, it, body

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self.first is not None:
                yield self.first
            yield from self.it
        finally:
            self.close()

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close:
            close()
            self.body = None
