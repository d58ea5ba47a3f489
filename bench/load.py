"""Fill the feature store of the bench database with N synthetic offers.

Rows are produced by the project's own pipeline — ``bench/synthetic.py``
(importer CSV rows) → ``exchange.tabular.row_to_dataset`` (the importer's
parsing) → ``store.derive.row_for`` (what sync would publish: hidden offers
dropped, approximate ones coarsened) — and written straight into
``keck_homeless.offer`` with one multi-row INSERT per batch (then the
cached GeoJSON properties are encoded, as the sync does). This skips
CKAN's package tables and Solr: the benchmark measures the *read* path, and
both servers read exactly this table. Loading 100k offers through
``ckan keck-homeless import`` (CKAN actions) takes far too long for a
benchmark run; see bench/README.md for the measured rate.

usage: python bench/load.py DATABASE_URL N [--seed 1]
"""
from __future__ import annotations

import argparse
import time
import uuid

import sqlalchemy as sa
import synthetic  # bench/synthetic.py, beside this script

from ckanext.keck_homeless.exchange import tabular
from ckanext.keck_homeless.store import derive, sync
from ckanext.keck_homeless.store.model import offer, store_state

GRID_M = 500
BATCH = 5000


def rows(n: int, seed: int):
    """The first ``n`` publishable rows of the synthetic offers."""
    made = 0
    for values in synthetic.generate(n * 2, seed=seed):
        dataset, errors = tabular.row_to_dataset(values)
        if errors:
            continue
        dataset.setdefault("id", str(uuid.uuid5(uuid.NAMESPACE_URL, dataset["name"])))
        dataset.setdefault("organization_title", dataset.get("owner_org"))
        row = derive.row_for(dataset, GRID_M)
        if row is None:
            continue
        yield row
        made += 1
        if made == n:
            return


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    engine = sa.create_engine(args.url)
    started = time.monotonic()
    batch: list[dict] = []
    total = 0
    with engine.begin() as conn:
        conn.execute(offer.delete())
        for row in rows(args.n, args.seed):
            batch.append(row)
            if len(batch) == BATCH:
                conn.execute(offer.insert(), batch)
                total += len(batch)
                batch = []
        if batch:
            conn.execute(offer.insert(), batch)
            total += len(batch)
        sync.refresh_props(conn)  # the cached GeoJSON properties, as sync writes them
        conn.execute(store_state.update().where(store_state.c.id == 1).values(
            version=store_state.c.version + 1, changed=sa.func.now()))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE keck_homeless.offer")
    print(f"loaded {total} offers into keck_homeless.offer in "
          f"{time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
