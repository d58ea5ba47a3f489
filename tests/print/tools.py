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


def pdf_font_sizes(pdf: bytes) -> dict[float, int]:
    """Glyph count per font size (pt, rounded to 0.01) of every character in
    the PDF, read with pdfminer.six from the text positioning itself."""
    from collections import Counter

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    sizes: Counter[float] = Counter()

    def walk(obj):
        if isinstance(obj, LTChar):
            if obj.get_text().strip():
                sizes[round(obj.size, 2)] += 1
        elif hasattr(obj, "__iter__"):
            for child in obj:
                walk(child)

    for page in extract_pages(io.BytesIO(pdf)):
        walk(page)
    return dict(sizes)


def empty_fractions(pdf: bytes, top_mm: float, bottom_mm: float, height_mm: float,
                    dpi: int = 50) -> list[float]:
    """Per page, the share of the type area below its last printed pixel
    (between the top and bottom page margins, e.g. above the page number)."""
    from PIL import Image

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in.pdf")
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src),
                        str(Path(tmp, "p"))], check=True, capture_output=True)
        for png in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1])):
            img = Image.open(png).convert("L")
            width, height = img.size
            px = img.load()
            top = int(height * top_mm / height_mm)
            bottom = int(height * (height_mm - bottom_mm) / height_mm)
            last = top
            for y in range(top, bottom):
                if any(px[x, y] < 128 for x in range(width)):
                    last = y
            out.append((bottom - last) / (bottom - top))
    return out
