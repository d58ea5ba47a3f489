"""Actions and auth functions of ckanext-keck_homeless (the plugin registers
:func:`get_actions` and :func:`get_auth_functions` with ``tk.blanket``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.keck_homeless import privacy
from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.offers.messages import Msg


@tk.side_effect_free
def keck_homeless_protected_location_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The exact location of a help offer, for users who may edit it.

    For ``approximate`` and ``hidden`` offers this is the only way to read
    the exact street, postcode, district and position through the API:
    ``package_show`` and every other action return what is published.

    :param id: the id or name of the offer
    :returns: ``location_visibility``, ``exact`` (``street``, ``postcode``,
        ``district``, ``spatial`` — what the partner entered) and
        ``published`` (the same fields as CKAN stores and publishes them)
    """
    tk.check_access("keck_homeless_protected_location_show", context, data_dict)
    pkg = context["model"].Package.get(tk.get_or_bust(data_dict, "id"))
    if pkg is None or pkg.type != privacy.DATASET_TYPE:
        raise tk.ObjectNotFound(tk._("Help offer not found"))
    extras = dict(pkg.extras)
    published = {f: extras.get(f) or "" for f in rules.LOCATION_FIELDS}
    exact = privacy.exact_location(pkg.id)
    return {
        "id": pkg.id,
        "name": pkg.name,
        "location_visibility": extras.get("location_visibility") or "public",
        "exact": exact if exact is not None else dict(published),
        "published": published,
    }


@tk.auth_disallow_anonymous_access
def keck_homeless_protected_location_show_auth(context: Context, data_dict: DataDict):
    """Whoever may update the offer may read its exact location."""
    try:
        tk.check_access("package_update", context, {"id": data_dict.get("id")})
    except tk.NotAuthorized:
        return {"success": False,
                "msg": tk._("Not authorized to read the exact location of this offer")}
    return {"success": True}


def _offer(context: Context, id_or_name: str):
    pkg = context["model"].Package.get(id_or_name)
    if pkg is None or pkg.type != privacy.DATASET_TYPE or pkg.state == "deleted":
        raise tk.ObjectNotFound(tk._("Help offer not found"))
    return pkg


def keck_homeless_offer_verify(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Confirm "Angaben geprüft" in one step: ``last_verified`` becomes today
    and ``verified_by`` the given office or, by default, the offer's
    organisation. Nothing else changes.

    :param id: the id or name of the offer
    :param verified_by: the office that checked (optional)
    :returns: the updated offer (as ``package_show``)
    """
    import datetime as dt

    pkg = _offer(context, tk.get_or_bust(data_dict, "id"))
    tk.check_access("keck_homeless_offer_verify", context, {"id": pkg.id})
    org = pkg.get_groups("organization")
    office = (str(data_dict.get("verified_by") or "").strip()
              or (org[0].title if org else "") or pkg.extras.get("verified_by") or "")
    return tk.get_action("package_patch")(
        {**context, "keck_homeless_action": "verify"},
        {"id": pkg.id, "last_verified": dt.date.today().isoformat(), "verified_by": office})


def keck_homeless_offer_verify_auth(context: Context, data_dict: DataDict):
    """Whoever may update the offer."""
    try:
        tk.check_access("package_update", context, {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Not authorized to edit this offer")}
    return {"success": True}


def keck_homeless_offer_approve(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The county approves an offer held for review: it becomes public.

    :param id: the id or name of the offer
    """
    from ckanext.keck_homeless.partners import review

    pkg = _offer(context, tk.get_or_bust(data_dict, "id"))
    tk.check_access("keck_homeless_offer_approve", context, {"id": pkg.id})
    return tk.get_action("package_patch")(
        context, {"id": pkg.id, "review_status": review.APPROVED, "private": False})


def keck_homeless_offer_approve_auth(context: Context, data_dict: DataDict):
    """Sysadmins only (CKAN lets them pass every auth function)."""
    return {"success": False, "msg": tk._("Only the county approves offers of new partners")}


@tk.side_effect_free
def keck_homeless_report_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Open problem reports of an offer or of an organisation.

    :param id: the id or name of an offer, or
    :param organization: the id or name of an organisation
    :param include_closed: also closed reports (default false)
    """
    import sqlalchemy as sa

    from ckanext.keck_homeless.store import model as smodel

    model = context["model"]
    tk.check_access("keck_homeless_report_list", context, data_dict)
    t = smodel.problem_report
    q = sa.select(t).order_by(t.c.created.desc())
    if data_dict.get("id"):
        q = q.where(t.c.package_id == _offer(context, data_dict["id"]).id)
    else:
        org = model.Group.get(tk.get_or_bust(data_dict, "organization"))
        if org is None:
            raise tk.ObjectNotFound(tk._("Organization not found"))
        q = q.where(t.c.owner_org == org.id)
    if not tk.asbool(data_dict.get("include_closed")):
        q = q.where(t.c.closed.is_(None))
    rows = model.Session.execute(q).mappings()
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in rows]


def keck_homeless_report_list_auth(context: Context, data_dict: DataDict):
    """Editors of the offer's organisation (or of the organisation)."""
    if data_dict.get("id"):
        return keck_homeless_offer_verify_auth(context, data_dict)
    from ckan import authz

    org = context["model"].Group.get(data_dict.get("organization") or "")
    if org is not None and authz.has_user_permission_for_group_or_org(
            org.id, context.get("user"), "update_dataset"):
        return {"success": True}
    return {"success": False, "msg": tk._("Not authorized to see the problem reports")}


def keck_homeless_report_close(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Close a problem report (it stays stored, marked closed).

    :param id: the id of the report
    """
    from ckanext.keck_homeless.partners import reports

    model = context["model"]
    conn = model.Session.connection()
    report = reports.get(conn, tk.get_or_bust(data_dict, "id"))
    if report is None:
        raise tk.ObjectNotFound(tk._("Problem report not found"))
    tk.check_access("keck_homeless_report_close", context, {"package_id": report["package_id"]})
    reports.close(conn, report["id"], context.get("user") or "")
    if not context.get("defer_commit"):
        model.Session.commit()
    return reports.get(model.Session.connection(), report["id"])


def keck_homeless_report_close_auth(context: Context, data_dict: DataDict):
    return keck_homeless_offer_verify_auth(context, {"id": data_dict.get("package_id")})


def _places_now():
    import datetime as dt

    from ckanext.keck_homeless.offers.hours import TZ

    return dt.datetime.now(TZ)


def _places_out(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Times as ISO 8601 in Europe/Berlin, however the database returned them."""
    from ckanext.keck_homeless.offers.hours import TZ

    if not value:
        return None
    return {"places": value["places"], "set_at": value["set_at"].astimezone(TZ).isoformat(),
            "expires_at": value["expires_at"].astimezone(TZ).isoformat()}


def keck_homeless_free_places_set(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Set "free places tonight" of an offer (e.g. a shelter's free beds).

    The value counts until ``ckanext.keck_homeless.free_places.expire_at`` the
    next morning (default 10:00) and is logged with the user who set it.

    :param id: the id or name of the offer
    :param places: the number of free places (0 … 10000)
    :returns: ``{"places", "set_at", "expires_at"}`` (ISO 8601 times)
    """
    from ckanext.keck_homeless import config as kconfig
    from ckanext.keck_homeless.partners import places

    pkg = _offer(context, tk.get_or_bust(data_dict, "id"))
    tk.check_access("keck_homeless_free_places_set", context, {"id": pkg.id})
    try:
        number = places.parse_places(data_dict.get("places", ""))
    except ValueError:
        raise tk.ValidationError({"places": [places.MSG["bad_places"].format(
            max=places.MAX_PLACES).text(_lang())]}) from None
    model = context["model"]
    value = places.record(model.Session.connection(), pkg.id, number,
                          context.get("user") or "", _places_now(),
                          kconfig.settings().free_places_expire_at)
    if not context.get("defer_commit"):
        model.Session.commit()
    return _places_out(value)


def keck_homeless_free_places_set_auth(context: Context, data_dict: DataDict):
    """Whoever may update the offer (its organisation's editors)."""
    return keck_homeless_offer_verify_auth(context, data_dict)


@tk.side_effect_free
def keck_homeless_free_places_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The current "free places tonight" of an offer anyone may see.

    :param id: the id or name of the offer
    :returns: ``{"current": {"places", "set_at", "expires_at"} or null}``; for users
        who may edit the offer also ``"history"``: the last 20 values with who set them
    """
    from ckanext.keck_homeless.partners import places

    pkg = _offer(context, tk.get_or_bust(data_dict, "id"))
    tk.check_access("package_show", context, {"id": pkg.id})
    conn = context["model"].Session.connection()
    out: dict[str, Any] = {"current": _places_out(
        places.current(conn, [pkg.id], _places_now()).get(pkg.id))}
    try:
        tk.check_access("keck_homeless_free_places_set", context, {"id": pkg.id})
    except tk.NotAuthorized:
        return out
    out["history"] = [{**_places_out(h), "set_by": h["set_by"]}
                      for h in places.history(conn, pkg.id)]
    return out


@tk.auth_allow_anonymous_access
def keck_homeless_free_places_show_auth(context: Context, data_dict: DataDict):
    """Anyone who may see the offer (checked in the action)."""
    return {"success": True}


def _lang() -> str:
    from ckanext.keck_homeless.validators import current_lang

    return current_lang()


@tk.chained_auth_function
def bulk_update_public(next_auth, context: Context, data_dict: DataDict):
    """Offers held for the county's review are not made public in bulk."""
    from ckan import authz

    from ckanext.keck_homeless.partners import review

    if not authz.is_sysadmin(context.get("user")) and review.pending_ids(data_dict.get("datasets")):
        return {"success": False,
                "msg": tk._("Offers awaiting the county's approval cannot be made public")}
    return next_auth(context, data_dict)


def _catalog_data_dict(data_dict: DataDict) -> DataDict:
    from ckanext.keck_homeless import dcat

    return {**data_dict, "fq": dcat.catalog_fq(data_dict.get("fq"))}


@tk.chained_action
def dcat_catalog_show(next_action, context: Context, data_dict: DataDict):
    """ckanext-dcat's catalogue without single offers and without the
    services dataset (dcat.py: data services instead)."""
    return next_action(context, _catalog_data_dict(data_dict))


@tk.chained_action
def dcat_catalog_search(next_action, context: Context, data_dict: DataDict):
    return next_action(context, _catalog_data_dict(data_dict))


def _dcat_loaded() -> bool:
    """Whether ckanext-dcat is configured (asked while plugins load, so by
    the option, not by ``plugin_loaded``)."""
    plugins = tk.config.get("ckan.plugins") or []
    return "dcat" in (plugins.split() if isinstance(plugins, str) else plugins)


#: The key a read action looks one object up by; a repeated GET parameter
#: (``?id=a&id=b``) reaches the action as a list, which CKAN passes on to
#: SQL and answers with a 500.
_LOOKUP_KEYS = ("id", "name")
_ONE_VALUE = Msg("Give one value, not several.")


def _single_lookup(next_action, context: Context, data_dict: DataDict):
    for key in _LOOKUP_KEYS:
        if isinstance((data_dict or {}).get(key), (list, tuple, dict)):
            raise tk.ValidationError({key: [_ONE_VALUE.text(_lang())]})
    if getattr(next_action, "__name__", "") == "package_show":
        from ckanext.keck_homeless.exchange import batch_index

        batch_index.skip_stale_cache(context, data_dict)
    return next_action(context, data_dict)


def _lookup_guards() -> dict[str, Any]:
    """CKAN's own read actions (``*_show``, ``*_list``), chained to refuse a
    list where one id or name belongs."""
    import inspect

    from ckan.logic.action import get as core_get

    out = {}
    for name, func in inspect.getmembers(core_get, inspect.isfunction):
        if func.__module__ == core_get.__name__ and not name.startswith("_") \
                and name.endswith(("_show", "_list")):
            def guard(next_action, context, data_dict):
                return _single_lookup(next_action, context, data_dict)
            guard.__name__ = name
            # CKAN gives the chain the attributes of the last link: keep the
            # core action's (side_effect_free lets the API answer GET)
            guard.__dict__.update(func.__dict__)
            out[name] = tk.chained_action(guard)
    return out


def get_actions() -> dict[str, Any]:
    catalogue = ({"dcat_catalog_show": dcat_catalog_show,
                  "dcat_catalog_search": dcat_catalog_search} if _dcat_loaded() else {})
    return {
        **_lookup_guards(),
        **catalogue,
        "keck_homeless_protected_location_show": keck_homeless_protected_location_show,
        "keck_homeless_offer_verify": keck_homeless_offer_verify,
        "keck_homeless_offer_approve": keck_homeless_offer_approve,
        "keck_homeless_report_list": keck_homeless_report_list,
        "keck_homeless_report_close": keck_homeless_report_close,
        "keck_homeless_free_places_set": keck_homeless_free_places_set,
        "keck_homeless_free_places_show": keck_homeless_free_places_show,
    }


def get_auth_functions() -> dict[str, Any]:
    return {
        "keck_homeless_protected_location_show": keck_homeless_protected_location_show_auth,
        "keck_homeless_offer_verify": keck_homeless_offer_verify_auth,
        "keck_homeless_offer_approve": keck_homeless_offer_approve_auth,
        "keck_homeless_report_list": keck_homeless_report_list_auth,
        "keck_homeless_report_close": keck_homeless_report_close_auth,
        "keck_homeless_free_places_set": keck_homeless_free_places_set_auth,
        "keck_homeless_free_places_show": keck_homeless_free_places_show_auth,
        "bulk_update_public": bulk_update_public,
    }
