"""A leak test that does not depend on knowing the leaks.

With the plugins the county runs (``activity`` included), approximate and
hidden offers are created with unique sentinel values — street, postcode,
district, coordinates at 3 to 6 decimals and in EPSG:25832 metres — one of
them public first (so its history once held the values), one private, one
made public by the organisation's bulk action. Then, as an anonymous visitor
and as an editor of another organisation:

* every action CKAN registers is called through the API, with ``id``,
  ``name`` and ``q`` (and the other usual id parameters) set to the offers',
  the organisation's, the user's and the activities' ids, and ``package_search``
  with every ``fl`` and ``use_default_schema``;
* every GET route of the Flask app is requested with those ids in its URL
  variables (dataset, activity, changes pages, feeds …), plus our outputs
  (finder, map JSON, WFS/WMS/OGC API in every format, QR, flyer, exports, the
  HSDS API and its data package, the DCAT catalogue and per-dataset RDF);
* every table of CKAN's schema, the feature store and Solr's stored
  documents are read directly.

No response and no stored public copy may contain a sentinel. A positive
control first shows that the detector finds the sentinels where they may be
(the editor's own keck_homeless_protected_location_show).
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from ckan import logic, model
from ckan.tests import factories
from pyproj import Transformer

from tests.helpers import call_action
from tests.print.tools import decode_png, pdf_text

pytestmark = pytest.mark.usefixtures("offers_env")

#: exact locations: every value here must stay inside CKAN's protected table
SECRETS = {
    "approximate": {"street": "Sentinelpfad 4711", "postcode": "52398",
                    "district": "Sentinelhausen", "point": (6.530187, 50.714487)},
    "hidden": {"street": "Verborgenweg 815", "postcode": "52396",
               "district": "Stillwinkel", "point": (6.467731, 50.858913)},
    "turned": {"street": "Wechselgasse 23", "postcode": "52394",
               "district": "Umschwung", "point": (6.419344, 50.752094)},
    "private": {"street": "Hinterhofsteig 9", "postcode": "52392",
                "district": "Abseitsfeld", "point": (6.566931, 50.827263)},
}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _number(text: str) -> str:
    """A number not preceded by a digit, letter, dot or colon (so that
    timestamps such as 12:56.530187 and longer numbers do not count)."""
    return r"(?<![0-9A-Za-z.:])" + re.escape(text)


def _patterns() -> list[tuple[str, re.Pattern]]:
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    found = []
    for label, secret in SECRETS.items():
        word = secret["street"].split()[0]
        found += [(f"{label} street", re.compile(re.escape(word))),
                  (f"{label} district", re.compile(re.escape(secret["district"]))),
                  (f"{label} postcode", re.compile(_number(secret["postcode"]) + r"(?![0-9])"))]
        lon, lat = secret["point"]
        for axis, value in (("lon", lon), ("lat", lat)):
            for decimals in (3, 4, 5, 6):
                text = f"{value:.7f}"[:f"{value:.7f}".index(".") + 1 + decimals]
                found.append((f"{label} {axis} {decimals} decimals", re.compile(_number(text))))
                found.append((f"{label} {axis} {decimals} decimals (comma)",
                              re.compile(_number(text.replace(".", ",")))))
        east, north = to_utm.transform(lon, lat)
        for axis, value in (("east", east), ("north", north)):
            found.append((f"{label} EPSG:25832 {axis}",
                          re.compile(_number(str(int(value))) + r"(?![0-9])")))
    return found


PATTERNS = _patterns()


def leaks(text: str) -> list[str]:
    out = []
    for label, pattern in PATTERNS:
        match = pattern.search(text)
        if match:
            out.append(f"{label}: …{text[max(0, match.start() - 60):match.end() + 40]}…")
    return out


def _offer(org, user, label, **overrides):
    secret = SECRETS[label]
    lon, lat = secret["point"]
    data = {
        "type": "hilfsangebot", "name": f"leak-{label}", "title": f"Leck-Test {label}",
        "owner_org": org["id"], "notes": "Ein Angebot für den Lecktest.", "category": "meal",
        "target_groups": ["everyone"], "municipality": "05358008",
        "street": secret["street"], "postcode": secret["postcode"],
        "district": secret["district"],
        "spatial": json.dumps({"type": "Point", "coordinates": [lon, lat]}),
        "location_visibility": "approximate", "opening_hours": "Mo-Fr 10:00-12:00",
        "phone": "02221 4710-111", "last_verified": "2026-11-01", **overrides,
    }
    created = call_action("package_create", context={"user": user["name"]}, **data)
    call_action("resource_create", context={"user": user["name"]}, package_id=created["id"],
                url="https://example.org/info.pdf", name="Info")
    call_action("package_patch", context={"user": user["name"]}, id=created["id"],
                notes="Zweite Fassung.")
    return call_action("package_show", id=created["id"])


@pytest.fixture
def world(organization):
    from tests.ogc.wfs_world import load_areas

    load_areas()  # the municipalities: the area layers and figures are outputs too
    editor = factories.User(name="leak-editor")
    call_action("organization_member_create", id=organization["id"],
                username=editor["name"], role="admin")
    stranger = factories.User(name="leak-stranger")
    other_org = factories.Organization(name="leak-other-org",
                                       users=[{"name": stranger["name"], "capacity": "editor"}])
    offers = {
        "approximate": _offer(organization, editor, "approximate"),
        "hidden": _offer(organization, editor, "hidden", location_visibility="hidden",
                         category="protection"),
        "turned": _offer(organization, editor, "turned", location_visibility="public"),
        "private": _offer(organization, editor, "private", location_visibility="hidden",
                          category="protection", private=True),
    }
    call_action("package_patch", context={"user": editor["name"]}, id=offers["turned"]["id"],
                location_visibility="approximate")
    call_action("bulk_update_public", context={"user": editor["name"]},
                datasets=[offers["private"]["id"]], org_id=organization["id"])
    public = call_action("package_create", context={"user": editor["name"]}, **{
        "type": "hilfsangebot", "name": "leak-public", "title": "Offenes Angebot",
        "owner_org": organization["id"], "category": "drinking_water",
        "target_groups": ["everyone"], "municipality": "05358032", "street": "Markt 1",
        "postcode": "52441", "spatial": '{"type": "Point", "coordinates": [6.30, 50.90]}',
        "location_visibility": "public", "phone": "02221 4710-112",
        "last_verified": "2026-11-01"})
    activities = [r[0] for r in model.Session.execute(sa.text(
        "SELECT id FROM activity WHERE object_id = ANY(:ids) ORDER BY timestamp"),
        {"ids": [o["id"] for o in offers.values()]})]
    token = call_action("api_token_create", context={"user": stranger["name"]},
                        user=stranger["name"], name="leak")["token"]
    editor_token = call_action("api_token_create", context={"user": editor["name"]},
                               user=editor["name"], name="leak")["token"]
    return {"org": organization, "other_org": other_org, "editor": editor,
            "stranger": stranger, "offers": offers, "public": public,
            "activities": activities, "identities": {"anonymous": {},
                                                    "other editor": {"Authorization": token}},
            "editor_headers": {"Authorization": editor_token}}


def _targets(world, activities: bool) -> list[tuple[str, str]]:
    """(id, name) of every object an action could be asked about."""
    targets = [(o["id"], o["name"]) for o in world["offers"].values()]
    targets += [(world["org"]["id"], world["org"]["name"]),
                (world["editor"]["id"], world["editor"]["name"])]
    if activities:
        targets += [(a, a) for a in world["activities"]]
    return targets


def _action_names() -> list[str]:
    logic.get_action("package_show")  # fills the registry
    names = sorted(logic._actions)
    # writes first, so that reads see what they changed (follows, new objects)
    return sorted(names, key=lambda n: bool(getattr(logic._actions[n], "side_effect_free",
                                                    False)))


def _action_params(name: str, world) -> list[dict]:
    params: list[dict] = [{}]
    for id_, name_ in _targets(world, activities="activity" in name):
        params.append({"id": id_, "name": name_, "q": name_, "package_id": id_,
                       "object_id": id_, "user_id": id_, "org_id": id_,
                       "include_datasets": True, "all_fields": True})
    if name == "package_search":
        for o in world["offers"].values():
            for extra in ({"fl": "*"}, {"fl": "data_dict"}, {"fl": "validated_data_dict"},
                          {"fl": "extras_*"}, {"use_default_schema": True},
                          {"fl": "*", "include_private": True}):
                params.append({"q": f"name:{o['name']}", **extra})
        params.append({"q": "*:*", "fl": "*", "rows": 1000})
    return params


def _call_every_action(app, world, found: list[str]) -> int:
    calls = 0
    for identity, headers in world["identities"].items():
        for name in _action_names():
            for params in _action_params(name, world):
                res = app.post(f"/api/3/action/{name}", json=params, headers=headers,
                               expect_errors=True)
                calls += 1
                found += [f"{identity} {name} {params}: {hit}" for hit in leaks(res.get_data(
                    as_text=True))]
    return calls


_SKIP_ENDPOINTS = ("static", "webassets")


def _route_values(argument: str, rule: str, world) -> list[str]:
    offers = world["offers"]
    if argument == "package_type":
        return ["hilfsangebot", "dataset"]
    if argument in ("ext", "format"):
        return ["png", "svg"]
    if argument == "_format":  # ckanext-dcat's RDF endpoints
        return ["ttl", "rdf", "jsonld", "xml"]
    if argument == "resource_id":
        return [r["id"] for o in offers.values() for r in o["resources"]]
    values = [offers["approximate"]["name"], offers["hidden"]["id"], offers["turned"]["name"],
              offers["private"]["name"], world["org"]["name"], world["editor"]["name"]]
    if argument == "id" and ("organization" in rule or "group" in rule):
        values = [world["org"]["name"]]
    elif argument == "id" and "user" in rule:
        values = [world["editor"]["name"]]
    if "activity" in rule or "changes" in rule:
        values += world["activities"]
    return values


def _combinations(rule, world) -> list[dict[str, str]]:
    arguments = sorted(rule.arguments - set(rule.defaults or {}))
    if "resource_id" in arguments:
        # a resource only under its own dataset
        pairs = [(o["name"], r["id"]) for o in world["offers"].values() for r in o["resources"]]
        rest = [a for a in arguments if a not in ("id", "resource_id")]
        fixed = {a: _route_values(a, rule.rule, world)[0] for a in rest}
        return [{"id": n, "resource_id": r, **fixed} for n, r in pairs]
    choices = [_route_values(a, rule.rule, world) for a in arguments]
    return [dict(zip(arguments, combo, strict=True))
            for combo in itertools.islice(itertools.product(*choices), 8)]


def _page_urls(app, world) -> list[str]:
    urls = []
    for rule in app.flask_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(_SKIP_ENDPOINTS):
            continue
        for values in _combinations(rule, world):
            try:
                urls.append(rule.build(values)[1])
            except Exception:  # a converter refused the value: not a page
                continue
    return sorted(set(urls))


def _our_outputs(world) -> list[str]:
    offers = world["offers"]
    names = [o["name"] for o in offers.values()]
    cell = ",".join(str(c) for c in (6.50, 50.69, 6.56, 50.74))
    urls = [
        "/hilfe", "/hilfe?frauen=1", "/hilfe?kategorie=protection", "/hilfe?q=Leck",
        "/hilfe?jetzt=1", "/hilfe/karte.json", "/en/hilfe", "/hilfe/karte.json?kategorie=meal",
        *(f"/hilfe/{n}" for n in names), *(f"/keck-homeless/qr/angebot/{n}.svg" for n in names),
        *(f"/hilfsangebot/{n}" for n in names), *(f"/dataset/activity/{n}" for n in names),
        *(f"/dataset/changes/{a}" for a in world["activities"]),
        "/hilfsangebot/?q=Leck", "/dataset/?q=Leck", f"/organization/{world['org']['name']}",
        "/feeds/dataset.atom", "/feeds/custom.atom?q=Leck",
        f"/feeds/organization/{world['org']['name']}.atom",
        f"/organization/activity/{world['org']['name']}",
        f"/user/activity/{world['editor']['name']}", "/dashboard/datasets",
        "/keck-homeless/ogcapi/collections/hilfsangebote/items?f=json&limit=1000",
        "/keck-homeless/ogcapi/collections/hilfsangebote/items?f=html&limit=1000",
        f"/keck-homeless/ogcapi/collections/hilfsangebote/items?bbox={cell}&f=json",
    ]
    hsds = "/keck-homeless/hsds"
    urls += [f"{hsds}/services?full=true&per_page=1000", f"{hsds}/services?search=Leck",
             f"{hsds}/service_at_locations?full=true&per_page=1000",
             f"{hsds}/organizations?full_service=true&per_page=1000",
             f"{hsds}/datapackage.zip", "/keck-homeless/download/hilfsangebote.csv",
             "/keck-homeless/download/hilfsangebote.xlsx",
             "/keck-homeless/download/kennzahlen-gemeinde.csv",
             "/catalog.ttl", "/catalog.jsonld", "/catalog.rdf",
             *(f"/dataset/{n}.{fmt}" for n in names for fmt in ("ttl", "jsonld")),
             *(f"{hsds}/services/{o['id']}" for o in offers.values()),
             *(f"{hsds}/organizations/{o['owner_org']}?full_service=true"
               for o in offers.values())]
    if len(world["activities"]) >= 2:
        urls.append(f"/dataset/changes_multiple?new_id={world['activities'][-1]}"
                    f"&old_id={world['activities'][0]}")
    for version, fmt in itertools.product(("2.0.0", "1.1.0"),
                                          ("application/json", "GML2", "GML3", "GML32")):
        urls.append(f"/keck-homeless/ows?SERVICE=WFS&VERSION={version}&REQUEST=GetFeature"
                    f"&TYPENAMES=keck:hilfsangebote&TYPENAME=keck:hilfsangebote"
                    f"&OUTPUTFORMAT={fmt}&SRSNAME=EPSG:4326")
    # the KECK-Atlas area layers (counts only; hidden offers by the rule)
    urls += ["/keck-homeless/ows?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature"
             "&TYPENAMES=keck:gebiete_gemeinde&OUTPUTFORMAT=application/json",
             "/keck-homeless/ogcapi/collections/gebiete_gemeinde/items?f=json&limit=100"]
    for lon, lat in [SECRETS[k]["point"] for k in SECRETS]:
        bbox = f"{lat - 0.01},{lon - 0.01},{lat + 0.01},{lon + 0.01}"
        for info in ("application/json", "text/html", "text/plain",
                     "application/vnd.ogc.gml"):
            for layer in ("hilfsangebote", "gebiete_gemeinde"):
                urls.append("/keck-homeless/ows?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo"
                            f"&LAYERS={layer}&QUERY_LAYERS={layer}&STYLES=&CRS=EPSG:4326"
                            f"&BBOX={bbox}&WIDTH=101&HEIGHT=101&I=50&J=50&INFO_FORMAT={info}"
                            "&FEATURE_COUNT=50&FORMAT=image/png")
    return urls


def _text_of(res) -> str:
    kind = res.headers.get("Content-Type", "")
    data = res.get_data()
    if kind.startswith("application/pdf"):
        return pdf_text(data)
    if kind.startswith("image/png"):
        return " ".join(decode_png(data))
    if kind.startswith(("application/zip", "application/vnd.openxmlformats")):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return data.decode("utf-8", "replace")


def _without_boundaries(url: str, text: str) -> str:
    """An area layer's GeoJSON without its polygons: they are the loaded
    municipal boundaries (tests/ogc/test_area_layers.py asserts they equal
    the boundary file), and their hundreds of vertices match the detector's
    3-decimal patterns by chance. Everything else — the figures — is
    scanned."""
    if "gebiete_" not in url or not text.startswith("{"):
        return text
    doc = json.loads(text)
    for feature in doc.get("features", []):
        feature["geometry"] = None
    return json.dumps(doc, ensure_ascii=False)


def _fetch_pages(app, world, found: list[str]) -> int:
    urls = _page_urls(app, world) + _our_outputs(world) + [
        f"/keck-homeless/flyer.pdf?format={f}&lang={lang}"
        for f, lang in itertools.product(("a4", "a6"), ("de", "en"))]
    for identity, headers in world["identities"].items():
        for url in urls:
            res = app.get(url, headers=headers, expect_errors=True, follow_redirects=False)
            found += [f"{identity} GET {url} ({res.status_code}): {hit}"
                      for hit in leaks(_without_boundaries(url, _text_of(res)))]
    return len(urls) * len(world["identities"])


def _stored_copies(found: list[str]) -> int:
    """Every table of CKAN's schema and the feature store, row by row."""
    tables = [r[0] for r in model.Session.execute(sa.text(
        "SELECT quote_ident(table_name) FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"))]
    tables += ["keck_homeless.offer", "keck_homeless.area_figure"]
    for table in tables:
        for (text,) in model.Session.execute(sa.text(
                f"SELECT row_to_json(t)::text FROM {table} t")):
            found += [f"table {table}: {hit}" for hit in leaks(text)]
    return len(tables)


def _solr_documents(found: list[str]) -> int:
    from ckan.lib.search.common import make_connection

    docs = make_connection().search(q="*:*", fl="*", rows=10000)
    for doc in docs:
        found += [f"solr document {doc.get('name')}: {hit}"
                  for hit in leaks(json.dumps(doc, ensure_ascii=False, default=str))]
    return len(docs)


def _exports(cli, tmp_path, found: list[str]) -> int:
    from ckan.cli.cli import ckan as ckan_cli

    count = 0
    for fmt in ("csv", "geojson"):
        out = tmp_path / f"export.{fmt}"
        result = cli.invoke(ckan_cli, ["keck-homeless", "export", "--format", fmt,
                                       "--include-private", "-o", str(out)])
        assert result.exit_code == 0, result.output
        found += [f"export {fmt}: {hit}" for hit in leaks(out.read_text(encoding="utf-8"))]
        count += 1
    return count


# the DCAT catalogue with every offer as a dataset (off by default) is the
# widest RDF output; the per-offer RDF endpoints are requested as well
@pytest.mark.ckan_config("ckanext.keck_homeless.dcat.include_offers", "true")
def test_no_exact_location_leaves_ckan(app, cli, world, tmp_path, capsys):
    # Positive control: where the values may appear, the detector finds each kind.
    for label, offer in world["offers"].items():
        res = app.get("/api/3/action/keck_homeless_protected_location_show",
                      query_string={"id": offer["id"]}, headers=world["editor_headers"])
        hits = leaks(res.get_data(as_text=True))
        kinds = {h.split(":")[0].split()[1] for h in hits if h.startswith(label)}
        assert {"street", "postcode", "district", "lon", "lat"} <= kinds, (label, hits)
    export = tmp_path / "internal.csv"
    from ckan.cli.cli import ckan as ckan_cli

    cli.invoke(ckan_cli, ["keck-homeless", "export", "--include-private", "--include-protected",
                          "-o", str(export)])
    internal = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8"))))
    assert {r["street"] for r in internal} >= {s["street"] for s in SECRETS.values()}

    found: list[str] = []
    actions = len(_action_names())
    calls = _call_every_action(app, world, found)
    pages = _fetch_pages(app, world, found)
    tables = _stored_copies(found)
    docs = _solr_documents(found)
    exports = _exports(cli, tmp_path, found)
    summary = {"actions": actions, "action_calls": calls, "pages": pages,
               "tables": tables, "solr_documents": docs, "exports": exports,
               "identities": list(world["identities"]), "leaks": found[:50]}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "leak-test.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(f"\nleak test: {actions} registered actions in {calls} API calls, {pages} page "
              f"requests, {tables} tables, {docs} Solr documents, {exports} exports; "
              f"{len(found)} leaks")
    assert found == []
