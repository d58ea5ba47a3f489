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
    conn.exec_driver_sql("DELETE FROM keck_homeless.problem_report")
    conn.exec_driver_sql("DELETE FROM keck_homeless.reminder_sent")
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


class MailSink:
    """Messages delivered to the loopback SMTP server (aiosmtpd)."""

    def __init__(self):
        self.messages = []  # (envelope recipients, email.message.EmailMessage)

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def wait(self, count: int, timeout: float = 10.0) -> list:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture(scope="session")
def smtp_sink():
    """A real SMTP server on loopback: ``(sink, "127.0.0.1:<port>")``.
    Tests read what it received instead of mocking the mailer."""
    from aiosmtpd.controller import Controller

    from tests.live import free_port

    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, f"127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def mail(smtp_sink, monkeypatch):
    """The loopback SMTP sink, emptied, with CKAN's smtp.* pointing at it
    (also for ``ckan`` commands run in the test, which read the ini file
    again: through CKAN's environment variables)."""
    import ckan.plugins.toolkit as tk

    sink, server = smtp_sink
    sink.messages.clear()
    sender = "hilfsangebote@kreis-dueren.example"
    monkeypatch.setenv("CKAN_SMTP_SERVER", server)
    monkeypatch.setenv("CKAN_SMTP_MAIL_FROM", sender)
    old = {k: tk.config.get(k) for k in ("smtp.server", "smtp.mail_from")}
    tk.config["smtp.server"] = server
    tk.config["smtp.mail_from"] = sender
    yield sink
    tk.config.update(old)
