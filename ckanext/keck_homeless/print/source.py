"""What the QR codes and the flyer need from CKAN: settings, offers, caching.

Public and approximate offers come from the feature store
(``keck_homeless.offer``: already filtered to what may be published, and
approximate ones already without street). Protected (``hidden``) offers are
never in the store; they are read from CKAN's search index (public datasets
only) and reduced at once to name, category, hours and phone — the address
and position never reach the flyer code.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import hashlib
import threading

import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.print import flyer
from ckanext.keck_homeless.print.urls import BadTarget, PublicUrls
from ckanext.keck_homeless.store import model as store_model
from ckanext.keck_homeless.store import published

#: Rendered PDFs kept in memory (keyed by their complete input).
CACHE_SIZE = 8
_SEARCH_ROWS = 1000


class NotPrintable(LookupError):
    """No such offer, or one that is not public (→ HTTP 404)."""


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------


def public_urls(lang: str | None = None) -> PublicUrls:
    """URLs below ``ckanext.keck_homeless.public_url`` (default ckan.site_url),
    for readers of ``lang`` (default: the site's default language)."""
    base = kconfig.settings().public_url or tk.config.get("ckan.site_url")
    return PublicUrls(base).in_language(lang, kconfig.default_lang())


def emergency_numbers() -> list[flyer.EmergencyNumber]:
    return flyer.parse_emergency_numbers(kconfig.settings().emergency_numbers)


def flyer_title(lang: str) -> str:
    """``flyer.title_<lang>``; only ``de`` and ``en`` are declared, other
    languages may set theirs (empty: the catalogue's default title)."""
    return kconfig.settings().flyer_title(lang)


def flyer_publisher() -> str:
    return kconfig.settings().flyer_publisher


# --------------------------------------------------------------------------
# Offers
# --------------------------------------------------------------------------


def store_offers() -> list[flyer.FlyerOffer]:
    """Public and approximate offers from the feature store."""
    from ckan import model

    table = store_model.offer
    query = sa.select(*(table.c[name] for name in published.columns())).order_by(table.c.name)
    out = []
    for row in model.Session.execute(query).mappings():
        approximate = row["location_visibility"] != "public"
        out.append(flyer.FlyerOffer(
            title=row["title"], category=row["category"], phone=row["phone"],
            street=None if approximate else row["street"], postcode=row["postcode"],
            municipality_name=row["municipality_name"], district=row["district"],
            opening_hours=row["opening_hours"], opening_hours_note=row["opening_hours_note"],
            offer_status=row["offer_status"], valid_from=row["valid_from"],
            valid_until=row["valid_until"], approximate=approximate,
            admission_until=row["admission_until"], requirements_note=row["requirements_note"],
            closed_until=row["closed_until"], dogs_allowed=row["dogs_allowed"],
            women_only=row["women_only"], wheelchair=row["wheelchair"],
            languages=tuple(row["languages"] or ()),
            target_groups=tuple(row["target_groups"] or ())))
    return out


def protected_offers() -> list[flyer.FlyerOffer]:
    """Public protected offers from CKAN: name, category, hours and phone only."""
    search = tk.get_action("package_search")
    out, start = [], 0
    while True:
        result = search({"ignore_auth": True}, {
            "fq": f"+dataset_type:{DATASET_TYPE} +location_visibility:hidden",
            "include_private": False, "include_drafts": False,
            "rows": _SEARCH_ROWS, "start": start, "sort": "name asc"})
        for pkg in result["results"]:
            if pkg.get("location_visibility") != "hidden" or not rules.is_publishable(pkg):
                continue
            offer = flyer.FlyerOffer.protected_offer(
                title=pkg.get("title") or pkg["name"], category=pkg.get("category") or "",
                phone=pkg.get("phone") or None, opening_hours=pkg.get("opening_hours") or None,
                offer_status=pkg.get("offer_status") or "active",
                admission_until=pkg.get("admission_until") or None,
                requirements_note=pkg.get("requirements_note") or None)
            # who may come is not a location: women only, languages
            out.append(dataclasses.replace(
                offer, women_only=rules.as_bool_safe(pkg.get("women_only")),
                languages=tuple(rules.as_list_safe(pkg.get("languages"))),
                target_groups=tuple(rules.as_list_safe(pkg.get("target_groups")))))
        start += _SEARCH_ROWS
        if start >= result["count"]:
            return out


def flyer_data(fmt: str, lang: str, today: dt.date | None = None,
               municipality: str | None = None) -> flyer.FlyerData:
    return flyer.FlyerData(
        municipality=municipality,
        offers=tuple(store_offers() + protected_offers()), urls=public_urls(lang),
        today=today or dt.date.today(), lang=lang, fmt=fmt,
        emergency=tuple(emergency_numbers()), title=flyer_title(lang),
        publisher=flyer_publisher())


_cache: collections.OrderedDict[flyer.FlyerData, tuple[bytes, str]] = collections.OrderedDict()
_cache_lock = threading.Lock()


def flyer_pdf(fmt: str, lang: str, today: dt.date | None = None,
              municipality: str | None = None) -> tuple[bytes, str]:
    """``(pdf, etag)``. Rendering takes seconds, so PDFs are cached by their
    complete input (every printed value, the date and the settings): any
    change of an offer or setting gives a new key, nothing stale is served."""
    data = flyer_data(fmt, lang, today, municipality)
    with _cache_lock:
        hit = _cache.get(data)
        if hit:
            _cache.move_to_end(data)
            return hit
    pdf = flyer.render(data)
    result = (pdf, hashlib.sha256(pdf).hexdigest()[:32])
    with _cache_lock:
        _cache[data] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


# --------------------------------------------------------------------------
# QR targets
# --------------------------------------------------------------------------


def offer_url(name: str, lang: str | None = None) -> str:
    """The public finder URL of a published offer.

    Protected offers get one too: their finder page shows no location, so
    the code reveals nothing the rules forbid. Unknown, deleted, private,
    ended or non-offer datasets raise :class:`NotPrintable`.
    """
    try:
        pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
    except (tk.ObjectNotFound, tk.ValidationError):
        raise NotPrintable(name) from None
    if pkg.get("type") != DATASET_TYPE or not rules.is_publishable(pkg):
        raise NotPrintable(name)
    try:
        return public_urls(lang).offer(pkg["name"])
    except BadTarget:
        raise NotPrintable(name) from None
