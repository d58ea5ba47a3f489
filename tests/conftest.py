"""Shared fixtures. Integration tests run against the real PostgreSQL/PostGIS,
Solr and Redis that `make test` provisions (config: .test/ckan.ini)."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

_counter = itertools.count(1)


@pytest.fixture
def clean_store():
    """Empty the feature store (CKAN's clean_db only knows schema public)."""
    from ckan import model

    conn = model.Session.connection()
    conn.exec_driver_sql("DELETE FROM keck_homeless.offer")
    model.Session.commit()
    yield


@pytest.fixture
def offers_env(with_plugins, clean_db, clean_index, clean_store):
    """A clean CKAN (database, Solr index, feature store)."""
    yield


@pytest.fixture
def organization(offers_env):
    from ckan.tests import factories

    return factories.Organization(title="Beispiel-Caritas (Test)")


@pytest.fixture
def sysadmin():
    from ckan.tests import factories

    return factories.Sysadmin()


def offer_data(owner_org: str, **overrides) -> dict:
    """A valid public help offer, as an API client would send it."""
    n = next(_counter)
    data = {
        "type": "hilfsangebot",
        "name": f"test-angebot-{n}",
        "title": f"Test-Angebot {n}",
        "owner_org": owner_org,
        "notes": "Ein Testangebot.",
        "category": "meal",
        "services": ["meal", "wifi"],
        "target_groups": ["everyone"],
        "dogs_allowed": "true",
        "street": "Musterstraße 1",
        "postcode": "52349",
        "municipality": "05358008",
        "spatial": '{"type": "Point", "coordinates": [6.4836, 50.8034]}',
        "location_visibility": "public",
        "opening_hours": "Mo-Fr 11:30-13:30; PH off",
        "offer_status": "active",
        "phone": "02421 555-0100",
        "email": "beratung@example.org",
        "languages": ["de", "en"],
        "wheelchair": "yes",
        "last_verified": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
        "verified_by": "Fachstelle Wohnungsnotfälle",
        "external_id": f"test-{n}",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_offer_data():
    return offer_data
