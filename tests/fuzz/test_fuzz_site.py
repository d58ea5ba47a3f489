"""The finder, QR codes, flyer, downloads, the HSDS API and CKAN's own pages
under hostile paths and parameters: a page or a 4xx, never a 5xx (issue 13)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import strategies as s
from tests.fuzz.conftest import examples
from tests.fuzz.test_fuzz_ogc import kvp

LANG = st.sampled_from(["", "", "/en", "/de", "/tr", "/xx"])
SWITCH = s.value("1", "0", "ja", "")


def _finder_params():
    return {"q": s.hostile_text, "kategorie": s.value(*s.categories()),
            "gemeinde": s.value(*s.municipalities()), "organisation": s.value("ogc-test-traeger"),
            "zeit": s.value("2026-12-05T22:00", "2026-12-05T25:00", "gestern"),
            "jetzt": SWITCH, "nacht": SWITCH, "hunde": SWITCH, "rollstuhl": SWITCH,
            "frauen": SWITCH, "kostenlos": SWITCH, "seite": s.number_text, "lang": s.value("de", "en")}


def _name(world):
    names = [p["name"] for p in world["offers"].values()]
    return s.value(*names, "does-not-exist", "ogc-hidden", "ogc-private")


@given(data=st.data(), lang=LANG,
       page=st.sampled_from(["/hilfe", "/hilfe", "/hilfe/karte.json", "/hilfe/oeffnungszeiten.json",
                             "/hilfe/sw.js", "NAME", "NAME/melden", "NAME/plaetze"]))
@examples(1200)
def test_finder(fuzz, world, data, lang, page):
    if "NAME" in page:
        page = page.replace("NAME", "/hilfe/" + s.encode_query([("", data.draw(_name(world)))])[1:])
    fuzz.send("finder", "GET", lang + page, data.draw(kvp(_finder_params())))


@given(data=st.data(), lang=LANG, ext=st.sampled_from(["svg", "png", "pdf", "gif"]),
       kind=st.sampled_from(["finder", "kategorie", "angebot", "flyer"]))
@examples(400)
def test_qr_and_flyer(fuzz, world, data, lang, ext, kind):
    params = {"lang": s.value("de", "en", "tr", "ar"), "format": s.value("a4", "a5", "a6", "letter"),
              "gemeinde": s.value(*s.municipalities()), "groesse": s.number_text,
              "size": s.number_text}
    if kind == "flyer":
        path = "/keck-homeless/flyer.pdf"
    elif kind == "finder":
        path = f"/keck-homeless/qr/finder.{ext}"
    else:
        target = data.draw(_name(world) if kind == "angebot" else s.value(*s.categories()))
        path = f"/keck-homeless/qr/{kind}/{s.encode_query([('', target)])[1:]}.{ext}"
    fuzz.send("qr-flyer", "GET", lang + path, data.draw(kvp(params)))


@given(data=st.data(), path=st.sampled_from([
    "/keck-homeless/download/hilfsangebote.csv", "/keck-homeless/download/hilfsangebote.xlsx",
    "/keck-homeless/download/vorlage.xlsx", "/keck-homeless/download/kennzahlen-gemeinde.csv",
    "/keck-homeless/download/kennzahlen-gemeinde.xlsx", "/keck-homeless/download/kennzahlen-LEVEL.FMT"]))
@examples(300)
def test_downloads(fuzz, data, path):
    if "LEVEL" in path:
        level = s.encode_query([("", data.draw(s.value("gemeinde", "ortslage", "x" * 80)))])[1:]
        fmt = s.encode_query([("", data.draw(s.value("csv", "xlsx", "pdf")))])[1:]
        path = path.replace("LEVEL", level).replace("FMT", fmt)
    params = {"lang": s.value("de", "en"), "format": s.value("csv", "xlsx"),
              "gemeinde": s.value(*s.municipalities()), "kategorie": s.value(*s.categories())}
    fuzz.send("downloads", "GET", path, data.draw(kvp(params)))


HSDS = "/keck-homeless/hsds"


@given(data=st.data(), resource=st.sampled_from([
    "", "/openapi.json", "/services", "/services/ID", "/service_at_locations",
    "/service_at_locations/ID", "/organizations", "/organizations/ID", "/taxonomies",
    "/taxonomies/ID", "/taxonomy_terms", "/taxonomy_terms/ID", "/datapackage.zip"]))
@examples(1000)
def test_hsds(fuzz, world, data, resource):
    if "ID" in resource:
        ident = data.draw(s.value(*world["ids"].values(), "00000000-0000-0000-0000-000000000000"))
        resource = resource.replace("ID", s.encode_query([("", ident)])[1:])
    params = {"page": s.number_text, "per_page": s.number_text, "search": s.hostile_text,
              "taxonomy_term_id": s.hostile_text, "taxonomy_id": s.hostile_text,
              "organization_id": s.hostile_text, "modified_after": s.value("2026-01-01", "2026-01-01T00:00:00Z"),
              "format": s.value("json", "csv"), "full_service": s.value("true", "false"),
              "proximity": s.value("50.8,6.48", "6.48,50.8", "x"), "postcode": s.value("52349"),
              "parent_id": s.hostile_text, "lang": s.value("de", "en"), "minimal": s.value("true")}
    fuzz.send("hsds", "GET", HSDS + resource, data.draw(kvp(params)))


@given(data=st.data(), path=st.sampled_from([
    "/dataset/", "/dataset/NAME", "/hilfsangebot/NAME", "/api/3/action/package_search",
    "/api/3/action/package_show", "/organization/", "/dataset/changes_multiple",
    "/dataset/activity/NAME", "/api/3/action/keck_homeless_figures"]))
@examples(500)
def test_ckan_pages_with_our_schema(fuzz, world, data, path):
    """CKAN's own pages and actions that show offers (the schema's templates,
    search with our facets, the activity views the site enables)."""
    path = path.replace("NAME", s.encode_query([("", data.draw(_name(world)))])[1:])
    params = {"q": s.hostile_text, "fq": s.value("category:shelter", "municipality:x", "(", "*:*"),
              "sort": s.value("score desc", "title_string asc", "x", "capacity desc"),
              "rows": s.number_text, "start": s.number_text, "id": _name(world),
              "category": s.value(*s.categories()), "page": s.number_text,
              "new_id": s.hostile_text, "old_id": s.hostile_text, "fl": s.value("name", "data_dict", "*")}
    fuzz.send("ckan", "GET", path, data.draw(kvp(params)))
