"""The county's two catalogue datasets (``ckan keck-homeless
publish-services``, see cli.py):

* the **services dataset**: the OGC services (WMS, WFS, OGC API - Features,
  GeoJSON download), findable in CKAN and previewable with ckanext-geoview;
  the DCAT catalogue lists its services as ``dcat:DataService`` (dcat.py);
* the **offers' dataset** ("data product"): every public offer as GeoJSON,
  CSV, HSDS 3.0 API and HSDS data package — the one catalogue dataset a
  harvester (Open.NRW, GovData) takes instead of single offers.

The command is idempotent: it creates the datasets or updates them in place
(resources matched by their format, so their ids and views stay stable).
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

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

#: The offers' dataset: format → (name de, description, URL path, geo_view?)
PRODUCT_RESOURCES = (
    ("GeoJSON", "Alle Hilfsangebote (GeoJSON)",
     "Alle öffentlichen Hilfsangebote als GeoJSON (WGS 84), aus der OGC API. "
     "/ All public offers as GeoJSON.",
     "/keck-homeless/ogcapi/collections/hilfsangebote/items?f=json&limit=100000", True),
    ("CSV", "Alle Hilfsangebote (CSV)",
     "Alle öffentlichen Hilfsangebote im Importformat (UTF-8, Excel-tauglich). "
     "/ All public offers in the import format.",
     "/keck-homeless/download/hilfsangebote.csv", False),
    ("XLSX", "Alle Hilfsangebote (Excel)",
     "Alle öffentlichen Hilfsangebote als Excel-Arbeitsmappe im Importformat. "
     "/ All public offers as an Excel workbook.",
     "/keck-homeless/download/hilfsangebote.xlsx", False),
    ("XLSX", "KECK-Atlas-Kennzahlen je Gemeinde (Excel)",
     "Kennzahlen je Gemeinde (Angebote je Kategorie, Plätze, nachts/am Wochenende "
     "geöffnet, kostenlos, je 10.000 Einwohner), Tabellenblatt „Indikatoren“ mit den "
     "Definitionen. / Figures per municipality for the KECK-Atlas.",
     "/keck-homeless/download/kennzahlen-gemeinde.xlsx", False),
    ("JSON", "HSDS 3.0 API (Open Referral)",
     "Die Angebote als Open Referral HSDS 3.0 (services, organizations, locations, "
     "schedules). / The offers as HSDS 3.0 for service directories.",
     "/keck-homeless/hsds/", False),
    ("ZIP", "HSDS 3.0 Datenpaket (CSV)",
     "Tabellarisches HSDS 3.0 (Frictionless Data Package: CSV je Tabelle + "
     "datapackage.json). / Tabular HSDS 3.0 data package.",
     "/keck-homeless/hsds/datapackage.zip", False),
)

def area_resources(layers) -> tuple:
    """One GeoJSON resource per loaded area level (``query.area_layers``):
    the areas with their KECK-Atlas figures, with the geometries' source
    note, which their licence asks to show with them."""
    out = []
    for layer in layers:
        ft = layer.ftype
        note = f" Geometrien: {layer.note}" + (f" ({layer.url})" if layer.url else "") \
            if layer.note else ""
        out.append((
            "GeoJSON", f"{ft.title_de} (GeoJSON)",
            f"{layer.count} Gebiete mit den KECK-Atlas-Kennzahlen (Angebote je Kategorie, Plätze, "
            "nachts/am Wochenende geöffnet, kostenlos, je 10.000 Einwohner); auch als WFS-"
            f"Objektart keck:{ft.name} und WMS-Layer {ft.name} (ein Stil je Kennzahl).{note} "
            f"/ {ft.title_en}, also as WFS feature type and WMS layer.",
            f"/keck-homeless/ogcapi/collections/{ft.name}/items?f=json&limit=10000", True))
    return tuple(out)


DEFAULT_NAME = "keck-homeless-geodienste"
PRODUCT_NAME = "keck-homeless-hilfsangebote"
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


def _key(res: dict) -> tuple[str, str]:
    """A resource's identity across updates: its format and the path of its
    URL (the site URL may change; two resources may share a format, WMS and
    WFS share an endpoint)."""
    parts = urlsplit(res.get("url") or "")
    return res.get("format") or "", parts.path + ("?" + parts.query if parts.query else "")


def _resources(site_url: str, spec, existing: dict | None) -> list[dict]:
    old_resources = {_key(r): r for r in (existing or {}).get("resources", [])}
    resources = []
    for fmt, title, description, path, _view in spec:
        res = {"name": title, "description": description, "format": fmt,
               "url": resource_url(site_url, path, fmt)}
        if _key(res) in old_resources:
            res["id"] = old_resources[_key(res)]["id"]
        resources.append(res)
    return resources


def _spatial() -> str:
    minx, miny, maxx, maxy = COUNTY_BBOX
    return json.dumps({"type": "Polygon", "coordinates": [[
        [minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]})


def product_dict(site_url: str, owner_org: str, name: str, license_id: str,
                 existing: dict | None = None) -> dict:
    """The offers' dataset (the data product the DCAT catalogue lists)."""
    return {
        "type": "dataset",
        "name": name,
        "title": "Hilfsangebote für wohnungslose Menschen im Kreis Düren",
        "notes": (
            "Notunterkünfte, Essensausgaben, Trinkwasser, Tagesaufenthalte, Beratung, "
            "Duschen, Kleiderkammern und medizinische Hilfe für Menschen ohne Wohnung im "
            "Kreis Düren, gepflegt von den Trägern des Hilfenetzes. Geschützte Standorte "
            "(z. B. Frauenhäuser) sind ohne Adresse und Lage enthalten, ungefähre Standorte "
            "nur vergröbert.\n\n"
            "Help offers for people without a home in the Kreis Düren, kept by the partner "
            "organisations. Protected places come without address or position."),
        "owner_org": owner_org,
        "license_id": license_id,
        "tags": [{"name": t} for t in ("Wohnungslosenhilfe", "Hilfsangebote", "Soziales",
                                       "Notunterkunft", "HSDS", "Kreis Düren")],
        "spatial": _spatial(),
        "resources": _resources(site_url, PRODUCT_RESOURCES, existing),
    }


def dataset_dict(site_url: str, owner_org: str, name: str, license_id: str,
                 existing: dict | None = None, areas: tuple = ()) -> dict:
    """The services dataset (``areas``: :func:`area_resources`)."""
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
            "services (WMS, WFS, OGC API - Features). Protected locations are never included."
            + ("\n\nDazu die Gebiete des KECK-Atlas mit ihren Kennzahlen als WMS-Layer "
               "(Choroplethenkarte), WFS-Objektart und OGC-API-Sammlung. / Also the KECK-Atlas "
               "areas with their figures as map layer, feature type and collection."
               if areas else "")),
        "owner_org": owner_org,
        "license_id": license_id,
        "tags": [{"name": t} for t in ("Wohnungslosenhilfe", "Hilfsangebote", "WMS", "WFS",
                                       "OGC API", "Geodienst")],
        "spatial": _spatial(),
        "resources": _resources(site_url, RESOURCES + areas, existing),
    }


def publish(site_url: str, organization: str, name: str = DEFAULT_NAME,
            license_id: str = "dl-de-by-2.0", product_name: str = PRODUCT_NAME) -> dict:
    """Create or update the services dataset and the offers' dataset (as the
    site user) and add a ``geo_view`` to the previewable resources when
    ckanext-geoview is loaded.

    :returns: the services package (``package``), the offers' dataset
        (``product``) and ``views_created`` / ``geo_view`` info.
    """
    import ckan.plugins as plugins
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context():
        return {"ignore_auth": True, "user": site_user}

    from ckan import model

    from ckanext.keck_homeless.ogc import query

    org = tk.get_action("organization_show")(context(), {"id": organization})
    areas = area_resources(query.area_layers(model.meta.engine))

    def upsert(build, dataset_name, **kw):
        try:
            existing = tk.get_action("package_show")(context(), {"id": dataset_name})
        except tk.ObjectNotFound:
            existing = None
        data = build(site_url, org["id"], dataset_name, license_id, existing, **kw)
        if existing:
            data["id"] = existing["id"]
            return tk.get_action("package_update")(context(), data), False
        return tk.get_action("package_create")(context(), data), True

    pkg, created_services = upsert(dataset_dict, name, areas=areas)
    product, created_product = upsert(product_dict, product_name)
    geo_view = plugins.plugin_loaded("geo_view")
    created = 0
    if geo_view:
        created = _add_geo_views(pkg, RESOURCES + areas, context) + \
            _add_geo_views(product, PRODUCT_RESOURCES, context)
    return {"package": pkg, "product": product, "created": created_services,
            "product_created": created_product, "views_created": created,
            "geo_view": geo_view}


def _add_geo_views(pkg: dict, spec, context) -> int:
    import ckan.plugins.toolkit as tk

    previewable = {fmt for fmt, *_rest, view in spec if view}
    created = 0
    for res in pkg["resources"]:
        if res["format"] not in previewable:
            continue
        views = tk.get_action("resource_view_list")(context(), {"id": res["id"]})
        if any(v["view_type"] == "geo_view" for v in views):
            continue
        tk.get_action("resource_view_create")(context(), {
            "resource_id": res["id"], "view_type": "geo_view", "title": "Karte / Map"})
        created += 1
    return created
