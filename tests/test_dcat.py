"""DCAT-AP.de: /catalog.ttl and each dataset's RDF against GovData's shapes.

The shapes are GovData's SHACL files for DCAT-AP.de 3.0 (the DCAT-AP base
with German messages, the German additions, the controlled vocabularies and
the deprecations), run with pyshacl; the dcat-ap.de contributor and licence
lists and the FOAF/vCard/ORG mirrors are merged into the data graph, as
GovData's validator does with its imports. The EU vocabularies (language,
data theme, access right, file type) are not available offline: the codes we
emit are declared members of their schemes here (``EU_CODES``), so an
unknown code is still a violation (checked below).
"""
from __future__ import annotations

import pytest
import rdflib
from ckan.cli.cli import ckan as ckan_cli
from pyshacl import validate
from rdflib.namespace import RDF, SKOS

from ckanext.dcat.processors import RDFParser
from ckanext.keck_homeless import dcat
from tests.standards import dcat_shapes_dir

pytestmark = pytest.mark.usefixtures("offers_env")

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
EU = "http://publications.europa.eu/resource/authority/"
EU_CODES = {"language": ["DEU"], "data-theme": ["SOCI"], "access-right": ["PUBLIC"],
            "file-type": ["GEOJSON", "CSV", "JSON", "ZIP", "XLSX", "WMS_SRVC", "WFS_SRVC"]}
SHAPES = ("dcat-ap-SHACL-DE.ttl", "dcat-ap-spec-german-additions.ttl",
          "dcat-ap-de-controlledvocabularies.ttl", "dcat-ap-de-deprecated.ttl")
LICENSE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in SHAPES:
        graph.parse(dcat_shapes_dir() / "v3.0" / "shapes" / name)
    return graph


@pytest.fixture(scope="module")
def vocabularies() -> rdflib.Graph:
    base = dcat_shapes_dir()
    graph = rdflib.Graph()
    for path in ("mirror/foaf_0_1.rdf", "mirror/vcard.ttl", "mirror/org.ttl",
                 "dashboard-live/shapes/dcat-ap-de-contributors.rdf",
                 "dashboard-live/shapes/dcat-ap-de-licenses-open.rdf"):
        graph.parse(base / path)
    for scheme, codes in EU_CODES.items():
        for code in codes:
            graph.add((rdflib.URIRef(f"{EU}{scheme}/{code}"), SKOS.inScheme,
                       rdflib.URIRef(EU + scheme)))
    return graph


def _results(data: rdflib.Graph, shapes_graph, vocabularies) -> list[tuple[str, str, str]]:
    merged = rdflib.Graph()
    merged += data
    merged += vocabularies
    _conforms, report, _text = validate(merged, shacl_graph=shapes_graph, inference="none",
                                        do_owl_imports=False, allow_warnings=True,
                                        advanced=True)
    return [(str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
             str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage)))
            for r in report.subjects(RDF.type, SH.ValidationResult)]


def _violations(data, shapes_graph, vocabularies) -> list[tuple[str, str, str]]:
    return [r for r in _results(data, shapes_graph, vocabularies) if r[0] == "Violation"]


@pytest.fixture
def site(cli, demo_offers):
    result = cli.invoke(ckan_cli, ["keck-homeless", "publish-services",
                                   "--organization", "demo-sozialamt-kreis-dueren"])
    assert result.exit_code == 0, result.output
    return demo_offers


def _graph(app, url: str) -> rdflib.Graph:
    res = app.get(url)
    assert res.status_code == 200, url
    return rdflib.Graph().parse(data=res.get_data(as_text=True), format="turtle")


def test_catalogue_and_every_dataset_validate_against_govdata_shapes(app, site, shapes,
                                                                     vocabularies):
    catalog = _graph(app, "/catalog.ttl")
    assert _violations(catalog, shapes, vocabularies) == []

    # what the catalogue holds: the offers' dataset and the services serving it
    datasets = set(catalog.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    product = datasets.pop()
    assert str(catalog.value(product, DCT.title)) == \
        "Hilfsangebote für wohnungslose Menschen im Kreis Düren"
    services = set(catalog.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 3
    assert all(catalog.value(s, DCAT.servesDataset) == product for s in services)
    assert {str(catalog.value(s, DCT.conformsTo)) for s in services} == {
        "http://www.opengis.net/def/serviceType/ogc/wms",
        "http://www.opengis.net/def/serviceType/ogc/wfs",
        "http://www.opengis.net/doc/IS/ogcapi-features-1/1.0"}
    formats = {str(catalog.value(d, DCT["format"])).rsplit("/", 1)[-1]
               for d in catalog.objects(product, DCAT.distribution)}
    assert formats == {"GEOJSON", "CSV", "XLSX", "JSON", "ZIP"}
    for dist in catalog.objects(product, DCAT.distribution):
        assert str(catalog.value(dist, DCT.license)) == LICENSE
        assert str(catalog.value(dist, rdflib.URIRef(
            "http://dcat-ap.de/def/dcatde/licenseAttributionByText")))

    names = ["keck-homeless-hilfsangebote", "keck-homeless-geodienste",
             "demo-frauenhaus-kreis-dueren", "demo-arztmobil-dueren", "demo-notschlafstelle-dueren"]
    for name in names:
        graph = _graph(app, f"/dataset/{name}.ttl")
        assert _violations(graph, shapes, vocabularies) == [], name
    hidden = _graph(app, "/dataset/demo-frauenhaus-kreis-dueren.ttl")
    assert not list(hidden.objects(None, DCT.spatial))


def test_govdata_dashboard_rules_hold(app, site):
    """GovData's quality dashboard: keywords, exactly one listed contributor
    ID, one named publisher, open licences (only its counting rules fire)."""
    base = dcat_shapes_dir() / "dashboard-live" / "shapes"
    rules = rdflib.Graph().parse(base / "db-shapes.ttl")
    lists = rdflib.Graph()
    lists.parse(base / "dcat-ap-de-contributors.rdf")
    lists.parse(base / "dcat-ap-de-licenses-open.rdf")
    found = _results(_graph(app, "/catalog.ttl"), rules, lists)
    assert found and {r[0] for r in found} <= {"count_Distributions",
                                                "count_Distributions_Licenses"}, found


def test_the_shapes_catch_what_govdata_would_refuse(app, site, shapes, vocabularies):
    """The validation above is not vacuous: a dataset without publisher, a
    distribution with an unknown file type and one without licence fail."""
    catalog = _graph(app, "/catalog.ttl")
    product = next(catalog.subjects(RDF.type, DCAT.Dataset))
    dist = next(catalog.objects(product, DCAT.distribution))
    catalog.remove((product, DCT.publisher, None))
    catalog.set((dist, DCT["format"], rdflib.URIRef(EU + "file-type/NOPE")))
    catalog.remove((dist, DCT.license, None))
    messages = " ".join(m for _s, _n, m in _violations(catalog, shapes, vocabularies))
    assert "publisher" in messages and "file-type" in messages and "license" in messages


@pytest.mark.ckan_config("ckanext.keck_homeless.dcat.include_offers", "true")
def test_single_offers_only_on_request(app, site):
    catalog = _graph(app, "/catalog.ttl")
    titles = {str(catalog.value(d, DCT.title)) for d in catalog.subjects(RDF.type, DCAT.Dataset)}
    published = {r["title"] for r in site.values()}
    assert published & titles and "Hilfsangebote für wohnungslose Menschen im Kreis Düren" \
        in titles


def test_a_harvester_reads_the_catalogue_back(app, site):
    """ckanext-dcat's RDF parser (what its dcat_rdf_harvester runs) gets the
    same titles, distributions and licences as the site publishes."""
    import ckan.plugins.toolkit as tk

    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    parser.parse(app.get("/catalog.ttl").get_data(as_text=True), _format="turtle")
    harvested = list(parser.datasets())
    assert len(harvested) == 1
    got = harvested[0]
    ours = tk.get_action("package_show")({"ignore_auth": True},
                                         {"id": "keck-homeless-hilfsangebote"})
    assert got["title"] == ours["title"]
    # the format comes back as the EU file-type URI the catalogue states
    assert sorted((r["name"], r["url"], r["format"].rsplit("/", 1)[-1])
                  for r in got["resources"]) == sorted(
        (r["name"], r["url"], dcat.FORMATS[r["format"].upper()][0]) for r in ours["resources"])
    assert {r["license"] for r in got["resources"]} == {LICENSE}
    assert {t["name"] for t in got["tags"]} == {t["name"] for t in ours["tags"]}
