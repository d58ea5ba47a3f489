"""WFS and OGC API - Features through a real CKAN server, read by independent
clients: OWSLib (WFS 2.0.0 and 1.1.0) and GDAL/OGR (``WFS:`` and ``OAPIF:``).

The offers are created once for the module through CKAN's actions, then
``ckan run`` serves them on a port of its own.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

import ckan.plugins.toolkit as tk
import pytest

from ckanext.keck_homeless.ogc import query
from tests.live import live_ckan
from tests.ogc import wfs_world

PORT = 5012
SITE = f"http://127.0.0.1:{PORT}"
OWS = SITE + "/keck-homeless/ows"
API = SITE + "/keck-homeless/ogcapi"

assert shutil.which("ogrinfo"), "ogrinfo not found (gdal-bin; bash dev/install-os.sh)"


@pytest.fixture(scope="module")
def server(world):
    with live_ckan(tk.config["__file__"], port=PORT) as url:
        yield url


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def post(url: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/xml"})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def ogr(*args: str) -> str:
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "OFF"}
    out = subprocess.run(["ogrinfo", "-ro", "-q", *args], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def ogr_ids(*args: str) -> set[str]:
    """The ``id`` attribute of every feature ogrinfo lists."""
    ids = set()
    for line in ogr(*args).splitlines():
        line = line.strip()
        if line.startswith("id (String) = "):
            ids.add(line.split(" = ", 1)[1])
    return ids


@pytest.fixture(scope="module")
def expected(world):
    engine = query.engine_for(tk.config["sqlalchemy.url"])
    positions = wfs_world.store_positions(engine)
    assert set(positions) == {world["ids"][k] for k in wfs_world.PUBLIC}
    return positions


# -- OWSLib ------------------------------------------------------------------------
def owslib_wfs(version):
    from owslib.wfs import WebFeatureService
    return WebFeatureService(OWS, version=version, timeout=30)


def not_exception(data: bytes) -> bytes:
    # OWSLib hands back a WFS 2.0 ExceptionReport as data instead of raising.
    assert b"ExceptionReport" not in data[:500], data[:500]
    return data


def gml_ids(data: bytes) -> set[str]:
    from lxml import etree
    root = etree.fromstring(data)
    return {e.text for e in root.iter("{https://www.kreis-dueren.de/keck-homeless/1.0}id")}


def test_owslib_wfs20(server, world, expected):
    wfs = owslib_wfs("2.0.0")
    assert wfs.identification.title.startswith("Hilfsangebote")
    assert len(wfs.contents) == len(wfs_world.all_types())
    assert "keck:hilfsangebote_meal" in wfs.contents
    data = not_exception(wfs.getfeature(typename=["keck:hilfsangebote"]).read())
    assert gml_ids(data) == set(expected)
    box = (300000, 5640000, 330000, 5650000)
    data = not_exception(wfs.getfeature(typename=["keck:hilfsangebote"], bbox=box,
                                        srsname="urn:ogc:def:crs:EPSG::25832").read())
    assert gml_ids(data) == wfs_world.inside(expected, box, 25832)
    data = not_exception(wfs.getfeature(typename=["keck:hilfsangebote"], outputFormat="application/json").read())
    assert {f["id"] for f in json.loads(data)["features"]} == set(expected)
    schema = wfs.get_schema("keck:hilfsangebote")
    assert schema["geometry"] == "Point" and schema["properties"]["last_verified"] == "date"
    assert [q.id for q in wfs.storedqueries] == ["urn:ogc:def:query:OGC-WFS::GetFeatureById"]
    data = not_exception(wfs.getfeature(storedQueryID="urn:ogc:def:query:OGC-WFS::GetFeatureById",
                                        storedQueryParams={"ID": world["ids"]["water"]}).read())
    assert gml_ids(data) == {world["ids"]["water"]}
    # and the exception case really is one (raised, or handed back as data)
    from owslib.util import ServiceException
    try:
        data = wfs.getfeature(typename=["keck:nope"]).read()
    except ServiceException as exc:
        data = str(exc).encode()
    assert b"ExceptionReport" in data and b"InvalidParameterValue" in data


def test_owslib_wfs11_gml2(server, expected):
    wfs = owslib_wfs("1.1.0")
    assert len(wfs.contents) == len(wfs_world.all_types())
    data = not_exception(wfs.getfeature(typename=["keck:hilfsangebote"], maxfeatures=1000,
                                        outputFormat="GML2", srsname="EPSG:4326").read())
    assert gml_ids(data) == set(expected)
    assert b"<gml:coordinates" in data
    # ckanext-geoview's geo_view: unprefixed typename (OWSLib only knows prefixed ones)
    status, data = get(OWS + "?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=hilfsangebote"
                       "&MAXFEATURES=1000&OUTPUTFORMAT=GML2&SRSNAME=EPSG:3857")
    assert status == 200 and gml_ids(data) == set(expected)
    data = not_exception(wfs.getfeature(typename=["keck:hilfsangebote"], maxfeatures=2).read())
    assert len(gml_ids(data)) == 2


# -- GDAL/OGR ------------------------------------------------------------------------
def test_gdal_wfs20_counts_bbox_and_where(server, world, expected):
    listing = ogr("WFS:" + OWS)
    assert "keck:hilfsangebote_meal" in listing
    assert ogr_ids("WFS:" + OWS, "keck:hilfsangebote") == set(expected)
    box = (300000, 5640000, 330000, 5650000)
    assert ogr_ids("WFS:" + OWS, "keck:hilfsangebote", "-spat", *map(str, box)) == \
        wfs_world.inside(expected, box, 25832)
    assert ogr_ids("WFS:" + OWS, "keck:hilfsangebote", "-where", "category = 'meal'") == \
        {world["ids"]["meal"], world["ids"]["meal_near"]}
    assert ogr_ids("WFS:" + OWS, "keck:hilfsangebote", "-where",
                   "category = 'meal' OR ags = '05358024'") == \
        {world["ids"]["meal"], world["ids"]["meal_near"], world["ids"]["shelter"]}
    assert ogr_ids("WFS:" + OWS, "keck:hilfsangebote_shelter") == {world["ids"]["shelter"]}


def test_gdal_wfs11_and_paging(server, expected):
    assert ogr_ids("WFS:" + OWS + "?VERSION=1.1.0", "keck:hilfsangebote") == set(expected)
    paged = ogr_ids("--config", "OGR_WFS_PAGING_ALLOWED", "ON", "--config", "OGR_WFS_PAGE_SIZE", "2",
                    "WFS:" + OWS, "keck:hilfsangebote")
    assert paged == set(expected)


def test_gdal_wfs_reads_epsg4326_right(server, world, tmp_path):
    out = tmp_path / "x.geojson"
    res = subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), "WFS:" + OWS, "keck:hilfsangebote_shelter",
                          "-t_srs", "EPSG:4326", "-lco", "RFC7946=YES"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    coords = json.loads(out.read_text())["features"][0]["geometry"]["coordinates"]
    assert coords == [pytest.approx(6.36, abs=1e-6), pytest.approx(50.92, abs=1e-6)]


def test_gdal_oapif(server, world, expected):
    assert ogr_ids("OAPIF:" + API, "hilfsangebote") == set(expected)
    box = (6.40, 50.78, 6.50, 50.93)
    assert ogr_ids("OAPIF:" + API, "hilfsangebote", "-spat", *map(str, box)) == \
        wfs_world.inside(expected, box, 4326)
    assert ogr_ids("OAPIF:" + API, "hilfsangebote", "-where", "category = 'meal'") == \
        {world["ids"]["meal"], world["ids"]["meal_near"]}
    assert ogr_ids("OAPIF:" + API, "hilfsangebote_drinking_water") == {world["ids"]["water"]}


# -- hidden offers appear nowhere -------------------------------------------------------
def test_hidden_offers_appear_nowhere(server, world):
    hidden = [world["ids"][k] for k in wfs_world.SECRET]
    urls = [
        OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=keck:hilfsangebote",
        OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=keck:hilfsangebote&OUTPUTFORMAT=json",
        OWS + "?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=hilfsangebote&OUTPUTFORMAT=GML2",
        OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&TYPENAMES=hilfsangebote&VALUEREFERENCE=name",
        OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetPropertyValue&TYPENAMES=hilfsangebote&VALUEREFERENCE=geometry&SRSNAME=EPSG:4326",
        OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities",
        API + "/collections/hilfsangebote/items?limit=1000",
        API + "/collections/hilfsangebote/items?f=html&limit=1000",
    ]
    for url in urls:
        status, body = get(url)
        assert status == 200, url
        for word in ("GEHEIM", "Geheimweg", "Privatweg", *hidden):
            assert word.encode() not in body, (url, word)
    # No layer, feature type or collection for protection offers (always hidden).
    for url in (OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=keck:hilfsangebote_protection",
                API + "/collections/hilfsangebote_protection/items"):
        status, body = get(url)
        assert status in (400, 404) and b"GEHEIM" not in body, url
    for pid in hidden:
        for url in (OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&STOREDQUERY_ID="
                    "urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=" + pid,
                    OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=hilfsangebote&RESOURCEID=" + pid,
                    API + "/collections/hilfsangebote/items/" + pid):
            status, body = get(url)
            assert status in (200, 404) and b"GEHEIM" not in body
            assert pid.encode() not in body or status == 404


def test_http_glue_errors_are_4xx_reports(server):
    status, body = get(OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=x&COUNT=-1")
    assert status == 400 and b"ExceptionReport" in body
    status, body = post(OWS, b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')
    assert status == 400 and b"OperationParsingFailed" in body and b"root:" not in body
    status, body = post(OWS, b"<a>" + b"x" * 1_200_000 + b"</a>")
    assert status == 413
    status, body = get(API + "/collections/hilfsangebote/items?limit=abc")
    assert status == 400 and json.loads(body)["code"] == "InvalidParameterValue"


def _refused_body_then_next_request(url: str) -> tuple[int, int, bytes]:
    """A POST over the size limit, then a GET on the same keep-alive
    connection (http.client reconnects if the server said it closes)."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request("POST", "/keck-homeless/ows", body=b"<a>" + b"x" * 1_500_000 + b"</a>",
                     headers={"Content-Type": "application/xml"})
        first = conn.getresponse()
        first.read()
        conn.request("GET", "/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities")
        second = conn.getresponse()
        return first.status, second.status, second.read()
    finally:
        conn.close()


@pytest.mark.parametrize("served_by", ["ckan run", "gunicorn"])
def test_a_refused_body_leaves_the_connection_usable(server, served_by):
    """The 413 for a body over 1 MB must not leave the body's rest on a
    keep-alive connection, where the server would read it as the client's
    next request (issue 13)."""
    if served_by == "ckan run":
        first, second, body = _refused_body_then_next_request(server)
    else:
        with live_ckan(tk.config["__file__"], gunicorn=True) as url:
            first, second, body = _refused_body_then_next_request(url)
    assert first == 413
    assert second == 200 and b"WFS_Capabilities" in body


def test_too_many_queries_in_one_request_are_refused_before_any_runs(server):
    query_el = '<wfs:Query typeNames="keck:hilfsangebote"/>'
    body = ('<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" '
            'xmlns:keck="https://www.kreis-dueren.de/keck-homeless/1.0">'
            + query_el * 2000 + "</wfs:GetFeature>").encode()
    status, out = post(OWS, body)
    assert status == 400 and b'exceptionCode="OperationProcessingFailed"' in out
    assert b"2000" in out and len(out) < 2000
    status, out = get(OWS + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES="
                      + ",".join(["hilfsangebote"] * 21))
    assert status == 400 and b"(21, " in out
    # the allowed number still works
    status, out = post(OWS, body.replace((query_el * 2000).encode(), (query_el * 20).encode()))
    assert status == 200 and out.count(b"<wfs:member") == 20 * len(wfs_world.PUBLIC)


# -- the KECK-Atlas area layer through real clients ------------------------------------
def test_owslib_and_gdal_read_the_area_layer(server, world):
    wfs = owslib_wfs("2.0.0")
    assert "keck:gebiete_gemeinde" in wfs.contents
    schema = wfs.get_schema("keck:gebiete_gemeinde")
    # OWSLib names gml:MultiSurfacePropertyType "3D MultiPolygon"
    assert schema["geometry"].endswith("MultiPolygon") and schema["properties"]["angebote"] == "int"
    data = not_exception(wfs.getfeature(typename=["keck:gebiete_gemeinde"],
                                        outputFormat="application/json").read())
    doc = json.loads(data)
    assert len(doc["features"]) == 15
    total = sum(f["properties"]["angebote"] for f in doc["features"])
    assert total == len(wfs_world.PUBLIC)
    # GDAL's WFS driver (GML 3.2) and OGC API driver
    for source in ("WFS:" + OWS, "OAPIF:" + API):
        layer = "keck:gebiete_gemeinde" if source.startswith("WFS") else "gebiete_gemeinde"
        listing = ogr(source, layer)
        # GML 3 MultiSurface reads as MULTISURFACE, GeoJSON as MULTIPOLYGON
        assert listing.count("  MULTISURFACE (") + listing.count("  MULTIPOLYGON (") == 15, source
        assert "code (String) = 05358008" in listing and "name (String) = Düren" in listing
        assert sum(int(line.split("=")[1]) for line in listing.splitlines()
                   if line.strip().startswith("angebote (Integer) =")) == total, source
