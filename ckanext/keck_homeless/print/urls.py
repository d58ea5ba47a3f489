"""The public URLs printed on paper and encoded in QR codes.

The base is the configurable *public* URL (``ckanext.keck_homeless.public_url``,
default ``ckan.site_url``): the address people type or scan may differ from
the one CKAN runs under (e.g. ``https://hilfe.kreis-dueren.de`` in front of
``https://daten.kreis-dueren.de``). URLs carry no tracking parameters — a
category view has exactly one query parameter, the category.
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
#: CKAN dataset names: lower-case letters, digits, ``-`` and ``_``.
_NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")


class BadTarget(ValueError):
    """Unknown category or impossible offer name (→ HTTP 404)."""


@dataclass(frozen=True)
class PublicUrls:
    """URLs below one public base, e.g. ``https://hilfe.kreis-dueren.de``.

    The base may contain a path (``https://www.kreis-dueren.de/daten``);
    a trailing slash is ignored.
    """

    base: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.base.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"public URL must be an absolute http(s) URL: {self.base!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"public URL must not have a query or fragment: {self.base!r}")
        object.__setattr__(self, "base", f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}")

    def finder(self) -> str:
        return self.base + FINDER_PATH

    def category(self, code: str) -> str:
        if code not in codes.codes("category"):
            raise BadTarget(f"unknown category {code!r}")
        return f"{self.finder()}?{CATEGORY_PARAM}={code}"

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
