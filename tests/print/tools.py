"""Decode QR codes and read PDFs the way a peer would: zxing-cpp for the
codes, poppler (pdftotext, pdfinfo, pdftoppm) for the PDFs."""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path


def decode_image(image) -> list[str]:
    """Texts of all QR codes zxing-cpp finds in a PIL image."""
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def decode_png(data: bytes) -> list[str]:
    from PIL import Image

    return decode_image(Image.open(io.BytesIO(data)))


def pdf_text(pdf: bytes, *extra: str) -> str:
    return _run(["pdftotext", "-enc", "UTF-8", *extra, "-", "-"], pdf).decode("utf-8")


def pdf_info(pdf: bytes) -> dict[str, str]:
    out = _run(["pdfinfo", "-"], pdf).decode("utf-8", "replace")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdf_page_image(pdf: bytes, page: int = 1, dpi: int = 150):
    """One page rendered by poppler (``pdftoppm -r DPI -png``) as a PIL image."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in.pdf")
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page),
                        "-singlefile", str(src), str(Path(tmp, "page"))], check=True)
        image = Image.open(Path(tmp, "page.png"))
        image.load()
        return image


def svg_to_image(svg: bytes, dpi: int = 150):
    """Rasterise an SVG with a real renderer: WeasyPrint places it on a page,
    poppler renders the page."""
    import base64

    import weasyprint

    src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    html = f'<html><body style="margin:10mm"><img src="{src}" style="width:60mm"></body></html>'
    return pdf_page_image(weasyprint.HTML(string=html).write_pdf(), 1, dpi)


def _run(cmd: list[str], data: bytes) -> bytes:
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout
