"""Every mapping case of exchange/hsds.py validates against the HSDS schemas.

The API test covers the demo data; these offers add the cases it may lack:
every category and service, a temporary closure, an offer without phone or
hours, monthly and overnight hours, an ended offer, a non-UUID id.
"""
from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest

from ckanext.keck_homeless.exchange import hsds
from ckanext.keck_homeless.offers import codes
from tests.standards import hsds_dir

SITE = "https://hilfe.kreis-dueren.example"
TODAY = dt.date(2026, 12, 4)
BASE = {
    "package_id": "8b0d3c55-2f0e-4a57-9d57-0c9d1d0d4a11", "name": "beispiel", "title": "Beispiel",
    "owner_org": "1c6f0c8e-8d43-4a0a-9d1d-5d0a1b2c3d4e", "organization_title": "Verein",
    "category": "shelter", "services": ["shelter", "hygiene", "wifi"],
    "target_groups": ["adults", "women"], "languages": ["de", "ar", "gsg"],
    "street": "Beispielweg 1", "postcode": "52349", "municipality": "05358008",
    "municipality_name": "Düren", "location_visibility": "public", "precise": True,
    "opening_hours": "Mo-Su 19:00-08:00; Sa[1] 10:00-12:00; PH off",
    "opening_hours_note": "Einlass nur mit Ausweis", "admission_until": "23:00",
    "requirements_note": "Keine Drogen", "offer_status": "active", "phone": "02421 12345",
    "email": "notschlafstelle@example.org", "website": "https://example.org",
    "dogs_allowed": True, "women_only": False, "free_of_charge": True, "anonymous": True,
    "appointment_needed": False, "wheelchair": "limited", "accessibility_note": "Rampe",
    "capacity": 12, "last_verified": dt.date(2026, 11, 30),
    "metadata_modified": dt.datetime(2026, 12, 1, 10, 0), "lon": 6.4836, "lat": 50.8034,
    "notes": "Übernachtung", "fee_note": "Spende willkommen",
}
CASES = {
    "public": {},
    "approximate": {"location_visibility": "approximate", "precise": False, "street": "",
                    "postcode": ""},
    "protected": {"protected": True, "location_visibility": "hidden", "lon": None,
                  "lat": None, "email": "", "notes": ""},
    "closed": {"offer_status": "temporarily_closed", "closed_until": dt.date(2026, 12, 15),
               "status_note": "Renovierung"},
    "ended": {"offer_status": "ended"},
    "bare": {"phone": "", "opening_hours": "", "opening_hours_note": "", "languages": [],
             "services": [], "wheelchair": "unknown", "last_verified": None,
             "metadata_modified": None},
    "words only": {"opening_hours": '"nach Vereinbarung"'},
    "24/7": {"opening_hours": "24/7"},
    "not a uuid": {"package_id": "legacy-42"},
    **{f"category {c.code}": {"category": c.code, "services": [c.code]}
       for c in codes.CATEGORIES},
}


@pytest.fixture(scope="module")
def validators():
    out = {}
    for name in ("compiled/service.json", "compiled/service_at_location.json",
                 "compiled/organization.json", "taxonomy_term.json", "taxonomy.json"):
        schema = json.loads((hsds_dir() / "schema" / name).read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        out[name] = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return out


def _valid(validator, document):
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors[:5]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["de", "en"])
def test_each_case_validates(case, lang, validators):
    offer = {**BASE, **CASES[case]}
    service = hsds.service(offer, SITE, today=TODAY, lang=lang)
    _valid(validators["compiled/service.json"], service)
    located = hsds.service_at_location(offer, SITE, today=TODAY, lang=lang, full=True)
    if offer.get("protected"):
        assert located is None and service["service_at_locations"] == []
    else:
        _valid(validators["compiled/service_at_location.json"], located)
    org = {"id": offer["owner_org"], "name": "verein", "title": "Verein", "description": ""}
    _valid(validators["compiled/organization.json"],
           hsds.organization_full(org, [offer], SITE, today=TODAY, lang=lang,
                                  full_service=True))


def test_taxonomy_validates_and_ids_are_stable(validators):
    _valid(validators["taxonomy.json"], hsds.taxonomy(SITE))
    terms = hsds.taxonomy_terms(SITE)
    for term in terms:
        _valid(validators["taxonomy_term.json"], term)
    assert len({t["id"] for t in terms}) == len(codes.SERVICES)
    assert hsds.term_id("shelter") == hsds.term_id("shelter") != hsds.term_id("meal")
    shelter = next(t for t in terms if t["code"] == "shelter")
    assert shelter["term_uri"].endswith("Tag:social_facility%3Dshelter")


def test_mapping_details():
    offer = {**BASE, **CASES["closed"]}
    service = hsds.service(offer, SITE, today=TODAY)
    assert service["status"] == "temporarily closed"
    assert service["alert"].startswith("Vorübergehend geschlossen bis 15.12.2026")
    assert hsds.service({**BASE, "offer_status": "ended"}, SITE, today=TODAY)["status"] == \
        "defunct"
    assert service["id"] == BASE["package_id"]
    legacy = hsds.service({**BASE, "package_id": "legacy-42"}, SITE, today=TODAY)
    assert legacy["id"] == hsds.derived_id("service", "legacy-42")
    english = hsds.service(BASE, SITE, today=TODAY, lang="en")
    assert english["fees_description"].startswith("Free of charge")
    assert {lang["code"] for lang in english["languages"]} == {"de", "ar", "gsg"}
    location = service["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "52349"
    assert location["accessibility"][0]["details"] == "Rampe"
    monthly = [s for s in service["schedules"] if s.get("freq") == "MONTHLY"]
    assert monthly and monthly[0]["byday"] == "1SA"
