"""Live CKAN for the browser tests (Playwright driving Debian's Chromium).

Once per session: reset the test database, Solr core and feature store,
load the demo data through the import CLI, create a sysadmin, and start
``ckan run`` on a free port with a copy of the test config that enables the
finder's test clock (``?zeit=``) and has no base map (no network in tests).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KECK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "browser" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
ADMIN = ("browser-admin", "browser-admin-pass-1")
DEMO_CSV = ROOT / "dev" / "demo" / "offers.csv"
DEMO_ORGS = ROOT / "dev" / "demo" / "organizations.json"


# Missing browser = a provisioning error (dev/install-os.sh installs it): fail, don't skip.
assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (bash dev/install-os.sh)"


def _ckan() -> str:
    return str(Path(sys.executable).with_name("ckan"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args: str) -> str:
    out = subprocess.run([_ckan(), *args], capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(f"ckan {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(240):
        if proc.poll() is not None:
            raise RuntimeError(f"ckan run exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"ckan run did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(request, reset_db, reset_index):
    """Base URL of a CKAN server with the demo data (session scope)."""
    from ckan import model

    ini = Path(request.config.getoption("ckan_ini")).resolve()
    port = int(os.environ.get("KECK_BROWSER_PORT") or _free_port())
    url = f"http://127.0.0.1:{port}"
    live_ini = ini.with_name(f"browser-{os.getpid()}.ini")
    shutil.copy(ini, live_ini)
    _run("config-tool", str(live_ini),
         f"ckan.site_url = {url}",
         "ckanext.keck_homeless.finder.clock_param = true",
         "ckanext.keck_homeless.finder.tile_url = ")

    reset_db()
    reset_index()
    with model.meta.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM keck_homeless.offer")
    _run("-c", str(live_ini), "keck-homeless", "import", str(DEMO_CSV),
         "--organizations", str(DEMO_ORGS))
    _run("-c", str(live_ini), "user", "add", ADMIN[0], f"password={ADMIN[1]}",
         "email=browser-admin@example.org")
    _run("-c", str(live_ini), "sysadmin", "add", ADMIN[0])

    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "browser-ckan.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [_ckan(), "-c", str(live_ini), "run", "--host", "127.0.0.1", "--port", str(port),
             "--disable-reloader"], stdout=fh, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        live_ini.unlink(missing_ok=True)


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
    """Run axe-core (vendored) in the page; violations of the given impact."""
    pg.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = pg.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in impacts]
