"""Partner routes: "Angaben geprüft", the county's approval, and problem
reports ("Fehler melden") with their closing.

* ``GET/POST /hilfe/<name>/melden``                    report form (no JS, no account)
* ``POST /keck-homeless/angebot/<id>/geprueft``        editors: details checked today
* ``POST /keck-homeless/angebot/<id>/freigeben``       sysadmins: approve a held offer
* ``POST /keck-homeless/meldung/<id>/erledigt``        editors: close a report
* ``GET/POST /hilfe/<name>/plaetze``                   editors: free places tonight
  (from a phone: open the bookmarked page, tap the number — two taps)

The editor routes are POST forms with CKAN's CSRF token (checked here, as
CKAN exempts extension blueprints) and go back to the page they came from.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
from flask import Blueprint, request

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers.messages import Msg
from ckanext.keck_homeless.partners import mail, reports
from ckanext.keck_homeless.views import finder

log = logging.getLogger(__name__)
blueprint = Blueprint("keck_homeless_partners", __name__)


def _protect_csrf() -> None:
    """CKAN's CSRF check, with CKAN's own exemptions (``WTF_CSRF_ENABLED``
    false; requests authenticated by an API token in the header)."""
    from ckan.config.middleware.flask_app import csrf
    from flask import current_app, g

    if not current_app.config.get("WTF_CSRF_ENABLED", True) or g.get("_csrf_exempt_view"):
        return
    csrf.protect()


def _back(default: str):
    """Redirect to ``came_from`` when it is a path on this site."""
    target = request.form.get("came_from") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        target = default
    return tk.redirect_to(target)


def _context() -> dict:
    from ckan import model

    return {"model": model, "session": model.Session, "user": tk.current_user.name
            if tk.current_user and tk.current_user.is_authenticated else ""}


@blueprint.route("/keck-homeless/angebot/<id>/geprueft", methods=["POST"])
def verify(id: str):
    _protect_csrf()
    try:
        pkg = tk.get_action("keck_homeless_offer_verify")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Help offer not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to edit this offer"))
    except tk.ValidationError as err:
        # the offer has other errors (e.g. rules changed since it was saved):
        # the form shows them field by field
        tk.h.flash_error(tk._("The offer could not be marked as checked: please correct the "
                              "details in the form.") + " " + "; ".join(
                                  f"{k}: {', '.join(v) if isinstance(v, list) else v}"
                                  for k, v in (err.error_dict or {}).items()))
        return tk.redirect_to("hilfsangebot.edit", id=id)
    tk.h.flash_success(tk._("\u201c{title}\u201d: details marked as checked today.")
                       .format(title=pkg["title"]))
    return _back(tk.h.url_for("hilfsangebot.read", id=pkg["name"]))


@blueprint.route("/keck-homeless/angebot/<id>/freigeben", methods=["POST"])
def approve(id: str):
    _protect_csrf()
    try:
        pkg = tk.get_action("keck_homeless_offer_approve")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Help offer not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the county approves offers of new partners"))
    tk.h.flash_success(tk._("\u201c{title}\u201d is approved and public.").format(title=pkg["title"]))
    return _back(tk.h.url_for("hilfsangebot.read", id=pkg["name"]))


@blueprint.route("/keck-homeless/meldung/<id>/erledigt", methods=["POST"])
def close_report(id: str):
    _protect_csrf()
    try:
        report = tk.get_action("keck_homeless_report_close")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Problem report not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to edit this offer"))
    tk.h.flash_success(tk._("The problem report is closed."))
    return _back(tk.h.url_for("hilfsangebot.read", id=report["package_id"]))


def _public_offer(name: str) -> dict | None:
    """The offer as anyone may see it, or None (private, deleted, unknown)."""
    try:
        pkg = tk.get_action("package_show")({"user": ""}, {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    if pkg.get("type") != kconfig.dataset_type() or pkg.get("state") != "active":
        return None
    return pkg


@blueprint.route("/hilfe/<name>/melden", methods=["GET", "POST"])
def report(name: str):
    pkg = _public_offer(name) if finder._NAME.match(name) else None
    if pkg is None:
        return finder._render("keck_homeless/finder/error.html", {"status": 404}), 404
    lang = finder._lang()
    page = {"pkg": pkg, "kinds": [(k, m.text(lang)) for k, m in reports.KINDS.items()],
            "honeypot": reports.HONEYPOT, "max_length": reports.max_length(),
            "offer_url": tk.h.url_for("keck_homeless_finder.offer", name=name)}
    if request.method == "GET":
        return finder._render("keck_homeless/finder/report.html",
                              {**page, "values": {}, "errors": {}})
    if reports.is_bot(request.form):
        # look successful, store nothing
        return finder._render("keck_homeless/finder/report.html", {**page, "sent": True})
    values, errors = reports.validate(request.form)
    if errors:
        return finder._render("keck_homeless/finder/report.html", {
            **page, "values": values,
            "errors": {k: m.text(lang) for k, m in errors.items()}}), 400
    if not reports.allowed(request.remote_addr or "", pkg["id"]):
        return finder._render("keck_homeless/finder/report.html", {
            **page, "values": values, "errors": {}, "limited": True}), 429
    from ckan import model

    with model.meta.engine.begin() as conn:
        row = reports.create(conn, pkg, values, lang)
    _notify(row, pkg)
    return finder._render("keck_homeless/finder/report.html", {**page, "sent": True})


def _notify(row: dict, pkg: dict) -> None:
    """Mail the organisation; a mail failure is logged, the report is kept
    (editors see it on the offer page either way)."""
    from ckan import model

    to = mail.recipients(pkg["owner_org"]) if pkg.get("owner_org") else []
    if not to:
        log.warning("problem report %s: organisation of %s has no editor with an e-mail address",
                    row["id"], pkg["name"])
        return
    subject = mail.subject_bilingual(Msg("Problem report for \u201c{title}\u201d").format(title=pkg["title"]))
    body = mail.bilingual(lambda lang: reports.mail_text(row, pkg, lang)[1])
    try:
        mail.send(to, subject, body)
    except mail.MailError as err:
        log.warning("problem report %s: mail not sent: %s", row["id"], err)
        return
    with model.meta.engine.begin() as conn:
        reports.mark_mailed(conn, row["id"])


#: Buttons on the free-places page: 0 … capacity, at most this many.
PLACE_BUTTONS = 24


@blueprint.route("/hilfe/<name>/plaetze", methods=["GET", "POST"])
def free_places(name: str):
    """Shelter staff set tonight's free places: one button per number."""
    from ckanext.keck_homeless.partners import places

    if not finder._NAME.match(name):
        return finder._render("keck_homeless/finder/error.html", {"status": 404}), 404
    if not (tk.current_user and tk.current_user.is_authenticated):
        return tk.redirect_to("user.login", came_from=request.path)
    context = _context()
    try:
        pkg = tk.get_action("package_show")(context, {"id": name})
        tk.check_access("keck_homeless_free_places_set", context, {"id": pkg["id"]})
    except tk.ObjectNotFound:
        return finder._render("keck_homeless/finder/error.html", {"status": 404}), 404
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to edit this offer"))
    lang = finder._lang()
    error = ""
    if request.method == "POST":
        _protect_csrf()
        try:
            value = tk.get_action("keck_homeless_free_places_set")(
                _context(), {"id": pkg["id"], "places": request.form.get("places", "")})
        except tk.ValidationError as err:
            error = "; ".join(err.error_dict.get("places", []))
        else:
            tk.h.flash_success(tk._("Saved: {text}.").format(text=places.text(
                {"places": value["places"], "set_at": _iso(value["set_at"])}, lang)))
            return tk.redirect_to("keck_homeless_partners.free_places", name=pkg["name"])
    shown = tk.get_action("keck_homeless_free_places_show")(_context(), {"id": pkg["id"]})
    current = shown["current"]
    capacity = pkg.get("capacity")
    try:
        top = min(int(capacity), PLACE_BUTTONS) if capacity not in (None, "") else 10
    except (TypeError, ValueError):
        top = 10
    return finder._render("keck_homeless/finder/places.html", {
        "pkg": pkg,
        "current_text": places.text({"places": current["places"],
                                     "set_at": _iso(current["set_at"])}, lang)
        if current else "",
        "expires": _iso(current["expires_at"]).strftime("%d.%m. %H:%M") if current else "",
        "numbers": list(range(0, top + 1)),
        "capacity": capacity,
        "history": [{**h, "set_at": _iso(h["set_at"]).strftime("%d.%m. %H:%M")}
                    for h in shown.get("history", [])[:5]],
        "error": error,
        "offer_url": tk.h.url_for("keck_homeless_finder.offer", name=pkg["name"]),
    }), (400 if error else 200)


def _iso(value: str):
    import datetime as dt

    from ckanext.keck_homeless.offers.hours import TZ

    return dt.datetime.fromisoformat(value).astimezone(TZ)


# the report and free-places pages are finder pages (finder/base.html)
blueprint.after_request(finder.security_headers)



def _error_page(code: int, name: str, content: str):
    from ckan.common import current_user

    return tk.render("error_document_template.html", {
        "code": code, "name": name, "content": content,
        "show_login_redirect_link": code == 403 and current_user.is_anonymous,
    }), code


# Views of CKAN and its plugins that let an action's exception escape (the
# activity plugin's /dataset/changes_multiple with an unknown or forbidden id,
# for one) answer with the matching status instead of a 500 — site-wide.
@blueprint.app_errorhandler(tk.NotAuthorized)
def not_authorized(err):
    return _error_page(403, "Forbidden", str(err) or tk._("Not authorized to see this page"))


@blueprint.app_errorhandler(tk.ObjectNotFound)
def not_found(err):
    return _error_page(404, "Not Found", str(err) or tk._("Not found"))


@blueprint.app_errorhandler(tk.ValidationError)
def invalid(err):
    return _error_page(400, "Bad Request", tk._("Invalid request: {errors}").format(
        errors="; ".join(f"{k}: {v}" for k, v in (err.error_dict or {}).items())[:300]))
