"""Catalogue helpers for the i18n tests: extract msgids the way
``python setup.py extract_messages`` does, read and compile catalogues."""
from __future__ import annotations

import configparser
import gettext
import io
import pathlib
from collections.abc import Iterable

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ckanext.keck_homeless.offers import messages

ROOT = pathlib.Path(__file__).parents[1]
LOCALE_DIR = pathlib.Path(messages.LOCALE_DIR)
POT = LOCALE_DIR / f"{messages.DOMAIN}.pot"

#: A message key: (context, msgid) — msgid is a tuple for plural messages.
Key = tuple


def key(message) -> Key:
    msgid = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
    return message.context, msgid


def extracted() -> dict[Key, list[str]]:
    """Every message in our code and templates → where it is used, extracted
    with the mapping in ``babel.cfg`` and the keywords in ``setup.cfg``."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_keywords, parse_mapping

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    section = cfg["extract_messages"]
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(section["keywords"].split())}
    with open(ROOT / section["mapping_file"]) as f:
        method_map, options_map = parse_mapping(f)
    out: dict[Key, list[str]] = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords,
            comment_tags=(section["add_comments"],)):
        if isinstance(msgid, tuple):
            msgid = tuple(m for m in msgid if m is not None)
            msgid = msgid if len(msgid) > 1 else msgid[0]
        out.setdefault((context, msgid), []).append(f"{filename}:{lineno}")
    return out


def po_path(lang: str, localedir: pathlib.Path = LOCALE_DIR) -> pathlib.Path:
    return localedir / lang / "LC_MESSAGES" / f"{messages.DOMAIN}.po"


def read_catalogue(path: pathlib.Path, lang: str | None = None) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=lang)


def shipped_languages() -> list[str]:
    return sorted(p.name for p in LOCALE_DIR.iterdir() if p.is_dir())


def compiled(catalogue: Catalog) -> gettext.GNUTranslations:
    """``catalogue`` compiled in memory, as gettext reads it."""
    buf = io.BytesIO()
    write_mo(buf, catalogue)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def write_catalogue(localedir: pathlib.Path, lang: str,
                    entries: Iterable[tuple[str | None, str | tuple, str | tuple]]) -> None:
    """Write ``<lang>.po`` and its compiled ``.mo`` below ``localedir``.

    :param entries: ``(context, msgid, translation)``; for plural messages
        msgid and translation are tuples
    """
    catalogue = Catalog(locale=lang, domain=messages.DOMAIN, fuzzy=False)
    for context, msgid, translation in entries:
        catalogue.add(msgid, translation, context=context)
    folder = localedir / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    from babel.messages.pofile import write_po

    with open(folder / f"{messages.DOMAIN}.po", "wb") as f:
        write_po(f, catalogue)
    with open(folder / f"{messages.DOMAIN}.mo", "wb") as f:
        write_mo(f, catalogue)
