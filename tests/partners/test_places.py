"""Free places tonight against PostgreSQL: the actions, who may set them,
expiry, the finder, and purge."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories

from ckanext.keck_homeless.offers.hours import TZ
from ckanext.keck_homeless.partners import places
from tests.helpers import call_action

pytestmark = [
    pytest.mark.usefixtures("offers_env"),
    pytest.mark.ckan_config("ckanext.keck_homeless.finder.clock_param", "true"),
    pytest.mark.ckan_config("ckanext.keck_homeless.finder.tile_url", ""),
]


@pytest.fixture
def shelter(organization, make_offer_data):
    return call_action("package_create", **make_offer_data(
        organization["id"], title="Notschlafstelle Test", category="shelter",
        opening_hours="Mo-Su 19:00-09:00", capacity="12"))


def as_user(user):
    """Act as ``user`` with authorization checked (CKAN's test helper skips it by default)."""
    return {"user": user["name"], "ignore_auth": False}


@pytest.fixture
def editor(organization):
    user = factories.User()
    call_action("organization_member_create", id=organization["id"], username=user["name"],
                role="editor")
    return user


def test_editor_sets_anyone_reads_stranger_cannot(shelter, editor):
    value = call_action("keck_homeless_free_places_set", context=as_user(editor),
                        id=shelter["name"], places="3")
    assert value["places"] == 3
    set_at = dt.datetime.fromisoformat(value["set_at"])
    assert dt.datetime.fromisoformat(value["expires_at"]) == places.expires_after(
        set_at, dt.time(10, 0))
    from ckan.tests import helpers

    anonymous = helpers.call_action("keck_homeless_free_places_show",
                                    context={"user": "", "ignore_auth": False}, id=shelter["id"])
    assert anonymous == {"current": value}
    own = call_action("keck_homeless_free_places_show", context=as_user(editor),
                      id=shelter["id"])
    assert own["history"][0]["set_by"] == editor["name"]
    stranger = factories.User()
    with pytest.raises(Exception) as err:
        call_action("keck_homeless_free_places_set", context=as_user(stranger),
                    id=shelter["id"], places="5")
    assert type(err.value).__name__ == "NotAuthorized"
    with pytest.raises(Exception) as err:
        helpers.call_action("keck_homeless_free_places_set",
                            context={"user": "", "ignore_auth": False},
                            id=shelter["id"], places="5")
    assert type(err.value).__name__ == "NotAuthorized"


@pytest.mark.parametrize("bad", ["-1", "drei", "", "10001", "2.5"])
def test_bad_numbers_are_a_field_error_in_german_and_nothing_is_stored(shelter, editor, bad):
    import ckan.plugins.toolkit as tk

    with pytest.raises(tk.ValidationError) as err:
        call_action("keck_homeless_free_places_set", context=as_user(editor),
                    id=shelter["id"], places=bad)
    assert "ganze Zahl" in err.value.error_dict["places"][0]
    with model.meta.engine.connect() as conn:
        assert places.history(conn, shelter["id"]) == []


def test_finder_shows_the_value_with_its_time_and_never_after_it_expired(app, shelter, editor):
    value = call_action("keck_homeless_free_places_set", context=as_user(editor),
                        id=shelter["id"], places="3")
    set_at = dt.datetime.fromisoformat(value["set_at"]).astimezone(TZ)
    expected = f"3 Plätze frei heute Nacht (Stand {set_at:%H:%M})"
    assert expected in app.get("/hilfe").get_data(as_text=True)
    assert expected in app.get(f"/hilfe/{shelter['name']}").get_data(as_text=True)
    expires = dt.datetime.fromisoformat(value["expires_at"]).astimezone(TZ)
    later = (expires + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    html = app.get("/hilfe", query_string={"zeit": later}).get_data(as_text=True)
    assert "Plätze frei" not in html and "Platz frei" not in html
    # a newer value replaces the older one
    call_action("keck_homeless_free_places_set", context=as_user(editor),
                id=shelter["id"], places="0")
    html = app.get("/hilfe").get_data(as_text=True)
    assert "Heute Nacht kein Platz frei" in html and expected not in html


def test_purge_deletes_the_log(shelter, editor):
    call_action("keck_homeless_free_places_set", context=as_user(editor),
                id=shelter["id"], places="2")
    call_action("dataset_purge", id=shelter["id"])
    with model.meta.engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM keck_homeless.free_places "
                                    "WHERE package_id = :p"), {"p": shelter["id"]}).scalar()
    assert left == 0


def _headers(user):
    token = call_action("api_token_create", context={"user": user["name"]},
                        user=user["name"], name="t")["token"]
    return {"Authorization": token}


def test_staff_page_sets_the_number_with_one_post(app, shelter, editor):
    url = f"/hilfe/{shelter['name']}/plaetze"
    page = app.get(url, headers=_headers(editor))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # one button per number up to the capacity
    assert 'name="places" value="12"' in html and 'name="places" value="13"' not in html
    res = app.post(url, data={"places": "4"}, headers=_headers(editor), follow_redirects=False)
    assert res.status_code == 302
    assert "4 Plätze frei heute Nacht" in app.get(url, headers=_headers(editor)).get_data(
        as_text=True)
    bad = app.post(url, data={"places": "viele"}, headers=_headers(editor))
    assert bad.status_code == 400 and "ganze Zahl" in bad.get_data(as_text=True)
    anonymous = app.get(url, follow_redirects=False)
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]
    stranger = app.get(url, headers=_headers(factories.User()))
    assert stranger.status_code == 403


def test_staff_page_refuses_a_cross_site_post(app, shelter, editor):
    """With CKAN's CSRF protection on, a form on another site cannot set places."""
    app.flask_app.config["WTF_CSRF_ENABLED"] = True
    try:
        res = app.post(f"/hilfe/{shelter['name']}/plaetze", data={"places": "9"},
                       environ_overrides={"REMOTE_USER": editor["name"]})
        assert res.status_code in (400, 403)
    finally:
        app.flask_app.config["WTF_CSRF_ENABLED"] = False
    with model.meta.engine.connect() as conn:
        assert places.history(conn, shelter["id"]) == []
