"""Dispatch of the OWS endpoint ``/keck-homeless/ows`` (WFS and WMS).

The contract shared by every service module::

    handle(request: OWSRequest) -> (status: int, headers: dict, body)

``body`` is ``bytes`` or an iterable of ``bytes`` (a streamed response; the
Flask glue passes it through unchanged). Exceptions derived from
:class:`~ckanext.keck_homeless.ogc.errors.OWSException` are rendered here;
anything else is logged and answered with a generic ExceptionReport (never a
stack trace).

``SERVICE=WMS`` goes to :func:`ogc.wms.handle`, WFS to :func:`ogc.wfs.handle`.
The request types live in :mod:`ogc.request`; the services never import this
dispatcher, so the package has no import cycle (tests/unit/test_imports.py).
"""
from __future__ import annotations

import logging

from ckanext.keck_homeless.ogc import errors, query, wfs, wms
from ckanext.keck_homeless.ogc.request import (  # noqa: F401 (the services' types, re-exported)
    MAX_POST_BYTES,
    OWSRequest,
    Response,
    ServiceSettings,
    parse_xml_body,
)

log = logging.getLogger(__name__)

WMS_ONLY_REQUESTS = {"getmap", "getfeatureinfo", "getlegendgraphic", "getstyles"}


def handle(request: OWSRequest) -> Response:
    """Answer one request to ``/keck-homeless/ows``."""
    version = request.get("VERSION") or request.get("ACCEPTVERSIONS")
    service = None
    try:
        if request.method == "POST":
            request.xml = parse_xml_body(request.body)
            service = (request.xml.get("service") or "WFS").upper()
            version = request.xml.get("version") or version
        else:
            service = _service_of(request)
        if service == "WMS":
            return wms.handle(request)
        if service == "WFS":
            return wfs.handle(request)
        raise errors.InvalidParameterValue(
            f"Unbekannter / unknown SERVICE {service[:40]!r} (WFS, WMS)", locator="SERVICE")
    except errors.OWSException as exc:
        log.info("OWS %s %s: %s %s (%s)", request.method, request.get("REQUEST") or
                 (request.xml.tag if request.xml is not None else "?"), exc.code, exc.locator,
                 exc.text[:200])
        if service == "WMS":
            return exc.render_wms(version)
        return exc.render(_wfs_exception_version(version))
    except Exception as err:  # never a stack trace to the client
        if query.database_unavailable(err):
            log.warning("OWS request: database unavailable: %s", err)
            return errors.ServiceUnavailable().render(_wfs_exception_version(version))
        log.exception("OWS request failed: %r", request.args)
        exc = errors.NoApplicableCode("Interner Fehler / internal error", status=500)
        return exc.render(_wfs_exception_version(version))


def _service_of(request: OWSRequest) -> str:
    service = request.get("SERVICE")
    if service:
        return service.upper()
    req = (request.get("REQUEST") or "").lower()
    if req in WMS_ONLY_REQUESTS:
        return "WMS"
    if not req:
        raise errors.MissingParameterValue("Parameter SERVICE fehlt / is missing", locator="SERVICE")
    raise errors.MissingParameterValue("Parameter SERVICE fehlt / is missing", locator="SERVICE")


def _wfs_exception_version(version: str | None) -> str:
    version = (version or "2.0.0").split(",")[0].strip()
    return "1.1.0" if version.startswith("1.") else "2.0.0"
