"""Live CKAN for the browser tests (Playwright driving Debian's Chromium).

Once per session: reset the test database, Solr core and feature store,
load the demo data through the import CLI, create a sysadmin, and start
``ckan run`` on a free port with a copy of the test config that enables the
finder's test clock (``?zeit=``) and has no base map (no network in tests).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import reset_database
from tests.live import live_ckan, run_ckan

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KECK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "browser" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
ADMIN = ("browser-admin", "browser-admin-pass-1")
DEMO_CSV = ROOT / "dev" / "demo" / "offers.csv"
DEMO_ORGS = ROOT / "dev" / "demo" / "organizations.json"


# Missing browser = a provisioning error (dev/install-os.sh installs it): fail, don't skip.
assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (bash dev/install-os.sh)"


@pytest.fixture(scope="session")
def live_server(request, reset_index):
    """Base URL of a CKAN server with the demo data (session scope)."""
    ini = Path(request.config.getoption("ckan_ini")).resolve()
    reset_database()
    reset_index()
    run_ckan("-c", str(ini), "keck-homeless", "import", str(DEMO_CSV),
             "--organizations", str(DEMO_ORGS))
    run_ckan("-c", str(ini), "user", "add", ADMIN[0], f"password={ADMIN[1]}",
             "email=browser-admin@example.org")
    run_ckan("-c", str(ini), "sysadmin", "add", ADMIN[0])
    ARTIFACTS.mkdir(exist_ok=True)
    port = int(os.environ["KECK_BROWSER_PORT"]) if os.environ.get("KECK_BROWSER_PORT") else None
    with live_ckan(ini, port=port, log=ARTIFACTS / "browser-ckan.log",
                   settings={"ckanext.keck_homeless.finder.clock_param": "true",
                             "ckanext.keck_homeless.finder.tile_url": ""}) as url:
        yield url


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="de-DE")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A page that records console errors and every request URL."""
    pg = context.new_page()
    pg.errors = []
    pg.requests = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: pg.requests.append(r.url))
    return pg


@pytest.fixture
def admin_page(browser, live_server):
    """A logged-in sysadmin (through CKAN's login form)."""
    ctx = browser.new_context(viewport={"width": 1024, "height": 900}, locale="de-DE")
    pg = ctx.new_page()
    pg.goto(live_server + "/user/login")
    pg.fill("#field-login", ADMIN[0])
    pg.fill("#field-password", ADMIN[1])
    pg.click("form.form-horizontal button[type=submit], form button.btn-primary")
    pg.wait_for_load_state("networkidle")
    yield pg
    ctx.close()


def axe_violations(pg, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (vendored) in the page; violations of the given impact.
    Evaluated through the DevTools protocol, not as a <script> the page's
    Content-Security-Policy would (rightly) refuse."""
    if not pg.evaluate("typeof window.axe !== 'undefined'"):
        pg.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = pg.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]


def api(url: str, action: str, token: str | None = None, **data):
    """Call a CKAN action over HTTP on the live server."""
    import json
    import urllib.request

    req = urllib.request.Request(
        f"{url}/api/3/action/{action}", data=json.dumps(data).encode() if data else None,
        headers={"Content-Type": "application/json", **({"Authorization": token} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)["result"]


def add_member(request, url: str, user: tuple[str, str, str], org: str, role: str) -> None:
    """Create ``user`` (name, password, e-mail) with the CLI and make it a
    member of ``org`` with ``role`` (through the API, as the test sysadmin)."""
    ini = str(Path(request.config.getoption("ckan_ini")).resolve())
    run_ckan("-c", ini, "user", "add", user[0], f"password={user[1]}", f"email={user[2]}")
    out = run_ckan("-c", ini, "user", "token", "add", ADMIN[0], f"member-{user[0]}")
    token = [line.strip() for line in out.splitlines() if line.strip()][-1]
    api(url, "organization_member_create", token, id=org, username=user[0], role=role)


def login(pg, url: str, user: tuple[str, ...]) -> None:
    pg.goto(f"{url}/user/login")
    pg.fill("#field-login", user[0])
    pg.fill("#field-password", user[1])
    pg.click("form button.btn-primary")
    pg.wait_for_load_state("networkidle")
