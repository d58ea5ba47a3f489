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
3. ``dry run``: M rows (seed 12) through ``import_rows(dry_run=True)``;
4. ``patch`` (issue 13, the write path): P offers and P of the plain
   datasets changed with ``package_patch`` (a new title), interleaved one by
   one, each call timed: p50 and mean of both, their ratio, and the share of
   the offers' time spent in the feature-store sync (``store.sync.sync_ids``).

Prints a table and the ratio import / plain. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import io
import statistics
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
    parser.add_argument("--patches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=0,
                        help="rows per transaction (default: the importer's BATCH_ROWS)")
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

    args.batch = args.batch or importer.BATCH_ROWS
    rows = _rows(args.offers, 11, org["name"])
    start = time.perf_counter()
    report = importer.import_rows(rows, batch_rows=args.batch)
    imported = time.perf_counter() - start
    if not report.ok:
        print(f"{len(report.failed)} rows failed: {report.failed[0].errors}", file=sys.stderr)
        return 1

    start = time.perf_counter()
    for n, row in enumerate(rows):
        tk.get_action("package_create")({**ctx, "return_id_only": True},
                                        _plain(row.values, org["id"], n))
    plain = time.perf_counter() - start

    patch = _patch_phase(ctx, min(args.patches, args.offers))

    dry_rows = _rows(args.dry_run_rows, 12, org["name"])
    start = time.perf_counter()
    dry = importer.import_rows(dry_rows, dry_run=True)
    dry_s = time.perf_counter() - start

    indexed = search.query_for(model.Package).run({"q": "*:*", "rows": 0})["count"]
    n = args.offers
    print(f"import  {n} offers   {imported:7.1f} s   {n / imported:6.1f} offers/s "
          f"({args.batch} rows per transaction)")
    print(f"plain   {n} datasets {plain:7.1f} s   {n / plain:6.1f} datasets/s "
          "(package_create, stock type 'dataset')")
    print(f"ratio   import / plain = {(n / imported) / (n / plain):.2f}")
    print(f"dry run {len(dry_rows)} rows  {dry_s:7.1f} s   {len(dry_rows) / dry_s:6.1f} rows/s "
          f"(would create {dry.created}, update {dry.updated}, failed {len(dry.failed)})")
    print(f"search index: {indexed} documents (expected {2 * n})")
    ours, stock, synced = patch
    if ours:
        p50, p50_stock = statistics.median(ours), statistics.median(stock)
        print(f"patch   {len(ours)} offers   p50 {p50 * 1000:6.1f} ms  mean "
              f"{statistics.fmean(ours) * 1000:6.1f} ms")
        print(f"patch   {len(stock)} datasets p50 {p50_stock * 1000:6.1f} ms  mean "
              f"{statistics.fmean(stock) * 1000:6.1f} ms (package_patch, stock type 'dataset')")
        print(f"ratio   patch offer / dataset: p50 {p50 / p50_stock:.2f}, mean "
              f"{statistics.fmean(ours) / statistics.fmean(stock):.2f}; store sync "
              f"{100 * synced / sum(ours):.0f} % of the offers' patch time")
    return 0


def _patch_phase(ctx: dict, count: int) -> tuple[list[float], list[float], float]:
    """Patch ``count`` offers and ``count`` plain datasets, interleaved."""
    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.keck_homeless.offers.constants import DATASET_TYPE
    from ckanext.keck_homeless.store import sync

    offer_ids = [r[0] for r in model.Session.query(model.Package.id).filter(
        model.Package.type == DATASET_TYPE, model.Package.state == "active")
        .order_by(model.Package.name).limit(count)]
    spent = [0.0]
    original = sync.sync_ids

    def timed(conn, ids, **kwargs):
        started = time.perf_counter()
        try:
            return original(conn, ids, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    sync.sync_ids = timed  # looked up at call time by the commit hook
    ours, stock = [], []
    try:
        for i, offer_id in enumerate(offer_ids):
            started = time.perf_counter()
            tk.get_action("package_patch")({**ctx, "return_id_only": True},
                                           {"id": offer_id, "title": f"Geändertes Angebot {i}"})
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            tk.get_action("package_patch")({**ctx, "return_id_only": True},
                                           {"id": f"plain-{i}", "title": f"Geändert {i}"})
            stock.append(time.perf_counter() - started)
    finally:
        sync.sync_ids = original
    return ours, stock, spent[0]


if __name__ == "__main__":
    sys.exit(main())
