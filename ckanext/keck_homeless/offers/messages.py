"""Translatable messages, looked up in the extension's gettext catalogues.

The domain has no CKAN imports and often runs outside a web request (the
importer, the flyer, the CLI), so it cannot ask flask-babel for the request's
locale. Instead a message is a lazy object carrying its English ``msgid``
(house rule: code in English) and its format arguments; the caller picks the
language with ``.text(lang)``, which looks the message up in
``ckanext/keck_homeless/i18n/<lang>/LC_MESSAGES/ckanext-keck_homeless.mo``
with the standard library's :mod:`gettext` and formats it afterwards.

The same catalogues serve the templates through CKAN's ``ITranslation``
(``plugin.py``), so a language added there is picked up here too. English is
the source language and needs no catalogue; a msgid missing from a catalogue
falls back to English.

Every msgid is a :meth:`str.format` template (``{name}`` placeholders, literal
braces doubled), whether or not it has arguments. Babel extracts ``Msg`` and
``PluralMsg`` calls (keywords in ``setup.cfg``).
"""
from __future__ import annotations

import copy
import functools
import gettext
import os
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

#: The gettext domain (``ckanext-<plugin name>``, as CKAN's DefaultTranslation expects).
DOMAIN = "ckanext-keck_homeless"
#: ``<lang>/LC_MESSAGES/<DOMAIN>.mo`` below this folder.
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "i18n")
#: The language of the msgids: always available, needs no catalogue.
SOURCE_LANG = "en"
#: What ``lang=None`` means (the county's primary UI language).
DEFAULT_LANG = "de"


def _lang(lang: str | None) -> str:
    return (lang or DEFAULT_LANG).replace("-", "_")


@functools.lru_cache(maxsize=64)
def translator(lang: str | None, localedir: str | None = None) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (``de``, ``pt_BR`` …; ``de_DE`` falls back to
    ``de``), or a pass-through for English and languages without one.

    :param localedir: another catalogue folder (tests); default :data:`LOCALE_DIR`
    """
    return gettext.translation(DOMAIN, localedir or LOCALE_DIR, languages=[_lang(lang)],
                               fallback=True)


def languages(localedir: str | None = None) -> tuple[str, ...]:
    """English plus every language with a compiled catalogue, sorted."""
    folder = localedir or LOCALE_DIR
    found = {SOURCE_LANG}
    if os.path.isdir(folder):
        found.update(d for d in os.listdir(folder)
                     if os.path.isfile(os.path.join(folder, d, "LC_MESSAGES", DOMAIN + ".mo")))
    return tuple(sorted(found))


def offered_languages(offered: Iterable[str], localedir: str | None = None) -> list[str]:
    """The UI languages to offer: those of ``offered`` (CKAN's
    ``ckan.locales_offered``, in its order) that have a catalogue or are
    English; all of them when ``offered`` is empty (CKAN then offers all)."""
    available = languages(localedir)
    offered = [o for o in offered if o]
    if not offered:
        return list(available)
    return [o for o in dict.fromkeys(offered) if o in available]


def babel_locale(lang: str | None):
    """The :class:`babel.Locale` of ``lang`` (English if Babel does not know it)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(_lang(lang))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANG)


def language_name(code: str, in_lang: str | None = None) -> str:
    """The name of language ``code`` in ``in_lang`` (default: in itself,
    "Deutsch", "English", "Türkçe"), first letter upper-case."""
    name = babel_locale(code).get_display_name(babel_locale(in_lang or code)) or code
    return name[:1].upper() + name[1:]


def text_direction(lang: str | None) -> str:
    """``"rtl"`` for right-to-left languages (Arabic, Persian …), else ``"ltr"``."""
    return "rtl" if babel_locale(lang).character_order == "right-to-left" else "ltr"


def format_date(day, pattern: str, lang: str | None) -> str:
    """``day`` with a CLDR ``pattern`` (itself translated, so each language
    chooses its order, e.g. ``d MMM`` → "25 Nov", ``dd.MM.`` → "25.11.")."""
    from babel.dates import format_date as _format_date

    return _format_date(day, pattern, locale=babel_locale(lang))


class Translatable(Protocol):
    def text(self, lang: str | None = DEFAULT_LANG) -> str: ...


def _resolve(fmt: Mapping[str, Any], lang: str | None) -> dict[str, Any]:
    """Format arguments, with translatable ones (``.text(lang)``) translated."""
    return {k: (v.text(lang) if hasattr(v, "text") else v) for k, v in fmt.items()}


class Msg:
    """A message: English msgid plus format arguments, translated on ``.text(lang)``.

    ``Msg("Unknown category '{code}'.", code=cat).text("de")`` →
    "Unbekannte Kategorie „…“." Arguments are inserted after the lookup; an
    argument with a ``text(lang)`` method (another message) is translated
    into the same language first.
    """

    __slots__ = ("fmt", "msgid", "plural")

    def __init__(self, msgid: str, /, **fmt: Any):
        self.msgid = msgid
        self.plural: str | None = None
        self.fmt = fmt

    def format(self, **fmt: Any) -> Msg:
        """The same message with (more) format arguments."""
        clone = copy.copy(self)
        clone.fmt = {**self.fmt, **fmt}
        return clone

    def _lookup(self, catalogue: gettext.NullTranslations) -> str:
        if self.plural is None:
            return catalogue.gettext(self.msgid)
        return catalogue.ngettext(self.msgid, self.plural, self.fmt["n"])

    def text(self, lang: str | None = DEFAULT_LANG, *, localedir: str | None = None) -> str:
        """The message in ``lang`` (English where the catalogue has no entry)."""
        args = _resolve(self.fmt, lang)
        try:
            return self._lookup(translator(lang, localedir)).format(**args)
        except (KeyError, IndexError, ValueError):
            # A translation with a wrong placeholder must not break the page.
            return self._lookup(gettext.NullTranslations()).format(**args)

    def __str__(self) -> str:
        return self.text(SOURCE_LANG)

    def _key(self) -> tuple:
        return (self.msgid, self.plural, tuple(sorted((k, repr(v)) for k, v in self.fmt.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.msgid!r}, **{self.fmt!r})"


class PluralMsg(Msg):
    """A message whose wording depends on a count ``n`` (``ngettext``), which
    is also a format argument: ``PluralMsg("{n} offer", "{n} offers", 3)``."""

    __slots__ = ()

    def __init__(self, singular: str, plural: str, n: int, /, **fmt: Any):
        super().__init__(singular, n=n, **fmt)
        self.plural = plural


class Joined:
    """Messages joined by ``sep`` in one language (a sentence and its hints)."""

    __slots__ = ("parts", "sep")

    def __init__(self, parts: Iterable[Translatable], sep: str = " "):
        self.parts = tuple(parts)
        self.sep = sep

    def text(self, lang: str | None = DEFAULT_LANG) -> str:
        return self.sep.join(p.text(lang) for p in self.parts)

    def __str__(self) -> str:
        return self.text(SOURCE_LANG)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Joined) and (self.parts, self.sep) == (other.parts, other.sep)

    def __hash__(self) -> int:
        return hash((self.parts, self.sep))


class ListText:
    """Items joined the way ``lang`` lists them: "de und en", "de and en"."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[str]):
        self.items = tuple(items)

    def text(self, lang: str | None = DEFAULT_LANG) -> str:
        from babel.lists import format_list

        return format_list(list(self.items), locale=babel_locale(lang))


class OfferInvalid(ValueError):
    """One or more fields break the rules; ``errors`` maps field → messages."""

    def __init__(self, errors: dict[str, list[Msg]]):
        super().__init__("; ".join(f"{k}: {m[0].text(SOURCE_LANG)}" for k, m in errors.items()))
        self.errors = errors
