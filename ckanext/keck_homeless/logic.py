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


def get_actions() -> dict[str, Any]:
    return {"keck_homeless_protected_location_show": keck_homeless_protected_location_show}


def get_auth_functions() -> dict[str, Any]:
    return {"keck_homeless_protected_location_show": keck_homeless_protected_location_show_auth}
