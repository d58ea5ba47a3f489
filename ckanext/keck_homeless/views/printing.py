"""QR codes and the flyer download (Flask glue for ``print/``).

``/keck-homeless/qr/finder.svg|png``
``/keck-homeless/qr/kategorie/<code>.svg|png``
``/keck-homeless/qr/angebot/<name>.svg|png``
    A QR code of the public URL (``ckanext.keck_homeless.public_url``).
    Unknown categories and unknown, private, deleted or ended offers → 404.
    Protected (``hidden``) public offers do get a code: it encodes only the
    URL of their finder page, which shows no location. ``?scale=2..40``
    sets the pixels (PNG) or units (SVG) per module. The code leads to the
    finder in the page's language (``/en/keck-homeless/qr/finder.png`` →
    ``…/en/hilfe``) or in ``?lang=`` (a UI language; else 400).
``/keck-homeless/flyer.pdf?format=a4|a6&lang=de|en|…[&gemeinde=<AGS>]``
    The flyer as a download (any language with a catalogue); with ``gemeinde``
    the one-page notice of one municipality; bad parameters → 400.
"""
from __future__ import annotations

import hashlib

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless import helpers
from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.offers.messages import ListText, Msg
from ckanext.keck_homeless.print import flyer, qr, source
from ckanext.keck_homeless.print.urls import BadTarget

blueprint = Blueprint("keck_homeless_printing", __name__)

#: The finder and category URLs only change with the configuration.
QR_MAX_AGE = 86400
#: An offer's code disappears when the offer is made private or ended.
QR_OFFER_MAX_AGE = 3600
FLYER_MAX_AGE = 600
DEFAULT_SCALE = 10
_TYPES = {"svg": "image/svg+xml", "png": "image/png"}

MSG = {
    "not_found": Msg("Not found: no public offer and no category of this name."),
    "bad_scale": Msg("Invalid parameter scale: allowed is a whole number from 2 to 40."),
    "bad_format": Msg("Invalid parameter format: allowed are a4 and a6."),
    "bad_lang": Msg("Invalid parameter lang: not a language of this site."),
    "bad_municipality": Msg("Invalid parameter gemeinde: not the key (AGS) of a municipality of "
                            "the county."),
}


class _OwnCacheResponse(Response):
    """A response whose Cache-Control header is ours.

    CKAN's ``after_request`` rewrites Cache-Control of every response to
    ``ckan.cache_expires`` (default: ``max-age=0, must-revalidate``) through
    ``response.cache_control``. QR codes and flyers are meant to be cached, so
    that property hands out a detached object here; the header is set
    directly and stays as written.
    """

    @property
    def cache_control(self):  # type: ignore[override]
        from werkzeug.datastructures import ResponseCacheControl

        return ResponseCacheControl()


def _error(status: int, msg: Msg) -> Response:
    """A plain-text error in German and English (links to these URLs are
    shared and printed, so the UI language says little about the reader)."""
    body = f"{msg.text('de')}\n{msg.text('en')}\n"
    return _OwnCacheResponse(body, status=status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _scale() -> int | None:
    raw = request.args.get("scale")
    if raw is None:
        return DEFAULT_SCALE
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if 2 <= value <= 40 else None


def _qr_response(url: str, ext: str, stem: str, max_age: int) -> Response:
    scale = _scale()
    if scale is None:
        return _error(400, MSG["bad_scale"])
    etag = hashlib.sha256(f"{url}|{ext}|{scale}".encode()).hexdigest()[:32]
    headers = {
        "Cache-Control": f"public, max-age={max_age}",
        "Content-Disposition": f'inline; filename="{stem}.{ext}"',
        "X-Content-Type-Options": "nosniff",
    }
    if ext == "svg":
        # Served from our origin: forbid scripts even though ours has none.
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response = _OwnCacheResponse(status=200, mimetype=_TYPES[ext], headers=headers)
    response.set_etag(etag)
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    response.set_data(qr.svg(url, scale=scale) if ext == "svg" else qr.png(url, scale=scale))
    return response


def _qr_lang() -> str | None:
    """The language the code leads to: ``?lang=`` (a UI language) or the
    page's language (``/en/keck-homeless/qr/…``); ``None`` when invalid."""
    lang = request.args.get("lang")
    ui = helpers.keck_homeless_ui_languages()
    if lang is None:
        return str(tk.h.lang() or kconfig.default_lang())
    return lang if lang in ui else None


def _qr_urls():
    lang = _qr_lang()
    return None if lang is None else source.public_urls(lang)


@blueprint.route("/keck-homeless/qr/finder.<any(svg, png):ext>")
def qr_finder(ext: str) -> Response:
    urls = _qr_urls()
    if urls is None:
        return _error(400, MSG["bad_lang"])
    return _qr_response(urls.finder(), ext, "qr-hilfe", QR_MAX_AGE)


@blueprint.route("/keck-homeless/qr/kategorie/<code>.<any(svg, png):ext>")
def qr_category(code: str, ext: str) -> Response:
    urls = _qr_urls()
    if urls is None:
        return _error(400, MSG["bad_lang"])
    try:
        url = urls.category(code)
    except BadTarget:
        return _error(404, MSG["not_found"])
    return _qr_response(url, ext, f"qr-hilfe-{code}", QR_MAX_AGE)


@blueprint.route("/keck-homeless/qr/angebot/<name>.<any(svg, png):ext>")
def qr_offer(name: str, ext: str) -> Response:
    lang = _qr_lang()
    if lang is None:
        return _error(400, MSG["bad_lang"])
    try:
        url = source.offer_url(name, lang)
    except source.NotPrintable:
        return _error(404, MSG["not_found"])
    return _qr_response(url, ext, f"qr-{url.rsplit('/', 1)[-1]}", QR_OFFER_MAX_AGE)


def _request_lang() -> str | None:
    """``?lang=`` if given (``None`` when invalid), else the UI language."""
    lang = request.args.get("lang")
    if lang is None:
        ui = tk.h.lang() or "de"
        return ui if ui in flyer.languages() else "de"
    return lang if lang in flyer.languages() else None


@blueprint.route("/keck-homeless/flyer.pdf")
def flyer_pdf() -> Response:
    fmt = request.args.get("format", "a4")
    if fmt not in flyer.FORMATS:
        return _error(400, MSG["bad_format"])
    lang = _request_lang()
    if lang is None:
        return _error(400, Msg("Invalid parameter lang: allowed are {languages}.",
                               languages=ListText(flyer.languages())))
    municipality = request.args.get("gemeinde") or None
    if municipality is not None and municipality not in codes.codes("municipality"):
        return _error(400, MSG["bad_municipality"])
    pdf, etag = source.flyer_pdf(fmt, lang, municipality=municipality)
    stem = f"hilfe-flyer-{fmt}-{lang}" + (f"-{municipality}" if municipality else "")
    response = _OwnCacheResponse(status=200, mimetype="application/pdf", headers={
        "Cache-Control": f"public, max-age={FLYER_MAX_AGE}",
        "Content-Disposition": f'attachment; filename="{stem}.pdf"',
        "X-Content-Type-Options": "nosniff",
    })
    response.set_etag(etag)
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    response.set_data(pdf)
    return response
