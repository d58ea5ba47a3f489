"""Offline validation against the official OGC XML schemas.

The schemas come from Maven Central: ``org.jvnet.ogc:ogc-schemas:2.6.1``
(a copy of schemas.opengis.net; fetch with ``dev/fetch-schemas.sh`` or
``mvn dependency:get -Dartifact=org.jvnet.ogc:ogc-schemas:2.6.1``). The W3C
``xml.xsd`` and ``xlink.xsd`` it imports are taken from the ``xmlschema``
package. Every ``http://schemas.opengis.net/…`` and W3C location is mapped to
those local files by an lxml resolver, so nothing is fetched from the network.
"""
from __future__ import annotations

import functools
import os
import pathlib
import tempfile
import zipfile

from lxml import etree

JAR = pathlib.Path(os.environ.get(
    "KECK_OGC_SCHEMAS_JAR",
    pathlib.Path.home() / ".m2/repository/org/jvnet/ogc/ogc-schemas/2.6.1/ogc-schemas-2.6.1.jar"))


def available() -> bool:
    try:
        import xmlschema  # noqa: F401
    except ImportError:
        return False
    return JAR.is_file()


@functools.lru_cache(maxsize=1)
def _root() -> pathlib.Path:
    target = pathlib.Path(tempfile.gettempdir()) / "keck-ogc-schemas-2.6.1"
    if not (target / "ogc" / "wfs" / "2.0" / "wfs.xsd").is_file():
        with zipfile.ZipFile(JAR) as jar:
            members = [m for m in jar.namelist() if m.startswith("ogc/") and m.endswith(".xsd")]
            jar.extractall(target, members)
    return target


def _w3c(name: str) -> pathlib.Path:
    import xmlschema
    base = pathlib.Path(xmlschema.__file__).parent / "schemas"
    return {"xml.xsd": base / "XML" / "xml.xsd", "xlink.xsd": base / "XLINK" / "xlink.xsd"}[name]


class _Resolver(etree.Resolver):
    def resolve(self, url, pubid, context):
        # keep the original URL as base, so relative (and circular) includes
        # resolve to the same URL and libxml2 loads each document once
        for prefix in ("http://schemas.opengis.net/", "https://schemas.opengis.net/"):
            if url.startswith(prefix):
                path = _root() / "ogc" / url[len(prefix):]
                return self.resolve_string(path.read_bytes(), context, base_url=url)
        if url.endswith("/xml.xsd") and "w3.org" in url:
            return self.resolve_string(_w3c("xml.xsd").read_bytes(), context, base_url=url)
        if url.endswith("xlink.xsd") and "w3.org" in url:
            return self.resolve_string(_w3c("xlink.xsd").read_bytes(), context, base_url=url)
        if url.startswith("http"):
            raise ValueError(f"network access refused: {url}")
        return None


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Resolver())
    return parser


def schema(imports: dict[str, str]) -> etree.XMLSchema:
    """A schema importing ``namespace → location`` (URLs or local paths)."""
    body = ['<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'targetNamespace="urn:keck:test:wrapper">']
    for ns, loc in imports.items():
        body.append(f'<xsd:import namespace="{ns}" schemaLocation="{loc}"/>')
    body.append("</xsd:schema>")
    doc = etree.fromstring("".join(body).encode(), _parser(),
                           base_url=str(pathlib.Path(tempfile.gettempdir()) / "wrapper.xsd"))
    return etree.XMLSchema(etree.ElementTree(doc))


def validate(document: bytes, imports: dict[str, str]) -> list[str]:
    """Errors of ``document`` against the imported schemas ([] = valid)."""
    xsd = schema(imports)
    doc = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    if xsd.validate(doc):
        return []
    return [f"{e.line}: {e.message}" for e in xsd.error_log][:20]


def save(body: bytes, name: str) -> str:
    path = pathlib.Path(tempfile.mkdtemp()) / name
    path.write_bytes(body)
    return str(path)
