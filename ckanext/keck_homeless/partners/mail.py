"""E-mail to partner organisations, with CKAN's own mail settings
(``smtp.server``, ``smtp.starttls``, ``smtp.user``, ``smtp.password``,
``smtp.mail_from``, ``smtp.reply_to``).

One message per organisation goes to all its editors and admins at once
(CKAN's mailer sends to one address per message). The text is German, then
English ("German with English"), so a partner whose staff read English gets
both without CKAN knowing a per-user language.
"""
from __future__ import annotations

import smtplib
import ssl
from email import utils
from email.message import EmailMessage

import ckan.plugins.toolkit as tk

from ckanext.keck_homeless.offers.messages import Msg

SEPARATOR = "\n\n-- English --\n\n"


class MailError(Exception):
    pass


def site_url() -> str:
    return str(tk.config.get("ckan.site_url") or "").rstrip("/")


def recipients(org_id: str) -> list[tuple[str, str]]:
    """(name, address) of the organisation's active editors and admins."""
    from ckan import model

    rows = (model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(model.Member.group_id == org_id,
                    model.Member.table_name == "user",
                    model.Member.state == "active",
                    model.Member.capacity.in_(("admin", "editor")),
                    model.User.state == "active")
            .order_by(model.User.name))
    return [(u.fullname or u.name, u.email) for u in rows if u.email]


def bilingual(make) -> str:
    """``make(lang)`` in German, then in English."""
    return make("de") + SEPARATOR + make("en")


def send(to: list[tuple[str, str]], subject: str, body: str,
         headers: dict[str, str] | None = None) -> str:
    """Send one message to all of ``to``; returns its Message-ID."""
    if not to:
        raise MailError("no recipients")
    server = str(tk.config.get("smtp.server") or "localhost")
    host, _, port = server.partition(":")
    mail_from = str(tk.config.get("smtp.mail_from") or "")
    if not mail_from:
        raise MailError("smtp.mail_from is not set")
    msg = EmailMessage()
    msg.set_content(body)
    msg["Subject"] = subject
    msg["From"] = utils.formataddr((str(tk.config.get("ckan.site_title") or "CKAN"), mail_from))
    msg["To"] = ", ".join(utils.formataddr(r) for r in to)
    msg["Date"] = utils.formatdate(localtime=True)
    msg["Message-ID"] = utils.make_msgid(domain=mail_from.rpartition("@")[2] or None)
    msg["Content-Language"] = "de, en"
    msg["Auto-Submitted"] = "auto-generated"
    reply_to = tk.config.get("smtp.reply_to")
    if reply_to:
        msg["Reply-To"] = reply_to
    for k, v in (headers or {}).items():
        msg[k] = v
    try:
        with smtplib.SMTP(host, int(port or 0) or 25, timeout=30) as smtp:
            smtp.ehlo()
            if tk.asbool(tk.config.get("smtp.starttls")):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            user = tk.config.get("smtp.user")
            if user:
                smtp.login(user, tk.config.get("smtp.password") or "")
            smtp.send_message(msg, from_addr=mail_from, to_addrs=[a for _, a in to])
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(f"{server}: {err}") from err
    return msg["Message-ID"]


def subject_bilingual(msg: Msg) -> str:
    de, en = msg.text("de"), msg.text("en")
    return de if de == en else f"{de} / {en}"
