"""Shared fixtures and the test pyramid.

Integration tests run against the real PostgreSQL/PostGIS, Solr and Redis
that `make test` provisions (config: .test/ckan.ini). Every test gets its
layer as a marker, derived here from what it needs, so nobody has to
remember to write it:

* ``browser`` — drives headless Chromium (tests/browser, the ``browser`` fixture);
* ``live`` — starts a real CKAN server (its module imports tests.live);
* ``db`` — needs CKAN and its services: its module imports CKAN (directly or
  through one of our CKAN-side modules or test helpers) or it uses any
  fixture beyond pytest's own;
* none of these — a pure test: `pytest -m "not db and not live and not browser"`
  runs them on a fresh clone with only ``pip install -e .[test]``.

Without a CKAN config (``--ckan-ini``, ``$CKAN_INI`` or an existing
.test/ckan.ini) CKAN's pytest plugin is switched off; a run that then still
selects a test of the stack stops with a usage error instead of passing
quietly without it.
"""
from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib.util
import itertools
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_INI = ROOT / ".test" / "ckan.ini"
STACK_MARKERS = ("db", "live", "browser")
#: where fixtures that never touch the stack come from: pytest itself and
#: plugins that add autouse fixtures to every test (Faker)
PURE_FIXTURE_SOURCES = ("_pytest", "pytest", "faker")
#: our own autouse fixtures that do nothing for a test without the stack
PURE_AUTOUSE = frozenset({"_keck_settings"})
_STACK_KEY = pytest.StashKey[bool]()
_SKIPPED_KEY = pytest.StashKey[list]()


def _selects_stack_tests(config) -> bool:
    """Whether ``-m`` may select a test with one of the stack markers."""
    from _pytest.mark.expression import Expression

    expr = config.option.markexpr
    if not expr:
        return True
    compiled = Expression.compile(expr)
    return any(compiled.evaluate(lambda name, m=m, **_: name == m) for m in STACK_MARKERS)


def pytest_configure(config):
    ini = getattr(config.option, "ckan_ini", None) or os.environ.get("CKAN_INI")
    if not ini and DEFAULT_INI.exists() and _selects_stack_tests(config) \
            and hasattr(config.option, "ckan_ini"):
        config.option.ckan_ini = ini = str(DEFAULT_INI)
    config.stash[_STACK_KEY] = bool(ini)
    config.stash[_SKIPPED_KEY] = []
    if not ini:
        for name in ("ckan", "ckan_fixtures"):
            plugin = config.pluginmanager.get_plugin(name)
            if plugin is not None:
                config.pluginmanager.unregister(plugin)


def _module_path(name: str) -> pathlib.Path | None:
    """Source file of one of our modules (ckanext.keck_homeless.* or tests.*)."""
    if not (name.startswith("ckanext.keck_homeless") or name.startswith("tests")):
        return None
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@functools.cache
def _needs_ckan(path: pathlib.Path) -> bool:
    """Whether importing ``path`` imports CKAN (its module-level imports,
    followed through our own modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    for name in names:
        if name.split(".")[0] == "ckan":
            return True
        sub = _module_path(name)
        if sub is not None and sub != path and _needs_ckan(sub):
            return True
    return False


@functools.lru_cache(maxsize=1)
def _ckan_installed() -> bool:
    try:
        return importlib.util.find_spec("ckan") is not None
    except ImportError:
        return False


@functools.cache
def _starts_a_server(path: pathlib.Path) -> bool:
    return "tests.live" in path.read_text(encoding="utf-8")


def pytest_ignore_collect(collection_path, config):
    """Without CKAN installed, modules that import it cannot even be
    collected; they are set aside (and reported, see below)."""
    path = pathlib.Path(collection_path)
    if path.suffix != ".py" or not path.name.startswith("test_"):
        return None
    if not _ckan_installed() and _needs_ckan(path):
        config.stash[_SKIPPED_KEY].append(path)
        return True
    return None


def _stack_fixture(item, name: str) -> bool:
    """Whether fixture ``name`` of ``item`` may need the stack: anything but
    pytest's own, pure plugins' and the test module's own fixtures (the ones
    those use are in ``item.fixturenames`` and judged on their own)."""
    defs = item._fixtureinfo.name2fixturedefs.get(name)
    if not defs or name in PURE_AUTOUSE:
        return False  # ``request`` and parametrize arguments
    module = getattr(defs[-1].func, "__module__", "") or ""
    return module.split(".")[0] not in PURE_FIXTURE_SOURCES and module != item.module.__name__


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = pathlib.Path(str(item.path))
        fixtures = set(item.fixturenames)  # with what fixtures use in turn
        if "browser" in path.relative_to(ROOT).parts or "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if _starts_a_server(path):
            item.add_marker(pytest.mark.live)
        if _needs_ckan(path) or any(_stack_fixture(item, f) for f in fixtures) \
                or item.get_closest_marker("ckan_config"):
            item.add_marker(pytest.mark.db)


def pytest_collection_finish(session):
    config = session.config
    if config.stash[_STACK_KEY]:
        return
    stack = [i.nodeid for i in session.items
             if any(i.get_closest_marker(m) for m in STACK_MARKERS)]
    skipped = config.stash[_SKIPPED_KEY] if _selects_stack_tests(config) else []
    if stack or skipped:
        raise pytest.UsageError(
            f"{len(stack) + len(skipped)} selected tests or modules need CKAN and its services "
            "(PostgreSQL, Solr, Redis) but no CKAN config was given: run `make test`, pass "
            "--ckan-ini, or select the pure tests with -m \"not db and not live and not browser\". "
            f"First: {(stack + [str(p) for p in skipped])[0]}")

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


@pytest.fixture(autouse=True)
def _keck_settings(request):
    """The extension builds its settings once from CKAN's config
    (config.py). A test that changes options with CKAN's ``ckan_config``
    mark gets settings built from the changed config, and the next test
    from the restored one."""
    if request.node.get_closest_marker("ckan_config") is None:
        yield
        return
    from ckanext.keck_homeless import config as kconfig

    request.getfixturevalue("ckan_config")
    kconfig.forget()
    yield
    kconfig.forget()


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db plus the tables of the `activity` plugin, which the
    demo and the tests load (reset_db rebuilds only CKAN core's tables)."""
    reset_db()
    migrate_db_for("activity")
    # reset_db recreated CKAN's tables: our index on package_extra with them
    from ckan import model

    from tests.helpers import migration

    with model.meta.engine.begin() as conn:
        conn.exec_driver_sql(migration("d9e4b7c1a526_external_id_index").CREATE)


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
    conn.exec_driver_sql("DELETE FROM keck_homeless.area")
    conn.exec_driver_sql("UPDATE keck_homeless.store_state SET version = version + 1")
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


@pytest.fixture
def demo_offers(cli) -> dict[str, dict[str, str]]:
    """The demo data (dev/demo) loaded through `ckan keck-homeless import`,
    as the demo loads it; returns the CSV rows by offer name."""
    import csv

    from ckan.cli.cli import ckan as ckan_cli

    demo = ROOT / "dev" / "demo"
    result = cli.invoke(ckan_cli, ["keck-homeless", "import", str(demo / "offers.csv"),
                                   "--organizations", str(demo / "organizations.json")])
    assert result.exit_code == 0, result.output
    with open(demo / "offers.csv", encoding="utf-8") as fh:
        return {r["name"]: r for r in csv.DictReader(fh)}


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
