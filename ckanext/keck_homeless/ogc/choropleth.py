"""Area layers of the WMS: a choropleth of one KECK-Atlas indicator.

One WMS layer per area level (``gebiete_<level>``), one named style per
numeric indicator (offers/figures.py; the default is ``angebote``). The
classes are computed over *every* area of the level, never over the map
extent, so neighbouring tiles and the legend agree:

* up to :data:`CLASSES` distinct values: one class per value;
* more: quantile classes (as equal in size as ties allow), each labelled
  with the smallest and largest value it holds.

Colours: ColorBrewer's sequential YlGnBu (five classes, safe for the common
colour-vision deficiencies and legible in greyscale, light = few). Areas
without a value (population unknown, …) are light grey and hatched, so "no
data" never looks like "few". Every area has a dark outline. Fills are
slightly transparent so a base map stays readable below them.

Polygons come from PostGIS already clipped to the map and transformed to
pixel space (ST_ClipByBox2D, ST_Affine); Pillow fills them through one mask
per polygon, which keeps holes (enclaves) open.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from PIL import Image, ImageDraw

from ckanext.keck_homeless.ogc import render

CLASSES = 5
#: ColorBrewer YlGnBu, 5 classes (light → dark)
PALETTE = ((255, 255, 204), (161, 218, 180), (65, 182, 196), (44, 127, 184), (37, 52, 148))
FILL_ALPHA = 210
NO_DATA = (217, 217, 217)
HATCH = (130, 130, 130)
OUTLINE = (51, 51, 51, 255)
DEFAULT_STYLE = "angebote"


class Style(NamedTuple):
    """A style of an area layer: the indicator it maps."""

    name: str
    title_de: str
    unit: str


@functools.lru_cache(maxsize=1)
def styles() -> tuple[Style, ...]:
    """Every numeric indicator, the default (``angebote``) first."""
    from ckanext.keck_homeless.offers import figures

    out = [Style(i.key, i.de, i.unit) for i in figures.indicators() if i.unit != "Datum"]
    out.sort(key=lambda s: s.name != DEFAULT_STYLE)
    return tuple(out)


def style(name: str | None) -> Style | None:
    """The style ``name`` (case-insensitive; empty or ``default``: the
    default one); None if there is none by that name."""
    key = (name or "").strip().lower()
    if key in ("", "default"):
        return styles()[0]
    return next((s for s in styles() if s.name == key), None)


class Class(NamedTuple):
    low: float
    high: float
    colour: tuple[int, int, int]


def classify(values: Iterable[float | None], n: int = CLASSES) -> list[Class]:
    """Classes over ``values`` (None ignored): see the module docstring."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return []
    distinct = sorted(set(vals))
    if len(distinct) <= n:
        bounds = [(v, v) for v in distinct]
    else:
        uppers: list[float] = []
        for k in range(1, n + 1):
            upper = vals[max(0, math.ceil(k * len(vals) / n) - 1)]
            if not uppers or upper > uppers[-1]:
                uppers.append(upper)
        bounds, low_index = [], 0
        for upper in uppers:
            members = [v for v in vals[low_index:] if v <= upper]
            bounds.append((members[0], members[-1]))
            low_index += len(members)
    k = len(bounds)
    picks = [round(i * (len(PALETTE) - 1) / (k - 1)) for i in range(k)] if k > 1 else [2]
    return [Class(lo, hi, PALETTE[p]) for (lo, hi), p in zip(bounds, picks, strict=True)]


def colour_of(value: float | None, classes: Sequence[Class]) -> tuple[int, int, int] | None:
    if value is None:
        return None
    for c in classes:
        if value <= c.high:
            return c.colour
    return classes[-1].colour if classes else None


def _number(value: float, unit: str, lang: str) -> str:
    if unit == "je 10.000":
        text = f"{value:.1f}"
        return text.replace(".", ",") if lang == "de" else text
    text = f"{int(round(value)):,}"
    return text.replace(",", ".") if lang == "de" else text


def label(c: Class, unit: str, lang: str = "de") -> str:
    low, high = _number(c.low, unit, lang), _number(c.high, unit, lang)
    return low if low == high else f"{low} – {high}"


# -- data ---------------------------------------------------------------------
def _value(text) -> float | None:
    if text is None:
        return None
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def level_values(conn, level: str, indicator: str) -> list[float | None]:
    """The indicator of every area of the level (None: no value)."""
    rows = conn.execute(sa.text(
        "SELECT f.figures ->> :ind FROM keck_homeless.area a "
        "LEFT JOIN keck_homeless.area_figure f ON f.level = a.level AND f.code = a.code "
        "WHERE a.level = :level"), {"ind": indicator, "level": level})
    return [_value(r[0]) for r in rows]


_POLYGONS = sa.text("""
    SELECT f.figures ->> :ind,
           ST_AsBinary(ST_Affine(ST_ClipByBox2D(g, ST_MakeEnvelope(:x1, :y1, :x2, :y2, :srid)),
                                 :sx, 0, 0, -:sy, -:minx * :sx, :maxy * :sy))
    FROM (SELECT level, code, ST_Transform(geom, :srid) AS g
          FROM keck_homeless.area WHERE level = :level) a
    LEFT JOIN keck_homeless.area_figure f ON f.level = a.level AND f.code = a.code
    WHERE a.g && ST_MakeEnvelope(:x1, :y1, :x2, :y2, :srid)""")


def map_polygons(conn, level: str, indicator: str, bbox, srid: int, width: int, height: int,
                 pad_px: float = 2.0) -> list[tuple[float | None, bytes]]:
    """(value, WKB in pixel coordinates) of the areas in the map."""
    minx, miny, maxx, maxy = bbox
    sx, sy = width / (maxx - minx), height / (maxy - miny)
    px, py = pad_px / sx, pad_px / sy
    rows = conn.execute(_POLYGONS, {
        "ind": indicator, "level": level, "srid": srid, "sx": sx, "sy": sy, "minx": minx,
        "maxy": maxy, "x1": minx - px, "y1": miny - py, "x2": maxx + px, "y2": maxy + py})
    return [(_value(r[0]), bytes(r[1])) for r in rows if r[1] is not None]


# -- drawing ------------------------------------------------------------------
def _rings(wkb: bytes) -> list[tuple[list, list[list]]]:
    """(exterior, interiors) of each polygon of a (multi)polygon WKB."""
    import shapely

    geom = shapely.from_wkb(wkb)
    polys = getattr(geom, "geoms", [geom])
    out = []
    for p in polys:
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        out.append((list(p.exterior.coords), [list(r.coords) for r in p.interiors]))
    return out


@functools.lru_cache(maxsize=8)
def _hatch(width: int, height: int) -> Image.Image:
    img = Image.new("RGBA", (width, height), (*NO_DATA, FILL_ALPHA))
    draw = ImageDraw.Draw(img)
    for offset in range(-height, width, 6):
        draw.line([(offset, height), (offset + height, 0)], fill=(*HATCH, 255), width=1)
    return img


def draw(width: int, height: int, polygons: Iterable[tuple[float | None, bytes]],
         classes: Sequence[Class]) -> Image.Image:
    """A transparent RGBA image of the areas, filled by class."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    outlines = ImageDraw.Draw(img)
    for value, wkb in polygons:
        colour = colour_of(value, classes)
        for exterior, interiors in _rings(wkb):
            mask = Image.new("L", (width, height), 0)
            mdraw = ImageDraw.Draw(mask)
            mdraw.polygon(exterior, fill=255)
            for hole in interiors:
                mdraw.polygon(hole, fill=0)
            if colour is None:
                img.paste(_hatch(width, height), (0, 0), mask)
            else:
                img.paste((*colour, FILL_ALPHA), (0, 0, width, height), mask)
            for ring in [exterior, *interiors]:
                outlines.line(ring, fill=OUTLINE, width=1)
    return img


# -- legend -------------------------------------------------------------------
def legend_png(title: str, classes: Sequence[Class], unit: str, has_no_data: bool,
               note: str = "", lang: str = "de", *, transparent: bool = True,
               bgcolor: tuple[int, int, int] = (255, 255, 255), swatch_px: int = 16) -> bytes:
    """The legend of a style: its title, one swatch per class, "no data"
    if an area lacks a value, and the geometries' source note."""
    font = render._font(12)
    entries: list[tuple[tuple[int, int, int] | None, str]] = [
        (c.colour, label(c, unit, lang)) for c in classes]
    if has_no_data or not classes:
        entries.append((None, "keine Angabe" if lang == "de" else "no data"))
    row_h = max(swatch_px, 12) + 6
    lines = [title] + ([note] if note else [])
    text_w = max([int(font.getlength(t)) for _, t in entries]
                 + [int(font.getlength(t)) - swatch_px - 6 for t in lines] + [0])
    width = 4 + swatch_px + 6 + text_w + 4
    height = row_h * (len(entries) + len(lines)) + 2
    img = render.new_canvas(width, height, transparent, bgcolor)
    d = ImageDraw.Draw(img)
    d.text((4, 1 + row_h // 2), title, fill=(0, 0, 0, 255), font=font, anchor="lm")
    for n, (colour, text) in enumerate(entries, start=1):
        top = 1 + n * row_h + (row_h - swatch_px) // 2
        box = (4, top, 4 + swatch_px - 1, top + swatch_px - 1)
        if colour is None:
            img.paste(_hatch(swatch_px, swatch_px), (4, top))
        else:
            d.rectangle(box, fill=(*colour, FILL_ALPHA))
        d.rectangle(box, outline=OUTLINE)
        d.text((4 + swatch_px + 6, 1 + n * row_h + row_h // 2), text, fill=(0, 0, 0, 255),
               font=font, anchor="lm")
    if note:
        d.text((4, 1 + (len(entries) + 1) * row_h + row_h // 2), note, fill=(68, 68, 68, 255),
               font=font, anchor="lm")
    return render.encode_png(img, transparent)


def area_legend(engine, level: str, style_name: str, lang: str = "de", **kw) -> bytes:
    """The legend of an area layer's style, with the classes the map draws
    (the figures brought up to date first)."""
    from ckanext.keck_homeless.ogc import query

    query.ensure_figures(engine, query.area_type(level))
    found = style(style_name)
    with engine.connect() as conn:
        values = level_values(conn, level, found.name)
    note = next((a.note for a in query.area_layers(engine) if a.ftype.level == level), "")
    return legend_png(found.title_de, classify(values), found.unit,
                      any(v is None for v in values), note, lang, **kw)
