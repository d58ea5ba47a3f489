"""Open Referral HSDS 3.0 API under ``/keck-homeless/hsds/`` (read-only, JSON).

Routes of the HSDS API reference: ``/`` (version, profile, openapi_url),
``/services`` and ``/services/{id}``, ``/organizations[/{id}]``,
``/service_at_locations[/{id}]``, ``/taxonomies[/{id}]``,
``/taxonomy_terms[/{id}]``, plus ``/openapi.json`` (this API's OpenAPI
document) and ``/datapackage.zip`` (the tabular package). Lists are paged
(``page``, ``per_page``) in the reference's envelope. Every response allows
any origin (``Access-Control-Allow-Origin: *``); errors are JSON with the
HTTP status. The mapping is in ``exchange/hsds.py``.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.keck_homeless.exchange import hsds, hsds_source, hsds_tabular
from ckanext.keck_homeless.offers import hours

PREFIX = "/keck-homeless/hsds"
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/overview.html"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000

blueprint = Blueprint("keck_homeless_hsds", __name__, url_prefix=PREFIX)


#: error texts (German, English) by kind; ``{name}`` etc. filled per request
_ERRORS = {
    "integer": ("{name} muss eine ganze Zahl sein", "{name} must be an integer"),
    "range": ("{name} muss zwischen {low} und {high} liegen",
              "{name} must be between {low} and {high}"),
    "boolean": ("{name} muss true oder false sein", "{name} must be true or false"),
    "datetime": ("{name} muss ein Zeitpunkt nach ISO 8601 sein",
                 "{name} must be an ISO 8601 date-time"),
    "format": ("nur format=json wird unterstützt", "only format=json is supported"),
    "proximity": ("proximity wird nicht unterstützt; bitte postcode verwenden",
                  "proximity is not supported; use postcode"),
    "not_found": ("{name} nicht gefunden", "{name} not found"),
}


class BadRequest(ValueError):
    """A bad query parameter: answered as JSON 400 naming the parameter."""

    def __init__(self, kind: str, name: str, **values: Any):
        super().__init__(kind)
        self.kind, self.name, self.values = kind, name, values

    def text(self, lang: str) -> str:
        de, en = _ERRORS[self.kind]
        return (en if lang == "en" else de).format(name=self.name, **self.values)


def _site_url() -> str:
    return (tk.config.get("ckan.site_url") or request.host_url).rstrip("/") + \
        (tk.config.get("ckan.root_path") or "").replace("/{{LANG}}", "").rstrip("/")


def _lang() -> str:
    return "en" if str(tk.h.lang() or "de").startswith("en") else "de"


def _today() -> dt.date:
    return dt.datetime.now(hours.TZ).date()


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _error(status: int, message: str, parameter: str | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "error": message}
    if parameter:
        body["parameter"] = parameter
    response = _json(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.errorhandler(BadRequest)
def _bad_request(err: BadRequest) -> Response:
    return _error(400, err.text(_lang()), err.name)


def _not_found(what: str) -> Response:
    de, en = _ERRORS["not_found"]
    return _error(404, (en if _lang() == "en" else de).format(name=what))


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest("integer", name) from None
    if not low <= value <= high:
        raise BadRequest("range", name, low=low, high=high)
    return value


def _flag(name: str) -> bool:
    raw = (request.args.get(name) or "").lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise BadRequest("boolean", name)


def _modified_after() -> dt.datetime | None:
    raw = request.args.get("modified_after")
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("datetime", "modified_after") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def _check_format() -> None:
    fmt = request.args.get("format")
    if fmt not in (None, "", "json"):
        raise BadRequest("format", "format")


def _directory() -> hsds_source.Directory:
    from ckan import model

    return hsds_source.load(model.meta.engine, _lang())


def _terms_of(offer: dict[str, Any]) -> set[str]:
    services = offer.get("services") or []
    return {hsds.term_id(c) for c in [offer.get("category"), *services] if c}


def _matches(offer: dict[str, Any], since: dt.datetime | None) -> bool:
    words = (request.args.get("search") or "").lower().split()
    if words:
        text = " ".join(str(offer.get(k) or "") for k in
                        ("title", "notes", "organization_title", "municipality_name",
                         "category")).lower()
        if not all(w in text for w in words):
            return False
    term = request.args.get("taxonomy_term_id")
    if term and term not in _terms_of(offer):
        return False
    taxonomy = request.args.get("taxonomy_id")
    if taxonomy and taxonomy != hsds.taxonomy_id():
        return False
    org = request.args.get("organization_id")
    if org and hsds.organization_id(offer.get("owner_org") or "") != org:
        return False
    postcode = request.args.get("postcode")
    if postcode and (offer.get("protected") or offer.get("postcode") != postcode.strip()):
        return False
    if since is not None:
        stamp = hsds._timestamp(offer.get("metadata_modified"))
        if not stamp or dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) < since:
            return False
    return True


def _paged(items: list[Any], render: Callable[[Any], Any]) -> Response:
    per_page = _int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    number = _int("page", 1, 1, 10**6)
    chunk = items[(number - 1) * per_page:number * per_page]
    return _json(hsds.page([render(i) for i in chunk], number, per_page, len(items)))


@blueprint.route("/")
def index() -> Response:
    base = _site_url() + PREFIX
    return _json({"version": hsds.VERSION, "profile": PROFILE_URL,
                  "openapi_url": f"{base}/openapi.json"})


@blueprint.route("/openapi.json")
def openapi() -> Response:
    return _json(hsds_tabular.openapi(_site_url() + PREFIX))


@blueprint.route("/services")
def services() -> Response:
    _check_format()
    if request.args.get("proximity"):
        raise BadRequest("proximity", "proximity")
    since = _modified_after()
    full, minimal = _flag("full"), _flag("minimal")
    found = [o for o in _directory().offers if _matches(o, since)]
    site, today, lang = _site_url(), _today(), _lang()
    if minimal:
        return _paged(found, hsds.minimal)
    return _paged(found, lambda o: hsds.service(o, site, today=today, lang=lang, full=full))


def _by_id(items, key: Callable[[Any], str], ident: str):
    for item in items:
        if key(item) == ident:
            return item
    return None


@blueprint.route("/services/<ident>")
def service(ident: str) -> Response:
    found = _by_id(_directory().offers, lambda o: hsds.service_id(o["package_id"]), ident)
    if found is None:
        return _not_found("service")
    return _json(hsds.service(found, _site_url(), today=_today(), lang=_lang(), full=True))


@blueprint.route("/service_at_locations")
def service_at_locations() -> Response:
    _check_format()
    if request.args.get("proximity"):
        raise BadRequest("proximity", "proximity")
    since = _modified_after()
    full = _flag("full")
    site, today, lang = _site_url(), _today(), _lang()
    found = [o for o in _directory().offers if not o.get("protected") and _matches(o, since)]
    return _paged(found, lambda o: hsds.service_at_location(o, site, today=today, lang=lang,
                                                            full=full))


@blueprint.route("/service_at_locations/<ident>")
def service_at_location(ident: str) -> Response:
    found = _by_id([o for o in _directory().offers if not o.get("protected")],
                   lambda o: hsds.derived_id("service_at_location",
                                             hsds.service_id(o["package_id"])), ident)
    if found is None:
        return _not_found("service_at_location")
    return _json(hsds.service_at_location(found, _site_url(), today=_today(), lang=_lang(),
                                          full=True))


@blueprint.route("/organizations")
def organizations() -> Response:
    _check_format()
    full, full_service = _flag("full"), _flag("full_service")
    directory = _directory()
    site, today, lang = _site_url(), _today(), _lang()
    words = (request.args.get("search") or "").lower().split()
    orgs = [o for o in directory.organizations
            if all(w in f"{o.get('title')} {o.get('description')}".lower() for w in words)]
    if full or full_service:
        return _paged(orgs, lambda o: hsds.organization_full(
            o, directory.offers, site, today=today, lang=lang, full_service=full_service))
    return _paged(orgs, lambda o: hsds.organization(o, site))


@blueprint.route("/organizations/<ident>")
def organization(ident: str) -> Response:
    full_service = _flag("full_service")
    directory = _directory()
    found = _by_id(directory.organizations, lambda o: hsds.organization_id(o["id"]), ident)
    if found is None:
        return _not_found("organization")
    return _json(hsds.organization_full(found, directory.offers, _site_url(), today=_today(),
                                        lang=_lang(), full_service=full_service))


@blueprint.route("/taxonomies")
def taxonomies() -> Response:
    _check_format()
    return _paged([hsds.taxonomy(_site_url())], lambda t: t)


@blueprint.route("/taxonomies/<ident>")
def taxonomy(ident: str) -> Response:
    if ident != hsds.taxonomy_id():
        return _not_found("taxonomy")
    return _json(hsds.taxonomy(_site_url()))


@blueprint.route("/taxonomy_terms")
def taxonomy_terms() -> Response:
    _check_format()
    terms = hsds.taxonomy_terms(_site_url(), _lang())
    taxonomy_id = request.args.get("taxonomy_id")
    if taxonomy_id and taxonomy_id != hsds.taxonomy_id():
        terms = []
    if request.args.get("parent_id"):
        terms = []  # the taxonomy is flat
    words = (request.args.get("search") or "").lower().split()
    terms = [t for t in terms if all(w in f"{t['name']} {t['description']}".lower()
                                     for w in words)]
    return _paged(terms, lambda t: t)


@blueprint.route("/taxonomy_terms/<ident>")
def taxonomy_term(ident: str) -> Response:
    found = _by_id(hsds.taxonomy_terms(_site_url(), _lang()), lambda t: t["id"], ident)
    if found is None:
        return _not_found("taxonomy term")
    return _json(found)


@blueprint.route("/datapackage.zip")
def datapackage() -> Response:
    data = hsds_tabular.zip_bytes(_directory(), _site_url(), today=_today(), lang=_lang())
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = "attachment; filename=hsds-kreis-dueren.zip"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
