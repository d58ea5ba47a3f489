"""QR codes (SVG and PNG) for a URL, with segno (pure Python).

Error correction level M (15 %) by default — segno raises it when that
costs no extra modules — and the standard quiet zone of 4 modules, so the
code scans from paper, a phone screen and a low-end camera.
"""
from __future__ import annotations

import io
import re

import segno

#: Quiet zone in modules (ISO/IEC 18004 asks for 4).
BORDER = 4
_SIZE_RE = re.compile(rb'width="(\d+)" height="(\d+)"')


def _code(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("empty URL")
    return segno.make_qr(url, error="m")


def svg(url: str, *, scale: int = 8, title: str | None = None) -> bytes:
    """A standalone SVG document (with ``viewBox``, so it scales in print).

    :param title: accessible name (SVG ``<title>``); default: the URL.
    """
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=scale, border=BORDER, xmldecl=True,
                    title=title or url, svgclass=None, lineclass=None, dark="#000",
                    light="#fff", nl=True)
    return _add_viewbox(out.getvalue())


def _add_viewbox(doc: bytes) -> bytes:
    """segno writes either width/height or a viewBox; keep both, so the SVG
    has a natural size and still scales cleanly when resized."""
    match = _SIZE_RE.search(doc)
    if not match or b"viewBox" in doc:
        return doc
    width, height = match.group(1), match.group(2)
    return doc.replace(match.group(0), match.group(0) + b' viewBox="0 0 ' + width + b" " + height + b'"', 1)


def png(url: str, *, scale: int = 8) -> bytes:
    """A black-and-white PNG, ``scale`` pixels per module."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=BORDER, dark="#000", light="#fff")
    return out.getvalue()


def svg_data_uri(url: str) -> str:
    """The SVG as a ``data:`` URI (for embedding in the flyer's HTML)."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(svg(url, scale=1)).decode("ascii")
