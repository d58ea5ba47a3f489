"""print/qr.py: codes decoded by a real decoder (zxing-cpp)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ckanext.keck_homeless.print import qr
from tests.print import tools

URLS = [
    "https://hilfe.kreis-dueren.de/hilfe",
    "https://hilfe.kreis-dueren.de/hilfe?kategorie=drinking_water",
    "http://127.0.0.1:5040/hilfe/demo-notschlafstelle-dueren",
]


@pytest.mark.parametrize("url", URLS)
def test_png_decodes_to_url(url):
    data = qr.png(url)
    assert data.startswith(b"\x89PNG")
    assert tools.decode_png(data) == [url]


@pytest.mark.parametrize("url", URLS)
def test_svg_decodes_to_url(url):
    assert tools.decode_image(tools.svg_to_image(qr.svg(url))) == [url]


def test_svg_is_scalable_and_titled():
    root = ET.fromstring(qr.svg(URLS[0], scale=4))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == URLS[0]


def test_png_has_quiet_zone():
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(qr.png(URLS[0], scale=5))).convert("L")
    # The outer 4 modules (20 px) are white on every side.
    width, height = image.size
    for box in [(0, 0, width, 20), (0, 0, 20, height), (width - 20, 0, width, height),
                (0, height - 20, width, height)]:
        assert image.crop(box).getextrema() == (255, 255)


def test_empty_url_is_refused():
    with pytest.raises(ValueError):
        qr.png("")
