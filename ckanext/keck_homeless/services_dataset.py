"""The catalogue dataset of the OGC services (``ckan keck-homeless
publish-services``, see cli.py): one dataset that
describes the OGC services (WMS, WFS, OGC API - Features, GeoJSON download),
so the services are findable in CKAN and previewable with ckanext-geoview.

The command is idempotent: it creates the dataset or updates it in place
(resources matched by their format, so their ids and views stay stable).
"""
from __future__ import annotations

import json

from ckanext.keck_homeless.offers.constants import REGION_BBOX

#: Resource format → (name de, description de/en, URL path + query, geo_view?)
RESOURCES = (
    ("WMS", "WMS-Dienst (Karte)",
     "Web Map Service 1.3.0 / 1.1.1 – Karte der Hilfsangebote. / Map of the help offers.",
     "/keck-homeless/ows?SERVICE=WMS&REQUEST=GetCapabilities", True),
    ("WFS", "WFS-Dienst (Objekte)",
     "Web Feature Service 2.0.0 / 1.1.0 – Hilfsangebote als Objekte (GML, GeoJSON). "
     "/ Help offers as features.",
     "/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities", True),
    ("OGC API - Features", "OGC API – Features",
     "OGC API – Features (GeoJSON, HTML) – Hilfsangebote und je Kategorie eine Sammlung. "
     "/ One collection per category.",
     "/keck-homeless/ogcapi", False),
    ("GeoJSON", "Alle Hilfsangebote (GeoJSON)",
     "Alle öffentlichen Hilfsangebote als GeoJSON-Datei (WGS 84). / All public offers as GeoJSON.",
     "/keck-homeless/ogcapi/collections/hilfsangebote/items?f=json&limit=100000", True),
)

DEFAULT_NAME = "keck-homeless-geodienste"
#: Kreis Düren as a rough polygon (for CKAN's spatial search).
COUNTY_BBOX = REGION_BBOX


def resource_url(site_url: str, path: str, fmt: str) -> str:
    """WMS/WFS resources carry the bare endpoint: geo_view appends its own
    GetCapabilities parameters (a ``?SERVICE=…`` already in the URL is fine
    for it too, but the bare URL is what GIS users paste)."""
    base = site_url.rstrip("/")
    if fmt in ("WMS", "WFS"):
        return base + path.split("?")[0]
    return base + path


def dataset_dict(site_url: str, owner_org: str, name: str, license_id: str,
                 existing: dict | None = None) -> dict:
    minx, miny, maxx, maxy = COUNTY_BBOX
    spatial = json.dumps({"type": "Polygon", "coordinates": [[
        [minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]})
    old_resources = {r.get("format"): r for r in (existing or {}).get("resources", [])}
    resources = []
    for fmt, title, description, path, _view in RESOURCES:
        res = {"name": title, "description": description, "format": fmt,
               "url": resource_url(site_url, path, fmt)}
        if fmt in old_resources:
            res["id"] = old_resources[fmt]["id"]
        resources.append(res)
    extras = [e for e in (existing or {}).get("extras", []) if e.get("key") != "spatial"]
    extras.append({"key": "spatial", "value": spatial})
    return {
        "type": "dataset",
        "name": name,
        "title": "Hilfsangebote – Geodienste (WMS, WFS, OGC API)",
        "notes": (
            "Die öffentlichen Hilfsangebote für Menschen ohne Wohnung im Kreis Düren als "
            "Geodienste: WMS (Karte), WFS 2.0/1.1 und OGC API – Features (Objekte, GeoJSON). "
            "Ein Layer mit allen Angeboten und je Kategorie ein eigener Layer. Geschützte "
            "Standorte sind nicht enthalten; ungefähre Standorte nur vergröbert.\n\n"
            "The public help offers for people without a home in the Kreis Düren as OGC "
            "services (WMS, WFS, OGC API - Features). Protected locations are never included."),
        "owner_org": owner_org,
        "license_id": license_id,
        "tags": [{"name": t} for t in ("Wohnungslosenhilfe", "Hilfsangebote", "WMS", "WFS",
                                       "OGC API", "Geodienst")],
        "extras": extras,
        "resources": resources,
    }


def publish(site_url: str, organization: str, name: str = DEFAULT_NAME,
            license_id: str = "other-open") -> dict:
    """Create or update the services dataset (as the site user) and add a
    ``geo_view`` to the previewable resources when ckanext-geoview is loaded.

    :returns: the package dict and ``views_created`` / ``geo_view`` info.
    """
    import ckan.plugins as plugins
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context():
        return {"ignore_auth": True, "user": site_user}

    org = tk.get_action("organization_show")(context(), {"id": organization})
    try:
        existing = tk.get_action("package_show")(context(), {"id": name})
    except tk.ObjectNotFound:
        existing = None
    data = dataset_dict(site_url, org["id"], name, license_id, existing)
    if existing:
        data["id"] = existing["id"]
        pkg = tk.get_action("package_update")(context(), data)
    else:
        pkg = tk.get_action("package_create")(context(), data)
    geo_view = plugins.plugin_loaded("geo_view")
    created = 0
    if geo_view:
        previewable = {fmt for fmt, *_rest, view in RESOURCES if view}
        for res in pkg["resources"]:
            if res["format"] not in previewable:
                continue
            views = tk.get_action("resource_view_list")(context(), {"id": res["id"]})
            if any(v["view_type"] == "geo_view" for v in views):
                continue
            tk.get_action("resource_view_create")(context(), {
                "resource_id": res["id"], "view_type": "geo_view",
                "title": "Karte / Map"})
            created += 1
    return {"package": pkg, "created": existing is None, "views_created": created,
            "geo_view": geo_view}
