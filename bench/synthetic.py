"""Synthetic help offers for load tests, demos and exchange-format tests.

:func:`generate` yields rows in the importer's CSV format (:data:`CSV_COLUMNS`,
all values strings). The rows are fictional, deterministic for a seed, and
valid by the importer's rules:

* every municipality and every category occurs (the first 15 rows cycle
  through the municipalities, the first 12 through the categories; after
  that both are drawn with weights, the municipalities by population);
* points lie within 1.4 km of the municipality's centre from ``codes.py``
  and so inside the Kreis Düren (lon 6.19–6.73, lat 50.59–51.05);
* about 1 % of the rows are ``hidden`` (all ``protection`` offers plus a few
  protected shelters/counselling places): no street, postcode, district or
  position, but a phone and the municipality; about 3 % are
  ``approximate`` (position and postcode, no street);
* phone numbers come from the range the Bundesnetzagentur keeps free for
  media productions ("Drama Numbers", Köln ``0221 4710 000–999``, BNetzA
  Mitteilung 148/2021), e-mail and web addresses from ``example.org``.

Dates are relative to :data:`REFERENCE_DATE`, not to today, so a seed gives
the same rows on every day.

Demo, test and benchmark data only, so it lives beside the benchmark and not
in the installed package. No CKAN imports; from the repository root::

    .venv/bin/python bench/synthetic.py 100000 -o offers.csv --organization ORG

or from Python (``from bench import synthetic``)::

    with open("offers.csv", "w", newline="", encoding="utf-8") as f:
        write_csv(generate(100_000, seed=7), f)
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from itertools import accumulate

from ckanext.keck_homeless.exchange.tabular import COLUMNS, write_csv, write_geojson  # noqa: F401
from ckanext.keck_homeless.offers.codes import CATEGORIES, MUNICIPALITIES
from ckanext.keck_homeless.offers.constants import REGION_BBOX

#: Columns of the offer CSV, in this order (importer, exports, demo data).
CSV_COLUMNS = COLUMNS

#: "Today" of the synthetic data: last_verified is at most this date.
REFERENCE_DATE = date(2026, 11, 25)

#: The winter season of the seasonal offers (Kältehilfe).
WINTER_FROM, WINTER_UNTIL = "2026-11-01", "2027-03-31"

#: Kreis Düren, lon/lat (WGS84): every generated point lies inside.
BBOX = tuple(round(v + d, 6) for v, d in zip(REGION_BBOX, (0.02, 0.01, -0.02, -0.01), strict=True))

#: Points lie at most this far from the municipality's centre.
MAX_DISTANCE_KM = 1.4

#: Bundesnetzagentur "Drama Numbers" (Köln): never assigned to anybody.
PHONE_PREFIX = "0221 4710-"

#: The demo organisations (``dev/demo/organizations.json``).
DEMO_ORGANIZATIONS: tuple[str, ...] = (
    "demo-caritas-dueren",
    "demo-diakonie-juelich",
    "demo-sozialamt-kreis-dueren",
    "demo-jobcom-beratung",
    "demo-tafel-dueren",
    "demo-frauenhilfe-kreis-dueren",
    "demo-stadtwerke-trinkwasser",
    "demo-medizin-mobil",
    "demo-kleiderstube-nordkreis",
    "demo-sozialdienst-suedkreis",
)

#: Postcodes per AGS (Düren has several).
POSTCODES: dict[str, tuple[str, ...]] = {
    "05358004": ("52457",),                            # Aldenhoven
    "05358008": ("52349", "52351", "52353", "52355"),  # Düren
    "05358012": ("52396",),                            # Heimbach
    "05358016": ("52393",),                            # Hürtgenwald
    "05358020": ("52459",),                            # Inden
    "05358024": ("52428",),                            # Jülich
    "05358028": ("52372",),                            # Kreuzau
    "05358032": ("52379",),                            # Langerwehe
    "05358036": ("52441",),                            # Linnich
    "05358040": ("52399",),                            # Merzenich
    "05358044": ("52385",),                            # Nideggen
    "05358048": ("52382",),                            # Niederzier
    "05358052": ("52388",),                            # Nörvenich
    "05358056": ("52445",),                            # Titz
    "05358060": ("52391",),                            # Vettweiß
}

#: Ortsteile near the centre (points lie within 1.4 km of it).
_DISTRICTS: dict[str, tuple[str, ...]] = {
    "05358004": ("Aldenhoven",),
    "05358008": ("Innenstadt", "Nord-Düren", "Ost", "Süd", "Rölsdorf"),
    "05358012": ("Heimbach",),
    "05358016": ("Kleinhau",),
    "05358020": ("Inden/Altdorf",),
    "05358024": ("Innenstadt", "Nordviertel", "Heckfeld"),
    "05358028": ("Kreuzau",),
    "05358032": ("Langerwehe",),
    "05358036": ("Linnich",),
    "05358040": ("Merzenich",),
    "05358044": ("Nideggen",),
    "05358048": ("Niederzier",),
    "05358052": ("Nörvenich",),
    "05358056": ("Titz",),
    "05358060": ("Vettweiß",),
}

#: Population in thousands (rounded): weights for the municipality.
_POPULATION = {
    "05358004": 14, "05358008": 93, "05358012": 4.4, "05358016": 8.7, "05358020": 7.5,
    "05358024": 33, "05358028": 18, "05358032": 14, "05358036": 13, "05358040": 10,
    "05358044": 10, "05358048": 14, "05358052": 10.5, "05358056": 8.5, "05358060": 9.5,
}

_STREETS = (
    "Musterstraße", "Musterweg", "Musterplatz", "Musterallee", "Am Musterpark", "Musterring",
    "Beispielstraße", "Beispielweg", "Beispielplatz", "Am Beispielhof", "Demostraße",
    "Demoweg", "Probegasse", "Übungsstraße",
)


class _Kind:
    """Everything category-specific the generator draws from."""

    def __init__(self, weight, titles, sentences, hours, services, groups, *,
                 dogs=0.2, anonymous=0.5, appointment=0.05, fee=0.0, fee_notes=("",),
                 requirements=("",), capacity=None, mailbox="kontakt"):
        self.weight = weight
        self.titles = titles
        self.sentences = sentences
        self.hours = hours
        self.services = services
        self.groups = groups
        self.dogs = dogs
        self.anonymous = anonymous
        self.appointment = appointment
        self.fee = fee
        self.fee_notes = fee_notes
        self.requirements = requirements
        self.capacity = capacity
        self.mailbox = mailbox


_KINDS: dict[str, _Kind] = {
    "shelter": _Kind(
        6, ("Notschlafstelle", "Notunterkunft", "Übernachtungsstelle"),
        ("Übernachtung für Menschen ohne Wohnung, mit Abendessen und Frühstück.",
         "Aufnahme auch spät abends; Einzel- und Doppelzimmer.",
         "Schließfächer und Duschen sind vorhanden."),
        ("Mo-Su 18:00-08:00", "24/7", "Mo-Su 20:00-08:00"),
        ("hygiene", "meal", "lockers", "phone_charging", "laundry"),
        ("adults", "men|women", "adults|young_adults", "everyone"),
        dogs=0.3, anonymous=0.2, fee=0.1,
        fee_notes=("Nutzungsentgelt 3 € pro Nacht, wird bei Leistungsbezug übernommen.",),
        requirements=("", "Aufnahme außerhalb der Bürozeiten über die Bereitschaftsnummer."),
        capacity=(6, 40), mailbox="notschlafstelle"),
    "meal": _Kind(
        10, ("Mittagstisch", "Suppenküche", "Essensausgabe", "Frühstückstreff"),
        ("Warme Mahlzeit ohne Anmeldung.", "Kaffee, Tee und belegte Brote.",
         "Vegetarisches Gericht immer dabei."),
        ("Tu,Th 11:30-13:30", "Mo-Fr 12:00-13:30; PH off", "Sa,Su 12:00-14:00",
         "Mo,We,Fr 08:30-10:00"),
        ("wifi", "phone_charging", "day_centre"),
        ("everyone", "adults", "adults|families"),
        dogs=0.4, anonymous=0.8, fee=0.3, fee_notes=("1,50 € pro Mahlzeit.", "Spende erbeten."),
        mailbox="mittagstisch"),
    "food_bank": _Kind(
        8, ("Tafel-Ausgabestelle", "Lebensmittelausgabe", "Lebensmittelpunkt"),
        ("Lebensmittel für Menschen mit geringem Einkommen.",
         "Bitte eine eigene Tasche mitbringen.", "Ausgabe nach Nummernvergabe."),
        ("Tu,Fr 14:00-16:00; PH off", "We 10:00-12:00", "Mo,Th 13:00-15:30; PH off"),
        ("clothing", "counselling"),
        ("everyone", "adults|families", "families"),
        dogs=0.1, anonymous=0.05, fee=0.7, fee_notes=("Symbolischer Beitrag 2 € pro Einkauf.",),
        requirements=("Berechtigungsnachweis (z. B. Bescheid über Bürgergeld) mitbringen.",),
        mailbox="ausgabe"),
    "drinking_water": _Kind(
        14, ("Trinkwasserbrunnen", "Trinkbrunnen", "Wasserspender"),
        ("Kostenloses Trinkwasser, Flaschen können aufgefüllt werden.",
         "Trinkwasserqualität wird regelmäßig geprüft."),
        ("24/7", "Apr-Oct: Mo-Su 00:00-24:00", "Apr-Oct"),
        ("",), ("everyone",),
        dogs=1.0, anonymous=1.0, appointment=0.0, mailbox="trinkwasser"),
    "day_centre": _Kind(
        7, ("Tagesaufenthalt", "Wärmestube", "Treffpunkt", "Kontaktcafé"),
        ("Aufenthalt am Tag mit Kaffee, Zeitungen und Beratung.",
         "Hier kann man sich aufwärmen und das Handy laden.",
         "Postfächer und Schließfächer auf Nachfrage."),
        ("Mo-Fr 09:00-15:00; PH off", "Mo-Fr 08:00-16:00; Sa 10:00-12:00; PH off",
         "Mo-Sa 10:00-17:00"),
        ("meal", "hygiene", "wifi", "phone_charging", "lockers", "laundry", "counselling"),
        ("everyone", "adults", "adults|young_adults"),
        dogs=0.5, anonymous=0.7, mailbox="treffpunkt"),
    "counselling": _Kind(
        14, ("Fachberatung Wohnungsnotfälle", "Sozialberatung", "Schuldnerberatung",
             "Beratung für EU-Zugewanderte", "Beratung junge Erwachsene"),
        ("Beratung bei drohendem oder eingetretenem Wohnungsverlust.",
         "Hilfe bei Anträgen und Behördenpost.",
         "Vermittlung in Wohnraum und weitere Hilfen."),
        ("Mo-Fr 09:00-12:00; PH off", "Mo,We 09:00-12:00; Th 14:00-17:00; PH off",
         "Tu,Th 13:00-16:00", ""),
        ("postal_address", "phone_charging", "wifi"),
        ("everyone", "adults", "young_adults", "eu_citizens", "adults|refugees"),
        dogs=0.3, anonymous=0.4, appointment=0.4, mailbox="beratung"),
    "hygiene": _Kind(
        8, ("Duschmöglichkeit", "Hygienestation", "Waschcafé"),
        ("Duschen mit Handtuch und Hygieneartikeln.", "Waschmaschine und Trockner nutzbar."),
        ("Mo-Fr 08:00-11:00; PH off", "Tu,Th 09:00-12:00", "Mo,We,Fr 10:00-13:00"),
        ("laundry", "clothing", "lockers"),
        ("everyone", "adults", "men", "women"),
        dogs=0.3, anonymous=0.7, mailbox="hygiene"),
    "clothing": _Kind(
        8, ("Kleiderkammer", "Kleiderstube", "Sozialkaufhaus"),
        ("Kleidung, Schlafsäcke und Decken.", "Saubere Kleidung in allen Größen."),
        ("We 14:00-17:00", "Mo,Th 10:00-12:00; PH off", "Tu 09:00-12:00; Th 14:00-17:00"),
        ("",), ("everyone", "adults|families"),
        dogs=0.3, anonymous=0.6, fee=0.2, fee_notes=("Kleiner Unkostenbeitrag je Teil.",),
        mailbox="kleiderstube"),
    "medical": _Kind(
        6, ("Medizinische Sprechstunde", "Arztmobil-Haltepunkt", "Zahnärztliche Sprechstunde"),
        ("Medizinische Grundversorgung auch ohne Krankenversicherung.",
         "Wundversorgung und Vermittlung in Praxen."),
        ("Mo 14:00-16:00", "We 10:00-13:00; PH off", "Tu,Fr 09:00-11:00"),
        ("counselling", "hygiene"),
        ("everyone", "adults"),
        dogs=0.2, anonymous=0.6, appointment=0.1, mailbox="sprechstunde"),
    "postal_address": _Kind(
        5, ("Postadresse für Wohnungslose", "Postfach-Service"),
        ("Postadresse für Menschen ohne Wohnung, Post kann abgeholt werden.",
         "Erreichbarkeit für Ämter und Jobcenter."),
        ("Mo-Fr 09:00-12:00; PH off", "Mo,We,Fr 10:00-12:00; PH off"),
        ("counselling",), ("everyone", "adults"),
        dogs=0.3, anonymous=0.0, appointment=0.3,
        requirements=("Zuständig bei letztem gewöhnlichem Aufenthalt im Kreis Düren.",),
        mailbox="post"),
    "outreach": _Kind(
        5, ("Streetwork", "Aufsuchende Sozialarbeit"),
        ("Streetworkerinnen und Streetworker sind im Umfeld unterwegs.",
         "Schlafsäcke, Getränke und Beratung vor Ort."),
        ("Mo-Fr 10:00-14:00", "Tu,Th 18:00-21:00", ""),
        ("counselling", "clothing", "drinking_water"),
        ("everyone", "adults|young_adults"),
        dogs=0.8, anonymous=0.9, mailbox="streetwork"),
    "protection": _Kind(
        0.6, ("Frauenhaus", "Frauenschutzwohnung", "Schutzwohnung"),
        ("Schutz und Unterkunft bei häuslicher Gewalt, auch mit Kindern.",
         "Aufnahme rund um die Uhr nach telefonischer Absprache."),
        ("24/7",),
        ("counselling",), ("women", "women|families"),
        dogs=0.0, anonymous=0.5, capacity=(4, 12), mailbox="aufnahme"),
}

#: Who runs which category, if that organisation is among those given.
_PREFERRED_ORG = {
    "protection": "demo-frauenhilfe-kreis-dueren",
    "drinking_water": "demo-stadtwerke-trinkwasser",
    "food_bank": "demo-tafel-dueren",
    "medical": "demo-medizin-mobil",
}

#: Categories in which a few offers are protected (hidden) besides ``protection``.
_HIDEABLE = ("shelter", "counselling", "day_centre", "medical")
_HIDE_RATE = 0.009        # of the hideable ones: ~0.4 % of all rows
_APPROX_OUTREACH = 0.35   # outreach meeting points are often approximate
_APPROX_RATE = 0.0137     # of the other non-protected, non-water rows: ~3 % overall

_LANGUAGE_POOL = ("en", "ar", "tr", "ru", "uk", "pl", "ro", "bg", "fa", "fr")
_VERIFIED_BY = (
    "Sozialamt Kreis Düren, Fachstelle Wohnungsnotfälle",
    "Träger des Angebots, Leitung",
    "Koordination Wohnungslosenhilfe Kreis Düren",
    "Ordnungsamt der Gemeinde",
)
_CLOSED_NOTES = (
    "Wegen Renovierung bis 15.12. geschlossen.",
    "Wegen Personalmangels vorübergehend geschlossen.",
    "Wegen Wasserschadens geschlossen, Ausweichort wird telefonisch genannt.",
)
_HOURS_NOTES = ("", "", "", "Letzter Einlass 30 Minuten vor Schluss.",
                "In den Schulferien können die Zeiten abweichen.")
_WHEELCHAIR = (("yes", "Ebenerdiger Zugang, barrierefreies WC."),
               ("limited", "Eine Stufe am Eingang, mobile Rampe auf Nachfrage."),
               ("no", "Nur über Treppe erreichbar."),
               ("unknown", ""))

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-", "/": "-",
                           "_": "-"})


def slugify(text: str) -> str:
    """German text → URL slug (``Nörvenich`` → ``noervenich``)."""
    return "".join(c for c in text.lower().translate(_TRANSLIT) if c.isalnum() or c == "-")


def generate(n: int, seed: int = 1,
             organizations: Sequence[str] = DEMO_ORGANIZATIONS) -> Iterator[dict[str, str]]:
    """Yield ``n`` synthetic offers (dicts with the keys of :data:`CSV_COLUMNS`)."""
    if not organizations:
        raise ValueError("organizations must not be empty")
    rng = random.Random(seed)
    munis = list(MUNICIPALITIES)
    cats = [c.code for c in CATEGORIES]
    muni_order = rng.sample(munis, len(munis))   # the first rows cover every municipality
    cat_order = rng.sample(cats, len(cats))      # ... and every category
    muni_cum = list(accumulate(_POPULATION[m.ags] for m in munis))
    cat_cum = list(accumulate(_KINDS[c].weight for c in cats))
    orgs = [(o, o.replace("_", "-")) for o in organizations]
    preferred = {cat: (o, o.replace("_", "-")) for cat, o in _PREFERRED_ORG.items()
                 if o in organizations}
    muni_info = {m.ags: (slugify(m.name), m.name, math.cos(math.radians(m.centre[1])))
                 for m in munis}
    for i in range(1, n + 1):
        muni = muni_order[i - 1] if i <= len(munis) else rng.choices(munis, cum_weights=muni_cum)[0]
        cat = cat_order[i - 1] if i <= len(cats) else rng.choices(cats, cum_weights=cat_cum)[0]
        org = rng.choice(orgs)
        yield _row(rng, i, muni, muni_info[muni.ags], cat, preferred.get(cat, org))


def _visibility(rng: random.Random, cat: str) -> str:
    r = rng.random()
    if cat == "protection" or (cat in _HIDEABLE and r < _HIDE_RATE):
        return "hidden"
    if cat == "outreach":
        return "approximate" if r < _APPROX_OUTREACH else "public"
    if cat != "drinking_water" and r > 1 - _APPROX_RATE:
        return "approximate"
    return "public"


def _point(rng: random.Random, centre: tuple[float, float], coslat: float) -> tuple[float, float]:
    """A point uniformly distributed within MAX_DISTANCE_KM of ``centre``."""
    r = MAX_DISTANCE_KM * math.sqrt(rng.random())
    theta = 2 * math.pi * rng.random()
    lat = centre[1] + r * math.sin(theta) / 111.195
    lon = centre[0] + r * math.cos(theta) / (111.195 * coslat)
    return lon, lat


def _dates(rng: random.Random, cat: str) -> tuple[str, str, str, str]:
    """(valid_from, valid_until, offer_status, status_note)."""
    r = rng.random()
    if cat in ("shelter", "day_centre") and r < 0.25:
        return WINTER_FROM, WINTER_UNTIL, "active", ""
    if r > 0.985:
        ended = REFERENCE_DATE - timedelta(days=rng.randrange(10, 400))
        return "", ended.isoformat(), "ended", f"Angebot zum {ended:%d.%m.%Y} eingestellt."
    if r > 0.95:
        return "", "", "temporarily_closed", rng.choice(_CLOSED_NOTES)
    if r > 0.92:
        start = REFERENCE_DATE - timedelta(days=rng.randrange(30, 700))
        until = start + timedelta(days=rng.randrange(365, 1100))
        return start.isoformat(), until.isoformat(), "active", ""
    return "", "", "active", ""


def _last_verified(rng: random.Random) -> str:
    r = rng.random()
    days = rng.randrange(0, 181) if r < 0.85 else (
        rng.randrange(181, 366) if r < 0.95 else rng.randrange(366, 900))
    return (REFERENCE_DATE - timedelta(days=days)).isoformat()


def _languages(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.03:
        return ""
    k = 0 if r < 0.45 else (1 if r < 0.75 else rng.randrange(2, 5))
    return "|".join(["de", *rng.sample(_LANGUAGE_POOL, k)])


def _location(rng: random.Random, muni, coslat: float, visibility: str) -> tuple[str, ...]:
    """(street, postcode, district, lat, lon) as far as they may be given."""
    if visibility == "hidden":
        return "", "", "", "", ""
    postcode = rng.choice(POSTCODES[muni.ags])
    district = rng.choice(_DISTRICTS[muni.ags]) if rng.random() < 0.6 else ""
    x, y = _point(rng, muni.centre, coslat)
    if visibility != "public":
        return "", postcode, district, f"{y:.5f}", f"{x:.5f}"
    suffix = "a" if rng.random() < 0.08 else ""
    street = f"{rng.choice(_STREETS)} {rng.randrange(1, 120)}{suffix}"
    return street, postcode, district, f"{y:.6f}", f"{x:.6f}"


def _groups(rng: random.Random, kind: _Kind, cat: str, hidden: bool) -> tuple[str, bool]:
    """(target_groups, women_only)."""
    groups = rng.choice(kind.groups)
    if hidden and cat != "protection":
        groups = "women|families" if rng.random() < 0.5 else "women"
    names = set(groups.split("|"))
    return groups, "women" in names and not names & {"men", "everyone", "adults"}


def _services(rng: random.Random, kind: _Kind, cat: str) -> str:
    services = {s for s in rng.sample(kind.services, min(len(kind.services), 2)) if s}
    if cat not in ("drinking_water", "protection") and rng.random() < 0.5:
        services.add("phone_charging" if "phone_charging" not in services else "wifi")
    return "|".join(sorted(services))


def _title_notes(rng: random.Random, kind: _Kind, cat: str, hidden: bool,
                 place: str, i: int) -> tuple[str, str]:
    title = rng.choice(kind.titles)
    if hidden and cat != "protection":
        title = f"Geschützte {title}" if cat == "shelter" else f"{title} (geschützt)"
    sentences = rng.sample(kind.sentences, rng.randrange(1, min(3, len(kind.sentences)) + 1))
    if hidden:
        sentences = [*sentences[:1], "Adresse nur telefonisch nach Absprache."]
    return (f"{title} {place} (synthetisch {i:06d})",
            " ".join([*sentences, "(Synthetischer Testeintrag)"]))


def _capacity(rng: random.Random, kind: _Kind, cat: str, hidden: bool) -> str:
    bounds = (3, 8) if hidden and cat == "shelter" else kind.capacity
    return str(rng.randrange(bounds[0], bounds[1] + 1)) if bounds else ""


def _row(rng: random.Random, i: int, muni, info, cat: str, org) -> dict[str, str]:
    kind = _KINDS[cat]
    muni_slug, muni_name, coslat = info
    org_name, org_host = org
    visibility = _visibility(rng, cat)
    hidden = visibility == "hidden"
    street, postcode, district, lat, lon = _location(rng, muni, coslat, visibility)
    groups, women_only = _groups(rng, kind, cat, hidden)
    free = rng.random() >= kind.fee
    valid_from, valid_until, status, status_note = _dates(rng, cat)
    hours = rng.choice(kind.hours)
    if valid_from == WINTER_FROM:
        hours = "Nov-Mar: Mo-Su 18:00-08:00" if cat == "shelter" else "Nov-Mar: Mo-Sa 14:00-20:00"
    wheelchair, access_note = rng.choice(_WHEELCHAIR)
    place = f"{muni_name}-{district}" if district and district != muni_name else muni_name
    title, notes = _title_notes(rng, kind, cat, hidden, place, i)
    ext = f"synth-{i:06d}"
    name = f"{ext}-{cat.replace('_', '-')}-{muni_slug}"

    return {
        "external_id": ext,
        "name": name,
        "title": title,
        "notes": notes,
        "owner_org": org_name,
        "category": cat,
        "services": _services(rng, kind, cat),
        "target_groups": groups,
        "dogs_allowed": _bool(not hidden and rng.random() < kind.dogs),
        "women_only": _bool(women_only),
        "free_of_charge": _bool(free),
        "anonymous": _bool(rng.random() < kind.anonymous),
        "appointment_needed": _bool(hidden or rng.random() < kind.appointment),
        "fee_note": "" if free else rng.choice(kind.fee_notes),
        "requirements_note": rng.choice(kind.requirements),
        "street": street,
        "postcode": postcode,
        "municipality": muni.ags,
        "district": district,
        "lat": lat,
        "lon": lon,
        "location_visibility": visibility,
        "opening_hours": hours,
        "opening_hours_note": _hours_note(rng, hours),
        # every third shelter has a last admission (no rng draw: the other columns stay as before)
        "admission_until": "23:00" if cat == "shelter" and i % 3 == 0 else "",
        "valid_from": valid_from,
        "valid_until": valid_until,
        "offer_status": status,
        "status_note": status_note,
        "closed_until": "",
        "phone": f"{PHONE_PREFIX}{rng.randrange(1000):03d}",
        "email": f"{kind.mailbox}@{org_host}.example.org",
        "website": f"https://{org_host}.example.org/angebote/{name}",
        "languages": _languages(rng),
        "wheelchair": wheelchair,
        "accessibility_note": access_note,
        "capacity": _capacity(rng, kind, cat, hidden),
        "last_verified": _last_verified(rng),
        "verified_by": rng.choice(_VERIFIED_BY),
    }


def _hours_note(rng: random.Random, hours: str) -> str:
    if not hours:
        return "Zeiten bitte telefonisch erfragen."
    if hours.startswith("Apr-Oct"):
        return "Im Winter wegen Frostgefahr abgestellt."
    return "" if hours == "24/7" else rng.choice(_HOURS_NOTES)


def _bool(value: bool) -> str:
    return "true" if value else "false"




def main(argv: Sequence[str] | None = None) -> None:
    """``python bench/synthetic.py COUNT -o FILE --organization ORG [...]``."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Write COUNT synthetic offers (CSV or GeoJSON) "
                                                 "for load tests and benchmarks.")
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", dest="fmt", choices=("csv", "geojson"), default="csv")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--organization", dest="organizations", action="append", required=True,
                        help="organisation name(s) to own the offers (repeatable)")
    args = parser.parse_args(argv)
    rows = generate(args.count, seed=args.seed, organizations=args.organizations)
    writer = write_geojson if args.fmt == "geojson" else write_csv
    with open(args.output, "w", encoding="utf-8", newline="") as out:
        writer(rows, out)
    print(json.dumps({"written": args.count, "file": args.output}))


if __name__ == "__main__":
    main()
