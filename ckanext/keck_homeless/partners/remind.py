"""``ckan keck-homeless remind``: one mail per partner organisation listing
its offers not verified for ``stale_after_days`` and those whose validity
ends within ``EXPIRING_DAYS``, each with a direct link; at most one mail per
organisation per ``remind_interval_days`` (``keck_homeless.reminder_sent``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ckanext.keck_homeless.offers.messages import Msg, PluralMsg
from ckanext.keck_homeless.partners import mail
from ckanext.keck_homeless.store import model as smodel

EXPIRING_DAYS = 14


@dataclass
class Due:
    org_id: str
    org_title: str
    stale: list[dict[str, Any]] = field(default_factory=list)
    expiring: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len({o["id"] for o in self.stale + self.expiring})


_OFFERS_SQL = sa.text("""
SELECT p.id, p.name, p.title, p.owner_org, g.title AS org_title,
       max(CASE WHEN e.key = 'last_verified' THEN e.value END) AS last_verified,
       max(CASE WHEN e.key = 'valid_until' THEN e.value END) AS valid_until,
       max(CASE WHEN e.key = 'offer_status' THEN e.value END) AS offer_status
FROM package p
JOIN "group" g ON g.id = p.owner_org AND g.state = 'active'
LEFT JOIN package_extra e ON e.package_id = p.id AND e.state = 'active'
     AND e.key IN ('last_verified', 'valid_until', 'offer_status')
WHERE p.type = :type AND p.state = 'active'
GROUP BY p.id, g.title
ORDER BY g.title, p.title
""")


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def find_due(conn, today: dt.date, stale_after_days: int, dataset_type: str) -> list[Due]:
    """Organisations with offers to check (ended offers are left alone)."""
    by_org: dict[str, Due] = {}
    limit = today - dt.timedelta(days=stale_after_days)
    horizon = today + dt.timedelta(days=EXPIRING_DAYS)
    for row in conn.execute(_OFFERS_SQL, {"type": dataset_type}).mappings():
        if row["offer_status"] == "ended":
            continue
        offer = dict(row)
        verified = _date(row["last_verified"])
        until = _date(row["valid_until"])
        offer["last_verified"], offer["valid_until"] = verified, until
        due = by_org.setdefault(row["owner_org"], Due(row["owner_org"], row["org_title"]))
        if verified is None or verified < limit:
            due.stale.append(offer)
        if until is not None and today <= until <= horizon:
            due.expiring.append(offer)
    return [d for d in by_org.values() if d.stale or d.expiring]


def last_sent(conn) -> dict[str, dt.datetime]:
    t = smodel.reminder_sent
    return {r.owner_org: r.sent for r in conn.execute(sa.select(t.c.owner_org, t.c.sent))}


def record(conn, org_id: str, when: dt.datetime, offers: int) -> None:
    from sqlalchemy.dialects.postgresql import insert

    t = smodel.reminder_sent
    stmt = insert(t).values(owner_org=org_id, sent=when, offers=offers)
    conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.owner_org],
                                            set_={"sent": when, "offers": offers}))


def _fmt(day: dt.date | None, lang: str) -> str:
    if day is None:
        return Msg("never").text(lang)
    from babel.dates import format_date

    from ckanext.keck_homeless.offers.messages import babel_locale

    return format_date(day, "medium", locale=babel_locale(lang))


def body(due: Due, lang: str, stale_after_days: int, interval_days: int) -> str:
    site = mail.site_url()
    out = [Msg("Hello,").text(lang), "",
           PluralMsg("{n} help offer of \u201c{org}\u201d needs your attention:",
                     "{n} help offers of \u201c{org}\u201d need your attention:",
                     due.count).format(n=due.count, org=due.org_title).text(lang)]
    if due.stale:
        out += ["", Msg("Not checked for more than {days} days:").format(days=stale_after_days).text(lang)]
        for o in due.stale:
            out.append("- " + Msg("{title} (last checked: {date})").format(
                title=o["title"], date=_fmt(o["last_verified"], lang)).text(lang))
            out.append(f"  {site}/hilfsangebot/{o['name']}")
    if due.expiring:
        out += ["", Msg("Valid only until soon:").text(lang)]
        for o in due.expiring:
            out.append("- " + Msg("{title} (valid until {date})").format(
                title=o["title"], date=_fmt(o["valid_until"], lang)).text(lang))
            out.append(f"  {site}/hilfsangebot/{o['name']}")
    out += ["", Msg("If the details are still right, open the offer and press \u201cDetails checked\u201d. "
                    "Otherwise correct them, or end the offer.").text(lang),
            "", Msg("This reminder is sent at most once every {days} days.")
            .format(days=interval_days).text(lang)]
    return "\n".join(out)


SUBJECT = Msg("Please check your help offers")


def run(engine, *, now: dt.datetime, stale_after_days: int, interval_days: int,
        dataset_type: str, dry_run: bool = False, echo=print) -> int:
    """Send the due reminders; returns the number of failures."""
    from ckan import model

    failures = 0
    with engine.connect() as conn:
        due_list = find_due(conn, now.date(), stale_after_days, dataset_type)
        sent = last_sent(conn)
    for due in due_list:
        previous = sent.get(due.org_id)
        if previous is not None and now - previous < dt.timedelta(days=interval_days):
            echo(f"{due.org_title}: {due.count} offers, skipped (last reminder {previous:%Y-%m-%d})")
            continue
        to = mail.recipients(due.org_id)
        if not to:
            echo(f"{due.org_title}: {due.count} offers, no editor or admin with an e-mail address")
            failures += 1
            continue
        if dry_run:
            echo(f"{due.org_title}: {due.count} offers → {', '.join(a for _, a in to)} (dry run)")
            continue
        text = mail.bilingual(lambda lang, due=due: body(due, lang, stale_after_days, interval_days))
        try:
            mail.send(to, mail.subject_bilingual(SUBJECT), text)
        except mail.MailError as err:
            echo(f"{due.org_title}: NOT sent: {err}")
            failures += 1
            continue
        with engine.begin() as conn:
            record(conn, due.org_id, now, due.count)
        echo(f"{due.org_title}: {due.count} offers → {', '.join(a for _, a in to)}")
    model.Session.remove()
    return failures
