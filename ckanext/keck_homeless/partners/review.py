"""Review of new partners (``ckanext.keck_homeless.review_first_offers``).

With the option at N > 0, an offer that an editor (not a sysadmin) creates
in an organisation with fewer than N public offers is held for review: its
``review_status`` is ``pending`` and it stays private — so it is in no public
output (CKAN's API and pages, Solr, the feature store, finder, OGC, flyer,
exports) until a sysadmin approves it. An editor cannot make a pending offer
public: the validator keeps it private and the bulk actions refuse it.
"""
from __future__ import annotations

from ckanext.keck_homeless import config as kconfig

PENDING = "pending"
APPROVED = "approved"
STATUSES = (PENDING, APPROVED)
OPTION = "ckanext.keck_homeless.review_first_offers"


def threshold() -> int:
    return kconfig.settings().review_first_offers


def public_offers(org_id: str) -> int:
    """Public, active help offers of the organisation (each was either
    approved or created before review was required)."""
    from ckan import model

    from ckanext.keck_homeless import config as kconfig

    return (model.Session.query(model.Package.id)
            .filter(model.Package.owner_org == org_id,
                    model.Package.type == kconfig.dataset_type(),
                    model.Package.state == "active",
                    model.Package.private.is_(False))
            .count())


def org_needs_review(org_id: str | None) -> bool:
    n = threshold()
    if not n or not org_id:
        return False
    from ckan import model

    group = model.Group.get(org_id)
    return group is not None and public_offers(group.id) < n


def stored_status(package) -> str:
    """``review_status`` of a package object (``""`` when never held)."""
    if package is None:
        return ""
    return (package.extras or {}).get("review_status") or ""


def pending_ids(ids) -> set[str]:
    from ckan import model

    ids = list(ids or ())
    if not ids:
        return set()
    rows = (model.Session.query(model.PackageExtra.package_id)
            .filter(model.PackageExtra.key == "review_status",
                    model.PackageExtra.value == PENDING,
                    model.PackageExtra.state == "active",
                    model.PackageExtra.package_id.in_(ids)))
    found = {r[0] for r in rows}
    # names are accepted too (the bulk actions get ids, the API may get names)
    names = [i for i in ids if i not in found]
    if names:
        rows = (model.Session.query(model.Package.id)
                .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
                .filter(model.Package.name.in_(names),
                        model.PackageExtra.key == "review_status",
                        model.PackageExtra.value == PENDING))
        found |= {r[0] for r in rows}
    return found


def pending_in_form(org_id: str | None, package_id: str | None) -> bool:
    """For the form's note: would saving hold this offer for review?"""
    from ckan import model

    if package_id:
        return stored_status(model.Package.get(package_id)) == PENDING
    return org_needs_review(org_id)
