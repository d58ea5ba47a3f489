"""The dataset form when the search index is down: the partner's input stays.

CKAN's dataset views answer a ``SearchIndexError`` from ``package_create``
or ``package_update`` with its generic 500 page ("Unable to add package to
search index"): nothing is saved (the transaction rolls back) but the
partner's input is gone from the screen. Here the same POST gets the form
back, filled with what was sent, with a message at the top saying that
nothing was saved and to save again in a minute: HTTP 503 with
``Retry-After``. Every other 500 goes to CKAN's own handler.

Registered on CKAN's Flask app (``IMiddleware.make_middleware``, which runs
after CKAN registered its handlers, so this one is found first for 500).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import request
from werkzeug.exceptions import InternalServerError

from ckanext.keck_homeless.offers.messages import Msg

log = logging.getLogger(__name__)

#: Seconds the partner is asked to wait (``Retry-After``).
RETRY_AFTER_S = 60

MSG = {
    "text": Msg("The search index cannot be reached right now. Nothing was saved; your "
                "entries are still in the form. Please save again in a minute."),
}


def _search_index_failed(exc: BaseException) -> bool:
    from ckan.lib.search import SearchIndexError
    from ckan.lib.search.common import SolrConnectionError

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, (SearchIndexError, SolrConnectionError)):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _form_view() -> tuple[str, str] | None:
    """("new" | "edit", dataset type) when this is a POST of a dataset form."""
    if request.method != "POST" or not request.endpoint:
        return None
    blueprint, _, view = request.endpoint.rpartition(".")
    package_type = (request.view_args or {}).get("package_type")
    if view in ("new", "edit") and package_type and blueprint == package_type:
        return view, package_type
    return None


def _form_again(exc: InternalServerError, view: str, package_type: str):
    import ckan.lib.navl.dictization_functions as dict_fns
    from ckan.lib.helpers import flash_error, lang
    from ckan.logic import clean_dict, parse_params, tuplize_dict
    from ckan.views import dataset
    from flask import session
    from markupsafe import escape

    # CKAN's abort() flashed its message with Solr's URL and the driver's
    # words: not for a partner; ours replaces it
    theirs = str(escape(exc.description or ""))  # flash_error escapes its message
    session["_flashes"] = [f for f in session.get("_flashes", []) if str(f[1]) != theirs]
    flash_error(MSG["text"].text(str(lang() or "de")))
    data = clean_dict(dict_fns.unflatten(tuplize_dict(parse_params(request.form))))
    if view == "new":
        body = dataset.CreateView().get(package_type, data=data)
    else:
        body = dataset.EditView().get(package_type, request.view_args["id"], data=data)
    return body, 503, {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}


def install(app: Any) -> None:
    """Put the handler in front of CKAN's for 500 on the Flask ``app``."""
    handlers = app.error_handler_spec.get(None, {}).get(500, {})
    ckan_handler = handlers.get(InternalServerError)

    def handle(exc: InternalServerError):
        form = _form_view()
        if form is not None and _search_index_failed(exc):
            log.warning("%s %s: search index unreachable, form shown again: %s",
                        request.method, request.path, exc.__context__)
            try:
                return _form_again(exc, *form)
            except Exception:  # noqa: BLE001 — never worse than CKAN's own page
                log.exception("the form could not be shown again")
        if ckan_handler is not None:
            return ckan_handler(exc)
        return exc

    app.register_error_handler(500, handle)
