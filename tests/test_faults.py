"""Faults: the real services stopped and restarted in the middle of writes
and reads (issue 13). After every fault `ckan keck-homeless check` finds
CKAN, the feature store and the search index consistent.

The services are stopped with `dev/services.sh stop SERVICE` and started
again with `start SERVICE` — the same processes `make test` started. Each
test restarts what it stopped, also when it fails."""
from __future__ import annotations

import collections
import contextlib
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan import model
from ckan.cli.cli import ckan as ckan_cli

from tests.helpers import call_action
from tests.live import live_ckan

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "dev" / "services.sh"


def _services(action: str, service: str) -> None:
    out = subprocess.run(["bash", str(SERVICES), action, service], capture_output=True,
                         text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr


@contextlib.contextmanager
def stopped(service: str):
    """``service`` stopped for the block, started again afterwards."""
    _services("stop", service)
    try:
        yield
    finally:
        _services("start", service)
        if service == "postgresql":
            model.meta.engine.dispose()  # this process's connections died with it


def _check(cli) -> str:
    result = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert result.exit_code == 0, result.output
    return result.output


def _store_title(package_id: str) -> str | None:
    with model.meta.engine.connect() as conn:
        return conn.execute(sa.text("SELECT title FROM keck_homeless.offer WHERE package_id = :p"),
                            {"p": package_id}).scalar()


def _fails(action: str, **data) -> Exception:
    """Run an action that must fail; the session is cleaned up as CKAN's
    request teardown would."""
    try:
        call_action(action, **data)
    except Exception as exc:  # noqa: BLE001 — the kind is asserted by the caller
        return exc
    finally:
        model.Session.remove()
    raise AssertionError(f"{action} succeeded while a service was down")


@pytest.mark.usefixtures("offers_env")
def test_solr_down_during_writes_saves_nothing_and_a_retry_works(cli, organization,
                                                                 make_offer_data, tmp_path):
    kept = call_action("package_create", **make_offer_data(organization["id"], name="bleibt",
                                                           title="Vorher"))
    rows = tmp_path / "angebote.csv"
    head = ("external_id,name,title,owner_org,category,target_groups,street,postcode,"
            "municipality,lat,lon,opening_hours,last_verified\n")
    rows.write_text(head + "".join(
        f"imp-{i},imp-{i},Import {i},{organization['name']},meal,adults,Markt {i},52349,"
        f"05358008,50.80{i},6.48{i},Mo-Fr 12:00-13:00,2026-10-01\n" for i in (1, 2)),
        encoding="utf-8")
    with stopped("solr"):
        err = _fails("package_create", **make_offer_data(organization["id"], name="neu"))
        assert "index" in str(err).lower() or "solr" in str(err).lower(), repr(err)
        err = _fails("package_patch", id="bleibt", title="Nachher")
        assert "index" in str(err).lower() or "solr" in str(err).lower(), repr(err)
        imported = cli.invoke(ckan_cli, ["keck-homeless", "import", str(rows)])
        model.Session.remove()
        assert imported.exit_code == 1, imported.output
        assert "Traceback" not in imported.output
        assert "failed 2 of 2 rows" in imported.output
        assert "import stopped: search index (Solr) unreachable" in imported.output
        # nothing half-saved: no package, no store row, the patch not applied
        with pytest.raises(tk.ObjectNotFound):
            call_action("package_show", id="neu")
        assert call_action("package_show", id="bleibt")["title"] == "Vorher"
        assert _store_title(kept["id"]) == "Vorher"
        with model.meta.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM package")).scalars().all() == ["bleibt"]
            assert conn.execute(sa.text(
                "SELECT count(*) FROM keck_homeless.offer")).scalar() == 1
    # retry once it is back
    call_action("package_create", **make_offer_data(organization["id"], name="neu"))
    call_action("package_patch", id="bleibt", title="Nachher")
    imported = cli.invoke(ckan_cli, ["keck-homeless", "import", str(rows)])
    assert imported.exit_code == 0, imported.output
    assert _store_title(kept["id"]) == "Nachher"
    names = {p["name"] for p in call_action("package_search", rows=50)["results"]}
    assert {"bleibt", "neu"} <= names and len(names) == 4
    _check(cli)


# -- the site under read load while PostgreSQL restarts -------------------------------
READS = ("/hilfe",
         "/keck-homeless/ows?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=hilfsangebote"
         "&OUTPUTFORMAT=application/json",
         "/keck-homeless/ows?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=hilfsangebote"
         "&STYLES=&CRS=EPSG:25832&BBOX=295000,5605000,350000,5660000&WIDTH=256&HEIGHT=256"
         "&FORMAT=image/png",
         "/keck-homeless/ogcapi/collections/hilfsangebote/items?limit=5",
         "/hilfe/karte.json")


class Load:
    """Clients that keep reading ``READS`` and record every answer."""

    def __init__(self, url: str, clients: int = 3):
        self.url, self.stop, self.answers = url, threading.Event(), []
        self.phase = "before"
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(clients)]

    def _run(self, n: int) -> None:
        i = n
        while not self.stop.is_set():
            path = READS[i % len(READS)]
            i += 1
            phase = self.phase
            try:
                with urllib.request.urlopen(self.url + path, timeout=30) as res:
                    res.read()
                    self.answers.append((phase, path, res.status, None))
            except urllib.error.HTTPError as err:
                err.read()
                self.answers.append((phase, path, err.code, err.headers.get("Retry-After")))
            except OSError as err:  # the server itself must keep answering
                self.answers.append((phase, path, 0, str(err)))
            time.sleep(0.02)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def of(self, phase: str) -> list:
        return [a for a in self.answers if a[0] == phase]


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    from tests.ogc import wfs_world

    wfs_world.load()
    with live_ckan(tk.config["__file__"], gunicorn=True) as url:
        yield url


def test_postgresql_restart_under_read_load_gives_503_then_recovers(demo_site, cli):
    with Load(demo_site) as load:
        time.sleep(2)
        load.phase = "down"
        with stopped("postgresql"):
            time.sleep(4)
            load.phase = "restarting"
        load.phase = "after"
        time.sleep(6)
    before, down, after = load.of("before"), load.of("down"), load.of("after")
    print({phase: collections.Counter(a[2] for a in load.of(phase))
           for phase in ("before", "down", "restarting", "after")})
    assert before and all(a[2] == 200 for a in before), before[:5]
    # while the database is away: a 503 with Retry-After (or an answer from a
    # cache), never a 500, and the server itself keeps answering
    assert down, "no request was sent while PostgreSQL was down"
    assert all(a[2] in (200, 503) for a in down), [a for a in down if a[2] not in (200, 503)][:5]
    assert all(a[3] == "10" for a in down if a[2] == 503), down[:5]
    assert any(a[2] == 503 for a in down), "the outage was not noticed"
    # back without a worker restart: the last answers are all good, none
    # fails on a connection the pool still held from before the restart
    assert after, "no request after the restart"
    settled = after[len(after) // 2:]
    assert all(a[2] == 200 for a in settled), [a for a in settled if a[2] != 200][:5]
    _check(cli)


def test_redis_down_the_site_still_serves_the_finder_and_the_services(demo_site):
    with stopped("redis"):
        for path in READS:
            with urllib.request.urlopen(demo_site + path, timeout=30) as res:
                assert res.status == 200, path


@pytest.mark.usefixtures("offers_env")
@pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)
def test_solr_down_the_partners_form_comes_back_filled_and_saving_later_works(
        app, organization, make_offer_data):
    """The partner's web form (an editor, not a sysadmin) while Solr is down:
    CKAN's own answer was its 500 page and the entries were gone. Now the
    form comes back with them and says that nothing was saved (503,
    Retry-After); once Solr is back the same POST saves the offer."""
    from ckan.tests import factories

    from tests.test_form import _form

    user = factories.User()
    call_action("organization_member_create", id=organization["id"], username=user["name"],
                role="editor")
    headers = {"Authorization": call_action("api_token_create", context={"user": user["name"]},
                                            user=user["name"], name="form")["token"]}
    form = _form(organization, title="Duschen am Bahnhof Solr", notes="Mit Handtuch")
    kept = call_action("package_create", **make_offer_data(organization["id"], name="bleibt",
                                                           title="Vorher"))
    assert _store_title(kept["id"]) == "Vorher"
    with stopped("solr"):
        res = app.post("/hilfsangebot/new", data=form, headers=headers)
        model.Session.remove()
        assert res.status_code == 503, res.body[:3000]
        assert res.headers["Retry-After"] == "60"
        assert "Nichts wurde gespeichert" in res.body
        assert 'value="Duschen am Bahnhof Solr"' in res.body and "Mit Handtuch" in res.body
        assert 'value="Bahnhofsplatz 1"' in res.body
        assert "8983" not in res.body and "Connection refused" not in res.body
        with pytest.raises(tk.ObjectNotFound):
            call_action("package_show", id="duschen-am-bahnhof")
        # an edit likewise: the changed title is in the form, not in CKAN or the store
        res = app.post("/hilfsangebot/edit/bleibt", headers=headers,
                       data=_form(organization, name="bleibt", title="Nachher"))
        model.Session.remove()
        assert res.status_code == 503, res.body[:3000]
        assert 'value="Nachher"' in res.body and "Nichts wurde gespeichert" in res.body
        assert call_action("package_show", id="bleibt")["title"] == "Vorher"
        assert _store_title(kept["id"]) == "Vorher"
        with model.meta.engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT count(*) FROM keck_homeless.offer")).scalar() == 1
    res = app.post("/hilfsangebot/new", data=form, headers=headers, follow_redirects=False)
    assert res.status_code == 302, res.body[:2000]
    assert call_action("package_show", id="duschen-am-bahnhof")["title"] == \
        "Duschen am Bahnhof Solr"
