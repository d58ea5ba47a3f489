"""The feature store follows every CKAN write path, in the same transaction."""
from __future__ import annotations

import json
import random

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories

from ckanext.keck_homeless.store import published
from tests.helpers import call_action, store_differences, store_rows

pytestmark = pytest.mark.usefixtures("offers_env")


def _names() -> list[str]:
    return [r["name"] for r in store_rows()]


def test_create_update_patch_delete_purge(organization, make_offer_data):
    offer = call_action("package_create", **make_offer_data(organization["id"]))
    assert _names() == [offer["name"]]

    data = call_action("package_show", id=offer["id"])
    data["title"] = "Mittagstisch neu"
    call_action("package_update", **data)
    assert store_rows()[0]["title"] == "Mittagstisch neu"

    call_action("package_patch", id=offer["id"], opening_hours="Sa 12:00-14:00")
    assert store_rows()[0]["opening_hours"] == "Sa 12:00-14:00"

    call_action("package_delete", id=offer["id"])
    assert _names() == []
    call_action("package_patch", id=offer["id"], state="active")
    assert _names() == [offer["name"]]

    call_action("dataset_purge", id=offer["id"])
    assert _names() == []
    assert store_differences() == []


def test_private_draft_ended_and_hidden_offers_are_not_published(organization, make_offer_data):
    org = organization["id"]
    call_action("package_create", **make_offer_data(org, private=True))
    call_action("package_create", **make_offer_data(org, state="draft"))
    call_action("package_create", **make_offer_data(org, offer_status="ended"))
    call_action("package_create", **make_offer_data(
        org, location_visibility="hidden", street="", spatial="", category="protection"))
    closed = call_action("package_create", **make_offer_data(
        org, offer_status="temporarily_closed", status_note="Renovierung"))
    rows = store_rows()
    assert [r["package_id"] for r in rows] == [closed["id"]]
    assert rows[0]["status_note"] == "Renovierung"


def test_approximate_location_is_coarsened_to_the_grid(organization, make_offer_data):
    call_action("package_create", **make_offer_data(
        organization["id"], location_visibility="approximate",
        spatial='{"type": "Point", "coordinates": [6.48361, 50.80342]}'))
    row = store_rows()[0]
    assert row["street"] is None and row["precise"] is False
    # the published point is the centre of its 500 m UTM cell
    assert row["e"] % 500 == pytest.approx(250) and row["n"] % 500 == pytest.approx(250)
    assert (row["x"], row["y"]) != pytest.approx((6.48361, 50.80342), abs=1e-4)


def test_visibility_change_removes_and_restores(organization, make_offer_data):
    offer = call_action("package_create", **make_offer_data(organization["id"]))
    call_action("package_patch", id=offer["id"], location_visibility="hidden",
                        street="", spatial="")
    assert _names() == []
    call_action("package_patch", id=offer["id"], location_visibility="public",
                        street="Markt 1", spatial='{"type": "Point", "coordinates": [6.48, 50.80]}')
    assert store_rows()[0]["street"] == "Markt 1"


def test_bulk_private_public_delete_and_organisation_changes(make_offer_data):
    org = factories.Organization()
    other = factories.Organization()
    ids = [call_action("package_create", **make_offer_data(org["id"]))["id"]
           for _ in range(3)]
    call_action("bulk_update_private", datasets=ids[:2], org_id=org["id"])
    assert len(store_rows()) == 1
    call_action("bulk_update_public", datasets=ids[:1], org_id=org["id"])
    assert len(store_rows()) == 2
    call_action("package_patch", id=ids[2], owner_org=other["id"])
    assert {r["owner_org"] for r in store_rows()} == {org["id"], other["id"]}
    call_action("organization_patch", id=other["id"], title="Umbenannt")
    assert store_rows(owner_org=other["id"])[0]["organization_title"] == "Umbenannt"
    call_action("bulk_update_delete", datasets=ids, org_id=org["id"])
    assert [r["owner_org"] for r in store_rows()] == [other["id"]]
    assert store_differences() == []


def test_failed_commit_rolls_the_store_back(organization, make_offer_data):
    """The store change is part of CKAN's transaction: if that transaction
    is rolled back, so is the store."""
    context = {"user": call_action("get_site_user")["name"], "defer_commit": True,
               "ignore_auth": True}
    tk.get_action("package_create")(context, make_offer_data(organization["id"]))
    model.Session.rollback()
    assert store_rows() == []
    assert store_differences() == []


def _random_offer(rng: random.Random, org: str, make_offer_data) -> dict:
    visibility = rng.choice(["public", "public", "public", "approximate", "hidden"])
    lon, lat = rng.uniform(6.2, 6.7), rng.uniform(50.6, 51.0)
    data = make_offer_data(
        org,
        category=rng.choice(["shelter", "meal", "hygiene", "counselling"]),
        location_visibility=visibility,
        offer_status=rng.choice(["active", "active", "temporarily_closed", "ended"]),
        private=rng.random() < 0.15,
        spatial=json.dumps({"type": "Point", "coordinates": [lon, lat]}),
    )
    if visibility == "hidden":
        data.update(street="", spatial="")
    return data


class RandomWalk:
    """Random CKAN writes of every kind that can change what is published."""

    def __init__(self, rng: random.Random, make_offer_data):
        self.rng = rng
        self.make = make_offer_data
        self.orgs = [factories.Organization()["id"] for _ in range(3)]
        self.ids: list[str] = []
        self.step = 0

    def create(self, target):
        data = _random_offer(self.rng, self.rng.choice(self.orgs), self.make)
        self.ids.append(call_action("package_create", **data)["id"])

    def update(self, target):
        pkg = call_action("package_show", id=target)
        fresh = _random_offer(self.rng, pkg["owner_org"], self.make)
        fresh.update(name=pkg["name"], external_id=pkg["external_id"])
        call_action("package_update", id=target, **fresh)

    def patch(self, target):
        change = self.rng.choice([
            {"title": f"Titel {self.step}"}, {"offer_status": self.rng.choice(["active", "ended"])},
            {"opening_hours": "Mo-Su 18:00-08:00"}, {"municipality": "05358024"},
            {"spatial": json.dumps({"type": "Point", "coordinates": [6.36, 50.92]}),
             "location_visibility": "approximate"}])
        pkg = call_action("package_show", id=target)
        if pkg["location_visibility"] == "hidden" and "spatial" in change:
            return
        call_action("package_patch", id=target, **change)

    def delete(self, target):
        call_action("package_delete", id=target)

    def undelete(self, target):
        call_action("package_patch", id=target, state="active")

    def purge(self, target):
        call_action("dataset_purge", id=target)
        self.ids.remove(target)

    def private(self, target):
        pkg = call_action("package_show", id=target)
        call_action("package_patch", id=target, private=not pkg["private"])

    def bulk(self, target):
        action = self.rng.choice(["bulk_update_private", "bulk_update_public", "bulk_update_delete"])
        call_action(action, datasets=self.rng.sample(self.ids, min(4, len(self.ids))),
                            org_id=self.rng.choice(self.orgs))

    def move(self, target):
        call_action("package_patch", id=target, owner_org=self.rng.choice(self.orgs))

    def rename_org(self, target):
        call_action("organization_patch", id=self.rng.choice(self.orgs),
                            title=f"Org {self.step}")

    KINDS = ("create", "create", "create", "update", "patch", "patch", "delete", "undelete",
             "purge", "private", "bulk", "move", "rename_org")

    def run(self, steps: int, check_every: int) -> set[str]:
        seen = set()
        for self.step in range(1, steps + 1):
            kind = self.rng.choice(self.KINDS) if self.ids else "create"
            seen.add(kind)
            getattr(self, kind)(self.rng.choice(self.ids) if self.ids else None)
            if self.step % check_every == 0:
                assert store_differences() == [], f"after {self.step} operations"
        return seen


def test_hundreds_of_random_operations_leave_zero_differences(make_offer_data):
    walk = RandomWalk(random.Random(20261125), make_offer_data)
    seen = walk.run(300, check_every=25)
    assert seen == set(RandomWalk.KINDS), "every kind of write should have been exercised"
    assert store_differences() == []
    assert store_rows(), "the random walk should leave some published offers"


def _geojson(engine) -> dict[str, dict]:
    from ckanext.keck_homeless.ogc import ows

    req = ows.OWSRequest.from_kvp({"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature",
                                   "TYPENAMES": "hilfsangebote", "OUTPUTFORMAT": "json"},
                                  engine=engine, site_url="http://cache.test")
    status, _, body = ows.handle(req)
    assert status == 200
    return {f["id"]: f for f in json.loads(b"".join(body))["features"]}


def test_cached_geojson_properties_follow_writes_and_releases(organization, make_offer_data):
    """offer.feature_props (the cached GeoJSON properties) is written with the
    row, gives byte-for-byte the same features as encoding on the fly, is
    refreshed when a release encodes differently, and ``check`` notices a
    stale one."""
    import sqlalchemy as sa

    from ckanext.keck_homeless.store import sync

    engine = model.meta.engine
    a = call_action("package_create", **make_offer_data(organization["id"], name="cache-a"))
    call_action("package_create", **make_offer_data(
        organization["id"], name="cache-b", title='Quote " and \\ backslash', phone=None))
    assert all(r["feature_props"] for r in store_rows())
    cached = _geojson(engine)
    assert cached[a["id"]]["properties"]["url"] == "http://cache.test/hilfsangebot/cache-a"
    assert {f["properties"]["name"] for f in cached.values()} >= {'Quote " and \\ backslash'}

    with engine.begin() as conn:  # no cache: encoded on the fly, same result
        conn.execute(sa.text("UPDATE keck_homeless.offer SET feature_props = NULL"))
    assert _geojson(engine) == cached
    with engine.begin() as conn:
        assert sync.refresh_props(conn) == 2  # the missing ones are filled
        assert sync.refresh_props(conn) == 0

    call_action("package_patch", id=a["id"], title="Neuer Titel")
    assert _geojson(engine)[a["id"]]["properties"]["name"] == "Neuer Titel"
    assert store_differences() == []

    # a release that encodes differently (other labels, attributes)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE keck_homeless.offer SET feature_props = :v"), {"v": '{"stale":1'})
        conn.execute(sa.text("UPDATE keck_homeless.store_state SET props_signature = 'older'"))
    assert {d.split(" ")[0] + " " + d.split(" ")[1] for d in store_differences()} == \
        {"stale cached"}
    sync.refresh_props_at_start(engine)
    assert store_differences() == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT props_signature FROM keck_homeless.store_state")
                            ).scalar() == published.signature()
    assert _geojson(engine)[a["id"]]["properties"]["name"] == "Neuer Titel"


def test_a_new_offer_does_not_rewrite_its_organisations_other_offers(make_offer_data):
    """Creating an offer puts its organisation among the flush's dirty
    objects without changing it; the sync must not resync all the
    organisation's offers then (an import of n offers was O(n²))."""
    import sqlalchemy as sa

    org = factories.Organization()
    first = call_action("package_create", **make_offer_data(org["id"]))
    with model.meta.engine.begin() as conn:  # a marker the sync would overwrite
        conn.execute(sa.text("UPDATE keck_homeless.offer SET name = 'marker' WHERE package_id = :id"),
                     {"id": first["id"]})
    call_action("package_create", **make_offer_data(org["id"]))
    assert store_rows(package_id=first["id"])[0]["name"] == "marker"
    call_action("organization_patch", id=org["id"], title="Neu benannt")  # a real change
    row = store_rows(package_id=first["id"])[0]
    assert row["name"] != "marker" and row["organization_title"] == "Neu benannt"
