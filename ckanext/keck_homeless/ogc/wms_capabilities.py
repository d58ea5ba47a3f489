"""WMS GetCapabilities documents (1.3.0 and 1.1.1).

Metadata (title, abstract, keywords, provider, contact, fees, access
constraints) comes from the request's
:class:`~ckanext.keck_homeless.ogc.request.ServiceSettings`; the layer extent is
the configured region (``ckanext.keck_homeless.region_bbox``) in every CRS.
``updateSequence`` is the feature store's version, so clients can tell
whether the data changed.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from ckanext.keck_homeless.ogc import crs as crslib
from ckanext.keck_homeless.ogc import errors, query
from ckanext.keck_homeless.ogc.query import FEATURE_TYPES, PUBLISHED_CATEGORIES

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
    return tuple(request.settings.region_bbox)


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
    layer_count = len(PUBLISHED_CATEGORIES) + 1 + len(query.area_levels(request.engine))
    limits = (f"<LayerLimit>{layer_count}</LayerLimit>"
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


#: Name of the layer with every published offer (the other layers hold one
#: category each); see :mod:`ckanext.keck_homeless.ogc.wms`.
ALL_LAYER = "hilfsangebote"


def _lang(request) -> str:
    return (getattr(request, "lang", "de") or "de")[:2].lower()


@lru_cache(maxsize=64)
def legend_size(categories: tuple[str, ...], lang: str, symbol_px: int) -> tuple[int, int]:
    """(width, height) of the legend GetLegendGraphic draws for these
    categories — measured on the image itself, so the LegendURL's size is
    always the real one (it depends on the font and the label texts)."""
    from ckanext.keck_homeless.ogc import render

    png = render.legend_png(render.category_entries(categories, lang), symbol_px=symbol_px)
    return (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))  # IHDR


def _style(request, layer: str, categories: tuple[str, ...], version: str, lim) -> str:
    lang = _lang(request)
    params = {"SERVICE": "WMS", "VERSION": version, "REQUEST": "GetLegendGraphic",
              "LAYER": layer, "FORMAT": "image/png", "STYLE": "default", "LANGUAGE": lang}
    if version == "1.3.0":
        params["SLD_VERSION"] = "1.1.0"
    width, height = legend_size(categories, lang, lim.symbol_px)
    return ("<Style><Name>default</Name><Title>Kategoriesymbole / category symbols</Title>"
            f'<LegendURL width="{width}" height="{height}"><Format>image/png</Format>'
            '<OnlineResource xlink:type="simple" '
            f"xlink:href={quoteattr(_url(request, **params))}/></LegendURL></Style>")


def _keywords(words) -> str:
    return "<KeywordList>" + "".join(_text("Keyword", k) for k in dict.fromkeys(words)) + "</KeywordList>"


def _extent(version: str, region) -> str:
    w, s, e, n = region
    if version == "1.3.0":
        geo = (f"<EX_GeographicBoundingBox><westBoundLongitude>{w}</westBoundLongitude>"
               f"<eastBoundLongitude>{e}</eastBoundLongitude>"
               f"<southBoundLatitude>{s}</southBoundLatitude>"
               f"<northBoundLatitude>{n}</northBoundLatitude></EX_GeographicBoundingBox>")
    else:
        geo = f'<LatLonBoundingBox minx="{w}" miny="{s}" maxx="{e}" maxy="{n}"/>'
    return geo + _bboxes(region, version)


def _named_layer(request, version: str, lim, name: str, categories: tuple[str, ...],
                 title: str, abstract: str, keywords, extent: str = "") -> str:
    return (f'<Layer queryable="1" opaque="0">{_text("Name", name)}{_text("Title", title)}'
            f"{_text('Abstract', abstract)}{_keywords(keywords)}{extent}"
            f"{_style(request, name, categories, version, lim)}</Layer>")


def _layers(request, version: str, lim) -> str:
    """An unnamed root layer (title, keywords, CRSs and extent, inherited by
    all) holding the named layers: every published offer, then one layer per
    published category. Each named layer has its own ``default`` style with a
    legend of its own symbols; as siblings none redefines an inherited style
    (WMS 1.3.0 §7.2.4.6.5)."""
    s = request.settings
    lang = _lang(request)
    region = _region(request)
    key = "CRS" if version == "1.3.0" else "SRS"
    crss = [f"EPSG:{c}" for c in crslib.SUPPORTED_EPSG] + (["CRS:84"] if version == "1.3.0" else [])
    all_codes = tuple(c.code for c in PUBLISHED_CATEGORIES)
    named = [_named_layer(
        request, version, lim, ALL_LAYER, all_codes,
        FEATURE_TYPES[0].title(lang),
        "Alle veröffentlichten Hilfsangebote / all published help offers", s.keywords,
        extent=_extent(version, region))]
    named.extend(_named_layer(
        request, version, lim, f"{ALL_LAYER}_{c.code}", (c.code,), c.label(lang),
        f"Hilfsangebote der Kategorie „{c.de}“ / offers of category “{c.en}”",
        ("Hilfsangebote", c.de, c.en, c.code)) for c in PUBLISHED_CATEGORIES)
    named.extend(_area_layers(request, version))
    return ("<Layer>" + _text("Title", s.title) + _text("Abstract", s.abstract)
            + _keywords(s.keywords) + "".join(_text(key, c) for c in crss)
            + _extent(version, region) + "".join(named) + "</Layer>")


def _area_layers(request, version: str) -> list[str]:
    """One layer per loaded area level: a choropleth with one style per
    indicator (the default first), each with the legend of its classes,
    and the geometries' source note as Attribution."""
    from ckanext.keck_homeless.ogc import choropleth
    from ckanext.keck_homeless.store import area_figures

    lang = _lang(request)
    out = []
    for layer in query.area_layers(request.engine):
        ft = layer.ftype
        query.ensure_figures(request.engine, ft)
        with request.engine.connect() as conn:
            basis = area_figures.stored_basis(conn, ft.level)
        styles = "".join(_area_style(request, ft.name, ft.level, st, version, lang, basis)
                         for st in choropleth.styles())
        attribution = ""
        if layer.note:
            link = (f'<OnlineResource xlink:type="simple" xlink:href={quoteattr(layer.url)}/>'
                    if layer.url else "")
            attribution = f"<Attribution>{_text('Title', layer.note)}{link}</Attribution>"
        abstract = (f"{ft.title_de} / {ft.title_en}: Choroplethenkarte einer Kennzahl je Gebiet "
                    "(ein Stil je Kennzahl) / choropleth of one indicator per area (one style "
                    "per indicator)." + (f" Geometrien / geometries: {layer.note}" if layer.note else ""))
        out.append(f'<Layer queryable="1" opaque="0">{_text("Name", ft.name)}'
                   f'{_text("Title", ft.title(lang))}{_text("Abstract", abstract)}'
                   + _keywords(("KECK-Atlas", "Sozialplanung", "Gebiete", ft.level))
                   + _extent(version, layer.bbox) + attribution + styles + "</Layer>")
    return out


@lru_cache(maxsize=512)
def _area_legend_size(engine, level: str, style: str, lang: str, basis) -> tuple[int, int]:
    from ckanext.keck_homeless.ogc import choropleth

    png = choropleth.area_legend(engine, level, style, lang)
    return (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))  # IHDR


def _area_style(request, layer: str, level: str, style, version: str, lang: str, basis) -> str:
    params = {"SERVICE": "WMS", "VERSION": version, "REQUEST": "GetLegendGraphic",
              "LAYER": layer, "FORMAT": "image/png", "STYLE": style.name, "LANGUAGE": lang}
    if version == "1.3.0":
        params["SLD_VERSION"] = "1.1.0"
    width, height = _area_legend_size(request.engine, level, style.name, lang, basis)
    return (f"<Style>{_text('Name', style.name)}{_text('Title', style.title_de)}"
            f'<LegendURL width="{width}" height="{height}"><Format>image/png</Format>'
            '<OnlineResource xlink:type="simple" '
            f"xlink:href={quoteattr(_url(request, **params))}/></LegendURL></Style>")


def check_update_sequence(request, store_version: int) -> None:
    """WMS 1.3.0 §7.2.3.5 / 1.1.1 §7.1.3.4: equal → CurrentUpdateSequence,
    greater → InvalidUpdateSequence, lower or absent → the document."""
    raw = request.get("UPDATESEQUENCE")
    if raw is None:
        return
    try:
        value = int(raw.strip())
    except ValueError:
        raise errors.InvalidUpdateSequence(
            "UPDATESEQUENCE muss eine ganze Zahl sein / must be an integer",
            locator="UPDATESEQUENCE") from None
    if value == store_version:
        raise errors.CurrentUpdateSequence(
            f"Die Capabilities haben sich seit {value} nicht geändert / "
            f"the capabilities have not changed since {value}", locator="UPDATESEQUENCE")
    if value > store_version:
        raise errors.InvalidUpdateSequence(
            f"UPDATESEQUENCE {value} ist größer als die aktuelle {store_version} / "
            f"is greater than the current {store_version}", locator="UPDATESEQUENCE")


def capabilities(request, version: str, lim, store_version: int) -> tuple[int, dict, bytes]:
    """The capabilities document for ``version`` (1.3.0 or 1.1.1); the caller
    checks the client's UPDATESEQUENCE (:func:`check_update_sequence`)."""
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
            + _request_section(request, version) + exc + _layers(request, version, lim)
            + "</Capability>" + tail)
    return 200, {"Content-Type": ctype}, body.encode("utf-8")
