"""Create or update partner organisations from a JSON file (demo, setup)."""
from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
from ckan import model

FIELDS = ("name", "title", "description", "image_url")


def upsert_from_file(path: str, dry_run: bool = False) -> int:
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    count = 0
    for item in items:
        data = {k: item[k] for k in FIELDS if k in item}
        extras = [{"key": k, "value": str(item[k])} for k in ("email", "phone") if item.get(k)]
        if extras:
            data["extras"] = extras
        context = {"user": site_user["name"], "ignore_auth": True, "defer_commit": dry_run}
        existing = model.Group.get(data["name"])
        if existing is not None and existing.state == "active":
            tk.get_action("organization_patch")(context, {**data, "id": existing.id})
        else:
            tk.get_action("organization_create")(context, data)
        if dry_run:
            model.Session.rollback()
        count += 1
    return count
