"""Only vetted partners publish: organisations are created by the county,
and with review_first_offers a new partner's first offers wait for it."""
from __future__ import annotations

import pytest
from ckan.tests import factories

from tests.helpers import call_action, store_rows

pytestmark = [pytest.mark.usefixtures("offers_env"),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)]


def _editor(org):
    user = factories.User()
    call_action("organization_member_create", id=org["id"], username=user["name"], role="editor")
    return user


def test_a_registered_user_cannot_create_an_organisation(app):
    user = factories.User()
    from ckan.logic import NotAuthorized

    with pytest.raises(NotAuthorized):
        call_action("organization_create", context={"user": user["name"], "ignore_auth": False},
                    name="falscher-traeger", title="Falscher Träger")
    token = call_action("api_token_create", context={"user": user["name"]},
                        user=user["name"], name="t")["token"]
    res = app.get("/organization/new", headers={"Authorization": token})
    assert res.status_code == 403


def test_startup_warns_when_anyone_may_create_organisations(monkeypatch):
    from ckanext.keck_homeless import plugin

    got = []
    # CKAN's logging.config.fileConfig disables loggers created before it
    # runs, so collect what the plugin hands to its logger directly
    monkeypatch.setattr(plugin.log, "warning", lambda msg, *a: got.append(msg % a if a else msg))
    assert plugin.warn_open_organisations({"ckan.auth.user_create_organizations": "true"})
    assert not plugin.warn_open_organisations({"ckan.auth.user_create_organizations": "false"})
    assert not plugin.warn_open_organisations({})
    assert len(got) == 1 and "user_create_organizations is true" in got[0]


@pytest.mark.ckan_config("ckanext.keck_homeless.review_first_offers", "1")
def test_first_offer_of_a_new_partner_waits_for_the_county(app, make_offer_data):
    org = factories.Organization()
    editor = _editor(org)
    as_editor = {"user": editor["name"], "ignore_auth": False}
    pkg = call_action("package_create", context=as_editor,
                      **make_offer_data(org["id"], name="neues-angebot", private=False))
    assert pkg["review_status"] == "pending" and pkg["private"] is True
    # in no public output: CKAN's API and search, the store (finder, OGC, flyer)
    assert app.get("/api/3/action/package_show?id=neues-angebot").status_code == 403
    assert app.get("/api/3/action/package_search?q=name:neues-angebot").json["result"]["count"] == 0
    assert app.get("/hilfe/neues-angebot").status_code == 404
    assert store_rows() == []
    # the partner cannot publish it: not by editing, not in bulk
    again = call_action("package_patch", context=dict(as_editor), id=pkg["id"], private=False,
                        review_status="approved")
    assert again["private"] is True and again["review_status"] == "pending"
    from ckan.logic import NotAuthorized

    with pytest.raises(NotAuthorized):
        call_action("bulk_update_public", context=dict(as_editor), datasets=[pkg["id"]],
                    org_id=org["id"])
    assert call_action("package_show", id=pkg["id"])["private"] is True
    # an editor cannot approve it
    with pytest.raises(NotAuthorized):
        call_action("keck_homeless_offer_approve", context=dict(as_editor), id=pkg["id"])
    # the county (a sysadmin) approves: public, in the store, and the next
    # offer of this partner is no longer held
    admin = factories.Sysadmin()
    approved = call_action("keck_homeless_offer_approve", context={"user": admin["name"]},
                           id=pkg["id"])
    assert approved["private"] is False and approved["review_status"] == "approved"
    assert [r["name"] for r in store_rows()] == ["neues-angebot"]
    assert app.get("/hilfe/neues-angebot").status_code == 200
    second = call_action("package_create", context=dict(as_editor),
                         **make_offer_data(org["id"], name="zweites-angebot", private=False))
    assert second["private"] is False and "review_status" not in second


def test_without_the_option_a_partner_publishes_at_once(make_offer_data):
    org = factories.Organization()
    editor = _editor(org)
    pkg = call_action("package_create", context={"user": editor["name"], "ignore_auth": False},
                      **make_offer_data(org["id"], private=False))
    assert pkg["private"] is False and "review_status" not in pkg
