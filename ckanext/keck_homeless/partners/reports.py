"""Problem reports from the finder ("Fehler melden").

A visitor — often a social worker on the street, without an account —
reports that a phone number, address or opening hours are wrong or that the
place is closed. The report is stored in ``keck_homeless.problem_report``
(never published, shown escaped to the editors of the offer's organisation)
and mailed to them.

Abuse protection without excluding anyone (no CAPTCHA): a honeypot field,
size limits, and rate limits per client address and per offer counted in
Redis under a keyed hash of the address that expires with its window, so the
address itself is never stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers.messages import Msg
from ckanext.keck_homeless.store import model as smodel

KINDS: dict[str, Msg] = {
    "phone": Msg("Phone number is wrong"),
    "address": Msg("Address or position is wrong"),
    "hours": Msg("Opening hours are wrong"),
    "closed": Msg("The offer no longer exists or is closed"),
    "other": Msg("Something else"),
}
#: Name of the honeypot input: hidden from people, filled by naive bots.
HONEYPOT = "homepage"
MAX_CONTACT = 200

MSG = {
    "kind": Msg("Please choose what is wrong."),
    "too_long": Msg("Please write at most {n} characters."),
    "need_text": Msg("Please describe briefly what is wrong."),
}


def kind_label(kind: str, lang: str) -> str:
    msg = KINDS.get(kind)
    return msg.text(lang) if msg else kind


def max_length() -> int:
    return kconfig.settings().reports.max_length


def validate(form) -> tuple[dict[str, str], dict[str, Msg]]:
    """Clean the posted form: ``(values, errors by field)``."""
    kind = (form.get("kind") or "").strip()
    message = (form.get("message") or "").strip().replace("\r\n", "\n")
    contact = (form.get("contact") or "").strip()
    errors: dict[str, Msg] = {}
    if kind not in KINDS:
        errors["kind"] = MSG["kind"]
    if len(message) > max_length():
        errors["message"] = MSG["too_long"].format(n=max_length())
    elif kind == "other" and not message:
        errors["message"] = MSG["need_text"]
    if len(contact) > MAX_CONTACT:
        errors["contact"] = MSG["too_long"].format(n=MAX_CONTACT)
    return {"kind": kind, "message": message, "contact": contact}, errors


def is_bot(form) -> bool:
    return bool((form.get(HONEYPOT) or "").strip())


# --------------------------------------------------------------------------
# rate limits (Redis)

def _client_key(address: str) -> str:
    secret = str(tk.config.get("beaker.session.secret") or tk.config.get("SECRET_KEY") or "")
    digest = hmac.new(secret.encode(), (address or "").encode(), hashlib.sha256).hexdigest()
    return f"keck_homeless:report:client:{digest[:32]}"


def _count(redis, key: str, window_s: int) -> int:
    value = int(redis.incr(key))
    if value == 1:  # the window starts with the first attempt
        redis.expire(key, window_s)
    return value


def allowed(address: str, package_id: str) -> bool:
    """Count this attempt; False when the client or the offer is over its
    limit (``reports.per_client_per_hour``, ``reports.per_offer_per_day``)."""
    from ckan.lib.redis import connect_to_redis

    redis = connect_to_redis()
    limits = kconfig.settings().reports
    per_client, per_offer = limits.per_client_per_hour, limits.per_offer_per_day
    if _count(redis, _client_key(address), 3600) > per_client:
        return False
    return _count(redis, f"keck_homeless:report:offer:{package_id}", 86400) <= per_offer


# --------------------------------------------------------------------------
# storage

def create(conn, package: dict[str, Any], values: dict[str, str], lang: str) -> dict[str, Any]:
    row = {
        "id": str(uuid.uuid4()),
        "package_id": package["id"],
        "owner_org": package.get("owner_org"),
        "kind": values["kind"],
        "message": values["message"],
        "contact": values["contact"],
        "lang": lang,
        "created": dt.datetime.now(dt.timezone.utc),
    }
    conn.execute(smodel.problem_report.insert().values(**row))
    return row


def mark_mailed(conn, report_id: str) -> None:
    t = smodel.problem_report
    conn.execute(t.update().where(t.c.id == report_id).values(mailed=True))


def get(conn, report_id: str) -> dict[str, Any] | None:
    t = smodel.problem_report
    row = conn.execute(sa.select(t).where(t.c.id == report_id)).mappings().first()
    return dict(row) if row else None


def open_reports(conn, package_ids=None, org_ids=None) -> list[dict[str, Any]]:
    t = smodel.problem_report
    q = sa.select(t).where(t.c.closed.is_(None)).order_by(t.c.created.desc())
    if package_ids is not None:
        q = q.where(t.c.package_id.in_(list(package_ids)))
    if org_ids is not None:
        q = q.where(t.c.owner_org.in_(list(org_ids)))
    return [dict(r) for r in conn.execute(q).mappings()]


def close(conn, report_id: str, user_name: str) -> bool:
    t = smodel.problem_report
    result = conn.execute(t.update()
                          .where(t.c.id == report_id, t.c.closed.is_(None))
                          .values(closed=dt.datetime.now(dt.timezone.utc), closed_by=user_name))
    return result.rowcount == 1


def delete_for_packages(conn, package_ids) -> None:
    t = smodel.problem_report
    conn.execute(t.delete().where(t.c.package_id.in_(list(package_ids))))


def open_reports_for_user(package_id: str | None = None,
                          org_id: str | None = None) -> list[dict[str, Any]]:
    """Open reports the current user may see (editors of the offer's
    organisation, sysadmins), with the offer's title and name."""
    from ckan import model

    user = tk.current_user
    if not user or not getattr(user, "is_authenticated", False):
        return []
    with model.meta.engine.connect() as conn:
        if package_id:
            try:
                tk.check_access("package_update", {"user": user.name}, {"id": package_id})
            except tk.NotAuthorized:
                return []
            rows = open_reports(conn, package_ids=[package_id])
        elif org_id:
            try:
                tk.check_access("keck_homeless_report_list", {"user": user.name},
                                {"organization": org_id})
            except tk.NotAuthorized:
                return []
            rows = open_reports(conn, org_ids=[org_id])
        else:
            return []
    titles = dict(model.Session.query(model.Package.id, model.Package.title)
                  .filter(model.Package.id.in_([r["package_id"] for r in rows])))
    names = dict(model.Session.query(model.Package.id, model.Package.name)
                 .filter(model.Package.id.in_([r["package_id"] for r in rows])))
    for r in rows:
        r["title"] = titles.get(r["package_id"], "")
        r["name"] = names.get(r["package_id"], "")
    return rows


# --------------------------------------------------------------------------
# mail

def mail_text(report: dict[str, Any], package: dict[str, Any], lang: str) -> tuple[str, str]:
    """Subject and body of the notification in ``lang``."""
    from ckanext.keck_homeless.partners import mail

    site = mail.site_url()
    subject = Msg("Problem report for \u201c{title}\u201d").format(title=package["title"]).text(lang)
    lines = [
        Msg("Someone reported a problem with your help offer \u201c{title}\u201d.")
        .format(title=package["title"]).text(lang),
        "",
        Msg("What is wrong: {kind}").format(kind=kind_label(report["kind"], lang)).text(lang),
    ]
    if report["message"]:
        lines += [Msg("Message:").text(lang), report["message"]]
    if report["contact"]:
        lines += [Msg("Contact for questions: {contact}").format(contact=report["contact"]).text(lang)]
    lines += [
        "",
        Msg("Please check the details and close the report on the offer page:").text(lang),
        f"{site}/hilfsangebot/{package['name']}",
    ]
    return subject, "\n".join(lines)
