"""Bilingual messages for field errors raised by the domain rules.

The domain has no CKAN imports, so it cannot ask for the request's locale:
every message carries German and English and the caller picks one.
"""
from __future__ import annotations

from typing import NamedTuple


class Msg(NamedTuple):
    de: str
    en: str

    def text(self, lang: str = "de") -> str:
        return self.en if (lang or "de").startswith("en") else self.de

    def format(self, **kw) -> Msg:
        return Msg(self.de.format(**kw), self.en.format(**kw))


class OfferInvalid(ValueError):
    """One or more fields break the rules; ``errors`` maps field → messages."""

    def __init__(self, errors: dict[str, list[Msg]]):
        super().__init__("; ".join(f"{k}: {m[0].en}" for k, m in errors.items()))
        self.errors = errors
