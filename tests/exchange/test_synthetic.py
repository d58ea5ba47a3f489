"""The synthetic offer generator and the demo data (plain pytest, no CKAN).

Both are checked by one helper, :func:`row_problems`, which spells out the
rules of the offer CSV; where the domain rules (``offers/rules.py``) are
importable, every row is also passed through ``rules.check_offer``.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import opening_hours
import pytest

from bench import synthetic
from ckanext.keck_homeless.offers import codes
from ckanext.keck_homeless.offers import rules as domain_rules

ROOT = Path(__file__).resolve().parents[2]

DEMO_DIR = ROOT / "dev" / "demo"
REFERENCE_DATE = date(2026, 11, 25)  # "today" of the demo data
BBOX = (6.19, 50.59, 6.73, 51.05)
MAX_KM_FROM_CENTRE = 1.5

HEADER = (
    "external_id,name,title,notes,owner_org,category,services,target_groups,dogs_allowed,"
    "women_only,free_of_charge,anonymous,appointment_needed,fee_note,requirements_note,street,"
    "postcode,municipality,district,lat,lon,location_visibility,opening_hours,opening_hours_note,"
    "admission_until,valid_from,valid_until,offer_status,status_note,closed_until,phone,email,website,languages,wheelchair,"
    "accessibility_note,capacity,last_verified,verified_by"
)
COLUMNS = tuple(HEADER.split(","))

#: Postcodes per municipality (the brief's table, kept apart from the generator's).
POSTCODES = {
    "Aldenhoven": {"52457"}, "Düren": {"52349", "52351", "52353", "52355"},
    "Heimbach": {"52396"}, "Hürtgenwald": {"52393"}, "Inden": {"52459"},
    "Jülich": {"52428"}, "Kreuzau": {"52372"}, "Langerwehe": {"52379"},
    "Linnich": {"52441"}, "Merzenich": {"52399"}, "Nideggen": {"52385"},
    "Niederzier": {"52382"}, "Nörvenich": {"52388"}, "Titz": {"52445"},
    "Vettweiß": {"52391"},
}

SLUG_RE = re.compile(r"^[a-z0-9-]{2,100}$")
STREET_RE = re.compile(r"^[A-ZÄÖÜ][\w .\-/äöüß]* \d{1,4}[a-z]?$")
COORD_RE = re.compile(r"^\d{1,2}\.\d{5,6}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Bundesnetzagentur "Drama Numbers" (never assigned): Köln 0221 4710 000–999.
PHONE_RE = re.compile(r"^0221 4710-\d{3}$")
EMAIL_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*@([a-z0-9-]+\.)+example\.org$")
WEBSITE_RE = re.compile(r"^https://([a-z0-9-]+\.)*example\.org(/\S*)?$")
BOOLEANS = {"true", "false"}
NOT_WOMEN_ONLY = {"men", "everyone", "adults"}


@cache
def _hours_ok(value: str) -> bool:
    return opening_hours.validate(value)


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon1 - lon2) * 111.195 * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat1 - lat2) * 111.195
    return math.hypot(dx, dy)


def _date(row: dict, field: str, problems: list[str]) -> date | None:
    value = row[field]
    if not value:
        return None
    try:
        if not DATE_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{field}: not an ISO date: {value!r}")
        return None


def _codes(row: dict, field: str, problems: list[str], *, multi: bool) -> list[str]:
    if multi and not row[field]:
        return []
    values = row[field].split("|") if multi else [row[field]]
    allowed = codes.codes(field)
    for v in values:
        if v not in allowed:
            problems.append(f"{field}: unknown code {v!r}")
    return values


def _location_problems(row: dict, problems: list[str]) -> None:
    ags = row["municipality"]
    muni = codes.MUNICIPALITY_BY_AGS.get(ags)
    if muni is None:
        problems.append(f"municipality: unknown AGS {ags!r}")
    _visibility_problems(row, problems)
    if row["street"] and not STREET_RE.match(row["street"]):
        problems.append(f"street: {row['street']!r} is not 'Name Nr'")
    if row["postcode"] and muni and row["postcode"] not in POSTCODES[muni.name]:
        problems.append(f"postcode {row['postcode']} is not in {muni.name}")
    if not (row["lat"] or row["lon"]):
        return
    if not (COORD_RE.match(row["lat"]) and COORD_RE.match(row["lon"])):
        problems.append(f"lat/lon need 5-6 decimals: {row['lat']!r}, {row['lon']!r}")
        return
    lat, lon = float(row["lat"]), float(row["lon"])
    if not (BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]):
        problems.append(f"position {lon},{lat} outside the Kreis Düren")
    if muni and _km(lon, lat, *muni.centre) > MAX_KM_FROM_CENTRE:
        problems.append(f"position more than {MAX_KM_FROM_CENTRE} km from the centre of {muni.name}")


def _visibility_problems(row: dict, problems: list[str]) -> None:
    """What each location_visibility requires and forbids."""
    vis = row["location_visibility"]
    if row["category"] == "protection" and vis != "hidden":
        problems.append("protection offers must be hidden")
    required = {"public": ("street", "postcode", "lat", "lon"),
                "approximate": ("lat", "lon"), "hidden": ("phone",)}.get(vis, ())
    for field in required:
        if not row[field]:
            problems.append(f"{vis} offer needs {field}")
    if vis == "hidden":
        for field in ("street", "lat", "lon"):
            if row[field]:
                problems.append(f"hidden offer must not have {field}")


def _domain_problems(row: dict, problems: list[str]) -> None:
    """The importer's cross-field rules, where available."""
    offer = dict(row)
    if row["lat"] and row["lon"]:
        offer["spatial"] = domain_rules.point_geojson(float(row["lon"]), float(row["lat"]))
    for field, msgs in domain_rules.check_offer(offer).items():
        problems.extend(f"rules.check_offer {field}: {m.text('en')}" for m in msgs)
    for field, pattern in (("phone", domain_rules.PHONE_RE), ("email", domain_rules.EMAIL_RE),
                           ("website", domain_rules.URL_RE)):
        if row[field] and not pattern.match(row[field]):
            problems.append(f"{field}: rejected by the domain rules: {row[field]!r}")


def _coded_problems(row: dict, organizations: set[str], problems: list[str]) -> None:
    """Slug, owner, code lists and booleans, with their consistency."""
    if not SLUG_RE.match(row["name"]):
        problems.append(f"name is no slug: {row['name']!r}")
    if row["owner_org"] not in organizations:
        problems.append(f"owner_org {row['owner_org']!r} is unknown")
    for field in ("category", "location_visibility", "offer_status", "wheelchair"):
        _codes(row, field, problems, multi=False)
    groups = _codes(row, "target_groups", problems, multi=True)
    _codes(row, "services", problems, multi=True)
    _codes(row, "languages", problems, multi=True)
    for field in ("dogs_allowed", "women_only", "free_of_charge", "anonymous",
                  "appointment_needed"):
        if row[field] not in BOOLEANS:
            problems.append(f"{field}: {row[field]!r} is not true/false")
    if row["women_only"] == "true" and ("women" not in groups or NOT_WOMEN_ONLY & set(groups)):
        problems.append(f"women_only but target_groups {row['target_groups']!r}")
    if row["free_of_charge"] == "false" and not row["fee_note"]:
        problems.append("not free of charge, but no fee_note")
    if row["capacity"] and not row["capacity"].isdigit():
        problems.append(f"capacity is no whole number: {row['capacity']!r}")


def _time_problems(row: dict, problems: list[str]) -> None:
    """Opening hours, validity, status and verification date."""
    if row["opening_hours"] and not _hours_ok(row["opening_hours"]):
        problems.append(f"opening_hours invalid: {row['opening_hours']!r}")
    if row["admission_until"] and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d",
                                                    row["admission_until"]):
        problems.append(f"admission_until not HH:MM: {row['admission_until']!r}")
    valid_from, valid_until = _date(row, "valid_from", problems), _date(row, "valid_until", problems)
    if valid_from and valid_until and valid_until < valid_from:
        problems.append("valid_until before valid_from")
    verified = _date(row, "last_verified", problems)
    if verified and verified > REFERENCE_DATE:
        problems.append(f"last_verified {verified} is in the future")
    if row["offer_status"] == "temporarily_closed" and not row["status_note"]:
        problems.append("temporarily_closed needs a status_note")


def _contact_problems(row: dict, problems: list[str]) -> None:
    """Fictional phone range, role mailboxes and web addresses at example.org."""
    if not PHONE_RE.match(row["phone"]) and (row["phone"] or row["location_visibility"] == "hidden"):
        problems.append(f"phone not from the fictional range: {row['phone']!r}")
    if row["email"] and not EMAIL_RE.match(row["email"]):
        problems.append(f"email not a mailbox at example.org: {row['email']!r}")
    if row["website"] and not WEBSITE_RE.match(row["website"]):
        problems.append(f"website not at example.org: {row['website']!r}")


def row_problems(row: dict, organizations: set[str]) -> list[str]:
    """Every rule of the offer CSV the row breaks (empty: valid)."""
    if tuple(row) != COLUMNS:
        return [f"columns differ: {sorted(set(row) ^ set(COLUMNS))}"]
    if not all(isinstance(v, str) for v in row.values()):
        return ["all values must be strings"]
    problems = [f"{field} is empty" for field in (
        "external_id", "title", "notes", "verified_by", "last_verified", "municipality",
        "target_groups") if not row[field].strip()]
    _coded_problems(row, organizations, problems)
    _location_problems(row, problems)
    _time_problems(row, problems)
    _contact_problems(row, problems)
    _domain_problems(row, problems)
    return problems


def check_rows(rows: list[dict], organizations) -> list[str]:
    """Problems of all rows (prefixed with the external_id), plus duplicates."""
    organizations = set(organizations)
    problems = [f"{row.get('external_id') or i}: {p}"
                for i, row in enumerate(rows) for p in row_problems(row, organizations)]
    for field in ("external_id", "name"):
        dupes = [v for v, n in Counter(r[field] for r in rows).items() if n > 1]
        if dupes:
            problems.append(f"duplicate {field}: {dupes[:5]}")
    return problems


def _read_demo_offers() -> list[dict]:
    with open(DEMO_DIR / "offers.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _demo_org_names() -> list[str]:
    return [o["name"] for o in json.loads((DEMO_DIR / "organizations.json").read_text("utf-8"))]


# --- the generator ----------------------------------------------------------

def test_csv_columns_are_the_exchange_format():
    assert synthetic.CSV_COLUMNS == COLUMNS


def test_generate_is_deterministic_per_seed():
    first = list(synthetic.generate(300, seed=5))
    assert first == list(synthetic.generate(300, seed=5))
    assert first != list(synthetic.generate(300, seed=6))


def test_generated_rows_follow_the_rules():
    rows = list(synthetic.generate(5000, seed=1))
    assert len(rows) == 5000
    assert check_rows(rows, synthetic.DEMO_ORGANIZATIONS) == []


def test_other_seeds_and_organizations_follow_the_rules():
    orgs = ("kreis-dueren", "verein_x")
    rows = list(synthetic.generate(1500, seed=99, organizations=orgs))
    assert check_rows(rows, orgs) == []
    assert {r["owner_org"] for r in rows} == set(orgs)


def test_first_rows_cover_all_municipalities_and_categories():
    rows = list(synthetic.generate(15, seed=3))
    assert {r["municipality"] for r in rows} == set(codes.codes("municipality"))
    assert {r["category"] for r in rows[:12]} == set(codes.codes("category"))


def test_100k_rows_unique_inside_and_spread():
    rows = list(synthetic.generate(100_000, seed=2))
    assert len({r["external_id"] for r in rows}) == len(rows)
    assert len({r["name"] for r in rows}) == len(rows)
    for r in rows:
        if r["lat"]:
            lon, lat = float(r["lon"]), float(r["lat"])
            assert BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3], r["external_id"]
        else:
            assert r["location_visibility"] == "hidden", r["external_id"]
    vis = Counter(r["location_visibility"] for r in rows)
    assert 0.005 <= vis["hidden"] / len(rows) <= 0.02
    assert 0.02 <= vis["approximate"] / len(rows) <= 0.045
    assert all(r["location_visibility"] == "hidden" for r in rows if r["category"] == "protection")
    per_muni = Counter(r["municipality"] for r in rows)
    assert set(per_muni) == set(codes.codes("municipality"))
    assert per_muni.most_common(1)[0][0] == "05358008"  # Düren, the county seat
    assert set(Counter(r["category"] for r in rows)) == set(codes.codes("category"))


def test_write_csv_round_trips():
    rows = list(synthetic.generate(200, seed=4))
    buf = io.StringIO(newline="")
    assert synthetic.write_csv(rows, buf) == 200
    text = buf.getvalue()
    assert text.splitlines()[0] == HEADER
    assert list(csv.DictReader(io.StringIO(text, newline=""))) == rows


def test_write_geojson():
    rows = list(synthetic.generate(2000, seed=8))
    buf = io.StringIO()
    assert synthetic.write_geojson(rows, buf) == 2000
    fc = json.loads(buf.getvalue())
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == 2000
    hidden = 0
    for row, feature in zip(rows, fc["features"], strict=True):
        assert feature["type"] == "Feature"
        assert feature["id"] == row["external_id"]
        props = feature["properties"]
        assert tuple(props) == tuple(c for c in COLUMNS if c not in ("lat", "lon"))
        assert all(props[k] == row[k] for k in props)
        if row["location_visibility"] == "hidden":
            hidden += 1
            assert feature["geometry"] is None
        else:
            assert feature["geometry"] == {
                "type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}
    assert hidden > 0


def test_write_geojson_empty():
    buf = io.StringIO()
    assert synthetic.write_geojson([], buf) == 0
    assert json.loads(buf.getvalue()) == {"type": "FeatureCollection", "features": []}


# --- the demo data -------------------------------------------------------------

def test_demo_organizations():
    orgs = json.loads((DEMO_DIR / "organizations.json").read_text("utf-8"))
    assert 8 <= len(orgs) <= 10
    names = [o["name"] for o in orgs]
    assert len(set(names)) == len(names)
    assert set(names) == set(synthetic.DEMO_ORGANIZATIONS)
    for o in orgs:
        assert set(o) == {"name", "title", "description", "email", "phone"}, o
        assert SLUG_RE.match(o["name"]), o["name"]
        assert "(Demo)" in o["title"], o["title"]
        assert o["description"].strip()
        assert EMAIL_RE.match(o["email"]), o["email"]
        assert PHONE_RE.match(o["phone"]), o["phone"]


def test_demo_offers_header_and_encoding():
    raw = (DEMO_DIR / "offers.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert raw.decode("utf-8").splitlines()[0] == HEADER


def test_demo_offers_follow_the_rules():
    rows = _read_demo_offers()
    assert check_rows(rows, _demo_org_names()) == []
    for r in rows:
        assert re.fullmatch(r"demo-\d{3}", r["external_id"]), r["external_id"]
        assert "(Demo)" in r["title"] and r["notes"].endswith("(Fiktiver Demo-Eintrag)"), r["name"]


def test_demo_offers_coverage():
    rows = _read_demo_offers()
    assert 40 <= len(rows) <= 60
    assert {r["category"] for r in rows} == set(codes.codes("category"))
    assert len({r["municipality"] for r in rows}) >= 12
    per_muni = Counter(r["municipality"] for r in rows).most_common(2)
    assert {ags for ags, _ in per_muni} == {"05358008", "05358024"}  # Düren and Jülich lead
    vis = Counter(r["location_visibility"] for r in rows)
    assert vis["hidden"] >= 1 and vis["approximate"] >= 1
    assert any(r["valid_from"] == "2026-11-01" and r["valid_until"] == "2027-03-31" for r in rows)
    assert any(r["offer_status"] == "temporarily_closed" for r in rows)
    assert any((REFERENCE_DATE - date.fromisoformat(r["last_verified"])).days > 365 for r in rows)
    cats = Counter(r["category"] for r in rows)
    assert cats["drinking_water"] >= 3 and cats["hygiene"] >= 2
    assert cats["food_bank"] >= 2 and cats["meal"] >= 2
    water_hours = {r["opening_hours"] for r in rows if r["category"] == "drinking_water"}
    assert water_hours <= {"24/7", "Apr-Oct: Mo-Su 00:00-24:00", "Apr-Oct: Mo-Su 06:00-22:00"}


# --- the checker itself ------------------------------------------------------

def _base_rows() -> dict[str, dict]:
    rows = list(synthetic.generate(60, seed=11))
    return {vis: next(r for r in rows if r["location_visibility"] == vis)
            for vis in ("public", "hidden")}


@pytest.mark.parametrize(("base", "change"), [
    ("public", {"street": ""}),
    ("public", {"lat": "", "lon": ""}),
    ("public", {"postcode": "50667"}),
    ("public", {"lat": "50.1234"}),
    ("public", {"lon": "6.9", "lat": "50.90000"}),
    ("public", {"category": "protection"}),
    ("public", {"category": "soup"}),
    ("public", {"services": "meal|sauna"}),
    ("public", {"target_groups": ""}),
    ("public", {"languages": "de|xx"}),
    ("public", {"opening_hours": "Mo-Fr 8-20 Uhr"}),
    ("public", {"valid_from": "2026-12-01", "valid_until": "2026-11-01"}),
    ("public", {"valid_from": "01.11.2026"}),
    ("public", {"last_verified": "2026-12-24"}),
    ("public", {"offer_status": "temporarily_closed", "status_note": ""}),
    ("public", {"dogs_allowed": "ja"}),
    ("public", {"phone": "02421 123456"}),
    ("public", {"email": "max.mustermann@gmail.com"}),
    ("public", {"website": "https://www.kreis-dueren.de/"}),
    ("public", {"name": "Demo Name"}),
    ("public", {"owner_org": "unknown-org"}),
    ("public", {"capacity": "viele"}),
    ("public", {"free_of_charge": "false", "fee_note": ""}),
    ("public", {"women_only": "true", "target_groups": "everyone"}),
    ("hidden", {"street": "Musterstraße 1"}),
    ("hidden", {"lat": "50.80300", "lon": "6.48300"}),
    ("hidden", {"phone": ""}),
])
def test_the_checker_catches(base, change):
    row = dict(_base_rows()[base], **change)
    assert row_problems(row, set(synthetic.DEMO_ORGANIZATIONS)), change


def test_the_checker_catches_duplicates():
    rows = list(synthetic.generate(3, seed=1))
    assert check_rows([*rows, rows[0]], synthetic.DEMO_ORGANIZATIONS)


def test_the_domain_rules_take_part():
    """The cross-check with ``offers/rules.py`` is active."""
    row = dict(_base_rows()["public"], lat="", lon="")
    assert any(p.startswith("rules.check_offer") for p in row_problems(row, {row["owner_org"]}))
