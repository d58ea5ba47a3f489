"""Help finder (``/hilfe``): Flask glue around ``ckanext.keck_homeless.finder``.

Routes (German URLs; ``/en/hilfe…`` and every other UI language via CKAN's
locale prefix — texts come from the extension's gettext catalogues):

* ``/hilfe``                        list + map, filters as a plain GET form
* ``/hilfe/karte.json``             the same result as GeoJSON (for maps)
* ``/hilfe/oeffnungszeiten.json``   opening-hours preview for the offer form
* ``/hilfe/<name>``                 one offer (deep link, QR code target)
* ``/hilfe/sw.js``                  the service worker that keeps the finder readable offline
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless import helpers
from ckanext.keck_homeless.finder import filters as ffilters
from ckanext.keck_homeless.finder import present, protected, query, sections
from ckanext.keck_homeless.offers import codes, hours, messages
from ckanext.keck_homeless.offers.messages import Msg
from ckanext.keck_homeless.store import published

blueprint = Blueprint("keck_homeless_finder", __name__)

_NAME = re.compile(r"^[a-z0-9_-]{1,100}$")
#: GET parameters of the finder (see finder/filters.py) kept by the language switch.
_PARAMS = frozenset({"kategorie", "gemeinde", "q", "organisation", "zeit",
                     *ffilters.SWITCHES})


def _lang() -> str:
    """The request's UI language (CKAN's locale: ``de``, ``en``, ``pt_BR`` …)."""
    return str(tk.h.lang() or kconfig.default_lang())


def _engine():
    from ckan import model

    return model.meta.engine


def clock_param_allowed() -> bool:
    return kconfig.settings().finder.clock_param


def map_config() -> dict[str, str]:
    """Base map settings for the JavaScript (no other third party is asked)."""
    return helpers.keck_homeless_map_config()


def _language_links() -> list[dict[str, str]]:
    """This page (same parameters) in each other UI language, named in itself."""
    current = _lang()
    # only our own parameters: anything else could clash with url_for's
    # keywords (locale, endpoint, _external …)
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in _PARAMS}
    return [{
        "lang": tk.h.unix_locale_to_bcp47(code),
        "name": messages.language_name(code),
        "url": tk.h.url_for(request.endpoint or "keck_homeless_finder.index", locale=code,
                            **(request.view_args or {}), **args),
    } for code in helpers.keck_homeless_ui_languages() if code != current]


def _nonce() -> str:
    """One CSP nonce per response (for the one inline script of base.html)."""
    from flask import g

    if not getattr(g, "kh_csp_nonce", None):
        import secrets

        g.kh_csp_nonce = secrets.token_urlsafe(16)
    return g.kh_csp_nonce


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and \
        parts.netloc else ""


def security_headers(response: Response) -> Response:
    """The finder's pages: a Content-Security-Policy that allows our own
    scripts (and the inline one only with this response's nonce), images from
    the configured base map; no referrer (a visit to a help finder is
    sensitive); framing as configured."""
    from flask import g

    finder = kconfig.settings().finder
    maps = " ".join(o for o in {_origin(finder.tile_url), _origin(finder.wms_url)} if o)
    nonce = getattr(g, "kh_csp_nonce", None)
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {script}; style-src 'self'; "
        f"img-src 'self' data:{' ' + maps if maps else ''}; connect-src 'self'; "
        "worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {finder.frame_ancestors}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _render(template: str, extra: dict[str, Any]) -> str:
    lang = _lang()
    return tk.render(template, {
        "csp_nonce": _nonce(),
        "lang": lang,
        # the language partners write their free text in (the site's default)
        "partner_lang": kconfig.default_lang(),
        "flyer_lang": helpers.keck_homeless_flyer_language(),
        "language_links": _language_links(),
        **extra,
    })


def _now(filters: ffilters.Filters) -> dt.datetime:
    return filters.at or dt.datetime.now(hours.TZ)


def _bad_request(err: ffilters.FilterError, as_json: bool = False):
    text = err.msg.text(_lang())
    if as_json:
        return Response(json.dumps({"error": text, "param": err.param}, ensure_ascii=False),
                        status=400, mimetype="application/json")
    return _render("keck_homeless/finder/error.html",
                     {"message": text, "status": 400}), 400


def _protected(filters: ffilters.Filters, lang: str, now: dt.datetime) -> list[dict[str, Any]]:
    """Protected offers that match, with their opening state (no address, no position)."""
    views = protected.select(protected.published_packages(), filters, lang)
    return [present.present_protected(v, now, lang)
            for v in present.apply_time_filters(views, filters, now)]


def _with_free_places(items: list[dict[str, Any]], now: dt.datetime,
                      lang: str) -> list[dict[str, Any]]:
    """Adds tonight's free places set by the staff (``partners/places.py``)."""
    from ckanext.keck_homeless.partners import places

    with _engine().connect() as conn:
        current = places.current(conn, [it["id"] for it in items if it.get("id")], now)
    for it in items:
        value = current.get(it.get("id"))
        it["free_places"] = value["places"] if value else None
        it["free_places_text"] = places.text(value, lang)
    return items


#: (store version, language, stale days, filters, minute) → presented offers.
#: Opening states are evaluated once per offer and minute, not per request:
#: the finder opened from a QR code asks the same question many times a
#: minute. A change to any offer bumps the store version (a new key). Bounded
#: (least recently used out); per worker process.
_SEARCHES: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
_SEARCHES_MAX = 64
_SEARCHES_LOCK = threading.Lock()
#: (store version, language, stale days, filters) → the newest (list, now, key)
_LATEST: dict[tuple, tuple[list[dict[str, Any]], dt.datetime, tuple]] = {}
#: keys a background thread is computing
_REFRESHING: set[tuple] = set()
#: keys a request is computing → set when done: the other requests for the
#: same key wait for that one instead of computing it too (with 10 000
#: offers, four threads computing the same list at once take four times as long)
_COMPUTING: dict[tuple, threading.Event] = {}
#: the same key → the map JSON (bytes), the list arranged in groups
_MAPS: OrderedDict[tuple, bytes] = OrderedDict()
_ARRANGED: OrderedDict[tuple, sections.Arranged] = OrderedDict()


def _minute(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


def _search(filters: ffilters.Filters) -> tuple[list[dict[str, Any]], dt.datetime, tuple]:
    """The shared cached list (not to be changed), "now", and its cache key.

    When the minute turns, the previous minute's list is served while one
    background thread computes the new one (with 10 000 offers that takes
    about 1.5 s; nobody should wait for it). A new store version (an edit)
    or other filters are computed at once, so an edit shows on the next
    request. A fixed clock (``zeit``) is always answered for its minute."""
    now = _now(filters)
    lang = _lang()
    stale = kconfig.stale_after_days()
    with _engine().connect() as conn:
        base = (published.version(conn), lang, stale, filters)
    key = (*base, _minute(now))
    with _SEARCHES_LOCK:
        found = _SEARCHES.get(key)
        if found is not None:
            _SEARCHES.move_to_end(key)
            return found, now, key
        latest = _LATEST.get(base)
        refresh = latest is not None and filters.at is None and key not in _REFRESHING
        if refresh:
            _REFRESHING.add(key)
    if latest is not None and filters.at is None:
        if refresh:
            threading.Thread(target=_compute, args=(key, filters, now, lang, stale),
                             daemon=True, name="finder-refresh").start()
        return latest
    with _SEARCHES_LOCK:
        running = _COMPUTING.get(key)
        if running is None:
            _COMPUTING[key] = threading.Event()
    if running is not None:
        running.wait(timeout=60)
        with _SEARCHES_LOCK:
            found = _SEARCHES.get(key)
        if found is not None:
            return found, now, key
        return _compute(key, filters, now, lang, stale)  # that request failed: try ourselves
    try:
        return _compute(key, filters, now, lang, stale)
    finally:
        with _SEARCHES_LOCK:
            _COMPUTING.pop(key).set()


def _compute(key: tuple, filters: ffilters.Filters, now: dt.datetime, lang: str,
             stale: int) -> tuple[list[dict[str, Any]], dt.datetime, tuple]:
    try:
        with _engine().connect() as conn:
            rows = query.select_offers(conn, filters)
        rows = present.apply_time_filters(rows, filters, now)
        found = _present_all(rows, now, lang, stale)
        with _SEARCHES_LOCK:
            _SEARCHES[key] = found
            _LATEST[key[:-1]] = (found, now, key)
            while len(_SEARCHES) > _SEARCHES_MAX:
                _SEARCHES.popitem(last=False)
            while len(_LATEST) > _SEARCHES_MAX:
                _LATEST.pop(next(iter(_LATEST)))
        return found, now, key
    finally:
        with _SEARCHES_LOCK:
            _REFRESHING.discard(key)


#: (language, stale days, minute) → {(package id, row version): presented
#: offer}. Presenting is most of a list's cost (10 000 offers: ~2 s); after
#: an edit only the changed rows are presented again within the minute. A
#: changed, hidden or removed offer has a new row version or no row, so
#: nothing outdated can be reused. The newest few minutes are kept.
_PRESENTED: OrderedDict[tuple, dict[tuple, dict[str, Any]]] = OrderedDict()
_PRESENTED_MAX = 3


def _present_all(rows: list[dict[str, Any]], now: dt.datetime, lang: str,
                 stale: int) -> list[dict[str, Any]]:
    memo_key = (lang, stale, _minute(now))
    with _SEARCHES_LOCK:
        memo = _PRESENTED.get(memo_key)
        if memo is None:
            memo = _PRESENTED[memo_key] = {}
            while len(_PRESENTED) > _PRESENTED_MAX:
                _PRESENTED.popitem(last=False)
    found = []
    for row in rows:
        key = (row["package_id"], row.pop(query.ROW_VERSION))
        item = memo.get(key)
        if item is None:
            item = memo[key] = present.present(row, now, lang, stale)
        found.append(item)
    return found


def _detail_url(name: str, filters: ffilters.Filters | None = None) -> str:
    extra = {"zeit": filters.at.strftime("%Y-%m-%dT%H:%M")} if filters and filters.at else {}
    return tk.h.url_for("keck_homeless_finder.offer", name=name, **extra)


def _page_number(args) -> int:
    raw = (args.get("seite") or "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 100000:
        raise ffilters.FilterError("seite", Msg("Parameter '{key}': expected a page number.",
                                                key="seite"))
    return int(raw)


def _page_params(filters: ffilters.Filters, page: int) -> dict[str, Any]:
    params = dict(filters.as_params())
    if filters.at:
        params["zeit"] = filters.at.strftime("%Y-%m-%dT%H:%M")
    if page > 1:
        params["seite"] = page
    return params


#: (list key, free-places version, page, page size, language-link args) →
#: (the rendered page, the nonce it was rendered with). The page depends on
#: nothing else: no user, no session, no CSRF token. Each response gets a
#: fresh nonce in place of the rendered one (a random 22-character string,
#: so it cannot occur elsewhere in the page by chance).
_PAGES: OrderedDict[tuple, tuple[str, str]] = OrderedDict()
_PAGES_MAX = 128


def _places_version() -> int:
    """Grows with every report of free places (their expiry is a matter of
    the minute, which is part of the list key)."""
    import sqlalchemy as sa

    from ckanext.keck_homeless.store.model import free_places

    with _engine().connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(free_places.c.id))).scalar() or 0)


@blueprint.route("/hilfe")
def index():
    try:
        filters = ffilters.parse(request.args, allow_clock=clock_param_allowed())
    except ffilters.FilterError as err:
        return _bad_request(err)
    try:
        page = _page_number(request.args)
    except ffilters.FilterError as err:
        return _bad_request(err)
    found, now, key = _search(filters)
    page_size = kconfig.settings().finder.page_size
    links = tuple(sorted((k, tuple(v)) for k, v in request.args.to_dict(flat=False).items()
                         if k in _PARAMS))
    page_key = (key, _places_version(), page, page_size, links, request.script_root)
    with _SEARCHES_LOCK:
        cached = _PAGES.get(page_key)
        if cached is not None:
            _PAGES.move_to_end(page_key)
    if cached is None:
        from flask import g

        g.kh_csp_nonce = None
        html = _render_index(filters, page, page_size, found, now, key)
        cached = (html, _nonce())
        with _SEARCHES_LOCK:
            _PAGES[page_key] = cached
            while len(_PAGES) > _PAGES_MAX:
                _PAGES.popitem(last=False)
    html, rendered_nonce = cached
    from flask import g

    g.kh_csp_nonce = None  # this response's own nonce, in the page and the CSP header
    return html.replace(rendered_nonce, _nonce())


def _render_index(filters: ffilters.Filters, page: int, page_size: int,
                  found: list[dict[str, Any]], now: dt.datetime, key: tuple) -> str:
    lang = _lang()
    hidden = _protected(filters, lang, now)
    with _SEARCHES_LOCK:
        base = _ARRANGED.get(key)
    if base is None:  # the many sorted once per key, the few protected ones per page
        base = sections.arranged(found, now, lang)
        with _SEARCHES_LOCK:
            _ARRANGED[key] = base
            while len(_ARRANGED) > _SEARCHES_MAX:
                _ARRANGED.popitem(last=False)
    groups, pages = sections.paginate(sections.with_more(base, hidden, now, lang), page,
                                      page_size)
    for group in groups:  # the page's items are ours to change (free places)
        group.items = [dict(it) for it in group.items]
    shown = [it for g in groups for it in g.items]
    _with_free_places(shown, now, lang)
    return _render("keck_homeless/finder/index.html", {
        "filters": filters,
        "groups": groups,
        "count": len(found) + len(hidden),
        "page": min(page, pages),
        "pages": pages,
        "page_urls": {n: tk.h.url_for("keck_homeless_finder.index", **_page_params(filters, n))
                      for n in (page - 1, page + 1) if 1 <= n <= pages},
        "now": now,
        "asof": present.asof_text(now, lang),
        "urls": {it["name"]: _detail_url(it["name"], filters) for it in shown},
        "categories": [(c, codes.label("category", c, lang)) for c in codes.codes("category")],
        "municipalities": [(m.ags, m.name) for m in codes.MUNICIPALITIES],
        "map_config": map_config(),
        "clock": filters.at.strftime("%Y-%m-%dT%H:%M") if filters.at else "",
    })


_SW_FILE = Path(__file__).resolve().parents[1] / "assets" / "finder-sw.js"


@blueprint.route("/hilfe/sw.js")
def service_worker():
    """The finder's service worker (assets/finder-sw.js). Its scope is the
    finder itself (``/hilfe``, ``/en/hilfe`` …), one level above the script,
    which ``Service-Worker-Allowed`` permits."""
    scope = tk.h.url_for("keck_homeless_finder.index")
    return Response(_SW_FILE.read_bytes(), mimetype="text/javascript",
                    headers={"Service-Worker-Allowed": scope, "Cache-Control": "no-cache",
                             "X-Content-Type-Options": "nosniff"})


@blueprint.route("/hilfe/karte.json")
def map_json():
    try:
        filters = ffilters.parse(request.args, allow_clock=clock_param_allowed())
    except ffilters.FilterError as err:
        return _bad_request(err, as_json=True)
    items, _now_, key = _search(filters)
    with _SEARCHES_LOCK:
        body = _MAPS.get(key)
    if body is None:  # once per store version, language, filters and minute
        doc = present.feature_collection(items, {it["name"]: _detail_url(it["name"], filters)
                                                 for it in items})
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        with _SEARCHES_LOCK:
            _MAPS[key] = body
            while len(_MAPS) > _SEARCHES_MAX:
                _MAPS.popitem(last=False)
    return Response(body, mimetype="application/geo+json", headers={"Cache-Control": "no-cache"})


_HOURS_MSG = {
    "empty": Msg("No opening hours given."),
    "valid": Msg("Valid. This is the week from today:"),
}


@blueprint.route("/hilfe/oeffnungszeiten.json")
def hours_preview():
    """``{"valid", "message", "week", "warnings"}`` for the form's live preview."""
    lang = _lang()
    value = request.args.get("oh", "")
    if len(value) > 2 * hours.MAX_LENGTH:
        value = value[: 2 * hours.MAX_LENGTH]
    body: dict[str, Any] = {"valid": False, "week": [], "warnings": []}
    if not value.strip():
        body["message"] = _HOURS_MSG["empty"].text(lang)
    else:
        try:
            hours.validate(value)
        except hours.OpeningHoursError as err:
            body["message"] = err.text(lang)
        else:
            today = dt.datetime.now(hours.TZ).date()
            body.update(valid=True, message=_HOURS_MSG["valid"].text(lang),
                        week=[{"day": d, "spans": [f"{a}–{b}" for a, b in spans]}
                              for d, spans in hours.week_table(value, today, lang)],
                        warnings=[w.text(lang) for w in hours.warnings(value)])
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def _protected_offer(name: str, now: dt.datetime) -> dict[str, Any] | None:
    try:
        pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    if pkg.get("type") != kconfig.dataset_type():
        return None
    found = protected.select([pkg], ffilters.Filters(), _lang())
    return present.present_protected(found[0], now, _lang()) if found else None


@blueprint.route("/hilfe/<name>")
def offer(name: str):
    if not _NAME.match(name):
        return _render("keck_homeless/finder/error.html", {"status": 404}), 404
    try:
        filters = ffilters.parse(request.args, allow_clock=clock_param_allowed())
    except ffilters.FilterError as err:
        return _bad_request(err)
    now = _now(filters)
    lang = _lang()
    with _engine().connect() as conn:
        row = query.select_offer(conn, name)
    if row is None:
        hidden = _protected_offer(name, now)
        if hidden is None:
            return _render("keck_homeless/finder/error.html", {"status": 404}), 404
        _with_free_places([hidden], now, lang)
        return _render("keck_homeless/finder/offer.html",
                         {"item": hidden, "protected": True, "map_config": map_config(),
                          "asof": present.asof_text(now, lang)})
    item = present.present(row, now, lang, kconfig.stale_after_days())
    _with_free_places([item], now, lang)
    return _render("keck_homeless/finder/offer.html", {
        "item": item,
        "protected": False,
        # no weekly hours while the offer is closed anyway (closure, out of season)
        "week": present.week(row.get("opening_hours"), now, lang)
        if row.get("opening_hours") and not item["temporarily_closed"] and item["in_season"]
        else [],
        "map_config": map_config(),
        "asof": present.asof_text(now, lang),
        "dataset_url": tk.h.url_for("hilfsangebot.read", id=name),
    })


blueprint.after_request(security_headers)
