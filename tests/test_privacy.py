"""Privacy by construction: the exact location of approximate and hidden
offers lives only in keck_homeless.protected_location.

What CKAN stores as the package (and so indexes, copies into activities and
returns from every action) is what may be published. Editors read the exact
values in the form and through keck_homeless_protected_location_show.
tests/test_leaks.py calls every registered action against these rules."""
from __future__ import annotations

import csv
import json

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

from tests.helpers import call_action, store_differences, store_rows

pytestmark = pytest.mark.usefixtures("offers_env")

EXACT = (6.48361, 50.80342)
STREET = "Geheimgasse 7"


def _point(value):
    return tuple(json.loads(value)["coordinates"]) if value else None


def _extras(package_id: str) -> dict[str, str]:
    rows = model.Session.execute(sa.text(
        "SELECT key, value FROM package_extra WHERE package_id = :id"), {"id": package_id})
    return dict(rows.fetchall())


def _protected(package_id: str):
    return model.Session.execute(sa.text(
        "SELECT street, postcode, district, lon, lat FROM keck_homeless.protected_location "
        "WHERE package_id = :id"), {"id": package_id}).mappings().first()


def _activity_texts(package_id: str) -> list[str]:
    return [r[0] for r in model.Session.execute(sa.text(
        "SELECT data FROM activity WHERE object_id = :id"), {"id": package_id})]


def _token(user_name: str) -> dict[str, str]:
    token = call_action("api_token_create", context={"user": user_name},
                        user=user_name, name="t")["token"]
    return {"Authorization": token}


@pytest.fixture
def editor(organization):
    user = factories.User()
    call_action("organization_member_create", id=organization["id"],
                username=user["name"], role="editor")
    return user


@pytest.fixture
def approximate(organization, make_offer_data):
    return call_action("package_create", **make_offer_data(
        organization["id"], location_visibility="approximate", street=STREET,
        district="Nordviertel", spatial=json.dumps({"type": "Point", "coordinates": list(EXACT)})))


@pytest.fixture
def hidden(organization, make_offer_data):
    return call_action("package_create", **make_offer_data(
        organization["id"], location_visibility="hidden", category="protection",
        street="Schutzweg 3", postcode="52351", district="Südviertel",
        spatial='{"type": "Point", "coordinates": [6.5, 50.75]}'))


def test_the_package_holds_only_what_may_be_published(approximate, hidden):
    row = store_rows()[0]
    extras = _extras(approximate["id"])
    assert extras["street"] == extras["postcode"] == extras["district"] == ""
    assert _point(extras["spatial"]) == pytest.approx((row["x"], row["y"]))
    assert _point(extras["spatial"]) != pytest.approx(EXACT, abs=1e-4)
    exact = _protected(approximate["id"])
    assert (exact["street"], exact["district"]) == (STREET, "Nordviertel")
    assert (exact["lon"], exact["lat"]) == pytest.approx(EXACT)
    hidden_extras = _extras(hidden["id"])
    assert all(hidden_extras[f] == "" for f in ("street", "postcode", "district", "spatial"))
    assert _protected(hidden["id"])["postcode"] == "52351"
    # What an action returns is what is stored — for everybody, sysadmins too.
    shown = call_action("package_show", id=approximate["id"])
    assert shown["street"] == "" and shown["postcode"] == ""
    assert _point(shown["spatial"]) == pytest.approx((row["x"], row["y"]))
    assert approximate["street"] == "" and hidden["postcode"] == ""
    assert [r["name"] for r in store_rows()] == [approximate["name"]]
    assert store_rows()[0]["street"] is None and store_rows()[0]["postcode"] is None


def test_editors_read_the_exact_location_through_the_action(app, approximate, editor):
    url = "/api/3/action/keck_homeless_protected_location_show"
    shown = app.get(url, query_string={"id": approximate["name"]},
                    headers=_token(editor["name"])).json["result"]
    assert shown["exact"]["street"] == STREET
    assert _point(shown["exact"]["spatial"]) == pytest.approx(EXACT)
    assert shown["published"]["street"] == ""
    app.get(url, query_string={"id": approximate["id"]}, status=403)
    stranger = factories.User()
    factories.Organization(users=[{"name": stranger["name"], "capacity": "editor"}])
    app.get(url, query_string={"id": approximate["id"]}, headers=_token(stranger["name"]),
            status=403)


def test_the_edit_form_is_prefilled_for_editors_only(app, approximate, editor):
    form = app.get(f"/hilfsangebot/edit/{approximate['name']}",
                   headers=_token(editor["name"])).body
    assert STREET in form and "50.80342" in form
    assert 'name="keck_homeless_exact"' in form
    page = app.get(f"/hilfsangebot/{approximate['name']}", headers=_token(editor["name"])).body
    assert STREET not in page and "50.80342" not in page
    stranger = factories.User()
    app.get(f"/hilfsangebot/edit/{approximate['name']}", headers=_token(stranger["name"]),
            status=403)


def test_round_trips_keep_the_exact_location(approximate, hidden, organization):
    """package_patch sends back what package_show published; so does
    resource_create. Neither may lose the exact values."""
    call_action("package_patch", id=approximate["id"], phone="02421 555-0199")
    call_action("resource_create", package_id=hidden["id"], url="https://example.org/a.pdf",
                name="Flyer")
    assert _protected(approximate["id"])["street"] == STREET
    assert (_protected(approximate["id"])["lon"], _protected(approximate["id"])["lat"]) \
        == pytest.approx(EXACT)
    assert _protected(hidden["id"])["street"] == "Schutzweg 3"
    assert _extras(approximate["id"])["street"] == ""
    assert store_differences() == []


def test_a_new_exact_value_replaces_the_old_one(approximate):
    call_action("package_patch", id=approximate["id"], street="Neue Gasse 1",
                spatial='{"type": "Point", "coordinates": [6.47, 50.81]}')
    exact = _protected(approximate["id"])
    assert exact["street"] == "Neue Gasse 1" and (exact["lon"], exact["lat"]) == (6.47, 50.81)
    assert _extras(approximate["id"])["street"] == ""
    assert "Neue Gasse" not in json.dumps(call_action("package_show", id=approximate["id"]))


def test_the_form_flag_lets_an_empty_field_clear_the_exact_value(approximate):
    shown = call_action("package_show", id=approximate["id"])
    call_action("package_update", **{**shown, "street": "", "district": "",
                                     "spatial": json.dumps({"type": "Point",
                                                            "coordinates": list(EXACT)}),
                                     "keck_homeless_exact": "true"})
    exact = _protected(approximate["id"])
    assert exact["street"] is None and exact["district"] is None
    assert (exact["lon"], exact["lat"]) == pytest.approx(EXACT)
    assert "keck_homeless_exact" not in _extras(approximate["id"])


def test_turning_an_offer_protected_moves_its_values_and_scrubs_its_history(
        app, organization, make_offer_data, editor):
    # as a partner's editor: CKAN hides the site user's activities anyway
    as_editor = {"user": editor["name"]}
    public = call_action("package_create", context=as_editor, **make_offer_data(
        organization["id"], street="Offene Straße 5", district="Mitte"))
    call_action("package_patch", context=as_editor, id=public["id"], title="Noch öffentlich")
    assert any("Offene Straße 5" in t for t in _activity_texts(public["id"]))
    call_action("package_patch", context=as_editor, id=public["id"],
                location_visibility="hidden", category="protection")
    assert _protected(public["id"])["street"] == "Offene Straße 5"
    assert _extras(public["id"])["street"] == ""
    assert not any("Offene Straße 5" in t for t in _activity_texts(public["id"]))
    activities = app.get("/api/3/action/package_activity_list",
                         query_string={"id": public["id"]}).json["result"]
    assert len(activities) == 3 and "Offene Straße" not in json.dumps(activities)
    found = app.get("/api/3/action/package_search",
                    query_string={"q": f"name:{public['name']}", "fl": "*"}).json["result"]
    assert found["count"] == 1 and "Offene Straße" not in json.dumps(found)
    # … and turning it public again publishes them as the partner decides.
    call_action("package_patch", id=public["id"], location_visibility="public", category="meal")
    assert _extras(public["id"])["street"] == "Offene Straße 5"
    assert _protected(public["id"]) is None
    assert store_rows()[0]["street"] == "Offene Straße 5"
    assert store_differences() == []


def test_bulk_make_public_cannot_publish_a_private_offers_exact_location(
        organization, make_offer_data):
    private = call_action("package_create", **make_offer_data(
        organization["id"], location_visibility="hidden", category="protection",
        private=True, street="Privatweg 9"))
    assert _extras(private["id"])["street"] == ""
    call_action("bulk_update_public", datasets=[private["id"]], org_id=organization["id"])
    assert call_action("package_show", id=private["id"])["private"] is False
    assert "Privatweg" not in json.dumps(call_action("package_show", id=private["id"]))
    assert not any("Privatweg" in t for t in _activity_texts(private["id"]))
    assert _protected(private["id"])["street"] == "Privatweg 9"
    assert store_rows() == []


def test_purging_an_offer_forgets_its_exact_location(approximate):
    call_action("dataset_purge", id=approximate["id"])
    assert _protected(approximate["id"]) is None
    assert store_rows() == []


def test_search_cannot_locate_the_exact_point_or_street(app, approximate):
    lon, lat = EXACT
    tiny = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    result = app.get("/api/3/action/package_search",
                     query_string={"ext_bbox": tiny, "fq": "+dataset_type:hilfsangebot"}).json
    assert result["result"]["count"] == 0
    by_street = app.get("/api/3/action/package_search", query_string={"q": "Geheimgasse"}).json
    assert by_street["result"]["count"] == 0


def test_default_export_is_what_may_be_published(cli, approximate, tmp_path):
    out = tmp_path / "export.csv"
    assert cli.invoke(ckan_cli, ["keck-homeless", "export", "-o", str(out)]).exit_code == 0
    with open(out, encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["street"] == "" and row["district"] == ""
    assert float(row["lat"]) != pytest.approx(EXACT[1], abs=1e-4)
    full = tmp_path / "full.csv"
    assert cli.invoke(ckan_cli, ["keck-homeless", "export", "--include-protected",
                                 "-o", str(full)]).exit_code == 0
    with open(full, encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    assert row["street"] == STREET and row["district"] == "Nordviertel"
    assert float(row["lat"]) == pytest.approx(EXACT[1])


def _store_the_old_way(package_id: str, values: dict[str, str]) -> None:
    """What a site did before the protected table existed: the exact values
    in package_extra, in the activity stream's copies and in Solr."""
    from ckan.lib import search

    for key, value in values.items():
        model.Session.execute(sa.text(
            "UPDATE package_extra SET value = :v WHERE package_id = :id AND key = :k"),
            {"v": value, "id": package_id, "k": key})
    for activity_id, text in model.Session.execute(sa.text(
            "SELECT id, data FROM activity WHERE object_id = :id"), {"id": package_id}).fetchall():
        data = json.loads(text)
        data["package"].update(values)
        model.Session.execute(sa.text("UPDATE activity SET data = :d WHERE id = :id"),
                              {"d": json.dumps(data), "id": activity_id})
    model.Session.execute(sa.text(
        "DELETE FROM keck_homeless.protected_location WHERE package_id = :id"), {"id": package_id})
    model.Session.commit()
    search.rebuild(package_id)


def test_protect_migrate_moves_values_stored_the_old_way(cli, organization, make_offer_data,
                                                         editor):
    as_editor = {"user": editor["name"]}
    old = {"approximate": {"street": "Altweg 1", "postcode": "52349", "district": "Altstadt",
                           "spatial": '{"type": "Point", "coordinates": [6.4977, 50.8133]}'},
           "hidden": {"street": "Versteck 2", "postcode": "52353", "district": "Birkesdorf",
                      "spatial": '{"type": "Point", "coordinates": [6.4922, 50.8222]}'}}
    ids = {}
    for visibility, values in old.items():
        created = call_action("package_create", context=as_editor, **make_offer_data(
            organization["id"], location_visibility=visibility,
            category="protection" if visibility == "hidden" else "meal", **values))
        call_action("package_patch", context=as_editor, id=created["id"], title="Zweite Fassung")
        ids[visibility] = created["id"]
        _store_the_old_way(created["id"], values)
    purged = call_action("package_create", context=as_editor, **make_offer_data(
        organization["id"], location_visibility="approximate", street="Vergessen 3"))
    _store_the_old_way(purged["id"], {"street": "Vergessen 3"})
    call_action("dataset_purge", id=purged["id"])

    result = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert result.exit_code == 1, result.output
    for where in ("package_extra street of approximate offer", "package_extra spatial",
                  "package_extra postcode of hidden offer", "activity", "solr document",
                  "data_dict.street", f"of offer {purged['id']}: street"):
        assert where in result.output, (where, result.output)

    result = cli.invoke(ckan_cli, ["keck-homeless", "protect-migrate"])
    assert result.exit_code == 0, result.output
    assert "moved the exact location of 2 offers" in result.output
    for visibility, values in old.items():
        exact = _protected(ids[visibility])
        assert (exact["street"], exact["postcode"], exact["district"]) == (
            values["street"], values["postcode"], values["district"])
        assert (exact["lon"], exact["lat"]) == tuple(_point(values["spatial"]))
        assert _extras(ids[visibility])["street"] == ""
    everything = json.dumps([_activity_texts(i) for i in (*ids.values(), purged["id"])])
    assert [v for v in ("Altweg", "Versteck", "Vergessen", "6.4977", "50.8133") if v in everything] == []
    result = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert result.exit_code == 0, result.output
    # idempotent
    result = cli.invoke(ckan_cli, ["keck-homeless", "protect-migrate"])
    assert "moved the exact location of 0 offers" in result.output
