"""A tiny HTTP proxy that serves schemas.opengis.net (and the two W3C schemas
it imports) from local files, so the OGC test suites validate offline with the
official schemas.

* ``http://schemas.opengis.net/<path>`` → ``ogc/<path>`` inside the Maven
  artifact ``org.jvnet.ogc:ogc-schemas:2.6.1`` (a copy of schemas.opengis.net)
* ``http://www.w3.org/2001/xml.xsd``, ``http://www.w3.org/1999/xlink.xsd`` →
  the copies in the ``xmlschema`` Python package
* ``http://java.sun.com/dtd/properties.dtd`` → the DTD of Java's XML
  properties files (given in ``java.util.Properties``' documentation), which
  TEAM Engine's CTL runner (ets-wms13) parses its test run arguments with
* anything else → 404 (logged), so nothing reaches the internet.

Usage: python schema_proxy.py --jar ogc-schemas-2.6.1.jar --port 5019
Java clients use it with ``-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=5019``.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

#: The DTD of java.util.Properties XML files, as its Javadoc states it.
PROPERTIES_DTD = b"""<?xml version="1.0" encoding="UTF-8"?>
<!ELEMENT properties ( comment?, entry* ) >
<!ATTLIST properties version CDATA #FIXED "1.0">
<!ELEMENT comment (#PCDATA) >
<!ELEMENT entry (#PCDATA) >
<!ATTLIST entry key CDATA #REQUIRED>
"""


def w3c_files() -> dict[str, bytes]:
    try:
        import xmlschema
    except ImportError:
        return {}
    base = pathlib.Path(xmlschema.__file__).parent / "schemas"
    return {"/2001/xml.xsd": (base / "XML" / "xml.xsd").read_bytes(),
            "/1999/xlink.xsd": (base / "XLINK" / "xlink.xsd").read_bytes(),
            "/XML/1998/namespace": (base / "XML" / "xml.xsd").read_bytes()}


def make_handler(jar: zipfile.ZipFile, w3c: dict[str, bytes], refused: list[str]):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server API)
            url = urlsplit(self.path)
            body = None
            if url.hostname == "schemas.opengis.net":
                try:
                    body = jar.read("ogc" + url.path)
                except KeyError:
                    body = None
            elif url.hostname == "www.w3.org":
                body = w3c.get(url.path)
            elif url.hostname == "java.sun.com" and url.path == "/dtd/properties.dtd":
                body = PROPERTIES_DTD
            if body is None:
                refused.append(self.path)
                sys.stderr.write(f"schema-proxy: refused {self.path}\n")
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", required=True)
    parser.add_argument("--port", type=int, default=5019)
    args = parser.parse_args()
    jar = zipfile.ZipFile(args.jar)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(jar, w3c_files(), []))
    server.serve_forever()


if __name__ == "__main__":
    main()
