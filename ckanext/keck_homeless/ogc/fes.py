"""Filter Encoding (FES 2.0, Filter 1.1) XML → pygeofilter AST.

Only pygeofilter's parsers are used; this module guards them against input
they would crash on. The AST is translated to SQL by ``query.SQLFilter``.
"""
from __future__ import annotations

import functools
from typing import Any

from ckanext.keck_homeless.ogc import errors
from ckanext.keck_homeless.ogc.request import OWSRequest, parse_xml_body

#: XML namespaces of filters and the geometries in them (the WFS modules use these too)
FES20 = "http://www.opengis.net/fes/2.0"
OGC = "http://www.opengis.net/ogc"
GML32 = "http://www.opengis.net/gml/3.2"
GML = "http://www.opengis.net/gml"


# ---------------------------------------------------------------------------
# Parsing: filters
# ---------------------------------------------------------------------------
def parse_filter_text(text: str, req: OWSRequest):
    """KVP FILTER (FES 2.0 or Filter 1.1 XML) → (AST or None, ids or None)."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    try:
        root = parse_xml_body(text.encode("utf-8"))
    except errors.OWSException as exc:
        raise errors.InvalidParameterValue(f"FILTER: {exc.text}", locator="FILTER") from None
    return parse_filter_element(root)


def parse_filter_element(root) -> tuple[Any, list[str] | None]:
    """A ``fes:Filter`` / ``ogc:Filter`` element → (pygeofilter AST, None) or
    (None, resource ids). Only the parser of pygeofilter is used."""
    from lxml import etree

    qname = etree.QName(root)
    if qname.localname != "Filter" or qname.namespace not in (FES20, OGC):
        raise errors.InvalidParameterValue("FILTER muss ein fes:Filter-Element sein / must be a fes:Filter element", locator="FILTER")
    children = [c for c in root if isinstance(c.tag, str)]
    id_tags = {f"{{{FES20}}}ResourceId", f"{{{OGC}}}GmlObjectId", f"{{{OGC}}}FeatureId"}
    if children and all(c.tag in id_tags for c in children):
        ids = []
        for c in children:
            rid = c.get("rid") or c.get(f"{{{GML}}}id") or c.get(f"{{{GML32}}}id") or c.get("fid")
            if not rid:
                raise errors.InvalidParameterValue("ResourceId ohne / without rid", locator="FILTER")
            ids.append(rid.strip())
        return None, ids
    if not children:
        raise errors.InvalidParameterValue("Leerer Filter / empty filter", locator="FILTER")
    _prepare_fes(root)
    try:
        return _fes_parser(qname.namespace).parse(root), None
    except errors.OWSException:
        raise
    except Exception as exc:  # pygeofilter raises assorted errors on bad input
        raise errors.InvalidParameterValue(
            f"Filter nicht verarbeitbar / cannot be processed: {type(exc).__name__}", locator="FILTER") from None


@functools.lru_cache(maxsize=2)
def _fes_parser(namespace: str):
    """pygeofilter's FES parser, plus ``PropertyIsNil`` (FES 2.0): we never
    write nil values, so it matches nothing."""
    from pygeofilter import ast
    from pygeofilter.parsers.fes.v11 import FES11Parser
    from pygeofilter.parsers.fes.v20 import FES20Parser

    if namespace == OGC:
        return FES11Parser()

    def property_is_nil(parser, node, lhs, *rest):
        ident = ast.Attribute("id")
        return ast.And(ast.IsNull(ident, False), ast.IsNull(ident, True))

    property_is_nil.subiter = True
    parser = FES20Parser()
    parser.tag_map = {**FES20Parser.tag_map, f"{{{FES20}}}PropertyIsNil": property_is_nil}
    return parser


def _prepare_fes(root) -> None:
    """Work around pygeofilter/pygml gaps before parsing:

    * ``fes:Literal`` without ``type`` (the common case) would crash FES 2.0's parser;
    * ``gml:Envelope`` loses its srsName in pygml — rewrite it as the
      equivalent ``gml:Polygon`` (with srsName), which keeps CRS and axis order.
    """
    from lxml import etree

    for lit in root.iter(f"{{{FES20}}}Literal", f"{{{OGC}}}Literal"):
        if any(isinstance(child.tag, str) for child in lit):
            raise errors.OperationProcessingFailed(
                "Literale mit XML-Inhalt (z. B. Geometrien) sind nicht vergleichbar / "
                "literals with XML content (e.g. geometries) cannot be compared",
                locator="FILTER", status=400)
        if lit.get("type") is None:
            lit.set("type", "xs:string")
        if lit.text is None:
            lit.text = ""
    for env in list(root.iter(f"{{{GML32}}}Envelope", f"{{{GML}}}Envelope")):
        ns = etree.QName(env).namespace
        lower = env.find(f"{{{ns}}}lowerCorner")
        upper = env.find(f"{{{ns}}}upperCorner")
        coords = env.findall(f"{{{ns}}}coord") or []
        try:
            if lower is not None and upper is not None:
                a = [float(v) for v in (lower.text or "").split()]
                b = [float(v) for v in (upper.text or "").split()]
            elif len(coords) == 2:  # GML 2 style
                a = [float(coords[0].findtext(f"{{{ns}}}{k}")) for k in ("X", "Y")]
                b = [float(coords[1].findtext(f"{{{ns}}}{k}")) for k in ("X", "Y")]
            else:
                raise ValueError
            if len(a) != 2 or len(b) != 2:
                raise ValueError
        except (TypeError, ValueError):
            raise errors.InvalidParameterValue("Ungültiges gml:Envelope im Filter / invalid gml:Envelope in filter", locator="FILTER") from None
        poly = etree.Element(f"{{{ns}}}Polygon")
        if env.get("srsName"):
            poly.set("srsName", env.get("srsName"))
        if ns == GML32:
            poly.set(f"{{{GML32}}}id", "envelope")
        ring = etree.SubElement(etree.SubElement(poly, f"{{{ns}}}exterior"), f"{{{ns}}}LinearRing")
        pos = etree.SubElement(ring, f"{{{ns}}}posList")
        (x1, y1), (x2, y2) = a, b
        pos.text = f"{x1} {y1} {x1} {y2} {x2} {y2} {x2} {y1} {x1} {y1}"
        poly.set("_envelope", "1")
        env.getparent().replace(env, poly)


