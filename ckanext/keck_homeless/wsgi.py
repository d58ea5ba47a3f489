"""WSGI entry point of CKAN with this extension, for a production WSGI server.

The CKAN config file is named by the environment variable ``CKAN_INI`` (as
for the ``ckan`` command). ``make demo`` serves the demo with gunicorn's
threaded workers, which keep HTTP/1.1 connections alive::

    CKAN_INI=/etc/ckan/default/ckan.ini \\
        gunicorn -k gthread --workers 2 --threads 4 -b 127.0.0.1:5000 \\
        ckanext.keck_homeless.wsgi:application

uWSGI: ``module = ckanext.keck_homeless.wsgi:application`` with
``env = CKAN_INI=…``.
"""
from __future__ import annotations

import os

from ckan.cli import load_config
from ckan.config.middleware import make_app


def _ini() -> str:
    ini = os.environ.get("CKAN_INI")
    if not ini:
        raise RuntimeError("Set CKAN_INI to the path of the CKAN config file")
    return ini


application = make_app(load_config(_ini()))
