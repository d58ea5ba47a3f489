"""WSGI middleware: one place that refuses bytes no request may carry.

A NUL byte or an invalid UTF-8 sequence in the path or in any query parameter
(``/hilfe?q=%00``, ``…/items/%00``, ``%C3%28``) can never be a valid value, but
reaching PostgreSQL (which refuses NUL in text) or a parser it ends as a
500. This middleware answers such requests before anything else sees them, in
the form the protocol asks for: an OWS ``ExceptionReport`` for
``/keck-homeless/ows``, OGC API's JSON exception for ``/keck-homeless/ogcapi``,
a short German/English text elsewhere — always 400, never a traceback.

It sits in ``IMiddleware`` (inside CKAN's language-prefix handling), so it
guards CKAN's own pages too.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from ckanext.keck_homeless.ogc import errors

OWS_PATH = "/keck-homeless/ows"
OGCAPI_PATH = "/keck-homeless/ogcapi"
TEXT = ("Ungültige Zeichen in der Anfrage (NUL oder kein UTF-8) / "
        "invalid characters in the request (NUL or not UTF-8)")


def _bad_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def refused(environ: dict) -> str | None:
    """The part of the request that carries forbidden bytes, or ``None``."""
    # PATH_INFO is the decoded path as latin-1 (PEP 3333): back to its bytes
    path = environ.get("PATH_INFO", "")
    try:
        if _bad_bytes(path.encode("latin-1")):
            return "path"
    except UnicodeEncodeError:
        return "path"
    for part in (environ.get("QUERY_STRING") or "").split("&"):
        if part and _bad_bytes(unquote_to_bytes(part.replace("+", " "))):
            return part.split("=", 1)[0][:40] or "query"
    return None


#: methods each service answers (HEAD and OPTIONS: CKAN/Flask answer them)
SERVICE_METHODS = {OWS_PATH: "GET, POST, HEAD, OPTIONS", OGCAPI_PATH: "GET, HEAD, OPTIONS"}


def method_refused(environ: dict) -> str | None:
    """The ``Allow`` value if the method is not one the service answers.
    (CKAN's error page for a 405 drops the ``Allow`` header RFC 9110 requires,
    and is HTML where the protocols expect their own exception form.)"""
    path = environ.get("PATH_INFO", "")
    service = OWS_PATH if path == OWS_PATH else (
        OGCAPI_PATH if path == OGCAPI_PATH or path.startswith(OGCAPI_PATH + "/") else None)
    if service is None:
        return None
    allowed = SERVICE_METHODS[service]
    method = environ.get("REQUEST_METHOD", "GET").upper()
    return None if method in allowed.split(", ") else allowed


class InputGuard:
    def __init__(self, app: Any):
        self.app = app

    def __call__(self, environ: dict, start_response):
        allowed = method_refused(environ)
        if allowed:
            status, headers, body = self.not_allowed(environ.get("PATH_INFO", ""), allowed)
            start_response(f"{status} Method Not Allowed", [
                *headers.items(), ("Allow", allowed), ("Content-Length", str(len(body)))])
            return [body]
        where = refused(environ)
        if where is None:
            return self.app(environ, start_response)
        status, headers, body = self.answer(environ.get("PATH_INFO", ""), where)
        start_response(f"{status} Bad Request", [*headers.items(),
                                                  ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def not_allowed(path: str, allowed: str) -> tuple[int, dict, bytes]:
        exc = errors.OperationNotSupported(
            f"HTTP-Methode nicht erlaubt, erlaubt sind {allowed} / "
            f"HTTP method not allowed, allowed are {allowed}", locator="method", status=405)
        if path == OWS_PATH:
            return exc.render("2.0.0")
        return 405, {"Content-Type": "application/json"}, json.dumps(
            exc.as_json(), ensure_ascii=False).encode("utf-8")

    @staticmethod
    def answer(path: str, where: str) -> tuple[int, dict, bytes]:
        locator = where if where not in ("path", "query") else None
        exc = errors.InvalidParameterValue(TEXT, locator=locator)
        if path == OWS_PATH:
            return exc.render("2.0.0")
        if path.startswith(OGCAPI_PATH):
            return 400, {"Content-Type": "application/json"}, json.dumps(
                exc.as_json(), ensure_ascii=False).encode("utf-8")
        return 400, {"Content-Type": "text/plain; charset=utf-8",
                     "X-Content-Type-Options": "nosniff"}, (TEXT + "\n").encode("utf-8")
