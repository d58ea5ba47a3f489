"""Offers stay true: "Angaben geprüft" in one step, and reminders that reach
each partner once, with the offers to check."""
from __future__ import annotations

import datetime as dt

import pytest
from ckan.tests import factories

from tests.helpers import call_action, store_rows

pytestmark = [pytest.mark.usefixtures("offers_env"),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)]

TODAY = dt.date.today()


def _days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def _member(org, role="editor", **user):
    u = factories.User(**user)
    call_action("organization_member_create", id=org["id"], username=u["name"], role=role)
    return u


def _headers(user):
    token = call_action("api_token_create", context={"user": user["name"]},
                        user=user["name"], name="t")["token"]
    return {"Authorization": token}


def test_details_checked_in_one_post(app, organization, make_offer_data):
    pkg = call_action("package_create", **make_offer_data(
        organization["id"], name="kleiderkammer", last_verified=_days_ago(400), verified_by=""))
    editor = _member(organization)
    headers = _headers(editor)
    page = app.get("/hilfsangebot/kleiderkammer", headers=headers).body
    assert "Angaben geprüft" in page
    res = app.post(f"/keck-homeless/angebot/{pkg['id']}/geprueft",
                   data={"came_from": "/organization/" + organization["name"]},
                   headers=headers, follow_redirects=False)
    assert res.status_code == 302
    assert res.headers["Location"].endswith("/organization/" + organization["name"])
    shown = call_action("package_show", id="kleiderkammer")
    assert shown["last_verified"] == TODAY.isoformat()
    assert shown["verified_by"] == organization["title"]
    # nothing else changed, and the public outputs carry the new date
    assert shown["title"] == pkg["title"] and shown["opening_hours"] == pkg["opening_hours"]
    [row] = store_rows()
    assert row["name"] == "kleiderkammer"
    # an off-site came_from is not followed
    res = app.post(f"/keck-homeless/angebot/{pkg['id']}/geprueft",
                   data={"came_from": "//evil.example/x"}, headers=headers, follow_redirects=False)
    assert res.headers["Location"].endswith("/hilfsangebot/kleiderkammer")


def test_only_editors_of_the_partner_may_confirm(app, organization, make_offer_data):
    pkg = call_action("package_create", **make_offer_data(organization["id"],
                                                          last_verified=_days_ago(400)))
    outsider = _member(factories.Organization())
    app.post(f"/keck-homeless/angebot/{pkg['id']}/geprueft", headers=_headers(outsider), status=403)
    app.post(f"/keck-homeless/angebot/{pkg['id']}/geprueft", status=403)
    assert call_action("package_show", id=pkg["id"])["last_verified"] == _days_ago(400)
    app.post("/keck-homeless/angebot/gibt-es-nicht/geprueft", headers=_headers(outsider), status=404)


def test_the_button_needs_csrf_for_a_logged_in_browser(app, organization, make_offer_data):
    """With CKAN's CSRF protection on, a cross-site form cannot confirm."""
    pkg = call_action("package_create", **make_offer_data(organization["id"],
                                                          last_verified=_days_ago(400)))
    editor = _member(organization)
    app.flask_app.config["WTF_CSRF_ENABLED"] = True
    try:
        res = app.post(f"/keck-homeless/angebot/{pkg['id']}/geprueft",
                       environ_overrides={"REMOTE_USER": editor["name"]})
        assert res.status_code == 400
    finally:
        app.flask_app.config["WTF_CSRF_ENABLED"] = False
    assert call_action("package_show", id=pkg["id"])["last_verified"] == _days_ago(400)


def _remind(cli, *args):
    from ckan.cli.cli import ckan as ckan_cli

    return cli.invoke(ckan_cli, ["keck-homeless", "remind", *args])


def test_remind_sends_one_mail_per_partner_once_per_interval(cli, mail, make_offer_data):
    """With the default stale_after_days (365) and remind_interval_days (30)."""
    caritas = factories.Organization(title="Caritas Düren")
    diakonie = factories.Organization(title="Diakonie Jülich")
    quiet = factories.Organization(title="Alles aktuell e.V.")
    _member(caritas, email="anna@caritas.example")
    _member(caritas, role="admin", email="ben@caritas.example")
    _member(diakonie, email="dora@diakonie.example")
    _member(quiet, email="emil@quiet.example")
    call_action("package_create", **make_offer_data(
        caritas["id"], name="alt-1", title="Kleiderkammer", last_verified=_days_ago(400)))
    call_action("package_create", **make_offer_data(
        caritas["id"], name="alt-2", title="Duschen", last_verified=_days_ago(700)))
    call_action("package_create", **make_offer_data(
        caritas["id"], name="frisch", title="Frisch geprüft", last_verified=_days_ago(3)))
    call_action("package_create", **make_offer_data(
        caritas["id"], name="vorbei", title="Beendet", last_verified=_days_ago(500),
        offer_status="ended"))
    call_action("package_create", **make_offer_data(
        diakonie["id"], name="winter", title="Winternothilfe", last_verified=_days_ago(5),
        valid_until=(TODAY + dt.timedelta(days=10)).isoformat()))
    call_action("package_create", **make_offer_data(quiet["id"], last_verified=_days_ago(1)))

    dry = _remind(cli, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Caritas Düren: 2 offers" in dry.output and "(dry run)" in dry.output
    assert "Alles aktuell" not in dry.output
    assert mail.wait(1, timeout=1) == []

    result = _remind(cli)
    assert result.exit_code == 0, result.output
    messages = mail.wait(2)
    assert len(messages) == 2
    by_rcpt = {tuple(sorted(rcpt)): msg for rcpt, msg in messages}
    caritas_mail = by_rcpt[("anna@caritas.example", "ben@caritas.example")].get_content()
    assert "2 Hilfsangebote von „Caritas Düren“" in caritas_mail
    assert "Kleiderkammer" in caritas_mail and "Duschen" in caritas_mail
    assert "/hilfsangebot/alt-1\r\n" in caritas_mail
    assert "Frisch geprüft" not in caritas_mail and "Beendet" not in caritas_mail
    winter = by_rcpt[("dora@diakonie.example",)].get_content()
    assert "Winternothilfe" in winter and "Nur noch kurz gültig" in winter

    # the next run within the interval sends nothing
    mail.messages.clear()
    again = _remind(cli)
    assert again.exit_code == 0 and "skipped" in again.output
    assert mail.wait(1, timeout=1) == []


def test_remind_fails_loudly_when_a_partner_cannot_be_reached(cli, mail, make_offer_data):
    org = factories.Organization(title="Ohne Adresse")
    call_action("package_create", **make_offer_data(org["id"], last_verified=_days_ago(999)))
    result = _remind(cli)
    assert result.exit_code == 1
    assert "Ohne Adresse: 1 offers, no editor or admin with an e-mail address" in result.output
