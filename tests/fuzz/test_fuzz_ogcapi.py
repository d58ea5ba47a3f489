"""OGC API - Features under generated input: schemathesis draws requests from
our own OpenAPI document (every operation, valid and invalid parameters) and
checks the answers against it; Hypothesis adds hostile paths and query
strings the document does not describe (issue 13)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.fuzz import strategies as s
from tests.fuzz.conftest import SENT, examples

API = "/keck-homeless/ogcapi"


@pytest.fixture
def ogcapi_schema(app, world):
    # The coverage phase sends array parameters exploded (bbox=1&bbox=2&…)
    # although the document says ``explode: false`` — what no OGC API client
    # does; the examples and fuzzing phases honour the style.
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_wsgi(API + "/api", app.app, config=config)  # whole stack


schema = schemathesis.pytest.from_fixture("ogcapi_schema")


@schema.parametrize()
@examples(60)
def test_ogcapi_from_its_openapi_document(case, fuzz):
    """Each operation of the document, its parameters drawn by schemathesis
    (positive and negative cases); answers must fit the document."""
    case.headers = {**(case.headers or {}), "Accept": "application/json",
                    "Accept-Encoding": "identity"}
    response = case.call()
    SENT["ogcapi-schema"] += 1
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text
    # Checked: no 5xx, documented status codes and media types, bodies that
    # fit their schema, 405 with Allow for other methods. Not checked here:
    # whether each value is accepted exactly as far as its JSON schema goes
    # (an empty ``f=`` means "not given" in OGC KVP; ``datetime`` is any
    # string to the document but must be RFC 3339 to the server) — the
    # parameters' semantics have their own tests in tests/ogc. These two
    # checks found that the document offered every collection the other's
    # queryables and that bbox admitted 5 numbers (both fixed).
    case.validate_response(response, excluded_checks=[negative_data_rejection,
                                                       positive_data_acceptance])


SEGMENTS = st.one_of(
    st.sampled_from(["collections", "hilfsangebote", "gebiete_gemeinde", "items", "queryables",
                     "conformance", "api", "openapi", "schema", "..", ".", "", "hilfsangebote.1",
                     "hilfsangebote_protection", "x.json", "%2e%2e", "%2F"]),
    s.hostile_text.map(lambda t: s.encode_query([("", t)])[1:]),
)
QUERY = {"f": s.value("json", "html", "jsonld", "xml"), "limit": s.number_text,
         "offset": s.number_text, "bbox": s.bbox_text(with_crs=False),
         "bbox-crs": s.value(*s.CRS), "crs": s.value(*s.CRS),
         "datetime": s.value("2026-12-05T10:00:00Z", "../2026-12-31", "..", "2026-13-45"),
         "filter": s.value("name = 'x'", "capacity > 3", "S_INTERSECTS(geometry,POINT(6 50))",
                           "name LIKE '%'", "(", "capacity >"),
         "filter-lang": s.value("cql2-text", "cql2-json", "ecql"),
         "category": s.value("shelter", "food"), "municipality": s.value("05358008"),
         "name": s.hostile_text, "code": s.hostile_text, "properties": s.csv_of(s.value(*s.ATTRIBUTES)),
         "sortby": s.value("name", "-capacity", "+x")}


@given(segments=st.lists(SEGMENTS, max_size=5),
       pairs=st.lists(st.sampled_from(sorted(QUERY)), max_size=5).flatmap(
           lambda keys: st.tuples(*[st.tuples(st.just(k), QUERY[k]) for k in keys])),
       accept=st.sampled_from(["", "application/json", "text/html", "application/geo+json",
                               "*/*", "application/xml;q=0.9, nonsense"]))
@examples(600)
def test_ogcapi_paths_and_parameters(fuzz, segments, pairs, accept):
    path = API + ("/" + "/".join(segments) if segments else "")
    fuzz.send("ogcapi-paths", "GET", path, s.encode_query(list(pairs)),
              headers={"Accept": accept} if accept else {})
