"""`ckan keck-homeless import/export/rebuild/check` against the real stack."""
from __future__ import annotations

import csv
import io
import json
import pathlib

import pytest
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

from ckanext.keck_homeless.exchange import tabular
from tests.helpers import call_action, package_count, store_differences, store_rows

pytestmark = pytest.mark.usefixtures("offers_env")

DEMO = pathlib.Path(__file__).parents[2] / "dev" / "demo"


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    tabular.write_csv(rows, out)
    return out.getvalue()


def _row(org: str, n: int, **overrides) -> dict:
    row = {
        "external_id": f"ext-{n}", "name": f"import-{n}", "title": f"Importiertes Angebot {n}",
        "owner_org": org, "category": "hygiene", "services": "hygiene|laundry",
        "target_groups": "everyone", "street": "Kölnstraße 3", "postcode": "52351",
        "municipality": "05358008", "lat": "50.8021", "lon": "6.4790",
        "location_visibility": "public", "opening_hours": "Tu,Th 09:00-12:00; PH off",
        "offer_status": "active", "phone": "02421 555-0199", "last_verified": "2026-10-01",
        "wheelchair": "limited", "dogs_allowed": "ja",
    }
    row.update(overrides)
    return row


def _run(cli, *args):
    return cli.invoke(ckan_cli, ["keck-homeless", *args])


def test_demo_data_loads_through_the_import_command(cli):
    result = _run(cli, "import", str(DEMO / "offers.csv"),
                  "--organizations", str(DEMO / "organizations.json"))
    assert result.exit_code == 0, result.output
    with open(DEMO / "offers.csv", encoding="utf-8") as f:
        demo = list(csv.DictReader(f))
    assert package_count(type="hilfsangebot", state="active") == len(demo)
    published = [r for r in demo if r["location_visibility"] != "hidden"
                 and r["offer_status"] != "ended"]
    assert len(store_rows()) == len(published)
    hidden_names = {r["name"] for r in demo if r["location_visibility"] == "hidden"}
    assert hidden_names and not hidden_names & {r["name"] for r in store_rows()}
    # re-running is an upsert by external_id: nothing new, all updated
    again = _run(cli, "import", str(DEMO / "offers.csv"))
    assert again.exit_code == 0, again.output
    assert f"created 0, updated {len(demo)}, failed 0" in again.output
    assert store_differences() == []


def test_bad_rows_are_reported_per_row_and_field_and_write_nothing(cli, tmp_path):
    org = factories.Organization()["name"]
    rows = [
        _row(org, 1),
        _row(org, 2, opening_hours="Mo-Fr 9-17 Uhr"),
        _row(org, 3, lat="51.9", lon="7.9"),
        _row(org, 4, category="sauna", municipality="123"),
        _row(org, 5, lat="fünfzig"),
        _row(org, 6, owner_org="gibt-es-nicht"),
    ]
    path = tmp_path / "offers.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    result = _run(cli, "import", str(path))
    assert result.exit_code == 1
    out = result.output
    assert "row 3: opening_hours:" in out
    assert "row 4: lat/lon:" in out and "außerhalb" in out
    assert "row 5: category: Unbekannter Wert „sauna“" in out
    assert "row 5: municipality:" in out
    assert "row 6: lat/lon:" in out
    assert "row 7: owner_org:" in out
    assert "created 1, updated 0, failed 5 of 6 rows" in out
    assert package_count(type="hilfsangebot") == 1
    assert [r["name"] for r in store_rows()] == ["import-1"]


def test_english_messages_on_request(cli, tmp_path):
    org = factories.Organization()["name"]
    path = tmp_path / "offers.csv"
    path.write_text(_csv([_row(org, 1, valid_from="2027-01-01", valid_until="2026-12-01")]),
                    encoding="utf-8")
    result = _run(cli, "import", str(path), "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "row 2: valid_until: 'Valid until' is before 'valid from'." in result.output


def test_dry_run_validates_but_writes_nothing(cli, tmp_path):
    org = factories.Organization()["name"]
    path = tmp_path / "offers.csv"
    path.write_text(_csv([_row(org, 1), _row(org, 2)]), encoding="utf-8")
    result = _run(cli, "import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create 2" in result.output
    assert package_count(type="hilfsangebot") == 0
    assert store_rows() == []


def test_geojson_semicolon_csv_and_export_round_trip(cli, tmp_path):
    org = factories.Organization()["name"]
    rows = [_row(org, 1), _row(org, 2, location_visibility="approximate", street="")]
    geojson = tmp_path / "offers.geojson"
    with open(geojson, "w", encoding="utf-8") as f:
        tabular.write_geojson(rows, f)
    assert _run(cli, "import", str(geojson)).exit_code == 0
    semicolon = tmp_path / "excel.csv"
    semicolon.write_text("\ufeff" + _csv([_row(org, 3)]).replace(",", ";"), encoding="utf-8")
    assert _run(cli, "import", str(semicolon)).exit_code == 0
    assert package_count(type="hilfsangebot") == 3

    out_csv = tmp_path / "export.csv"
    result = _run(cli, "export", "-o", str(out_csv))
    assert result.exit_code == 0, result.output
    with open(out_csv, encoding="utf-8") as f:
        exported = {r["external_id"]: r for r in csv.DictReader(f)}
    assert set(exported) == {"ext-1", "ext-2", "ext-3"}
    assert exported["ext-1"]["services"] == "hygiene|laundry"
    assert float(exported["ext-1"]["lat"]) == pytest.approx(50.8021)
    # importing the export again changes nothing
    assert _run(cli, "import", str(out_csv)).exit_code == 0
    assert package_count(type="hilfsangebot") == 3

    out_geo = tmp_path / "export.geojson"
    assert _run(cli, "export", "--format", "geojson", "-o", str(out_geo)).exit_code == 0
    doc = json.loads(out_geo.read_text(encoding="utf-8"))
    assert len(doc["features"]) == 3


def test_export_never_carries_a_protected_location(cli, tmp_path):
    org = factories.Organization()
    call_action("package_create", type="hilfsangebot", name="frauenhaus-test",
                        title="Frauenhaus (Test)", owner_org=org["id"], category="protection",
                        target_groups=["women"], municipality="05358008",
                        location_visibility="hidden", phone="02421 555-0111",
                        last_verified="2026-10-01", private=True, street="Geheimweg 1",
                        spatial='{"type": "Point", "coordinates": [6.48, 50.80]}')
    out = tmp_path / "export.csv"
    result = _run(cli, "export", "--include-private", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "frauenhaus-test" in text and "Geheimweg" not in text and "50.8" not in text


def test_check_finds_a_tampered_store_and_rebuild_repairs_it(cli, tmp_path):
    from ckan import model

    org = factories.Organization()["name"]
    path = tmp_path / "offers.csv"
    path.write_text(_csv([_row(org, 1), _row(org, 2)]), encoding="utf-8")
    assert _run(cli, "import", str(path)).exit_code == 0
    assert _run(cli, "check").exit_code == 0
    with model.meta.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE keck_homeless.offer SET title = 'falsch' WHERE name = 'import-1'")
        conn.exec_driver_sql("DELETE FROM keck_homeless.offer WHERE name = 'import-2'")
    result = _run(cli, "check")
    assert result.exit_code == 1
    assert "title is 'falsch'" in result.output and "missing" in result.output
    assert _run(cli, "rebuild").exit_code == 0
    assert _run(cli, "check").exit_code == 0


def test_unreadable_files_fail_clearly(cli, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("titel,foo\nA,B\n", encoding="utf-8")
    result = _run(cli, "import", str(bad))
    assert result.exit_code != 0 and "unknown columns: titel, foo" in result.output
    notjson = tmp_path / "x.geojson"
    notjson.write_text("{nope", encoding="utf-8")
    result = _run(cli, "import", str(notjson))
    assert result.exit_code != 0 and "not valid JSON" in result.output


HOSTILE = {"title": "=HYPERLINK(\"http://evil.example\",\"Klick\")",
           "notes": "=cmd|' /C calc'!A0", "status_note": "@SUM(1+1)",
           "fee_note": "-2+3 Euro", "phone": "+49 2421 555-0100"}


def test_export_neutralises_formulas_and_the_import_restores_them(app, cli, tmp_path):
    org = factories.Organization()["name"]
    source = tmp_path / "offers.geojson"
    with open(source, "w", encoding="utf-8") as f:
        tabular.write_geojson([_row(org, 7, **HOSTILE)], f)
    assert _run(cli, "import", str(source)).exit_code == 0

    out = tmp_path / "export.csv"
    assert _run(cli, "export", "-o", str(out)).exit_code == 0
    with open(out, encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    for key, value in HOSTILE.items():
        # what a spreadsheet sees starts with an apostrophe: text, not a formula
        assert row[key] == "'" + value, key
    assert not row["lat"].startswith("'")  # a plain number is no formula

    # the public download is the same file (with a BOM for Excel)
    res = app.get("/keck-homeless/download/hilfsangebote.csv")
    assert res.headers["Content-Type"].startswith("text/csv")
    body = res.get_data(as_text=True)
    assert body.startswith("\ufeff")
    assert next(csv.DictReader(io.StringIO(body[1:]))) == row

    # the export imports back exactly (upsert by external_id, nothing changes)
    assert _run(cli, "import", str(out)).exit_code == 0
    pkg = call_action("package_show", id="import-7")
    for key, value in HOSTILE.items():
        assert pkg[key] == value, key


def test_the_import_finds_an_offer_by_external_id_through_an_index(organization,
                                                                   make_offer_data):
    """Each imported row looks up its offer by external_id, an extra; CKAN
    indexes extras by package only, so the lookup read every extra and an
    import slowed as the catalogue grew (13 → 8 offers/s over 10,000). The
    index of migration d9e4b7c1a526 serves the lookup."""
    import sqlalchemy as sa
    from ckan import model

    from ckanext.keck_homeless.exchange import importer

    made = call_action("package_create", **make_offer_data(organization["id"], name="mit-ext",
                                                           external_id="ext-index-1"))
    assert importer.find_by_external_id("ext-index-1") == made["id"]
    # the lookup's condition on package_extra (with a handful of rows the
    # planner would scan; a catalogue of 10,000 offers has 300,000 extras)
    with model.meta.engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(sa.text(
            "EXPLAIN SELECT package_id FROM package_extra "
            "WHERE key = 'external_id' AND value = 'ext-index-1'")).scalars())
    assert "keck_homeless_extra_external_id" in plan, plan


def _solr_modified(name: str) -> str:
    from ckan.lib.search.common import make_connection

    docs = make_connection(decode_dates=False).search(q=f'name:"{name}"',
                                                     fl="metadata_modified").docs
    return docs[0]["metadata_modified"] if docs else ""


def test_a_batch_is_indexed_in_one_request_and_a_refused_row_writes_nothing(cli, tmp_path,
                                                                            monkeypatch):
    """Rows are written in batches, one transaction each, and a batch's offers
    go to Solr in one update request. A refused row in the middle: CKAN rolls
    the transaction back; the rows before it are written again as a batch,
    the refused row alone, the rest as the next batch."""
    import pysolr
    from ckan import model

    org = factories.Organization()["name"]
    rows = [_row(org, n) for n in range(1, 8)]
    rows[3]["opening_hours"] = "Mo-Fr 9-17 Uhr"  # refused by the validator, not the file reader
    path = tmp_path / "offers.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    requests = []
    add = pysolr.Solr.add

    def counted(self, docs, *args, **kwargs):  # a spy: Solr still gets the request
        requests.append(sorted(d["name"] for d in docs))
        return add(self, docs, *args, **kwargs)

    monkeypatch.setattr(pysolr.Solr, "add", counted)
    result = _run(cli, "import", str(path))
    model.Session.remove()
    assert result.exit_code == 1, result.output
    assert "row 5: opening_hours:" in result.output
    assert "created 6, updated 0, failed 1 of 7 rows" in result.output
    assert requests == [["import-1", "import-2", "import-3"],
                        ["import-5", "import-6", "import-7"]], requests
    names = {p["name"] for p in call_action("package_search", q="*:*", rows=20)["results"]}
    assert names == {f"import-{n}" for n in (1, 2, 3, 5, 6, 7)}
    assert package_count(type="hilfsangebot") == 6
    assert sorted(r["name"] for r in store_rows()) == sorted(names)
    assert _run(cli, "check").exit_code == 0


def test_dry_run_reports_what_the_import_then_does_and_touches_nothing(cli, tmp_path):
    org = factories.Organization()["name"]
    first = tmp_path / "first.csv"
    first.write_text(_csv([_row(org, 1), _row(org, 2)]), encoding="utf-8")
    assert _run(cli, "import", str(first)).exit_code == 0
    indexed = _solr_modified("import-1")
    rows = [
        _row(org, 1, title="Neuer Titel"),                 # update
        _row(org, 3),                                      # new
        _row(org, 4, opening_hours="jeden Tag"),           # refused by a validator
        _row(org, 5, name="doppelt"),                      # new ...
        _row(org, 6, name="doppelt"),                      # ... the same URL: refused
        _row(org, 7, name="import-2"),                     # another offer's URL: refused
        _row(org, 8, lat="fünfzig"),                       # refused by the file reader
    ]
    path = tmp_path / "offers.csv"
    path.write_text(_csv(rows), encoding="utf-8")

    dry = _run(cli, "import", str(path), "--dry-run")
    assert dry.exit_code == 1, dry.output
    assert "would create 2, would update 1, failed 4 of 7 rows" in dry.output
    # nothing written: no package, no store row, the search index untouched
    assert package_count(type="hilfsangebot") == 2
    assert call_action("package_show", id="import-1")["title"] == "Importiertes Angebot 1"
    assert _solr_modified("import-1") == indexed
    assert _run(cli, "check").exit_code == 0

    real = _run(cli, "import", str(path))
    assert real.exit_code == 1, real.output
    assert "created 2, updated 1, failed 4 of 7 rows" in real.output

    def row_errors(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.startswith("row ")]
    assert row_errors(dry.output) == row_errors(real.output)
    assert "row 7: name: Diese URL ist bereits vergeben." in real.output
    assert call_action("package_show", id="import-1")["title"] == "Neuer Titel"
    assert _run(cli, "check").exit_code == 0


def test_batched_import_indexes_no_protected_location(cli, tmp_path):
    """The batch's Solr documents are built at the commit from what CKAN
    stores: a hidden and an approximate offer imported in one batch leave
    neither their street nor their exact position in any field of their
    documents (data_dict, validated_data_dict, spatial) or their activities."""
    import json

    import sqlalchemy as sa
    from ckan import model
    from ckan.lib.search.common import make_connection

    from ckanext.keck_homeless.store import protected

    org = factories.Organization()["name"]
    rows = [_row(org, 1),
            _row(org, 2, location_visibility="hidden", street="Geheimweg 5",
                 lat="50.8123", lon="6.4877"),
            _row(org, 3, location_visibility="approximate", street="Versteckt 3",
                 lat="50.8234", lon="6.4911")]
    path = tmp_path / "offers.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    result = _run(cli, "import", str(path))
    assert result.exit_code == 0, result.output
    secrets = ("Geheimweg", "Versteckt", "50.8123", "6.4877", "50.8234", "6.4911")
    docs = make_connection().search(q='name:("import-2" OR "import-3")', fl="*", rows=5).docs
    assert sorted(d["name"] for d in docs) == ["import-2", "import-3"]
    text = json.dumps(docs, default=str)
    assert not [s for s in secrets if s in text]
    with model.meta.engine.connect() as conn:
        activities = conn.execute(sa.text("SELECT data FROM activity")).scalars().all()
        # the exact values were imported: kept in the protected table only
        kept = protected.get_many(conn, [d["id"] for d in docs])
    assert sorted(v["street"] for v in kept.values()) == ["Geheimweg 5", "Versteckt 3"]
    assert len(activities) >= 3
    text = json.dumps(activities, default=str)
    assert not [s for s in secrets if s in text]


def _raw_docs(names: list[str]) -> dict[str, dict]:
    """Solr's stored documents by name, without what differs per indexing
    run; the JSON fields parsed."""
    from ckan.lib.search.common import make_connection

    query = " OR ".join(f'"{n}"' for n in names)
    docs = make_connection(decode_dates=False).search(q=f"name:({query})", fl="*",
                                                      rows=len(names) * 2).docs
    out = {}
    for doc in docs:
        doc = {k: v for k, v in doc.items() if k not in ("_version_", "indexed_ts")}
        for key in ("data_dict", "validated_data_dict"):
            doc[key] = json.loads(doc[key])
        out[doc["name"]] = doc
    return out


def test_batched_documents_are_the_documents_ckan_indexes(cli, tmp_path):
    """The batch reuses the activity stream's dictized and validated package
    for the Solr document (batch_index._Memo). The documents must be exactly
    what CKAN's own indexing of the same packages writes: new, updated and
    approximate offers of one batch, compared field by field after a
    reindex of each through CKAN's search.rebuild."""
    from ckan import model
    from ckan.lib import search

    org = factories.Organization()["name"]
    first = tmp_path / "first.csv"
    first.write_text(_csv([_row(org, 1)]), encoding="utf-8")
    assert _run(cli, "import", str(first)).exit_code == 0
    path = tmp_path / "offers.csv"
    path.write_text(_csv([
        _row(org, 1, title="Geänderter Titel", services="hygiene|wifi"),  # update
        _row(org, 2),
        _row(org, 3, location_visibility="approximate", street="Versteckt 3",
             lat="50.8234", lon="6.4911"),
    ]), encoding="utf-8")
    result = _run(cli, "import", str(path))
    assert result.exit_code == 0, result.output
    names = ["import-1", "import-2", "import-3"]
    batched = _raw_docs(names)
    assert sorted(batched) == names
    assert batched["import-1"]["validated_data_dict"]["title"] == "Geänderter Titel"
    model.Session.remove()
    for name in names:
        search.rebuild(model.Package.get(name).id)
    model.Session.remove()
    assert _raw_docs(names) == batched


def test_a_package_written_twice_in_one_batch_is_indexed_as_last_written(offers_env):
    """A package created and then changed again in the same transaction:
    its document carries the second version (the memo is keyed by
    metadata_modified), in the stored dict and the validated one."""
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckan.lib import search

    from ckanext.keck_homeless.exchange import batch_index
    from tests.conftest import offer_data

    org = factories.Organization()
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": site, "ignore_auth": True, "defer_commit": True}
    data = offer_data(org["id"], title="Erster Titel")
    with batch_index.deferred():
        created = tk.get_action("package_create")(dict(context), data)  # shows it: memo
        tk.get_action("package_patch")(dict(context), {"id": created["id"],
                                                       "title": "Zweiter Titel"})
        model.repo.commit()
    search.commit()  # the batch adds without a Solr commit; the importer commits
    model.Session.remove()
    doc = _raw_docs([data["name"]])[data["name"]]
    assert doc["title"] == "Zweiter Titel"
    assert doc["data_dict"]["title"] == doc["validated_data_dict"]["title"] == "Zweiter Titel"
    assert call_action("package_show", id=data["name"])["title"] == "Zweiter Titel"
