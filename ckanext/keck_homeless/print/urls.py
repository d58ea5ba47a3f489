"""The public URLs printed on paper and encoded in QR codes.

The base is the configurable *public* URL (``ckanext.keck_homeless.public_url``,
default ``ckan.site_url``): the address people type or scan may differ from
the one CKAN runs under (e.g. ``https://hilfe.kreis-dueren.de`` in front of
``https://daten.kreis-dueren.de``). URLs carry no tracking parameters — a
category view has exactly one query parameter, the category. A QR code or a
flyer in another language than the site's default leads to the finder in that
language (CKAN's locale prefix: ``/en/hilfe``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ckanext.keck_homeless.offers import codes

#: Path of the help finder (see ``finder/``).
FINDER_PATH = "/hilfe"
#: The finder's GET parameter for a category (German, see ``finder/filters.py``).
CATEGORY_PARAM = "kategorie"
#: ... and for a municipality (its AGS).
MUNICIPALITY_PARAM = "gemeinde"
#: CKAN dataset names: lower-case letters, digits, ``-`` and ``_``.
_NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
#: CKAN locale codes (``en``, ``pt_BR``, ``zh_Hant_TW``).
_LOCALE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})*$")


class BadTarget(ValueError):
    """Unknown category or impossible offer name (→ HTTP 404)."""


@dataclass(frozen=True)
class PublicUrls:
    """URLs below one public base, e.g. ``https://hilfe.kreis-dueren.de``.

    The base may contain a path (``https://www.kreis-dueren.de/daten``);
    a trailing slash is ignored.
    """

    base: str
    #: ``""`` (the site's default language) or ``"/en"``, ``"/pt_BR"`` …
    lang_prefix: str = ""

    def __post_init__(self) -> None:
        parts = urlsplit(self.base.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"public URL must be an absolute http(s) URL: {self.base!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"public URL must not have a query or fragment: {self.base!r}")
        object.__setattr__(self, "base", f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}")
        if self.lang_prefix and not _LOCALE_RE.match(self.lang_prefix[1:]) or \
                self.lang_prefix and not self.lang_prefix.startswith("/"):
            raise ValueError(f"not a locale prefix: {self.lang_prefix!r}")

    def in_language(self, lang: str | None, default: str) -> PublicUrls:
        """The same URLs for readers of ``lang`` (no prefix for ``default``)."""
        if not lang or lang == default:
            return PublicUrls(self.base)
        if not _LOCALE_RE.match(lang):
            raise ValueError(f"not a locale: {lang!r}")
        return PublicUrls(self.base, f"/{lang}")

    def finder(self) -> str:
        return self.base + self.lang_prefix + FINDER_PATH

    def category(self, code: str) -> str:
        if code not in codes.codes("category"):
            raise BadTarget(f"unknown category {code!r}")
        return f"{self.finder()}?{CATEGORY_PARAM}={code}"

    def municipality(self, ags: str) -> str:
        """The finder for one municipality (``?gemeinde=<AGS>``)."""
        if ags not in codes.codes("municipality"):
            raise BadTarget(f"unknown municipality {ags!r}")
        return f"{self.finder()}?{MUNICIPALITY_PARAM}={ags}"

    def offer(self, name: str) -> str:
        if not _NAME_RE.match(name or ""):
            raise BadTarget(f"not a dataset name: {name!r}")
        return f"{self.finder()}/{quote(name)}"


def display(url: str) -> str:
    """The URL as printed for typing: without ``https://`` (``http://`` stays,
    so nobody types https for a plain-http site) and without a trailing slash."""
    if url.startswith("https://"):
        url = url[len("https://"):]
    return url.rstrip("/")
