"""WSGI entry point of CKAN for gunicorn (the benchmark's production server).

    CKAN_INI=.bench/ckan.ini gunicorn -w 2 bench.wsgi:application
"""
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config(os.environ["CKAN_INI"]))
