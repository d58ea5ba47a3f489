"""Tabular HSDS (a Frictionless data package) and this API's OpenAPI document.

The data package is a ZIP of one CSV per HSDS table we fill plus
``datapackage.json`` describing them with the field names, types, formats,
required flags, primary and foreign keys of the HSDS 3.0 tabular
specification (only the tables and fields we fill; every value comes from
the same objects the JSON API serves, ``exchange/hsds.py``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from ckanext.keck_homeless.exchange import hsds

#: table → (field, type, format, required); types as in HSDS's datapackage.json
TABLES: dict[str, tuple[tuple[str, str, str | None, bool], ...]] = {
    "organization": (
        ("id", "string", "uuid", True), ("name", "string", None, True),
        ("description", "string", None, True), ("logo", "string", None, False),
        ("uri", "string", "uri", False)),
    "service": (
        ("id", "string", "uuid", True), ("organization_id", "string", "uuid", True),
        ("name", "string", None, True), ("description", "string", None, False),
        ("url", "string", "uri", False), ("email", "string", "email", False),
        ("status", "string", None, True), ("application_process", "string", None, False),
        ("fees_description", "string", None, False),
        ("eligibility_description", "string", None, False),
        ("assured_date", "date", None, False), ("alert", "string", None, False),
        ("last_modified", "datetime", None, False)),
    "location": (
        ("id", "string", "uuid", True), ("location_type", "string", None, True),
        ("name", "string", None, False), ("description", "string", None, False),
        ("latitude", "number", None, False), ("longitude", "number", None, False)),
    "address": (
        ("id", "string", "uuid", True), ("location_id", "string", "uuid", False),
        ("address_1", "string", None, True), ("city", "string", None, True),
        ("region", "string", None, False), ("state_province", "string", None, True),
        ("postal_code", "string", None, True), ("country", "string", None, True),
        ("address_type", "string", None, True)),
    "service_at_location": (
        ("id", "string", "uuid", True), ("service_id", "string", "uuid", True),
        ("location_id", "string", "uuid", True)),
    "phone": (
        ("id", "string", "uuid", True), ("service_id", "string", "uuid", False),
        ("number", "string", None, True), ("type", "string", None, False)),
    "language": (
        ("id", "string", "uuid", True), ("service_id", "string", "uuid", False),
        ("phone_id", "string", "uuid", False), ("name", "string", None, False),
        ("code", "string", None, False)),
    "schedule": (
        ("id", "string", "uuid", True), ("service_id", "string", "uuid", False),
        ("valid_from", "date", None, False), ("valid_to", "date", None, False),
        ("wkst", "string", None, False), ("freq", "string", None, False),
        ("interval", "number", None, False), ("byday", "string", None, False),
        ("description", "string", None, False), ("opens_at", "time", None, False),
        ("closes_at", "time", None, False), ("notes", "string", None, False)),
    "accessibility": (
        ("id", "string", "uuid", True), ("location_id", "string", "uuid", False),
        ("description", "string", None, False), ("details", "string", None, False)),
    "taxonomy": (
        ("id", "string", "uuid", True), ("name", "string", None, True),
        ("description", "string", None, True), ("uri", "string", "uri", False),
        ("version", "string", None, False)),
    "taxonomy_term": (
        ("id", "string", "uuid", True), ("code", "string", None, False),
        ("name", "string", None, True), ("description", "string", None, True),
        ("taxonomy", "string", None, False), ("language", "string", None, False),
        ("taxonomy_id", "string", "uuid", False), ("term_uri", "string", "uri", False)),
    "attribute": (
        ("id", "string", "uuid", True), ("link_id", "string", "uuid", True),
        ("taxonomy_term_id", "string", "uuid", True), ("link_type", "string", None, False),
        ("link_entity", "string", None, True), ("value", "string", None, False)),
}
#: table → (field, referenced table)
FOREIGN_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "service": (("organization_id", "organization"),),
    "address": (("location_id", "location"),),
    "service_at_location": (("service_id", "service"), ("location_id", "location")),
    "phone": (("service_id", "service"),),
    "language": (("service_id", "service"), ("phone_id", "phone")),
    "schedule": (("service_id", "service"),),
    "accessibility": (("location_id", "location"),),
    "taxonomy_term": (("taxonomy_id", "taxonomy"),),
    "attribute": (("taxonomy_term_id", "taxonomy_term"),),
}
#: file names as in the HSDS tabular package
PATHS = {"organization": "organizations.csv", "service": "services.csv",
         "location": "locations.csv", "address": "addresses.csv",
         "service_at_location": "service_at_location.csv", "phone": "phones.csv",
         "language": "languages.csv", "schedule": "schedules.csv",
         "accessibility": "accessibility.csv", "taxonomy": "taxonomies.csv",
         "taxonomy_term": "taxonomy_terms.csv", "attribute": "attributes.csv"}


def descriptor(site_url: str, today: dt.date) -> dict[str, Any]:
    resources = []
    for table, fields in TABLES.items():
        schema: dict[str, Any] = {
            "fields": [{"name": name, "type": kind,
                        **({"format": fmt} if fmt else {}),
                        "constraints": {"required": required}}
                       for name, kind, fmt, required in fields],
            "primaryKey": "id",
        }
        if table in FOREIGN_KEYS:
            schema["foreignKeys"] = [{"fields": f, "reference": {"resource": ref, "fields": "id"}}
                                     for f, ref in FOREIGN_KEYS[table]]
        resources.append({"name": table, "path": PATHS[table], "profile": "tabular-data-resource",
                          "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": schema})
    return {
        "name": "hsds-kreis-dueren",
        "title": "Hilfsangebote für wohnungslose Menschen im Kreis Düren (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": today.isoformat(),
        "homepage": site_url.rstrip("/") + "/hilfe",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "resources": resources,
    }


def _table_times(schedule: Mapping[str, Any]) -> dict[str, Any]:
    """Table Schema's ``time`` is ``HH:MM:SS`` (with an optional offset);
    the JSON API keeps HSDS's ``HH:MM`` + offset."""
    out = dict(schedule)
    for key in ("opens_at", "closes_at"):
        if out.get(key):
            out[key] = out[key][:5] + ":00" + out[key][5:]
    return out


def _rows(services: Iterable[Mapping[str, Any]], orgs: Iterable[Mapping[str, Any]],
          site_url: str, lang: str) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    tables["organization"] = list(orgs)
    tables["taxonomy"] = [hsds.taxonomy(site_url)]
    tables["taxonomy_term"] = hsds.taxonomy_terms(site_url, lang)
    for svc in services:
        tables["service"].append(svc)
        for phone in svc.get("phones", []):
            tables["phone"].append(phone)
            tables["language"].extend(phone.get("languages", []))
        tables["language"].extend(svc.get("languages", []))
        tables["schedule"].extend(_table_times(s) for s in svc.get("schedules", []))
        tables["attribute"].extend(a for a in svc.get("attributes", [])
                                   if a.get("taxonomy_term_id"))
        for sal in svc.get("service_at_locations", []):
            location = sal["location"]
            tables["service_at_location"].append(sal)
            tables["location"].append(location)
            tables["address"].extend(location.get("addresses", []))
            tables["accessibility"].extend(location.get("accessibility", []))
    return tables


def _csv(rows: list[Mapping[str, Any]], fields) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f[0] for f in fields])
    for row in rows:
        writer.writerow(["" if row.get(f[0]) is None else row.get(f[0]) for f in fields])
    return out.getvalue().encode("utf-8")


def zip_bytes(directory, site_url: str, *, today: dt.date, lang: str = "de") -> bytes:
    """The data package of every published offer as ZIP bytes."""
    services = [hsds.service(o, site_url, today=today, lang=lang, full=True)
                for o in directory.offers]
    orgs = [hsds.organization(o, site_url) for o in directory.organizations]
    tables = _rows(services, orgs, site_url, lang)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", json.dumps(descriptor(site_url, today),
                                                   ensure_ascii=False, indent=2))
        for table, fields in TABLES.items():
            zf.writestr(PATHS[table], _csv(tables[table], fields))
    return buf.getvalue()


# --------------------------------------------------------------------------
# OpenAPI
# --------------------------------------------------------------------------

_SCHEMA = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _param(name: str, kind: str = "string", where: str = "query") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": {"type": kind}}


def _list(ref: str, params: list[str]) -> dict[str, Any]:
    kinds = {"page": "integer", "per_page": "integer", "full": "boolean",
             "minimal": "boolean", "full_service": "boolean"}
    return {"get": {
        "parameters": [_param(p, kinds.get(p, "string")) for p in params],
        "responses": {
            "200": {"description": "A page of results.", "content": {"application/json": {
                "schema": {"allOf": [{"$ref": "#/components/schemas/Page"}], "properties": {
                    "contents": {"type": "array", "items": {"$ref": _SCHEMA + ref}}}}}}},
            "400": {"description": "Invalid parameter."}}}}


def _one(ref: str) -> dict[str, Any]:
    return {"get": {
        "parameters": [_param("id", where="path")],
        "responses": {
            "200": {"description": "One object.", "content": {"application/json": {
                "schema": {"$ref": _SCHEMA + ref}}}},
            "404": {"description": "Not found."}}}}


def openapi(base_url: str) -> dict[str, Any]:
    """This API's OpenAPI 3.0 document (paths of the HSDS API reference we
    serve, responses referencing the official HSDS 3.0 schemas)."""
    paging = ["page", "per_page", "format"]
    service_filters = ["search", "taxonomy_term_id", "taxonomy_id", "organization_id",
                       "modified_after", "postcode", "full"]
    return {
        "openapi": "3.0.3",
        "info": {"title": "HSDS 3.0 – Hilfsangebote Kreis Düren", "version": hsds.VERSION,
                 "description": "Open Referral HSDS 3.0 read API of ckanext-keck_homeless."},
        "servers": [{"url": base_url}],
        "paths": {
            "/": {"get": {"responses": {"200": {"description": "API information."}}}},
            "/services": _list("compiled/service_list.json",
                               [*service_filters, "minimal", *paging]),
            "/services/{id}": _one("compiled/service.json"),
            "/service_at_locations": _list("compiled/service_at_location_list.json",
                                           [*service_filters, *paging]),
            "/service_at_locations/{id}": _one("compiled/service_at_location.json"),
            "/organizations": _list("compiled/organization_list.json",
                                    ["search", "full", "full_service", *paging]),
            "/organizations/{id}": _one("compiled/organization.json"),
            "/taxonomies": _list("taxonomy.json", ["search", *paging]),
            "/taxonomies/{id}": _one("taxonomy.json"),
            "/taxonomy_terms": _list("taxonomy_term.json",
                                     ["search", "taxonomy_id", "parent_id", *paging]),
            "/taxonomy_terms/{id}": _one("taxonomy_term.json"),
        },
        "components": {"schemas": {"Page": {"type": "object", "properties": {
            "total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
            "page_number": {"type": "integer"}, "size": {"type": "integer"},
            "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"}}}}},
    }
