"""`check` compares Solr's documents with CKAN's packages and `rebuild`
repairs the index (issue 13: a failed write left a ghost document that
anonymous `package_search` listed and `dataset_purge` could not remove)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.lib.search.common import make_connection

from tests.helpers import call_action

pytestmark = pytest.mark.usefixtures("offers_env")


def _names(**kw) -> set[str]:
    return {p["name"] for p in call_action("package_search", rows=100, **kw)["results"]}


def test_check_finds_ghost_missing_and_outdated_documents_and_rebuild_repairs_them(
        cli, organization, make_offer_data):
    for name in ("bleibt", "ohne-index", "veraltet", "geist"):
        call_action("package_create", **make_offer_data(organization["id"], name=name))
    ids = {n: call_action("package_show", id=n)["id"] for n in ("ohne-index", "veraltet", "geist")}
    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 0, check.output
    assert "search index are consistent" in check.output

    solr = make_connection()
    # a document without its package: the package rows went away under it
    # (what a write that failed after indexing leaves behind)
    with model.meta.engine.begin() as conn:
        conn.execute(sa.text("UPDATE package SET state = 'deleted' WHERE id = :id"),
                     {"id": ids["geist"]})
        # a package changed without its document being rewritten
        conn.execute(sa.text("UPDATE package SET metadata_modified = metadata_modified "
                             "+ interval '1 minute' WHERE id = :id"), {"id": ids["veraltet"]})
    # a package without document
    solr.delete(q=f'id:"{ids["ohne-index"]}"', commit=True)
    assert "geist" in _names() and "ohne-index" not in _names()

    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 1
    assert f"ghost document {ids['geist']} (geist)" in check.output
    assert f"dataset {ids['ohne-index']} (ohne-index) is not indexed" in check.output
    assert f"document of {ids['veraltet']} (veraltet) is outdated" in check.output
    assert "bleibt" not in check.output

    rebuild = cli.invoke(ckan_cli, ["keck-homeless", "rebuild"])
    assert rebuild.exit_code == 0, rebuild.output
    assert "1 ghost documents deleted, 1 datasets indexed, 1 reindexed" in rebuild.output
    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 0, check.output
    assert _names() == {"bleibt", "ohne-index", "veraltet"}


def test_an_update_that_changes_nothing_keeps_the_index_current(
        cli, app, organization, make_offer_data):
    """CKAN stamps metadata_modified with a bulk UPDATE the ORM does not see:
    an update that changes nothing else (a partner saves the form unchanged,
    a script patches a value it already has) left the document's date behind
    and `check` reported it (found by bench/load.sh). The offer, and a stock
    dataset, saved unchanged stay consistent."""
    from ckanext.keck_homeless import index_check

    offer = call_action("package_create", **make_offer_data(organization["id"], name="gleich"))
    plain = call_action("package_create", type="dataset", name="gleich-plain",
                        owner_org=organization["id"])
    for pkg in (offer, plain):
        call_action("package_patch", id=pkg["id"], title=pkg["title"])   # no change
        call_action("package_patch", id=pkg["id"])                        # nothing at all
    with model.meta.engine.connect() as conn:
        assert not index_check.differences(conn), index_check.differences(conn).lines()
    check = cli.invoke(ckan_cli, ["keck-homeless", "check"])
    assert check.exit_code == 0, check.output
