"""Problem reports from the street: a form without account or JavaScript,
stored (never published), mailed to the organisation, closed by its editors."""
from __future__ import annotations

import pytest
from ckan.tests import factories

from tests.helpers import call_action

pytestmark = [pytest.mark.usefixtures("offers_env"),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)]


@pytest.fixture(autouse=True)
def _no_counters(reset_redis):
    reset_redis("keck_homeless:report:*")


@pytest.fixture
def offer(organization, make_offer_data):
    return call_action("package_create", **make_offer_data(organization["id"], name="tafel-dueren",
                                                            title="Tafel Düren"))


def _member(org, role="editor", **user):
    u = factories.User(**user)
    call_action("organization_member_create", id=org["id"], username=u["name"], role=role)
    return u


def _headers(user):
    token = call_action("api_token_create", context={"user": user["name"]},
                        user=user["name"], name="t")["token"]
    return {"Authorization": token}


def _reports(**filters):
    from ckan import model

    from ckanext.keck_homeless.partners import reports

    with model.meta.engine.connect() as conn:
        return reports.open_reports(conn, **filters)


def test_report_is_stored_mailed_to_the_partner_and_closed_by_its_editor(
        app, organization, offer, mail):
    editor = _member(organization, email="anna@caritas.example", fullname="Anna Editor")
    _member(organization, role="admin", email="ben@caritas.example")
    _member(organization, role="member", email="carla@caritas.example")  # reads only: no mail
    page = app.get("/hilfe/tafel-dueren/melden")
    assert page.status_code == 200
    assert "Telefonnummer stimmt nicht" in page.body and 'name="homepage"' in page.body
    res = app.post("/hilfe/tafel-dueren/melden", data={
        "kind": "phone", "message": "Nummer <b>falsch</b>, richtig ist 02421 123",
        "contact": "Streetwork Düren"})
    assert res.status_code == 200 and "Danke" in res.body
    [row] = _reports(package_ids=[offer["id"]])
    assert row["kind"] == "phone" and row["contact"] == "Streetwork Düren"
    assert row["lang"] == "de" and row["mailed"] is True
    # one message, to the organisation's editors and admins
    [(rcpt, msg)] = mail.wait(1)
    assert sorted(rcpt) == ["anna@caritas.example", "ben@caritas.example"]
    text = msg.get_content()
    assert msg["Subject"].startswith("Fehlermeldung zu „Tafel Düren“")
    assert "Was nicht stimmt: Telefonnummer stimmt nicht" in text
    assert "/hilfsangebot/tafel-dueren" in text and "-- English --" in text
    # the editor sees it, escaped, on the offer page and the organisation page
    headers = _headers(editor)
    read = app.get("/hilfsangebot/tafel-dueren", headers=headers).body
    assert "Nummer &lt;b&gt;falsch&lt;/b&gt;" in read and "<b>falsch</b>" not in read
    assert "Streetwork Düren" in app.get(f"/organization/{organization['name']}", headers=headers).body
    # nobody else does: not anonymous, not another partner's editor
    assert "falsch" not in app.get("/hilfsangebot/tafel-dueren").body
    other = _member(factories.Organization())
    assert "falsch" not in app.get("/hilfsangebot/tafel-dueren", headers=_headers(other)).body
    from ckan.logic import NotAuthorized

    with pytest.raises(NotAuthorized):
        call_action("keck_homeless_report_list", context={"user": other["name"], "ignore_auth": False},
                    organization=organization["id"])
    assert call_action("keck_homeless_report_list", context={"user": editor["name"],
                                                             "ignore_auth": False},
                       organization=organization["id"])[0]["id"] == row["id"]
    # ... and nothing of it is published
    assert "falsch" not in app.get("/api/3/action/package_show?id=tafel-dueren").body
    # the editor closes it with one click
    res = app.post(f"/keck-homeless/meldung/{row['id']}/erledigt",
                   data={"came_from": "/hilfsangebot/tafel-dueren"}, headers=headers,
                   follow_redirects=False)
    assert res.status_code == 302 and res.headers["Location"].endswith("/hilfsangebot/tafel-dueren")
    assert _reports(package_ids=[offer["id"]]) == []


def test_another_partner_cannot_close_a_report(app, organization, offer):
    app.post("/hilfe/tafel-dueren/melden", data={"kind": "closed"})
    [row] = _reports()
    other = _member(factories.Organization())
    res = app.post(f"/keck-homeless/meldung/{row['id']}/erledigt", headers=_headers(other))
    assert res.status_code == 403
    assert len(_reports()) == 1


def test_bad_report_gets_field_errors_and_stores_nothing(app, offer):
    res = app.post("/hilfe/tafel-dueren/melden", data={"kind": "", "message": "x" * 1001},
                   status=400)
    assert "Bitte wählen Sie, was nicht stimmt." in res.body
    assert "Bitte schreiben Sie höchstens 1000 Zeichen." in res.body
    assert "x" * 1001 in res.body  # what was typed is kept in the form
    res = app.post("/en/hilfe/tafel-dueren/melden", data={"kind": "other"}, status=400)
    assert "Please describe briefly what is wrong." in res.body
    assert _reports() == []


def test_honeypot_looks_successful_and_stores_nothing(app, offer, mail):
    res = app.post("/hilfe/tafel-dueren/melden", data={"kind": "phone", "homepage": "http://spam"})
    assert res.status_code == 200 and "Danke" in res.body
    assert _reports() == [] and mail.messages == []


@pytest.mark.ckan_config("ckanext.keck_homeless.reports.per_client_per_hour", "2")
def test_rate_limit_per_client_answers_429_and_keeps_the_text(app, offer):
    for _ in range(2):
        assert app.post("/hilfe/tafel-dueren/melden", data={"kind": "hours"}).status_code == 200
    res = app.post("/hilfe/tafel-dueren/melden", data={"kind": "hours", "message": "Mi zu"},
                   status=429)
    assert "Mi zu" in res.body
    assert len(_reports()) == 2
    # the client's address is not what Redis keeps
    from ckan.lib.redis import connect_to_redis

    keys = [k.decode() for k in connect_to_redis().keys("keck_homeless:report:*")]
    assert keys and not any("127.0.0.1" in k for k in keys)


@pytest.mark.ckan_config("ckanext.keck_homeless.reports.per_offer_per_day", "1")
def test_rate_limit_per_offer(app, offer):
    assert app.post("/hilfe/tafel-dueren/melden", data={"kind": "hours"}).status_code == 200
    app.post("/hilfe/tafel-dueren/melden", data={"kind": "hours"}, status=429)
    assert len(_reports()) == 1


def test_no_report_form_for_private_or_unknown_offers(app, organization, make_offer_data):
    call_action("package_create", **make_offer_data(organization["id"], name="intern", private=True))
    app.get("/hilfe/intern/melden", status=404)
    app.post("/hilfe/intern/melden", data={"kind": "phone"}, status=404)
    app.get("/hilfe/gibt-es-nicht/melden", status=404)
    assert _reports() == []


def test_report_is_kept_when_mail_fails(app, organization, offer, mail):
    import ckan.plugins.toolkit as tk

    _member(organization, email="anna@caritas.example")
    tk.config["smtp.server"] = "127.0.0.1:1"  # nothing listens there
    res = app.post("/hilfe/tafel-dueren/melden", data={"kind": "address"})
    assert res.status_code == 200
    [row] = _reports()
    assert row["mailed"] is False


def test_purging_an_offer_deletes_its_reports(app, offer):
    app.post("/hilfe/tafel-dueren/melden", data={"kind": "phone"})
    assert len(_reports()) == 1
    call_action("dataset_purge", id=offer["id"])
    assert _reports() == []
