"""Shared fixtures. Integration tests run against the real PostgreSQL/PostGIS,
Solr and Redis that `make test` provisions (config: .test/ckan.ini)."""
from __future__ import annotations

import datetime as dt
import itertools
import os

import pytest

_counter = itertools.count(1)

CHROMIUM = os.environ.get("KECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session: Playwright's sync API
    allows one running instance per thread, so every browser test shares it."""
    from playwright import sync_api

    assert os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (bash dev/install-os.sh)"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db plus the tables of the `activity` plugin, which the
    demo and the tests load (reset_db rebuilds only CKAN core's tables)."""
    reset_db()
    migrate_db_for("activity")


@pytest.fixture
def clean_store():
    """Empty the feature store and the protected table (CKAN's clean_db only
    knows schema public)."""
    from ckan import model

    conn = model.Session.connection()
    conn.exec_driver_sql("DELETE FROM keck_homeless.offer")
    conn.exec_driver_sql("DELETE FROM keck_homeless.protected_location")
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
