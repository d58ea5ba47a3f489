"""The order of the finder's list: what helps now comes first.

Somebody who opens the finder from a flyer at 20:30 asks "where can I sleep
tonight?" and "who is open now?", not "which offers exist, A–Z". So the list
is cut into groups, in this order:

``tonight``  places to sleep (shelters, protection) that are open at some time
             of the coming night, protected ones included (with their phone);
             those that still admit people first, by the time they open;
``open``     every other offer open now, the one closing first on top;
``soon``     offers that open within :data:`SOON`, the earliest first;
``later``    the rest (closed today, hours unknown, temporarily closed), by title.

Every item is in exactly one group; the server renders them in this order
(works without JavaScript), and "in meiner Nähe" re-sorts inside each group.
Items are the dicts of ``present.present`` / ``present.present_protected``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ckanext.keck_homeless.offers.messages import Msg

#: "Öffnet bald" means: opens within this time.
SOON = dt.timedelta(hours=3)

ORDER = ("tonight", "open", "soon", "later")

TITLES = {
    "tonight": Msg("Tonight: a place to sleep"),
    "open": Msg("Open now"),
    "soon": Msg("Opening soon"),
    "later": Msg("Other offers"),
}

_FAR = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
_NEAR = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


@dataclass
class Group:
    key: str
    title: str
    items: list[dict[str, Any]] = field(default_factory=list)


def group_of(item: dict[str, Any], now: dt.datetime) -> str:
    """The group an item belongs in at ``now``."""
    if item.get("night_offer") and item.get("tonight"):
        return "tonight"
    if item.get("status") == "open":
        return "open"
    opens_at = item.get("opens_at")
    if opens_at is not None and opens_at - now <= SOON:
        return "soon"
    return "later"


def _sort_key(key: str, item: dict[str, Any]) -> tuple:
    title = (item.get("title") or "").casefold()
    if key == "tonight":
        admits = 0 if item.get("admits_tonight", True) else 1
        opens = item.get("opens_at") if item.get("status") != "open" else None
        return (admits, opens or _NEAR, title)
    if key == "open":
        return (item.get("closes_at") or _FAR, title)
    if key == "soon":
        return (item.get("opens_at") or _FAR, title)
    return (title,)


def arrange(items: Iterable[dict[str, Any]], now: dt.datetime,
            lang: str = "de") -> list[Group]:
    """The non-empty groups, in :data:`ORDER`, each sorted for its purpose."""
    buckets: dict[str, list[dict[str, Any]]] = {k: [] for k in ORDER}
    for item in items:
        buckets[group_of(item, now)].append(item)
    return [Group(k, TITLES[k].text(lang), sorted(buckets[k], key=lambda i, k=k: _sort_key(k, i)))
            for k in ORDER if buckets[k]]


def paginate(groups: list[Group], page: int, size: int) -> tuple[list[Group], int]:
    """Page ``page`` (from 1) of ``size`` items, in the groups' order: the
    groups (with their titles) cut to what falls on the page. Returns the
    groups of the page and the number of pages (at least 1). A page past the
    last shows the last."""
    total = sum(len(g.items) for g in groups)
    pages = max(1, -(-total // size)) if size > 0 else 1
    if size <= 0:
        return groups, 1
    start = (min(page, pages) - 1) * size
    end = start + size
    out, seen = [], 0
    for group in groups:
        lo, hi = max(start - seen, 0), min(end - seen, len(group.items))
        if lo < hi:
            out.append(Group(group.key, group.title, group.items[lo:hi]))
        seen += len(group.items)
    return out, pages


@dataclass
class Arranged:
    """:func:`arrange`'s groups with each item's sort key, so that a few more
    items (the protected offers, looked up per request) can be put in their
    place without sorting the many again."""

    groups: list[Group]
    keys: dict[str, list[tuple]]


def arranged(items: Iterable[dict[str, Any]], now: dt.datetime, lang: str = "de") -> Arranged:
    groups = arrange(items, now, lang)
    return Arranged(groups, {g.key: [_sort_key(g.key, i) for i in g.items] for g in groups})


def with_more(base: Arranged, more: Iterable[dict[str, Any]], now: dt.datetime,
              lang: str = "de") -> list[Group]:
    """``base``'s groups with ``more`` items placed by the same order; the
    same result as ``arrange`` over both, without re-sorting ``base``."""
    import bisect

    extra: dict[str, list[dict[str, Any]]] = {}
    for item in more:
        extra.setdefault(group_of(item, now), []).append(item)
    if not extra:
        return base.groups
    by_key = {g.key: g for g in base.groups}
    out = []
    for key in ORDER:
        group = by_key.get(key)
        items = list(group.items) if group else []
        keys = list(base.keys.get(key, []))
        for item in extra.get(key, []):
            k = _sort_key(key, item)
            at = bisect.bisect_right(keys, k)
            keys.insert(at, k)
            items.insert(at, item)
        if items:
            out.append(Group(key, group.title if group else TITLES[key].text(lang), items))
    return out
