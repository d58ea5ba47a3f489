"""Actions and auth functions of ckanext-keck_homeless (the plugin registers
:func:`get_actions` and :func:`get_auth_functions` with ``tk.blanket``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.keck_homeless import privacy
from ckanext.keck_homeless.offers import rules


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


@tk.chained_auth_function
def bulk_update_public(next_auth, context: Context, data_dict: DataDict):
    """Offers held for the county's review are not made public in bulk."""
    from ckan import authz

    from ckanext.keck_homeless.partners import review

    if not authz.is_sysadmin(context.get("user")) and review.pending_ids(data_dict.get("datasets")):
        return {"success": False,
                "msg": tk._("Offers awaiting the county's approval cannot be made public")}
    return next_auth(context, data_dict)


def get_actions() -> dict[str, Any]:
    return {
        "keck_homeless_protected_location_show": keck_homeless_protected_location_show,
        "keck_homeless_offer_verify": keck_homeless_offer_verify,
        "keck_homeless_offer_approve": keck_homeless_offer_approve,
        "keck_homeless_report_list": keck_homeless_report_list,
        "keck_homeless_report_close": keck_homeless_report_close,
    }


def get_auth_functions() -> dict[str, Any]:
    return {
        "keck_homeless_protected_location_show": keck_homeless_protected_location_show_auth,
        "keck_homeless_offer_verify": keck_homeless_offer_verify_auth,
        "keck_homeless_offer_approve": keck_homeless_offer_approve_auth,
        "keck_homeless_report_list": keck_homeless_report_list_auth,
        "keck_homeless_report_close": keck_homeless_report_close_auth,
        "bulk_update_public": bulk_update_public,
    }
