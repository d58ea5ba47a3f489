"""The request as every OGC service module sees it, free of Flask/CKAN:
:class:`OWSRequest`, the service metadata :class:`ServiceSettings`, the
``(status, headers, body)`` :data:`Response` and the guarded XML body parser.

Nothing here imports a service module, so the services (wfs, wms, features)
and the dispatcher (ows) depend on this module and never on each other.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ckanext.keck_homeless.offers.constants import NAMESPACE_PREFIX, NAMESPACE_URI, REGION_BBOX
from ckanext.keck_homeless.ogc import errors

Body = bytes | Iterable[bytes]
Response = tuple[int, dict, Body]

#: Maximum accepted size of an XML POST body (bytes).
MAX_POST_BYTES = 1_000_000

@dataclass(frozen=True)
class Limits:
    """What one WMS request may ask for (options ``ckanext.keck_homeless.wms.*``)."""

    max_width: int = 4096
    max_height: int = 4096
    symbol_px: int = 16
    tolerance_px: int = 8
    cache_mb: int = 64
    png_compress_level: int = 6


@dataclass(frozen=True)
class ServiceSettings:
    """Metadata and limits of the services (built from CKAN config by the glue)."""

    title: str = "Hilfsangebote für wohnungslose Menschen im Kreis Düren"
    abstract: str = ("Hilfsangebote (Notunterkünfte, Essensausgaben, Beratung, …) "
                     "für Menschen ohne Wohnung im Kreis Düren.")
    keywords: tuple[str, ...] = ("Wohnungslosenhilfe", "Hilfsangebote", "Kreis Düren",
                                 "Soziales", "homelessness")
    provider_name: str = "Kreis Düren"
    provider_site: str = "https://www.kreis-dueren.de"
    contact_person: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    fees: str = "keine"
    access_constraints: str = "keine"
    #: Default and maximum COUNT (WFS) / limit (OGC API).
    count_default: int = 10000
    count_max: int = 100000
    #: Most queries one WFS request may carry (``<wfs:Query>`` elements in a
    #: POST body, names in TYPENAMES): each is one SQL query and one result set.
    max_queries: int = 20
    #: XML namespace of the application schema.
    namespace_uri: str = NAMESPACE_URI
    namespace_prefix: str = NAMESPACE_PREFIX
    #: WGS84 box offers must lie in (advertised in WMS capabilities).
    region_bbox: tuple[float, float, float, float] = REGION_BBOX
    wms: Limits = field(default_factory=Limits)


@dataclass
class OWSRequest:
    """A request as the services see it, free of Flask/CKAN.

    :param args: KVP parameters with UPPER-CASE keys (OGC KVP keys are
        case-insensitive; values are not).
    :param base_url: absolute URL of the endpoint (``{site_url}/keck-homeless/ows``),
        used for DCP URLs and ``next``/``previous`` links.
    :param site_url: ``ckan.site_url`` (for links to dataset pages).
    :param engine: a SQLAlchemy engine on the CKAN database (``jit=off``).
    :param settings: the services' settings, built once from the options
        (``config.Settings.ogc``); service modules never read raw options.
    """

    method: str = "GET"
    args: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    base_url: str = "http://localhost/keck-homeless/ows"
    site_url: str = "http://localhost"
    engine: Any = None
    settings: ServiceSettings = field(default_factory=ServiceSettings)
    lang: str = "de"
    #: OGC API only: path below the API root ("" = landing page) and Accept header.
    path: str = ""
    accept: str = ""
    #: Filled by the dispatcher for XML POST: the parsed root element.
    xml: Any = None

    @classmethod
    def from_kvp(cls, params: Mapping[str, str], **kw) -> OWSRequest:
        """Build from a (multi)dict of query parameters; upper-cases keys.
        If a key is repeated the first value wins."""
        args: dict[str, str] = {}
        for key, value in params.items():
            args.setdefault(str(key).upper(), value)
        return cls(args=args, **kw)

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.args.get(name.upper())
        return default if value is None or value == "" else value



def parse_xml_body(body: bytes | None):
    """Parse an untrusted XML POST body: no DTD, no entities, no network,
    at most :data:`MAX_POST_BYTES`. Any DOCTYPE is refused outright (XXE,
    billion laughs).

    :raises OperationParsingFailed: empty, too large, DOCTYPE or not well-formed.
    """
    from lxml import etree

    if not body or not body.strip():
        raise errors.MissingParameterValue(
            "Leerer POST-Body: WFS-Anfrage als XML senden oder KVP mit GET / "
            "empty POST body: send a WFS request as XML or use KVP with GET", locator="request")
    if len(body) > MAX_POST_BYTES:
        raise errors.OperationParsingFailed(
            f"POST-Body größer als / body larger than {MAX_POST_BYTES} bytes", locator="request", status=413)
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise errors.OperationParsingFailed(
            "Dokumenttyp-Deklarationen sind nicht erlaubt / document type declarations are not allowed", locator="request")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise errors.OperationParsingFailed(
            f"XML-Body nicht wohlgeformt / XML body is not well-formed: {str(exc)[:200]}", locator="request") from None
    if root.getroottree().docinfo.doctype:
        raise errors.OperationParsingFailed(
            "Dokumenttyp-Deklarationen sind nicht erlaubt / document type declarations are not allowed", locator="request")
    return root
