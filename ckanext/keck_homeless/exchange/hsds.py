"""Help offers as Open Referral HSDS 3.0 objects (no CKAN imports).

The mapping (see also README, "HSDS 3.0"):

* organization = CKAN organisation (its id, title, description);
* service = help offer (id = the CKAN dataset id, a UUID); ``status`` from
  ``offer_status``; phones, languages, schedules (``hsds_schedules.py``),
  the category and further services as taxonomy terms (``attributes``);
* location + service_at_location only as *published*: a public offer with
  its address and point, an approximate one with the coarsened point and
  its town only, a protected (``hidden``) one with no location at all —
  the inputs are the feature store's rows and the finder's whitelist of a
  protected offer, which never hold more (``store/published.py``,
  ``finder/protected.py``);
* taxonomy = our categories and services, each term with the
  OpenStreetMap tag it corresponds to as ``term_uri``.

Every other id is a name-based UUID (version 5) of the CKAN id and the
object's role, so ids stay stable across requests and exports.
"""
from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ckanext.keck_homeless.exchange import hsds_schedules
from ckanext.keck_homeless.offers import codes

#: HSDS version this API implements (the ``/`` document's ``version``).
VERSION = "3.0"
#: Namespace of the derived UUIDs (fixed: changing it changes every id).
NAMESPACE = uuid.UUID("0b3f8a52-6f0e-5c1b-9a37-4b2d9e61c0d4")
TAXONOMY_NAME = "KECK Hilfsangebote (Kreis Düren)"
OSM_WIKI = "https://wiki.openstreetmap.org/wiki/"

_STATUS = {"active": "active", "temporarily_closed": "temporarily closed", "ended": "defunct"}
_TERMS = {c.code: c for c in codes.SERVICES}


def derived_id(role: str, key: str) -> str:
    """A stable UUID for an object that CKAN has no id of its own for."""
    return str(uuid.uuid5(NAMESPACE, f"{role}:{key}"))


def as_uuid(ckan_id: str, role: str = "service") -> str:
    """A CKAN id as HSDS id: itself when it is a UUID (it is for every
    dataset and organisation CKAN creates), else one derived from it."""
    try:
        return str(uuid.UUID(ckan_id))
    except (ValueError, AttributeError, TypeError):
        return derived_id(role, str(ckan_id))


def service_id(package_id: str) -> str:
    return as_uuid(package_id, "service")


def organization_id(org_id: str) -> str:
    return as_uuid(org_id, "organization")


def taxonomy_id() -> str:
    return derived_id("taxonomy", "keck-homeless")


def term_id(code: str) -> str:
    return derived_id("taxonomy_term", code)


def _osm_uri(code: codes.Code) -> str:
    """The OSM tag that names the kind of facility (``social_facility=…``,
    else the most specific one) as its wiki page; ``Key:service`` for a
    service that has no tag of its own."""
    if not code.osm:
        return f"{OSM_WIKI}Key:service"
    tags = dict(code.osm)
    key = "social_facility" if "social_facility" in tags else code.osm[-1][0]
    value = tags[key]
    return f"{OSM_WIKI}Tag:{quote(key)}%3D{quote(value)}"


def taxonomy(site_url: str) -> dict[str, Any]:
    return {
        "id": taxonomy_id(),
        "name": TAXONOMY_NAME,
        "description": ("Kategorien und Leistungen der Hilfsangebote für wohnungslose Menschen "
                        "im Kreis Düren; jeder Begriff verweist auf das entsprechende "
                        "OpenStreetMap-Tag. / Categories and services of the help offers, each "
                        "linked to its OpenStreetMap tag."),
        "uri": f"{site_url.rstrip('/')}/keck-homeless/hsds/taxonomies/{taxonomy_id()}",
        "version": "1",
    }


def taxonomy_terms(site_url: str, lang: str = "de") -> list[dict[str, Any]]:
    out = []
    for code in codes.SERVICES:
        kind = "Kategorie" if code in codes.CATEGORIES else "Leistung"
        out.append({
            "id": term_id(code.code),
            "code": code.code,
            "name": code.label(lang),
            "description": f"{kind}: {code.label('de')} / {code.label('en')}",
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": taxonomy_id(),
            "language": lang[:2],
            "term_uri": _osm_uri(code),
        })
    return out


def _term(code: str, site_url: str, lang: str) -> dict[str, Any] | None:
    for term in taxonomy_terms(site_url, lang):
        if term["code"] == code:
            return term
    return None


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    try:
        return dt.date.fromisoformat(text[:10]).isoformat() if text else None
    except ValueError:
        return None


def _timestamp(value: Any) -> str | None:
    """RFC 3339 (CKAN keeps naive UTC timestamps)."""
    if isinstance(value, str) and value:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()] if value else []
    return [str(v) for v in (value or []) if v]


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _de_date(value: Any) -> str:
    iso = _date(value)
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else ""


# --------------------------------------------------------------------------
# Objects
# --------------------------------------------------------------------------


def organization(org: Mapping[str, Any], site_url: str) -> dict[str, Any]:
    """HSDS organization (list form) of a CKAN organisation dict."""
    out = {
        "id": organization_id(org["id"]),
        "name": _text(org.get("title")) or org["name"],
        "description": _text(org.get("description")),
        "uri": f"{site_url.rstrip('/')}/organization/{quote(org['name'])}",
    }
    if _text(org.get("image_url")).startswith(("http://", "https://")):
        out["logo"] = org["image_url"]
    return out


def _phones(offer: Mapping[str, Any], sid: str, lang: str) -> list[dict[str, Any]]:
    number = _text(offer.get("phone"))
    if not number:
        return []
    return [{"id": derived_id("phone", sid), "service_id": sid, "number": number,
             "type": "voice",
             "languages": _languages(offer, sid, lang, "phone")}]


def _languages(offer: Mapping[str, Any], sid: str, lang: str,
               role: str = "service") -> list[dict[str, Any]]:
    out = []
    for code in _as_list(offer.get("languages")):
        item = {"id": derived_id(f"{role}_language", f"{sid}:{code}"),
                "name": codes.label("languages", code, lang), "code": code}
        if role == "service":
            item["service_id"] = sid
        else:
            item["phone_id"] = derived_id("phone", sid)
        out.append(item)
    return out


def _attributes(offer: Mapping[str, Any], sid: str, site_url: str,
                lang: str) -> list[dict[str, Any]]:
    seen = []
    for code in [offer.get("category"), *_as_list(offer.get("services"))]:
        if code and code in _TERMS and code not in seen:
            seen.append(code)
    out = []
    for code in seen:
        term = _term(code, site_url, lang)
        out.append({"id": derived_id("attribute", f"{sid}:{code}"), "link_id": sid,
                    "link_type": "service", "link_entity": "service",
                    "taxonomy_term_id": term_id(code), "taxonomy_term": term,
                    "value": "category" if code == offer.get("category") else "service"})
    return out


def _schedules(offer: Mapping[str, Any], sid: str, today: dt.date) -> list[dict[str, Any]]:
    out = []
    items = hsds_schedules.schedules(offer.get("opening_hours"), today,
                                     _text(offer.get("opening_hours_note")) or None)
    for item in items:
        key = "|".join(str(item.get(k, "")) for k in
                       ("freq", "byday", "opens_at", "closes_at", "valid_from", "valid_to",
                        "description"))
        out.append({"id": derived_id("schedule", f"{sid}:{key}"), "service_id": sid, **item})
    return out


def _eligibility(offer: Mapping[str, Any], lang: str) -> str:
    parts = []
    groups = [codes.label("target_groups", g, lang) for g in _as_list(offer.get("target_groups"))]
    if groups:
        parts.append(("Für: " if lang.startswith("de") else "For: ") + ", ".join(groups))
    if _bool(offer.get("women_only")):
        parts.append("Nur für Frauen" if lang.startswith("de") else "Women only")
    if _bool(offer.get("dogs_allowed")):
        parts.append("Hunde erlaubt" if lang.startswith("de") else "Dogs allowed")
    if _text(offer.get("requirements_note")):
        parts.append(_text(offer["requirements_note"]))
    return ". ".join(parts)


def _application(offer: Mapping[str, Any], lang: str) -> str:
    de = lang.startswith("de")
    parts = []
    if _text(offer.get("admission_until")):
        parts.append(("Einlass bis " if de else "Admission until ") + offer["admission_until"])
    if _bool(offer.get("appointment_needed")):
        parts.append("Nur mit Termin" if de else "By appointment only")
    if _bool(offer.get("anonymous")):
        parts.append("Anonym möglich" if de else "Anonymous use possible")
    return ". ".join(parts)


def _alert(offer: Mapping[str, Any], lang: str) -> str:
    de = lang.startswith("de")
    parts = []
    if offer.get("offer_status") == "temporarily_closed":
        until = _de_date(offer.get("closed_until"))
        text = "Vorübergehend geschlossen" if de else "Temporarily closed"
        parts.append(f"{text} {'bis' if de else 'until'} {until}" if until else text)
    if _text(offer.get("status_note")):
        parts.append(_text(offer["status_note"]))
    return ". ".join(parts)


def _fees(offer: Mapping[str, Any], lang: str) -> str:
    parts = []
    if _bool(offer.get("free_of_charge")):
        parts.append("Kostenlos" if lang.startswith("de") else "Free of charge")
    if _text(offer.get("fee_note")):
        parts.append(_text(offer["fee_note"]))
    return ". ".join(parts)


def _location(offer: Mapping[str, Any], sid: str, lang: str) -> dict[str, Any] | None:
    """The published location, or ``None`` for a protected offer."""
    if offer.get("location_visibility") == "hidden" or offer.get("protected"):
        return None
    lon, lat = _finite(offer.get("lon")), _finite(offer.get("lat"))
    if lon is None or lat is None:
        return None
    lid = derived_id("location", sid)
    town = _text(offer.get("municipality_name"))
    location: dict[str, Any] = {
        "id": lid, "location_type": "physical", "name": _text(offer.get("title")),
        "latitude": round(lat, 7), "longitude": round(lon, 7),
    }
    if offer.get("precise") is False or offer.get("location_visibility") == "approximate":
        location["description"] = (
            f"Ungefähre Lage{' in ' + town if town else ''}: genaue Adresse telefonisch. / "
            f"Approximate position{' in ' + town if town else ''}: ask by phone for the address.")
        location["addresses"] = []
    elif _text(offer.get("street")) and _text(offer.get("postcode")) and town:
        location["addresses"] = [{
            "id": derived_id("address", sid), "location_id": lid,
            "address_1": _text(offer.get("street")), "city": town,
            "region": "Kreis Düren", "state_province": "Nordrhein-Westfalen",
            "postal_code": _text(offer.get("postcode")), "country": "DE",
            "address_type": "physical"}]
    else:
        location["addresses"] = []
    wheelchair = _text(offer.get("wheelchair"))
    if wheelchair and wheelchair != "unknown":
        item = {"id": derived_id("accessibility", sid), "location_id": lid,
                "description": codes.label("wheelchair", wheelchair, lang)}
        if _text(offer.get("accessibility_note")):
            item["details"] = _text(offer["accessibility_note"])
        location["accessibility"] = [item]
    return location


def service(offer: Mapping[str, Any], site_url: str, *, today: dt.date,
            lang: str = "de", full: bool = True) -> dict[str, Any]:
    """An HSDS service; ``full`` nests phones, schedules, languages,
    taxonomy terms and the service's location(s)."""
    sid = service_id(offer["package_id"])
    out: dict[str, Any] = {
        "id": sid,
        "name": _text(offer.get("title")) or offer["name"],
        "description": _text(offer.get("notes")),
        "url": f"{site_url.rstrip('/')}/hilfe/{quote(offer['name'])}",
        "status": _STATUS.get(offer.get("offer_status") or "active", "active"),
    }
    if offer.get("owner_org"):
        out["organization_id"] = organization_id(offer["owner_org"])
    for key, value in (("email", _text(offer.get("email"))),
                       ("fees_description", _fees(offer, lang)),
                       ("eligibility_description", _eligibility(offer, lang)),
                       ("application_process", _application(offer, lang)),
                       ("alert", _alert(offer, lang)),
                       ("assured_date", _date(offer.get("last_verified"))),
                       ("last_modified", _timestamp(offer.get("metadata_modified")))):
        if value:
            out[key] = value
    if not full:
        return out
    out["phones"] = _phones(offer, sid, lang)
    out["schedules"] = _schedules(offer, sid, today)
    out["languages"] = _languages(offer, sid, lang)
    out["attributes"] = _attributes(offer, sid, site_url, lang)
    location = _location(offer, sid, lang)
    out["service_at_locations"] = ([{
        "id": derived_id("service_at_location", sid), "service_id": sid,
        "location_id": location["id"], "location": location}] if location else [])
    return out


def minimal(offer: Mapping[str, Any]) -> dict[str, Any]:
    """``?minimal=true``: id and modification time only."""
    out = {"id": service_id(offer["package_id"])}
    stamp = _timestamp(offer.get("metadata_modified"))
    if stamp:
        out["last_modified"] = stamp
    return out


def service_at_location(offer: Mapping[str, Any], site_url: str, *, today: dt.date,
                        lang: str = "de", full: bool = False) -> dict[str, Any] | None:
    """The service-at-location of a located offer (``None`` for a protected
    one); the list form nests the location and the service's one-to-one
    fields, the full form its phones and schedules too."""
    sid = service_id(offer["package_id"])
    location = _location(offer, sid, lang)
    if location is None:
        return None
    item = {"id": derived_id("service_at_location", sid), "service_id": sid,
            "location_id": location["id"], "location": location,
            "service": service(offer, site_url, today=today, lang=lang, full=False)}
    if full:
        item["phones"] = _phones(offer, sid, lang)
        item["schedules"] = _schedules(offer, sid, today)
        item["attributes"] = _attributes(offer, sid, site_url, lang)
    return item


def organization_full(org: Mapping[str, Any], offers: Iterable[Mapping[str, Any]],
                      site_url: str, *, today: dt.date, lang: str = "de",
                      full_service: bool = False) -> dict[str, Any]:
    """An organisation with its services (one-to-one fields, or fully
    nested with ``full_service``)."""
    out = organization(org, site_url)
    out["services"] = [service(o, site_url, today=today, lang=lang, full=full_service)
                       for o in offers if o.get("owner_org") == org["id"]]
    return out


def page(items: Sequence[Any], number: int, per_page: int, total: int) -> dict[str, Any]:
    """The API reference's paging envelope."""
    pages = max(1, math.ceil(total / per_page)) if per_page else 1
    return {"total_items": total, "total_pages": pages, "page_number": number,
            "size": len(items), "first_page": number == 1, "last_page": number >= pages,
            "empty": total == 0, "contents": list(items)}
