"""A partner's editor (not a sysadmin) keeps an offer true through the web
form, in a real browser at phone width: creates it (no resource step, in
either ``create_on_ui_requires_resources`` setting), edits it, confirms
"Angaben geprüft"; a social worker without account and without JavaScript
reports a problem; the mail reaches the partner over SMTP; the editor closes
the report."""
from __future__ import annotations

import datetime as dt
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, add_member, api, axe_violations, login
from tests.live import live_ckan

EDITOR = ("partner-editor", "partner-editor-pass-1", "partner-editor@caritas.example")
ORG = "demo-caritas-dueren"


@pytest.fixture(scope="module")
def editor(live_server, request):
    """A user who is editor (not admin, not sysadmin) of a demo partner."""
    add_member(request, live_server, EDITOR, ORG, "editor")
    return EDITOR


@pytest.fixture(scope="module", params=["true", "false"])
def site(request, live_server, editor, smtp_sink):
    """The demo site with mail to the test's SMTP sink, in both settings of
    ckan.dataset.create_on_ui_requires_resources."""
    from ckan.lib.redis import connect_to_redis

    ini = Path(request.config.getoption("ckan_ini")).resolve()
    sink, server = smtp_sink
    redis = connect_to_redis()  # the report rate limits of earlier runs
    for key in redis.keys("keck_homeless:report:*"):
        redis.delete(key)
    with live_ckan(ini, log=ARTIFACTS / f"partner-ckan-{request.param}.log", settings={
            "ckan.dataset.create_on_ui_requires_resources": request.param,
            "smtp.server": server, "smtp.mail_from": "hilfsangebote@kreis-dueren.example",
            "ckanext.keck_homeless.finder.tile_url": ""}) as url:
        yield url, request.param, sink


def _login(pg, url):
    login(pg, url, EDITOR)


def _fits(pg) -> int:
    """How many pixels the page is wider than the viewport (the widest
    culprits are written to the test artefacts)."""
    over = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if over > 0:
        wide = pg.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 15).map(e => e.tagName + '#' + e.id + '.' + e.className + ' '
                              + Math.round(e.getBoundingClientRect().right))""")
        (ARTIFACTS / "partner-form-overflow.txt").write_text(pg.url + "\n" + "\n".join(wide))
    return over


def test_partner_editor_creates_edits_confirms_and_handles_a_report(browser, site):
    url, requires_resources, sink = site
    sink.messages.clear()
    ctx = browser.new_context(viewport={"width": 320, "height": 720}, locale="de-DE")
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _login(pg, url)
        pg.goto(f"{url}/hilfsangebot/new")
        pg.wait_for_load_state("networkidle")
        assert _fits(pg) <= 0, "the form is wider than 320 px"
        # no silent preselection; public unless the partner chooses otherwise
        assert pg.locator("#field-category").input_value() == ""
        assert pg.locator("#field-municipality").input_value() == ""
        assert pg.locator("input[name=private][value=False]").is_checked()
        assert "Öffentlich" in pg.content() and "Daten hinzufügen" not in pg.content()
        assert axe_violations(pg) == []

        title = f"Duschen am Markt {requires_resources}"
        pg.fill("#field-title", title)
        pg.select_option("#field-category", "hygiene")
        pg.locator("input[name=target_groups][value=everyone]").check()
        pg.select_option("#field-municipality", "05358008")
        pg.fill("#kh-picker-lat", "50,8040")
        pg.fill("#kh-picker-lon", "6,4830")
        pg.press("#kh-picker-lon", "Tab")
        pg.fill("#field-street", "Markt 1")
        pg.fill("#field-postcode", "52349")
        pg.fill("#field-opening_hours", "Mo-Fr 08:00-12:00")
        pg.fill("#field-phone", "02421 555-0199")
        pg.fill("#field-last_verified", dt.date.today().isoformat())
        pg.click("button[name=save]")
        pg.wait_for_load_state("networkidle")
        path = urllib.parse.urlsplit(pg.url).path
        assert "/new" not in path and "/edit" not in path and "/resource" not in path, (
            path, pg.locator(".error-explanation, .alert-error, .error-block").all_inner_texts())
        name = path.rsplit("/", 1)[-1]
        pkg = api(url, "package_show", id=name)
        assert pkg["title"] == title and pkg["state"] == "active" and pkg["private"] is False
        assert pkg["resources"] == []
        # in the public finder at once
        assert urllib.request.urlopen(f"{url}/hilfe/{name}", timeout=10).status == 200

        # edit
        pg.goto(f"{url}/hilfsangebot/edit/{name}")
        pg.wait_for_load_state("networkidle")
        assert _fits(pg) <= 0
        pg.fill("#field-phone", "02421 555-0200")
        pg.click("button[name=save]")
        pg.wait_for_url(f"**/hilfsangebot/{name}")
        assert api(url, "package_show", id=name)["phone"] == "02421 555-0200"

        # "Angaben geprüft" with one click (CSRF-protected form)
        pg.click("text=Angaben geprüft")
        pg.wait_for_load_state("networkidle")
        assert "als geprüft markiert" in pg.content()
        assert api(url, "package_show", id=name)["last_verified"] == dt.date.today().isoformat()
        assert axe_violations(pg) == []

        # the report page passes axe (with JS, only to run axe; the report below is sent without)
        pg.goto(f"{url}/hilfe/{name}/melden")
        assert axe_violations(pg) == []
        pg.click("button[type=submit]")  # nothing chosen: field errors, also accessible
        assert "Bitte wählen Sie, was nicht stimmt." in pg.content()
        assert axe_violations(pg) == []

        # a social worker reports a wrong number: no account, no JavaScript
        street = browser.new_context(viewport={"width": 320, "height": 640}, locale="de-DE",
                                     java_script_enabled=False)
        sp = street.new_page()
        sp.goto(f"{url}/hilfe/{name}")
        sp.click("text=Fehler melden")
        assert _fits(sp) <= 0
        sp.check("input[name=kind][value=phone]")
        sp.fill("#kh-report-message", "Es meldet sich niemand unter der Nummer.")
        sp.click("button[type=submit]")
        assert "Danke" in sp.content()
        street.close()
        [(rcpt, msg)] = sink.wait(1)
        assert EDITOR[2] in rcpt
        assert f"/hilfsangebot/{name}" in msg.get_content()

        # the editor sees it on the offer page and closes it
        pg.goto(f"{url}/hilfsangebot/{name}")
        assert "Es meldet sich niemand" in pg.content()
        assert axe_violations(pg) == []
        pg.click("text=Meldung schließen")
        pg.wait_for_load_state("networkidle")
        assert "Es meldet sich niemand" not in pg.content()
        assert errors == []
    finally:
        ctx.close()
