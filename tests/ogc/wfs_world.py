"""A small, known world of offers for the WFS / OGC API tests.

Loaded once per test module through CKAN's own actions (so the feature
store is filled by the real sync): public, approximate, hidden and private
offers at known coordinates. Expected answers are computed here from these
coordinates with pyproj, independently of the server's SQL.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from pyproj import Transformer

from tests.helpers import call_action, reset_database

#: name → (lon, lat, overrides)
OFFERS = {
    "meal": ((6.4836, 50.8034), dict(title="Mittagstisch am Markt", phone="02421 555-0100")),
    "meal_near": ((6.4840, 50.8035), dict(title='Suppe & <Brot> "Ü" \'n\' Co', phone="")),
    "shelter": ((6.3600, 50.9200), dict(category="shelter", services=["shelter"],
                                        title="Notschlafstelle Jülich", municipality="05358024",
                                        postcode="52428")),
    "water": ((6.3000, 50.9000), dict(category="drinking_water", services=["drinking_water"],
                                      title="Trinkbrunnen am Markt", phone="", email="")),
    "approx": ((6.4512, 50.8493), dict(category="counselling", services=["counselling"],
                                       location_visibility="approximate", title="Beratung ungefähr")),
    "hidden": ((6.5500, 50.7500), dict(category="protection", services=["protection"],
                                       location_visibility="hidden", private=True,
                                       title="Frauenhaus GEHEIM", street="Geheimweg 7")),
    "private": ((6.6000, 50.9500), dict(private=True, title="Privates Angebot GEHEIM",
                                        street="Privatweg 9")),
}
PUBLIC = ("meal", "meal_near", "shelter", "water", "approx")
SECRET = ("hidden", "private")
SECRET_WORDS = ("GEHEIM", "Geheimweg", "Privatweg", "6.55", "50.75", "6.6,", "50.95")
#: The municipalities (../shared/data/areas) are loaded as level ``gemeinde``
#: with the source note their licence asks for.
AREA_NOTE = "© GeoBasis-DE / BKG 2021 (Daten verändert)"
AREA_URL = "http://www.bkg.bund.de"


def load_areas() -> None:
    from ckan import model

    from ckanext.keck_homeless.store import areas
    from tests.unit.test_areas import _shared

    found, _crs, _skipped = areas.read_source(str(_shared()), "ags", "name")
    with model.meta.engine.begin() as conn:
        areas.replace_level(conn, "gemeinde", found, AREA_NOTE, source_url=AREA_URL)


def load(org_title: str = "OGC-Test-Träger") -> dict:
    """Reset CKAN, Solr and the store; create the offers. Returns
    ``{"offers": {key: package dict}, "ids": {key: id}, "org": org}``."""
    import ckan.plugins as plugins
    from ckan.lib import search
    from ckan.tests import factories, helpers

    from tests.conftest import offer_data

    reset_database()
    search.clear_all()
    plugins.load_all()
    load_areas()
    org = factories.Organization(title=org_title)
    offers = {}
    for key, ((lon, lat), kw) in OFFERS.items():
        data = offer_data(org["id"], name=f"ogc-{key.replace('_', '-')}",
                          spatial=json.dumps({"type": "Point", "coordinates": [lon, lat]}), **kw)
        offers[key] = _create(helpers, data)
    return {"offers": offers, "ids": {k: v["id"] for k, v in offers.items()}, "org": org}


def _create(helpers, data):
    return call_action("package_create", **data)


def store_positions(engine) -> dict[str, tuple[float, float]]:
    """package_id → (lon, lat) as stored (approximate ones are coarsened)."""
    with engine.connect() as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(sa.text(
            "SELECT package_id, lon, lat FROM keck_homeless.offer"))}


_TO = {srid: Transformer.from_crs(4326, srid, always_xy=True) for srid in (25832, 3857)}


def project(lonlat, srid: int) -> tuple[float, float]:
    if srid in (4326, 4258):
        return lonlat
    return _TO[srid].transform(*lonlat)


def inside(positions, bbox_xy, srid: int) -> set[str]:
    """ids whose stored position lies in a (minx, miny, maxx, maxy) of ``srid``."""
    out = set()
    for pid, ll in positions.items():
        x, y = project(ll, srid)
        if bbox_xy[0] <= x <= bbox_xy[2] and bbox_xy[1] <= y <= bbox_xy[3]:
            out.add(pid)
    return out


def all_types():
    """The feature types this world publishes: the offers' and the areas'."""
    from ckanext.keck_homeless.ogc import query

    return [*query.FEATURE_TYPES, query.area_type("gemeinde")]
