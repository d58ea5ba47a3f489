"""Import speed: offers through the importer against plain ``package_create``.

Run by ``bench/import.sh`` (which provides the database, the Solr core and
the config) as ``ckan -c INI`` would: CKAN with the demo's plugins
(``activity`` included), real PostgreSQL, Redis and Solr.

Measures, in one run and the same CKAN:

1. ``import``: N synthetic offers (bench/synthetic.py, seed 11) through
   ``exchange.importer.import_rows`` — CKAN's actions with our validation,
   the store sync, the activity stream and the search index — as offers/s;
2. ``plain``: the same N rows as ``package_create`` calls on CKAN's stock
   ``dataset`` type (name, title, notes, organisation, URL, tags), one call
   per row as a script using CKAN's API would do, as datasets/s;
3. ``dry run``: M rows (seed 12) through ``import_rows(dry_run=True)``.

Prints a table and the ratio import / plain. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rows(n: int, seed: int, org: str):
    from bench import synthetic
    from ckanext.keck_homeless.exchange import tabular

    out = io.StringIO()
    synthetic.write_csv(synthetic.generate(n, seed=seed, organizations=[org]), out)
    return tabular.read_csv(out.getvalue())


def _plain(values: dict, org_id: str, n: int) -> dict:
    return {"type": "dataset", "name": f"plain-{n}", "title": values.get("title") or f"Plain {n}",
            "notes": values.get("notes") or "", "owner_org": org_id,
            "url": values.get("website") or "",
            "tags": [{"name": "Hilfsangebot"}, {"name": "Kreis Düren"}]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True, help="CKAN ini (bench/import.sh)")
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--dry-run-rows", type=int, default=5000)
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.config))
    with app._wsgi_app.test_request_context():
        return _run(args)


def _run(args) -> int:
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckan.lib import search

    from ckanext.keck_homeless.exchange import importer

    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    ctx = {"user": site, "ignore_auth": True}
    try:
        org = tk.get_action("organization_show")(ctx.copy(), {"id": "bench-traeger"})
    except tk.ObjectNotFound:
        org = tk.get_action("organization_create")(ctx.copy(), {"name": "bench-traeger",
                                                                 "title": "Bench-Träger"})
    before = model.Session.query(model.Package).filter(model.Package.state == "active").count()
    if before:
        print(f"the database holds {before} datasets: run bench/import.sh (fresh database)",
              file=sys.stderr)
        return 2

    rows = _rows(args.offers, 11, org["name"])
    start = time.perf_counter()
    report = importer.import_rows(rows)
    imported = time.perf_counter() - start
    if not report.ok:
        print(f"{len(report.failed)} rows failed: {report.failed[0].errors}", file=sys.stderr)
        return 1

    start = time.perf_counter()
    for n, row in enumerate(rows):
        tk.get_action("package_create")({**ctx, "return_id_only": True},
                                        _plain(row.values, org["id"], n))
    plain = time.perf_counter() - start

    dry_rows = _rows(args.dry_run_rows, 12, org["name"])
    start = time.perf_counter()
    dry = importer.import_rows(dry_rows, dry_run=True)
    dry_s = time.perf_counter() - start

    indexed = search.query_for(model.Package).run({"q": "*:*", "rows": 0})["count"]
    n = args.offers
    print(f"import  {n} offers   {imported:7.1f} s   {n / imported:6.1f} offers/s")
    print(f"plain   {n} datasets {plain:7.1f} s   {n / plain:6.1f} datasets/s "
          "(package_create, stock type 'dataset')")
    print(f"ratio   import / plain = {(n / imported) / (n / plain):.2f}")
    print(f"dry run {len(dry_rows)} rows  {dry_s:7.1f} s   {len(dry_rows) / dry_s:6.1f} rows/s "
          f"(would create {dry.created}, update {dry.updated}, failed {len(dry.failed)})")
    print(f"search index: {indexed} documents (expected {2 * n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
