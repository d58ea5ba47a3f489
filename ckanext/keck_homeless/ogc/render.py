"""Raster output of the WMS: category symbols, map images, legends, a cache.

Framework-free (Pillow only). Every category has a symbol that differs from
the others in *shape* as well as colour, so the map stays readable for
people with colour-vision deficiencies and on greyscale printouts. Symbols
are drawn once per size at 4× resolution and downsampled (anti-aliased
sprites); a map is the sprites alpha-composited at the points' pixels.

The render cache (:class:`RenderCache`) keys images by the feature store's
``store_state.version`` plus the normalised request, so a change of any
offer (which bumps the version in the same transaction) makes every cached
image unreachable: a stale image is never served.
"""
from __future__ import annotations

import math
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from PIL import Image, ImageDraw, ImageFont

from ckanext.keck_homeless.offers import codes

SUPERSAMPLE = 4
DEFAULT_SYMBOL_PX = 16
OUTLINE = (34, 34, 34, 255)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Symbol(NamedTuple):
    shape: str
    colour: tuple[int, int, int]


#: One symbol per category: no two share a shape (colours: Okabe-Ito and
#: Paul Tol palettes, chosen to stay distinguishable for deuteranopes).
SYMBOLS: dict[str, Symbol] = {
    "shelter": Symbol("house", (213, 94, 0)),
    "meal": Symbol("circle", (230, 159, 0)),
    "food_bank": Symbol("square", (140, 86, 75)),
    "drinking_water": Symbol("drop", (0, 114, 178)),
    "day_centre": Symbol("hexagon", (0, 158, 115)),
    "counselling": Symbol("diamond", (204, 121, 167)),
    "hygiene": Symbol("triangle_down", (86, 180, 233)),
    "clothing": Symbol("pentagon", (127, 60, 141)),
    "medical": Symbol("cross", (228, 26, 28)),
    "postal_address": Symbol("envelope", (102, 102, 102)),
    "outreach": Symbol("star", (240, 192, 0)),
    "protection": Symbol("triangle", (27, 120, 55)),
}
FALLBACK_SYMBOL = Symbol("circle", (120, 120, 120))


def symbol_for(category: str) -> Symbol:
    return SYMBOLS.get(category, FALLBACK_SYMBOL)


# -- geometry of the shapes (unit square -1..1, y down) -------------------------
def _regular(n: int, rotation: float = -math.pi / 2, r: float = 1.0) -> list[tuple[float, float]]:
    return [(r * math.cos(rotation + 2 * math.pi * k / n),
             r * math.sin(rotation + 2 * math.pi * k / n)) for k in range(n)]


def _star(points: int = 5, inner: float = 0.45) -> list[tuple[float, float]]:
    out = []
    for k in range(2 * points):
        r = 1.0 if k % 2 == 0 else inner
        a = -math.pi / 2 + math.pi * k / points
        out.append((r * math.cos(a), r * math.sin(a)))
    return out


def _drop() -> list[tuple[float, float]]:
    # a water drop: a point on top, a circle of radius 0.62 below
    cx, cy, r = 0.0, 0.3, 0.66
    pts = [(0.0, -1.0)]
    start, end = -math.pi / 2 + 0.95, 3 * math.pi / 2 - 0.95
    for k in range(25):
        a = start + (end - start) * k / 24
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


SHAPES: dict[str, list[tuple[float, float]] | None] = {
    "circle": None,
    "square": [(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)],
    "diamond": [(0, -1), (1, 0), (0, 1), (-1, 0)],
    "triangle": [(0, -1), (0.95, 0.75), (-0.95, 0.75)],
    "triangle_down": [(-0.95, -0.75), (0.95, -0.75), (0, 1)],
    "pentagon": _regular(5),
    "hexagon": _regular(6, rotation=0),
    "star": _star(),
    "cross": [(-0.35, -1), (0.35, -1), (0.35, -0.35), (1, -0.35), (1, 0.35), (0.35, 0.35),
              (0.35, 1), (-0.35, 1), (-0.35, 0.35), (-1, 0.35), (-1, -0.35), (-0.35, -0.35)],
    "house": [(0, -1), (0.95, -0.1), (0.75, -0.1), (0.75, 0.9), (-0.75, 0.9), (-0.75, -0.1),
              (-0.95, -0.1)],
    "envelope": [(-1, -0.65), (1, -0.65), (1, 0.65), (-1, 0.65)],
    "drop": _drop(),
}


@lru_cache(maxsize=256)
def sprite(category: str, size: int = DEFAULT_SYMBOL_PX) -> Image.Image:
    """The anti-aliased RGBA symbol of ``category``, ``size`` pixels wide."""
    sym = symbol_for(category)
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    half = big / 2
    scale = half - SUPERSAMPLE * 1.2  # keep the outline inside the sprite
    line = max(SUPERSAMPLE, round(big / 10))
    fill = (*sym.colour, 255)
    outline = SHAPES.get(sym.shape)
    if outline is None:
        draw.ellipse((half - scale, half - scale, half + scale, half + scale),
                     fill=fill, outline=OUTLINE, width=line)
    else:
        pts = [(half + x * scale, half + y * scale) for x, y in outline]
        draw.polygon(pts, fill=fill, outline=OUTLINE, width=line)
        if sym.shape == "envelope":  # the flap makes it read as a letter
            draw.line([pts[0], (half, half + 0.05 * scale), pts[1]], fill=OUTLINE, width=line)
    return img.resize((size, size), Image.LANCZOS)


# -- maps ---------------------------------------------------------------------
def parse_bgcolor(value: str | None) -> tuple[int, int, int]:
    """``0xRRGGBB`` (WMS BGCOLOR) → RGB; raises ValueError."""
    if not value:
        return (255, 255, 255)
    v = value.strip()
    if v[:2].lower() == "0x":
        v = v[2:]
    elif v[:1] == "#":
        v = v[1:]
    if len(v) != 6 or any(c not in "0123456789abcdefABCDEF" for c in v):
        raise ValueError(value)
    return (int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16))


def new_canvas(width: int, height: int, transparent: bool,
               bgcolor: tuple[int, int, int]) -> Image.Image:
    alpha = 0 if transparent else 255
    return Image.new("RGBA", (width, height), (*bgcolor, alpha))


def draw_points(width: int, height: int,
                points: Iterable[tuple[str, int, int]],
                *, transparent: bool, bgcolor: tuple[int, int, int],
                symbol_px: int = DEFAULT_SYMBOL_PX) -> Image.Image:
    """Paint one symbol per ``(category, px, py)`` (in painting order),
    centred on pixel ``(px, py)``.

    Compositing is Porter-Duff "over" in premultiplied alpha, done with
    ``Image.paste(opaque_sprite, mask=alpha)``: per channel that computes
    ``dst = src·a + dst·(1−a)``, which on a canvas that starts transparent
    black *is* premultiplied "over" for the colour and the alpha channels
    alike (and plain "over" on an opaque background). It is exact, clips at
    the border by itself and is about twice as fast as ``alpha_composite``.
    """
    canvas = Image.new("RGBA", (width, height),
                       (*bgcolor, 255) if not transparent else (0, 0, 0, 0))
    half = symbol_px // 2
    canvas.load()
    # ``Image.paste`` re-checks modes and sizes on every call; for a thousand
    # stamps that bookkeeping costs more than the pixels. The core paste
    # below is what it ends up calling (it clips at the border itself).
    paste = canvas.im.paste
    stamps: dict[str, tuple[object, object]] = {}
    for category, px, py in points:
        stamp = stamps.get(category)
        if stamp is None:
            colours, alpha = _stamp(category, symbol_px)
            stamp = stamps[category] = (colours.im, alpha.im)
        x, y = px - half, py - half
        if -symbol_px < x < width and -symbol_px < y < height:
            paste(stamp[0], (x, y, x + symbol_px, y + symbol_px), stamp[1])
    if transparent:  # premultiplied → straight alpha
        canvas = Image.frombytes("RGBa", canvas.size, canvas.tobytes()).convert("RGBA")
    return canvas


@lru_cache(maxsize=256)
def _stamp(category: str, size: int) -> tuple[Image.Image, Image.Image]:
    """(the sprite's colours, fully opaque; its alpha as the paste mask)."""
    spr = sprite(category, size)
    alpha = spr.getchannel("A")
    opaque = spr.copy()  # straight colours; "over" needs them times alpha
    opaque.putalpha(255)
    opaque.load()
    alpha.load()
    return opaque, alpha


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(img: Image.Image, transparent: bool, compress_level: int = 6) -> bytes:
    """8-bit RGBA (``transparent``) or RGB PNG of ``img``.

    Written here rather than by Pillow because Pillow chooses a PNG filter
    per row adaptively, trying all five — that costs more than the
    compression itself. Map images are mostly one background colour with
    small symbols, which deflate compresses well unfiltered: filter type 0
    ("None") for every row is about twice as fast and the file is smaller
    (a 512×512 map of 1000 offers: 50 KB instead of 55 KB). Any PNG decoder
    reads it (PNG 1.2 / ISO 15948, §9 filter type 0).
    """
    if transparent:
        img, mode, colour_type = (img if img.mode == "RGBA" else img.convert("RGBA")), 4, 6
    else:
        img, mode, colour_type = (img if img.mode == "RGB" else img.convert("RGB")), 3, 2
    width, height = img.size
    pixels = img.tobytes()
    stride = width * mode
    rows = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"".join((PNG_SIGNATURE, _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", zlib.compress(rows, compress_level)),
                     _png_chunk(b"IEND", b"")))


def blank_png(width: int, height: int, transparent: bool,
              bgcolor: tuple[int, int, int]) -> bytes:
    return encode_png(new_canvas(width, height, transparent, bgcolor), transparent)


@lru_cache(maxsize=4)
def _font(size: int):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def error_png(width: int, height: int, text: str, transparent: bool,
              bgcolor: tuple[int, int, int]) -> bytes:
    """WMS ``INIMAGE`` exception: the message drawn into an image of the
    requested size."""
    img = new_canvas(width, height, transparent, bgcolor)
    draw = ImageDraw.Draw(img)
    font = _font(12)
    words, lines, line = text.split(), [], ""
    max_chars = max(8, width // 7)
    for word in words:
        if len(line) + len(word) + 1 > max_chars and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    y = 4
    for ln in lines:
        draw.text((4, y), ln, fill=(180, 0, 0, 255), font=font)
        y += 15
    return encode_png(img, transparent)


def legend_png(entries: Sequence[tuple[str, str]], *, symbol_px: int = DEFAULT_SYMBOL_PX,
               transparent: bool = True, bgcolor: tuple[int, int, int] = (255, 255, 255),
               font_px: int = 12) -> bytes:
    """A legend: one row ``symbol  label`` per ``(category, label)``."""
    font = _font(font_px)
    row_h = max(symbol_px, font_px) + 6
    text_w = max((int(font.getlength(label)) for _, label in entries), default=0)
    width = 4 + symbol_px + 6 + text_w + 4
    height = max(row_h * len(entries) + 2, 1)
    img = new_canvas(width, height, transparent, bgcolor)
    draw = ImageDraw.Draw(img)
    for n, (category, label) in enumerate(entries):
        top = 1 + n * row_h
        img.alpha_composite(sprite(category, symbol_px), (4, top + (row_h - symbol_px) // 2))
        draw.text((4 + symbol_px + 6, top + row_h // 2), label, fill=(0, 0, 0, 255),
                  font=font, anchor="lm")
    return encode_png(img, transparent)


def category_entries(categories: Iterable[str], lang: str = "de") -> list[tuple[str, str]]:
    labels = {c.code: c.label(lang) for c in codes.CATEGORIES}
    return [(c, labels.get(c, c)) for c in categories]


# -- cache --------------------------------------------------------------------
class RenderCache:
    """A thread-safe LRU of rendered images, bounded in bytes.

    Keys must contain the store version the image was rendered from; entries
    of older versions are dropped as soon as a newer version is seen, so the
    memory is not held by images nobody can ask for any more.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._version: int | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _see_version(self, version: int) -> None:
        if self._version is None or version > self._version:
            if self._version is not None:
                self._items.clear()
                self._bytes = 0
            self._version = version

    def get(self, version: int, key: tuple) -> bytes | None:
        with self._lock:
            self._see_version(version)
            value = self._items.get((version, key))
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end((version, key))
            self.hits += 1
            return value

    def put(self, version: int, key: tuple, value: bytes) -> None:
        if self.max_bytes <= 0 or len(value) > self.max_bytes:
            return
        with self._lock:
            self._see_version(version)
            if version != self._version:
                return  # rendered from an older snapshot than the newest seen
            full = (version, key)
            if full in self._items:
                return
            self._items[full] = value
            self._bytes += len(value)
            while self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self._version = None

    def __len__(self) -> int:
        return len(self._items)
