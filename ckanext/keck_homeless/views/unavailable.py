"""503 with ``Retry-After`` when the database cannot be reached — for every
page of the site (the finder, offer pages, downloads, HSDS, CKAN's own).

While PostgreSQL restarts, any request that needs it would otherwise end
in CKAN's generic 500 page (which itself needs the database to render). The
handler is registered app-wide and answers without templates or database:
a short German/English page, JSON for the API paths. Connections broken by
the restart are dropped by the pool's pre-ping (``sqlalchemy.pool_pre_ping``)
on the next checkout, so the site recovers without a worker restart.
"""
from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask import Blueprint, Response, request

from ckanext.keck_homeless.ogc import errors

log = logging.getLogger(__name__)
blueprint = Blueprint("keck_homeless_unavailable", __name__)

_HTML = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}">
<title>Gleich wieder da / Back in a moment</title></head>
<body><h1>Gleich wieder da</h1>
<p>Die Seite ist für einen Moment nicht erreichbar. Sie lädt sich in {retry} Sekunden neu.</p>
<p lang="en">This page is unavailable for a moment. It reloads in {retry} seconds.</p>
</body></html>
"""


def _answer(exc: Exception):
    """Registered for the exceptions :func:`database_unavailable` names."""
    log.warning("%s %s: database unavailable: %s", request.method, request.path, exc)
    retry = errors.RETRY_AFTER_S
    headers = {"Retry-After": str(retry), "Cache-Control": "no-store"}
    if request.path.startswith(("/api/", "/keck-homeless/hsds", "/keck-homeless/ogcapi")):
        body = json.dumps({"success": False, "error": {
            "__type": "Service Unavailable", "message": errors.ServiceUnavailable.TEXT}},
            ensure_ascii=False)
        return Response(body, status=503, headers=headers, content_type="application/json")
    return Response(_HTML.format(retry=retry), status=503, headers=headers,
                    content_type="text/html; charset=utf-8")


for _cls in (sa.exc.OperationalError, sa.exc.DisconnectionError, sa.exc.TimeoutError):
    blueprint.app_errorhandler(_cls)(_answer)
