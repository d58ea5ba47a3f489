"""Free places tonight ("freie Plätze heute Nacht"), set by shelter staff.

A value counts from the moment it is set until the next morning at
``ckanext.keck_homeless.free_places.expire_at`` (default 10:00, Europe/Berlin):
a number from last night is never shown as tonight's. Every report is kept
(``keck_homeless.free_places``) with who set it; the current value of an offer
is its newest report that has not expired. Nothing here reads a clock: ``now``
is always passed in.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.offers.hours import TZ
from ckanext.keck_homeless.offers.messages import Msg, PluralMsg
from ckanext.keck_homeless.store.model import free_places as table

#: Largest number accepted (the column's CHECK constraint says the same).
MAX_PLACES = 10000

MSG = {
    "bad_places": Msg("Please give the number of free places as a whole number from 0 to {max}."),
    "none_free": Msg("No places free tonight (as of {time})"),
}


def parse_places(value: Any) -> int:
    """A count of free places from a form or the API; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ValueError(value)
    number = int(text)
    if number > MAX_PLACES:
        raise ValueError(value)
    return number


def expires_after(set_at: dt.datetime, expire_at: dt.time) -> dt.datetime:
    """The first ``expire_at`` (local time) after ``set_at``: a value set at
    19:40 counts until 10:00 the next morning, one set at 07:00 until 10:00
    the same day."""
    local = set_at.astimezone(TZ)
    end = dt.datetime.combine(local.date(), expire_at, TZ)
    if end <= local:
        end = dt.datetime.combine(local.date() + dt.timedelta(days=1), expire_at, TZ)
    return end


def record(conn, package_id: str, places: int, user: str, now: dt.datetime,
           expire_at: dt.time) -> dict[str, Any]:
    """Store one report; returns it as :func:`current` would. Times are kept
    to the second (every output then prints the same text)."""
    now = now.replace(microsecond=0)
    expires = expires_after(now, expire_at)
    conn.execute(table.insert().values(package_id=package_id, places=places, set_at=now,
                                       set_by=user, expires_at=expires))
    return {"places": places, "set_at": now, "expires_at": expires}


def current(conn, package_ids: Iterable[str], now: dt.datetime) -> dict[str, dict[str, Any]]:
    """package_id → the newest report set by ``now`` and not yet expired."""
    ids = list(dict.fromkeys(package_ids))
    if not ids:
        return {}
    t = table.c
    newest = (sa.select(t.package_id, t.places, t.set_at, t.expires_at)
              .where(t.package_id.in_(ids), t.set_at <= now)
              .order_by(t.package_id, t.set_at.desc(), t.id.desc())
              .distinct(t.package_id))
    return {r.package_id: {"places": r.places, "set_at": r.set_at, "expires_at": r.expires_at}
            for r in conn.execute(newest) if r.expires_at > now}


def history(conn, package_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest reports of an offer, with who set them (for its editors)."""
    t = table.c
    rows = conn.execute(sa.select(t.places, t.set_at, t.set_by, t.expires_at)
                        .where(t.package_id == package_id)
                        .order_by(t.set_at.desc(), t.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def delete_for_packages(conn, package_ids: Iterable[str]) -> None:
    conn.execute(table.delete().where(table.c.package_id.in_(list(package_ids))))


def text(value: dict[str, Any] | None, lang: str) -> str:
    """"3 Plätze frei (Stand 19:40)" — empty when nothing current is known."""
    if not value:
        return ""
    time = value["set_at"].astimezone(TZ).strftime("%H:%M")
    if value["places"] == 0:
        return MSG["none_free"].format(time=time).text(lang)
    return PluralMsg("{n} place free tonight (as of {time})",
                     "{n} places free tonight (as of {time})",
                     value["places"], time=time).text(lang)
