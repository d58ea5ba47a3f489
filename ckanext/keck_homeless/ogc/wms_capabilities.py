"""WMS GetCapabilities documents (1.3.0 and 1.1.1).

Metadata (title, abstract, keywords, provider, contact, fees, access
constraints) comes from the request's
:class:`~ckanext.keck_homeless.ogc.ows.ServiceSettings`; the layer extent is
the configured region (``ckanext.keck_homeless.region_bbox``) in every CRS.
``updateSequence`` is the feature store's version, so clients can tell
whether the data changed.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from ckanext.keck_homeless.offers import codes, rules
from ckanext.keck_homeless.ogc import crs as crslib

WMS_NS = "http://www.opengis.net/wms"
XLINK_NS = "http://www.w3.org/1999/xlink"
INFO_FORMATS_CAPS = ("text/html", "application/json", "application/vnd.ogc.gml",
                     "application/vnd.ogc.gml/3.1.1", "text/xml", "text/plain")


@lru_cache(maxsize=16)
def region_bboxes(region: tuple[float, float, float, float]) -> dict[int, tuple]:
    """The region (lon/lat) as (minx, miny, maxx, maxy) in every supported SRID."""
    from pyproj import Transformer

    out = {4326: region, 4258: region}
    for srid in (25832, 3857):
        tr = Transformer.from_crs(4326, srid, always_xy=True)
        out[srid] = tuple(round(v, 2) for v in tr.transform_bounds(*region, densify_pts=21))
    return out


def _region(request) -> tuple[float, float, float, float]:
    try:
        return tuple(rules.region_bbox_from_string(
            (request.config or {}).get("ckanext.keck_homeless.region_bbox")))
    except ValueError:
        return tuple(rules.region_bbox_from_string(None))


def _url(request, **params) -> str:
    base = request.base_url
    return f"{base}?{urlencode(params)}" if params else base + "?"


def _text(tag: str, value) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>" if value not in (None, "") else ""


def _service(request, version: str, lim) -> str:
    s = request.settings
    name = "WMS" if version == "1.3.0" else "OGC:WMS"
    keywords = "".join(_text("Keyword", k) for k in s.keywords)
    contact = ("<ContactInformation><ContactPersonPrimary>"
               f"{_text('ContactPerson', s.contact_person) or '<ContactPerson/>'}"
               f"{_text('ContactOrganization', s.provider_name)}</ContactPersonPrimary>"
               f"{_text('ContactVoiceTelephone', s.contact_phone)}"
               f"{_text('ContactElectronicMailAddress', s.contact_email)}"
               "</ContactInformation>")
    limits = (f"<LayerLimit>{len(codes.CATEGORIES) + 1}</LayerLimit>"
              f"<MaxWidth>{lim.max_width}</MaxWidth><MaxHeight>{lim.max_height}</MaxHeight>"
              if version == "1.3.0" else "")
    return (f"<Service><Name>{name}</Name>{_text('Title', s.title)}"
            f"{_text('Abstract', s.abstract)}<KeywordList>{keywords}</KeywordList>"
            f'<OnlineResource xmlns:xlink="{XLINK_NS}" xlink:type="simple" '
            f"xlink:href={quoteattr(request.site_url or request.base_url)}/>"
            f"{contact}{_text('Fees', s.fees)}{_text('AccessConstraints', s.access_constraints)}"
            f"{limits}</Service>")


def _dcp(request) -> str:
    return ('<DCPType><HTTP><Get><OnlineResource xlink:type="simple" '
            f"xlink:href={quoteattr(_url(request))}/></Get></HTTP></DCPType>")


def _operation(tag: str, formats, request) -> str:
    return f"<{tag}>" + "".join(_text("Format", f) for f in formats) + _dcp(request) + f"</{tag}>"


def _request_section(request, version: str) -> str:
    caps_format = "text/xml" if version == "1.3.0" else "application/vnd.ogc.wms_xml"
    legend_tag = "sld:GetLegendGraphic" if version == "1.3.0" else "GetLegendGraphic"
    return ("<Request>" + _operation("GetCapabilities", [caps_format], request)
            + _operation("GetMap", ["image/png"], request)
            + _operation("GetFeatureInfo", INFO_FORMATS_CAPS, request)
            + _operation(legend_tag, ["image/png"], request) + "</Request>")


def _bboxes(region, version: str) -> str:
    boxes = region_bboxes(region)
    parts = []
    key = "CRS" if version == "1.3.0" else "SRS"
    for srid in crslib.SUPPORTED_EPSG:
        minx, miny, maxx, maxy = boxes[srid]
        if version == "1.3.0" and srid in crslib.GEOGRAPHIC_EPSG:
            minx, miny, maxx, maxy = miny, minx, maxy, maxx  # lat/lon axis order
        parts.append(f'<BoundingBox {key}="EPSG:{srid}" minx="{minx}" miny="{miny}" '
                     f'maxx="{maxx}" maxy="{maxy}"/>')
    if version == "1.3.0":
        w, s, e, n = region
        parts.insert(0, f'<BoundingBox CRS="CRS:84" minx="{w}" miny="{s}" maxx="{e}" maxy="{n}"/>')
    return "".join(parts)


def _style(request, layer: str, version: str) -> str:
    params = {"SERVICE": "WMS", "VERSION": version, "REQUEST": "GetLegendGraphic",
              "LAYER": layer, "FORMAT": "image/png", "STYLE": "default"}
    if version == "1.3.0":
        params["SLD_VERSION"] = "1.1.0"
    n = len(codes.CATEGORIES) if layer == "hilfsangebote" else 1
    height = n * 22 + 2
    return ("<Style><Name>default</Name><Title>Kategoriesymbole / category symbols</Title>"
            f'<LegendURL width="260" height="{height}"><Format>image/png</Format>'
            '<OnlineResource xlink:type="simple" '
            f"xlink:href={quoteattr(_url(request, **params))}/></LegendURL></Style>")


def _layer(request, version: str, name: str, title: str, abstract: str,
           children: str = "", root: bool = False, region=None) -> str:
    out = [f'<Layer queryable="1" opaque="0">{_text("Name", name)}{_text("Title", title)}'
           f"{_text('Abstract', abstract)}"]
    if root:
        s = request.settings
        out.append("<KeywordList>" + "".join(_text("Keyword", k) for k in s.keywords)
                   + "</KeywordList>")
        key = "CRS" if version == "1.3.0" else "SRS"
        crss = [f"EPSG:{c}" for c in crslib.SUPPORTED_EPSG]
        if version == "1.3.0":
            crss.append("CRS:84")
        out.extend(_text(key, c) for c in crss)
        w, s_, e, n = region
        if version == "1.3.0":
            out.append(f"<EX_GeographicBoundingBox><westBoundLongitude>{w}</westBoundLongitude>"
                       f"<eastBoundLongitude>{e}</eastBoundLongitude>"
                       f"<southBoundLatitude>{s_}</southBoundLatitude>"
                       f"<northBoundLatitude>{n}</northBoundLatitude></EX_GeographicBoundingBox>")
        else:
            out.append(f'<LatLonBoundingBox minx="{w}" miny="{s_}" maxx="{e}" maxy="{n}"/>')
        out.append(_bboxes(region, version))
    out.append(_style(request, name, version))
    out.append(children)
    out.append("</Layer>")
    return "".join(out)


def _layers(request, version: str) -> str:
    lang = getattr(request, "lang", "de") or "de"
    children = "".join(
        _layer(request, version, f"hilfsangebote_{c.code}", c.label(lang),
               f"Hilfsangebote der Kategorie „{c.de}“ / offers of category “{c.en}”")
        for c in codes.CATEGORIES)
    return _layer(request, version, "hilfsangebote", request.settings.title,
                  request.settings.abstract, children, root=True, region=_region(request))


def capabilities(request, version: str, lim, store_version: int) -> tuple[int, dict, bytes]:
    """The capabilities document for ``version`` (1.3.0 or 1.1.1)."""
    if version == "1.3.0":
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<WMS_Capabilities version="1.3.0" updateSequence="{store_version}" '
                f'xmlns="{WMS_NS}" xmlns:xlink="{XLINK_NS}" '
                'xmlns:sld="http://www.opengis.net/sld" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.opengis.net/wms '
                "http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd "
                "http://www.opengis.net/sld "
                'http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd">')
        exc = "<Exception><Format>XML</Format><Format>INIMAGE</Format><Format>BLANK</Format></Exception>"
        tail = "</WMS_Capabilities>\n"
        ctype = "text/xml; charset=UTF-8"
    else:
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<WMT_MS_Capabilities version="1.1.1" updateSequence="{store_version}" '
                f'xmlns:xlink="{XLINK_NS}">')
        exc = ("<Exception><Format>application/vnd.ogc.se_xml</Format>"
               "<Format>application/vnd.ogc.se_inimage</Format>"
               "<Format>application/vnd.ogc.se_blank</Format></Exception>"
               '<UserDefinedSymbolization SupportSLD="0" UserLayer="0" UserStyle="0" '
               'RemoteWFS="0"/>')
        tail = "</WMT_MS_Capabilities>\n"
        ctype = "application/vnd.ogc.wms_xml; charset=UTF-8"
    body = (head + _service(request, version, lim) + "<Capability>"
            + _request_section(request, version) + exc + _layers(request, version)
            + "</Capability>" + tail)
    return 200, {"Content-Type": ctype}, body.encode("utf-8")
