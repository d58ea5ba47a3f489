"""Prepare the CKAN of ``bench/load.sh``: N real offers and the request lists.

Run as ``python bench/mixed_setup.py -c INI --offers N --out DIR``. The
offers are CKAN datasets made by the importer (``exchange.importer``, CKAN's
actions: validation, store sync, activity stream, search index) from
``bench/synthetic.py`` rows, so ``ckan keck-homeless check`` after the load
compares real packages, the feature store and Solr. An existing database
with exactly N offers is reused (loading 10,000 takes minutes); with any
other number the caller starts from an empty database.

Writes to DIR:

* ``token`` — an API token of an *editor* of the offers' organisation (a
  partner, not a sysadmin) for the concurrent edits;
* ``names`` — the offers' names (edits and problem reports pick from them);
  the offer pages are those the finder shows (not ended);
* ``<endpoint>.paths`` — one request path per line for each read endpoint,
  drawn at random by ``bench/paths.lua``.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORG = "bench-traeger"
EDITOR = "bench-editor"
#: 55 × 55 km around the Kreis Düren in EPSG:25832 (as bench/run.sh)
COUNTY = (295000.0, 5605000.0, 350000.0, 5660000.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--offers", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.config))
    with app._wsgi_app.test_request_context():
        return _run(args.offers, Path(args.out))


def _run(n: int, out: Path) -> int:
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan import model

    from ckanext.keck_homeless.offers.constants import DATASET_TYPE

    out.mkdir(parents=True, exist_ok=True)
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    ctx = {"user": site, "ignore_auth": True}
    try:
        org = tk.get_action("organization_show")(ctx.copy(), {"id": ORG})
    except tk.ObjectNotFound:
        org = tk.get_action("organization_create")(ctx.copy(), {"name": ORG,
                                                                 "title": "Bench-Träger"})
    offers = model.Session.query(model.Package).filter(
        model.Package.type == DATASET_TYPE, model.Package.state == "active").count()
    if offers == 0:
        _import(n, org["name"])
    elif offers != n:
        print(f"the database holds {offers} offers, not {n}: start from an empty one",
              file=sys.stderr)
        return 2
    else:
        print(f"reusing {n} offers", file=sys.stderr)

    try:
        user = tk.get_action("user_show")(ctx.copy(), {"id": EDITOR})
    except tk.ObjectNotFound:
        user = tk.get_action("user_create")(ctx.copy(), {
            "name": EDITOR, "email": "bench-editor@example.org",
            "password": "bench-editor-" + "x" * 12})
        tk.get_action("organization_member_create")(ctx.copy(), {
            "id": org["id"], "username": user["name"], "role": "editor"})
    token = tk.get_action("api_token_create")(ctx.copy(), {"user": EDITOR, "name": "load"})
    (out / "token").write_text(token["token"])

    rows = model.Session.query(model.Package.id, model.Package.name).filter(
        model.Package.type == DATASET_TYPE, model.Package.state == "active").all()
    names = sorted(r.name for r in rows)
    (out / "names").write_text("\n".join(names) + "\n")
    from ckanext.keck_homeless.store.model import offer

    published = [r[0] for r in model.Session.execute(model.Session.query(offer.c.package_id)
                                                     .statement)]
    # the finder's pages: published offers and protected ones that have not ended
    by_id = dict((r.id, r.name) for r in rows)
    finder_names = sorted({by_id[i] for i in published if i in by_id} | {
        name for (name,) in model.Session.execute(sa.text(
            "SELECT p.name FROM package p JOIN package_extra v ON v.package_id = p.id "
            "AND v.key = 'location_visibility' AND v.value = 'hidden' "
            "LEFT JOIN package_extra s ON s.package_id = p.id AND s.key = 'offer_status' "
            "WHERE p.type = :type AND p.state = 'active' AND NOT p.private "
            "AND coalesce(s.value, '') <> 'ended'"), {"type": DATASET_TYPE})})
    model.Session.rollback()
    _paths(out, finder_names, published)
    print(f"{n} offers ({len(published)} published locations), request lists in {out}",
          file=sys.stderr)
    return 0


def _import(n: int, org: str) -> None:
    from bench import synthetic
    from ckanext.keck_homeless.exchange import importer, tabular

    text = io.StringIO()
    synthetic.write_csv(synthetic.generate(n, seed=21, organizations=[org]), text)
    rows = tabular.read_csv(text.getvalue())
    start = time.perf_counter()
    done = 0
    for first in range(0, len(rows), 500):
        report = importer.import_rows(rows[first:first + 500])
        if not report.ok:
            raise SystemExit(f"import failed: {report.failed[0].errors}")
        done += report.created
        rate = done / (time.perf_counter() - start)
        print(f"  imported {done}/{n} offers ({rate:.1f}/s)", file=sys.stderr)


def _paths(out: Path, names: list[str], published: list[str]) -> None:
    from ckanext.keck_homeless.offers import codes

    rng = random.Random(5)
    categories = codes.codes("category")
    municipalities = [m.ags for m in codes.MUNICIPALITIES]
    filters = ([""] + [f"?kategorie={c}" for c in categories]
               + [f"?gemeinde={m}" for m in municipalities] + ["?jetzt=1", "?nacht=1", "?hunde=1"])
    write = lambda name, lines: (out / f"{name}.paths").write_text("\n".join(lines) + "\n")  # noqa: E731
    write("finder", [f"/hilfe{f}" for f in filters] + ["/en/hilfe"])
    write("offer", [f"/hilfe/{name}" for name in names])
    write("map", [f"/hilfe/karte.json{f}" for f in filters])

    def box(size_m: float) -> tuple[float, float, float, float]:
        x = rng.uniform(COUNTY[0], COUNTY[2] - size_m)
        y = rng.uniform(COUNTY[1], COUNTY[3] - size_m)
        return x, y, x + size_m, y + size_m

    wfs, wms = [], []
    for _ in range(500):
        b = box(rng.choice((2000.0, 5000.0, 10000.0)))
        wfs.append("/keck-homeless/ows?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature"
                   "&TYPENAMES=keck:hilfsangebote&OUTPUTFORMAT=application/json&COUNT=1000"
                   "&BBOX={:.0f},{:.0f},{:.0f},{:.0f},urn:ogc:def:crs:EPSG::25832".format(*b))
        t = box(rng.choice((2500.0, 10000.0, 40000.0)))
        wms.append("/keck-homeless/ows?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap"
                   "&LAYERS=hilfsangebote&STYLES=&CRS=EPSG:25832&WIDTH=256&HEIGHT=256"
                   "&FORMAT=image/png&TRANSPARENT=TRUE&BBOX={:.0f},{:.0f},{:.0f},{:.0f}".format(*t))
    write("wfs", wfs)
    write("wms", wms)
    items = "/keck-homeless/ogcapi/collections/hilfsangebote/items"
    ogc = [f"{items}/{rng.choice(published)}" for _ in range(250)] if published else []
    for _ in range(250):
        lon, lat = rng.uniform(6.2, 6.7), rng.uniform(50.6, 51.0)
        ogc.append(f"{items}?bbox={lon:.4f},{lat:.4f},{lon + 0.05:.4f},{lat + 0.04:.4f}&limit=100")
    write("ogcapi", ogc)


if __name__ == "__main__":
    sys.exit(main())
