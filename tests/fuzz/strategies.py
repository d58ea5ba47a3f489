"""Hypothesis strategies for hostile requests: values a client may send to our
services, from nearly right to malicious. Every strategy mixes the valid
vocabulary of a parameter (so requests get deep into the handlers) with
hostile text, odd numbers and broken structure."""
from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from ckanext.keck_homeless.offers import codes

#: Strings that have broken parsers, SQL builders and encoders elsewhere.
NASTY = [
    "", " ", "  x  ", "'", '"', "''", "\\", "\\'", "<", ">", "&", "&amp;", "]]>", "<![CDATA[x]]>",
    "%", "_", "*", "?", "%25", "%00", ";", ",", ",,,", "(", ")", "()", "(,)", "[]", "{}", "{{x}}",
    "' OR '1'='1", "1; DROP TABLE package; --", "$$", "E'\\x00'", "::text", "--",
    "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "-0", "0x1F", "1_000",
    "9" * 30, "-1", "0", "2147483648", "-2147483649", "9223372036854775808", "1.5", "1,5",
    "true", "false", "null", "None", "undefined", "TRUE", "WAHR",
    "\u202e", "\u200b", "\ufeff", "😀", "Ä", "ß", "\u0301", "\r\n", "\t", "\n\n",
    "../../../../etc/passwd", "..%2F..%2F", "file:///etc/passwd", "http://127.0.0.1:8983/solr",
    "<script>alert(1)</script>", "javascript:alert(1)", "{{7*7}}", "${7*7}", "%s%s%s%n",
    "urn:ogc:def:crs:EPSG::4326", "EPSG:25832", "EPSG:4326", "CRS:84", "EPSG:999999",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "x" * 2000,
]

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
)

number_text = st.one_of(
    st.integers(min_value=-(10 ** 20), max_value=10 ** 20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=-1000, max_value=1000).map(lambda f: f"{f:.6f}"),
)


def value(*valid: str):
    """A parameter value: mostly one of ``valid``, sometimes anything."""
    choices = [hostile_text, number_text]
    if valid:
        choices.insert(0, st.sampled_from(valid))
        choices.insert(0, st.sampled_from(valid))
    return st.one_of(*choices)


def csv_of(element, max_size: int = 6):
    return st.lists(element, max_size=max_size).map(",".join)


def encode_query(pairs: list[tuple[str, str]]) -> str:
    """Percent-encode every byte; keeps duplicate keys and the order."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


raw_query_noise = st.sampled_from(["%C3%28", "%FF", "%00", "%E2%82", "%%", "%zz", "&&&", "=&=",
                                   "a=1&a=2", "%2", "+", "%0D%0A", ";"])

# -- coordinates -------------------------------------------------------------
coord = st.one_of(
    st.floats(min_value=-200, max_value=200),
    st.floats(min_value=5.9, max_value=7.1),        # around the county, lon
    st.floats(min_value=50.4, max_value=51.2),      # lat
    st.floats(min_value=280000, max_value=350000),  # UTM32 easting
    st.floats(min_value=5600000, max_value=5680000),
    st.floats(allow_nan=True, allow_infinity=True),
)
coord_text = st.one_of(coord.map(repr), number_text, hostile_text)


def bbox_text(with_crs: bool = True):
    parts = st.lists(coord_text, min_size=0, max_size=7).map(",".join)
    if not with_crs:
        return parts
    return st.one_of(parts, st.tuples(parts, value(*CRS)).map(lambda t: f"{t[0]},{t[1]}"))


CRS = ("EPSG:4326", "EPSG:25832", "EPSG:3857", "EPSG:4258", "CRS:84", "urn:ogc:def:crs:EPSG::4326",
       "urn:ogc:def:crs:EPSG::25832", "http://www.opengis.net/def/crs/EPSG/0/4326",
       "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:31466")

# -- vocabularies of our services ---------------------------------------------
ATTRIBUTES = ("name", "title", "category", "municipality", "opening_hours", "open_now", "phone",
              "capacity", "free_of_charge", "url", "services", "target_groups", "geometry",
              "keck:name", "keck:geometry", "gml:id", "@gml:id", "code", "angebote", "quelle",
              "nonexistent", "name/text()", "*")
TYPES = ("hilfsangebote", "keck:hilfsangebote", "gebiete_gemeinde", "keck:gebiete_gemeinde",
         "hilfsangebote_shelter", "hilfsangebote_food", "hilfsangebote_protection", "nope")
FORMATS_WFS = ("application/json", "application/geo+json", "application/gml+xml; version=3.2",
               "text/xml; subtype=gml/3.1.1", "GML2", "gml3", "csv", "text/html")


def categories() -> tuple[str, ...]:
    return tuple(codes.codes("category"))


def municipalities() -> tuple[str, ...]:
    return tuple(codes.codes("municipality"))


# -- FES filters -----------------------------------------------------------------
FES20 = 'xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"'
OGC11 = 'xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml"'
COMPARISONS = ("PropertyIsEqualTo", "PropertyIsNotEqualTo", "PropertyIsLessThan",
               "PropertyIsGreaterThan", "PropertyIsLessThanOrEqualTo",
               "PropertyIsGreaterThanOrEqualTo", "PropertyIsLike", "PropertyIsNull",
               "PropertyIsNil", "PropertyIsBetween", "PropertyIsFoo")
SPATIAL = ("BBOX", "Intersects", "Within", "Contains", "Disjoint", "DWithin", "Beyond",
           "Equals", "Touches", "Crosses", "Overlaps")

xml_text = st.one_of(hostile_text.map(escape), st.sampled_from(["<b>", "&x;", "]]>", "&#0;"]))


@st.composite
def gml_geometry(draw) -> str:
    srs = draw(st.one_of(st.none(), value(*CRS)))
    srs_attr = f' srsName="{escape(srs, {chr(34): "&quot;"})}"' if srs is not None else ""
    pos = " ".join(draw(st.lists(coord_text, max_size=5)))
    kind = draw(st.sampled_from(["Point", "Envelope", "Polygon", "LineString", "Nonsense", "empty"]))
    if kind == "Point":
        return f"<gml:Point{srs_attr}><gml:pos>{escape(pos)}</gml:pos></gml:Point>"
    if kind == "Envelope":
        upper = " ".join(draw(st.lists(coord_text, max_size=3)))
        return (f"<gml:Envelope{srs_attr}><gml:lowerCorner>{escape(pos)}</gml:lowerCorner>"
                f"<gml:upperCorner>{escape(upper)}</gml:upperCorner></gml:Envelope>")
    if kind == "Polygon":
        ring = " ".join(draw(st.lists(coord_text, max_size=12)))
        return (f"<gml:Polygon{srs_attr}><gml:exterior><gml:LinearRing><gml:posList>"
                f"{escape(ring)}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>")
    if kind == "LineString":
        return f"<gml:LineString{srs_attr}><gml:posList>{escape(pos)}</gml:posList></gml:LineString>"
    if kind == "Nonsense":
        return f"<gml:Curve{srs_attr}>{escape(pos)}</gml:Curve>"
    return ""


@st.composite
def fes_leaf(draw, p: str) -> str:
    prop_tag = "ValueReference" if p == "fes" else "PropertyName"
    prop = draw(st.one_of(st.sampled_from(ATTRIBUTES), xml_text))
    prop_el = f"<{p}:{prop_tag}>{escape(prop)}</{p}:{prop_tag}>"
    literal = f"<{p}:Literal>{draw(xml_text)}</{p}:Literal>"
    kind = draw(st.sampled_from(["cmp", "cmp", "spatial", "id", "odd"]))
    if kind == "cmp":
        op = draw(st.sampled_from(COMPARISONS))
        if op == "PropertyIsBetween":
            return (f"<{p}:{op}>{prop_el}<{p}:LowerBoundary>{literal}</{p}:LowerBoundary>"
                    f"<{p}:UpperBoundary>{literal}</{p}:UpperBoundary></{p}:{op}>")
        if op == "PropertyIsLike":
            return (f'<{p}:{op} wildCard="{draw(st.sampled_from(["*", "", "%", "**"]))}" '
                    f'singleChar="." escapeChar="\\">{prop_el}{literal}</{p}:{op}>')
        operands = draw(st.sampled_from([prop_el + literal, literal + prop_el, prop_el,
                                         literal, prop_el + prop_el, "", literal + literal]))
        match = draw(st.sampled_from(["", ' matchCase="false"', ' matchCase="x"']))
        return f"<{p}:{op}{match}>{operands}</{p}:{op}>"
    if kind == "spatial":
        op = draw(st.sampled_from(SPATIAL))
        distance = ""
        if op in ("DWithin", "Beyond"):
            distance = (f'<{p}:Distance uom="{draw(value("m", "km", "deg", "urn:ogc:def:uom:EPSG::9001"))}">'
                        f"{escape(draw(number_text))}</{p}:Distance>")
        geom = draw(gml_geometry())
        operands = draw(st.sampled_from([prop_el + geom, geom, prop_el, geom + prop_el]))
        return f"<{p}:{op}>{operands}{distance}</{p}:{op}>"
    if kind == "id":
        ident = escape(draw(value("hilfsangebote.1", "x.y", "")))
        if p == "fes":
            return f'<fes:ResourceId rid="{ident}"/>'
        return f'<ogc:FeatureId fid="{ident}"/><ogc:GmlObjectId gml:id="{ident}"/>'
    return draw(st.sampled_from([f"<{p}:Function name='x'>{literal}</{p}:Function>",
                                 f"<{p}:Literal/>", prop_el, "text", f"<{p}:And/>"]))


@st.composite
def fes_filter(draw) -> str:
    p = draw(st.sampled_from(["fes", "ogc"]))
    node = st.deferred(lambda: st.one_of(
        fes_leaf(p),
        st.tuples(st.sampled_from(["And", "Or"]), st.lists(node, max_size=3)).map(
            lambda t: f"<{p}:{t[0]}>{''.join(t[1])}</{p}:{t[0]}>"),
        st.lists(node, max_size=2).map(lambda c: f"<{p}:Not>{''.join(c)}</{p}:Not>"),
    ))
    body = draw(node)
    ns = FES20 if draw(st.booleans()) else OGC11
    text = f"<{p}:Filter {ns}>{body}</{p}:Filter>"
    cut = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(text))))
    return text if cut is None else text[:cut]


# -- WFS XML POST bodies ---------------------------------------------------------
WFS20_NS = ('xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" '
            'xmlns:gml="http://www.opengis.net/gml/3.2" '
            'xmlns:keck="https://www.kreis-dueren.de/keck-homeless/1.0"')
WFS11_NS = ('xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:gml="http://www.opengis.net/gml" '
            'xmlns:keck="https://www.kreis-dueren.de/keck-homeless/1.0"')


def _attr(name: str, text: str | None) -> str:
    return "" if text is None else f' {name}="{escape(text, {chr(34): "&quot;"})}"'


@st.composite
def wfs_xml_body(draw) -> bytes:
    v20 = draw(st.booleans())
    op = draw(st.sampled_from(["GetFeature", "GetFeature", "GetPropertyValue", "DescribeFeatureType",
                               "GetCapabilities", "ListStoredQueries", "DescribeStoredQueries",
                               "Transaction", "LockFeature", "Bogus"]))
    version = draw(st.one_of(st.just("2.0.0" if v20 else "1.1.0"), value("2.0.0", "1.1.0", "1.0.0")))
    attrs = (_attr("service", draw(st.one_of(st.just("WFS"), value("WFS"))))
             + _attr("version", version)
             + _attr("count" if v20 else "maxFeatures", draw(st.one_of(st.none(), number_text)))
             + _attr("startIndex", draw(st.one_of(st.none(), number_text)))
             + _attr("outputFormat", draw(st.one_of(st.none(), value(*FORMATS_WFS))))
             + _attr("resultType", draw(st.one_of(st.none(), value("results", "hits"))))
             + _attr("valueReference", draw(st.one_of(st.none(), value(*ATTRIBUTES)))))
    names_attr = "typeNames" if v20 else "typeName"
    queries = []
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        children = "".join(draw(st.lists(st.one_of(
            fes_filter(),
            value(*ATTRIBUTES).map(lambda a: f"<wfs:PropertyName>{escape(a)}</wfs:PropertyName>"),
            value(*ATTRIBUTES).map(
                lambda a: f"<fes:SortBy><fes:SortProperty><fes:ValueReference>{escape(a)}"
                          f"</fes:ValueReference><fes:SortOrder>DESC</fes:SortOrder>"
                          f"</fes:SortProperty></fes:SortBy>"),
        ), max_size=3)))
        queries.append(f"<wfs:Query{_attr(names_attr, draw(value(*TYPES)))}"
                       f"{_attr('srsName', draw(st.one_of(st.none(), value(*CRS))))}>"
                       f"{children}</wfs:Query>")
    if draw(st.integers(0, 9)) == 0:
        queries.append('<wfs:StoredQuery id="urn:ogc:def:query:OGC-WFS::GetFeatureById">'
                       f'<wfs:Parameter name="ID">{draw(xml_text)}</wfs:Parameter></wfs:StoredQuery>')
    if op == "DescribeFeatureType":
        queries = [f"<wfs:TypeName>{escape(draw(value(*TYPES)))}</wfs:TypeName>"]
    ns = WFS20_NS if v20 else WFS11_NS
    text = f'<?xml version="1.0" encoding="UTF-8"?><wfs:{op} {ns}{attrs}>{"".join(queries)}</wfs:{op}>'
    mutation = draw(st.sampled_from(["none"] * 6 + ["cut", "insert", "garbage", "doctype"]))
    if mutation == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    elif mutation == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(hostile_text) + text[at:]
    elif mutation == "garbage":
        return draw(st.binary(max_size=200))
    elif mutation == "doctype":
        text = '<!DOCTYPE x [<!ENTITY e "eeeeeeeeee">]>' + text.split("?>", 1)[-1]
    return text.encode("utf-8")
