"""WFS (KVP, FES filters, XML POST) and WMS under hostile input: an exception
report or an answer, never a 5xx, a traceback or a stall (issue 13)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import strategies as s
from tests.fuzz.conftest import examples

OWS = "/keck-homeless/ows"

WFS_PARAMS = {
    "SERVICE": s.value("WFS", "wfs", "WMS"),
    "VERSION": s.value("2.0.0", "1.1.0", "1.0.0", "2.0", "3"),
    "ACCEPTVERSIONS": s.value("2.0.0,1.1.0", "1.1.0", "9.9.9"),
    "REQUEST": s.value("GetFeature", "GetCapabilities", "DescribeFeatureType", "GetPropertyValue",
                       "ListStoredQueries", "DescribeStoredQueries", "getfeature", "Transaction",
                       "LockFeature", "GetFeatureWithLock", "GetGmlObject"),
    "TYPENAMES": st.one_of(s.value(*s.TYPES), s.csv_of(s.value(*s.TYPES))),
    "TYPENAME": s.value(*s.TYPES),
    "COUNT": s.number_text, "MAXFEATURES": s.number_text, "STARTINDEX": s.number_text,
    "BBOX": s.bbox_text(),
    "SRSNAME": s.value(*s.CRS),
    "OUTPUTFORMAT": s.value(*s.FORMATS_WFS),
    "RESULTTYPE": s.value("results", "hits", "HITS"),
    "PROPERTYNAME": s.csv_of(s.value(*s.ATTRIBUTES)),
    "SORTBY": s.csv_of(st.tuples(s.value(*s.ATTRIBUTES), s.value(" ASC", " DESC", "+D", "")).map("".join)),
    "RESOURCEID": s.csv_of(s.value("hilfsangebote.1", "gebiete_gemeinde.05358008", "x")),
    "FEATUREID": s.csv_of(s.value("hilfsangebote.1")),
    "VALUEREFERENCE": s.value(*s.ATTRIBUTES),
    "STOREDQUERY_ID": s.value("urn:ogc:def:query:OGC-WFS::GetFeatureById", "x"),
    "ID": s.value("hilfsangebote.1", ""),
    "NAMESPACES": s.value("xmlns(keck,https://www.kreis-dueren.de/keck-homeless/1.0)", "xmlns(",
                          "xmlns(a,b),xmlns(c)"),
    "FILTER": st.one_of(s.fes_filter(), s.hostile_text),
    "FILTER_LANGUAGE": s.value("urn:ogc:def:query Language:OGC-FES:Filter", "CQL"),
    "EXCEPTIONS": s.value("application/xml", "text/html"),
}


@st.composite
def kvp(draw, params: dict, required: tuple[str, ...] = ()) -> str:
    keys = draw(st.lists(st.sampled_from(sorted(params)), max_size=8, unique=True))
    pairs = [(k, draw(params[k])) for k in (*required, *[k for k in keys if k not in required])]
    # odd spellings of the keys, an unknown key, a duplicate
    pairs = [(k.lower() if draw(st.integers(0, 5)) == 0 else k, v) for k, v in pairs]
    if draw(st.integers(0, 7)) == 0:
        pairs.append((draw(s.hostile_text), draw(s.hostile_text)))
    if pairs and draw(st.integers(0, 9)) == 0:
        pairs.append(pairs[0])
    query = s.encode_query(pairs)
    if draw(st.integers(0, 11)) == 0:
        query += "&" + draw(s.raw_query_noise)
    return query


@given(query=kvp(WFS_PARAMS, required=("SERVICE", "REQUEST")))
@examples(2000)
def test_wfs_kvp(fuzz, query):
    fuzz.send("wfs-kvp", "GET", OWS, query)


@given(flt=s.fes_filter(), version=st.sampled_from(["2.0.0", "1.1.0"]),
       op=st.sampled_from(["GetFeature", "GetFeature", "GetPropertyValue"]),
       extra=st.sampled_from(["", "&RESULTTYPE=hits", "&OUTPUTFORMAT=application/json",
                              "&SORTBY=capacity%20DESC", "&COUNT=2&STARTINDEX=1"]))
@examples(1000)
def test_wfs_filters(fuzz, flt, version, op, extra):
    names = "TYPENAMES" if version == "2.0.0" else "TYPENAME"
    for type_name in ("hilfsangebote", "gebiete_gemeinde"):
        query = s.encode_query([("SERVICE", "WFS"), ("VERSION", version), ("REQUEST", op),
                                (names, type_name), ("VALUEREFERENCE", "name"), ("FILTER", flt)])
        fuzz.send("wfs-filter", "GET", OWS, query + extra)


@given(body=s.wfs_xml_body(),
       content_type=st.sampled_from(["application/xml", "text/xml", "application/x-www-form-urlencoded",
                                     "", "multipart/form-data; boundary=x"]))
@examples(1000)
def test_wfs_xml_post(fuzz, body, content_type):
    fuzz.send("wfs-xml", "POST", OWS, "", body=body,
              headers={"Content-Type": content_type} if content_type else {})


WMS_LAYERS = ("hilfsangebote", "hilfsangebote_shelter", "hilfsangebote_food", "gebiete_gemeinde",
              "hilfsangebote_protection", "nope", "")
WMS_PARAMS = {
    "SERVICE": s.value("WMS", "wms", "WFS"),
    "VERSION": s.value("1.3.0", "1.1.1", "1.1.0", "2.0"),
    "REQUEST": s.value("GetMap", "GetMap", "GetFeatureInfo", "GetLegendGraphic", "GetCapabilities",
                       "GetStyles", "map"),
    "LAYERS": st.one_of(s.value(*WMS_LAYERS), s.csv_of(s.value(*WMS_LAYERS), 4)),
    "QUERY_LAYERS": st.one_of(s.value(*WMS_LAYERS), s.csv_of(s.value(*WMS_LAYERS), 3)),
    "LAYER": s.value(*WMS_LAYERS),
    "STYLES": st.one_of(s.value("", "angebote", "plaetze", "default"),
                        s.csv_of(s.value("", "angebote"), 3)),
    "STYLE": s.value("angebote", "plaetze", ""),
    "CRS": s.value(*s.CRS), "SRS": s.value(*s.CRS),
    "BBOX": s.bbox_text(with_crs=False),
    "WIDTH": st.one_of(st.integers(1, 512).map(str), s.number_text),
    "HEIGHT": st.one_of(st.integers(1, 512).map(str), s.number_text),
    "FORMAT": s.value("image/png", "image/png; mode=8bit", "image/jpeg", "image/svg+xml", "text/html"),
    "TRANSPARENT": s.value("TRUE", "FALSE", "true", "1"),
    "BGCOLOR": s.value("0xFFFFFF", "0x000000", "#fff", "red"),
    "EXCEPTIONS": s.value("XML", "INIMAGE", "BLANK", "application/vnd.ogc.se_xml"),
    "I": s.number_text, "J": s.number_text, "X": s.number_text, "Y": s.number_text,
    "INFO_FORMAT": s.value("text/html", "text/plain", "application/json", "application/vnd.ogc.gml",
                           "text/xml"),
    "FEATURE_COUNT": s.number_text,
    "TIME": s.hostile_text, "SLD_BODY": s.hostile_text, "SLD": s.hostile_text,
    "UPDATESEQUENCE": s.hostile_text,
}


@given(query=kvp(WMS_PARAMS, required=("SERVICE", "REQUEST", "VERSION", "LAYERS", "BBOX",
                                       "WIDTH", "HEIGHT", "FORMAT")))
@examples(1500)
def test_wms_kvp(fuzz, query):
    fuzz.send("wms", "GET", OWS, query)
