"""Symbols, legends and the render cache (pure, no services)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.ogc import render


def _mask(category: str, size: int = 32) -> bytes:
    """The symbol's shape: alpha thresholded, colour ignored."""
    alpha = render.sprite(category, size).getchannel("A")
    return alpha.point(lambda a: 255 if a > 127 else 0).tobytes()


def test_every_category_has_its_own_shape_and_colour():
    cats = [c.code for c in codes.CATEGORIES]
    assert set(render.SYMBOLS) == set(cats)
    shapes = {render.SYMBOLS[c].shape for c in cats}
    colours = {render.SYMBOLS[c].colour for c in cats}
    assert len(shapes) == len(cats) and len(colours) == len(cats)
    masks = {_mask(c) for c in cats}
    assert len(masks) == len(cats), "two categories draw the same silhouette"


def test_sprites_are_anti_aliased():
    alpha = render.sprite("meal", 16).getchannel("A")
    values = set(alpha.getdata())
    assert 0 in values and 255 in values
    assert any(0 < v < 255 for v in values), "edges without intermediate alpha"


def test_draw_points_centres_symbols_and_clips_at_the_border():
    img = render.draw_points(40, 30, [("meal", 10, 10), ("square_unknown", 39, 29),
                                      ("shelter", -100, 5)],
                             transparent=True, bgcolor=(255, 255, 255))
    assert img.size == (40, 30)
    assert img.getpixel((10, 10))[3] == 255
    assert img.getpixel((39, 29))[3] > 0   # fallback symbol, clipped at the corner
    assert img.getpixel((30, 5))[3] == 0
    assert img.getpixel((0, 5))[3] == 0    # far outside: nothing drawn


def test_opaque_background_colour():
    png = render.encode_png(render.draw_points(8, 8, [], transparent=False,
                                               bgcolor=render.parse_bgcolor("0x336699")),
                            transparent=False)
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGB" and img.getpixel((3, 3)) == (0x33, 0x66, 0x99)


@pytest.mark.parametrize("transparent", [True, False])
def test_png_encoder_round_trips_every_pixel(transparent):
    """Our PNG writer (filter type 0) decodes to exactly the pixels drawn,
    at every compression level; odd sizes included."""
    pts = [(c, 7 + 11 * n, 5 + 3 * n) for n, c in enumerate(render.SYMBOLS)]
    img = render.draw_points(131, 47, pts, transparent=transparent, bgcolor=(250, 240, 200))
    for level in (0, 1, 6, 9):
        png = render.encode_png(img, transparent, level)
        back = Image.open(io.BytesIO(png))
        back.load()
        assert back.format == "PNG" and back.size == (131, 47)
        assert back.mode == ("RGBA" if transparent else "RGB")
        assert back.tobytes() == img.convert(back.mode).tobytes()


@pytest.mark.parametrize("bad", ["red", "0x12345", "0xGG0000", "12345678"])
def test_bad_bgcolor(bad):
    with pytest.raises(ValueError):
        render.parse_bgcolor(bad)


def test_legend_has_one_row_per_category_and_german_labels():
    entries = render.category_entries([c.code for c in codes.CATEGORIES])
    assert entries[0] == ("shelter", "Notunterkunft / Notschlafstelle")
    one = Image.open(io.BytesIO(render.legend_png(entries[:1])))
    all_ = Image.open(io.BytesIO(render.legend_png(entries)))
    assert all_.height > one.height * 10
    assert render.category_entries(["meal"], "en") == [("meal", "Meals")]


def test_error_image_has_requested_size_and_text():
    img = Image.open(io.BytesIO(render.error_png(200, 100, "LayerNotDefined: x",
                                                 True, (255, 255, 255))))
    assert img.size == (200, 100)
    assert any(px[3] for px in img.getdata()), "no text drawn"


def test_cache_is_keyed_by_version_and_bounded():
    cache = render.RenderCache(max_bytes=10)
    cache.put(1, ("a",), b"12345")
    assert cache.get(1, ("a",)) == b"12345"
    assert cache.get(2, ("a",)) is None            # newer data: miss
    cache.put(1, ("b",), b"x")                      # older snapshot: not stored
    assert cache.get(1, ("b",)) is None and cache.get(1, ("a",)) is None
    cache.put(2, ("a",), b"123456")
    cache.put(2, ("b",), b"123456")                 # over budget: LRU evicted
    assert cache.get(2, ("a",)) is None and cache.get(2, ("b",)) == b"123456"
    cache.put(2, ("big",), b"x" * 11)               # larger than the whole cache
    assert cache.get(2, ("big",)) is None


def test_paste_compositing_equals_porter_duff_over():
    """draw_points' fast path gives the same pixels as alpha_composite."""
    import random

    rng = random.Random(3)
    cats = list(render.SYMBOLS)
    pts = [(rng.choice(cats), rng.randint(-10, 130), rng.randint(-10, 90)) for _ in range(300)]
    for transparent in (True, False):
        pad = 32
        ref = Image.new("RGBA", (120 + 2 * pad, 80 + 2 * pad),
                        (0, 0, 0, 0) if transparent else (10, 20, 30, 255))
        for cat, px, py in pts:
            ref.alpha_composite(render.sprite(cat, 16), (px + pad - 8, py + pad - 8))
        ref = ref.crop((pad, pad, pad + 120, pad + 80))
        got = render.draw_points(120, 80, pts, transparent=transparent, bgcolor=(10, 20, 30))
        for y in range(80):
            for x in range(120):
                a, b = ref.getpixel((x, y)), got.getpixel((x, y))
                assert a[3] == b[3]
                if a[3] >= 32:  # unpremultiplying faint edges rounds a little
                    assert max(abs(i - j) for i, j in zip(a, b, strict=False)) <= 4, (x, y, a, b)
