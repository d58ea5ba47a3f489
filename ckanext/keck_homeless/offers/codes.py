"""Code lists of the help-offer schema, with German and English labels.

These codes are part of the API contract: integrators, the importer, the
feature store and the OGC layers all use them. Labels are ``{"de", "en"}``
dicts because Babel cannot extract YAML and the schema shows them directly.
"""
from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    code: str
    de: str
    en: str
    #: OpenStreetMap tags describing the category (used by exports).
    osm: tuple[tuple[str, str], ...] = ()

    def label(self, lang: str = "de") -> str:
        return self.en if lang.startswith("en") else self.de


CATEGORIES: tuple[Code, ...] = (
    Code("shelter", "Notunterkunft / Notschlafstelle", "Emergency shelter",
         (("amenity", "social_facility"), ("social_facility", "shelter"),
          ("social_facility:for", "homeless"))),
    Code("meal", "Essensausgabe / Mittagstisch", "Meals",
         (("amenity", "social_facility"), ("social_facility", "soup_kitchen"))),
    Code("food_bank", "Tafel / Lebensmittelausgabe", "Food bank",
         (("amenity", "social_facility"), ("social_facility", "food_bank"))),
    Code("drinking_water", "Trinkwasserbrunnen", "Drinking water",
         (("amenity", "drinking_water"),)),
    Code("day_centre", "Tagesaufenthalt / Treffpunkt", "Day centre",
         (("amenity", "social_facility"), ("social_facility", "outreach"),
          ("social_facility:for", "homeless"))),
    Code("counselling", "Fachberatung", "Counselling",
         (("amenity", "social_facility"), ("social_facility", "outreach"))),
    Code("hygiene", "Duschen / Waschen / WC", "Showers / washing / toilets",
         (("amenity", "shower"),)),
    Code("clothing", "Kleiderkammer", "Clothing",
         (("amenity", "social_facility"), ("social_facility", "clothing_bank"))),
    Code("medical", "Medizinische Hilfe", "Medical help",
         (("amenity", "social_facility"), ("healthcare", "yes"))),
    Code("postal_address", "Postadresse / Erreichbarkeit", "Postal address",
         (("amenity", "social_facility"), ("social_facility", "outreach"))),
    Code("outreach", "Streetwork", "Street outreach",
         (("amenity", "social_facility"), ("social_facility", "outreach"))),
    Code("protection", "Schutz bei Gewalt", "Protection from violence",
         (("amenity", "social_facility"), ("social_facility", "shelter"),
          ("social_facility:for", "abused"))),
)

#: Further services: every category plus services that are no category.
EXTRA_SERVICES: tuple[Code, ...] = (
    Code("lockers", "Schließfächer", "Lockers"),
    Code("phone_charging", "Handy laden", "Phone charging"),
    Code("laundry", "Wäsche waschen", "Laundry"),
    Code("wifi", "WLAN", "Wi-Fi"),
    Code("luggage_storage", "Gepäckaufbewahrung", "Luggage storage"),
    Code("pet_care", "Tierversorgung", "Pet care"),
)
SERVICES: tuple[Code, ...] = CATEGORIES + EXTRA_SERVICES

TARGET_GROUPS: tuple[Code, ...] = (
    Code("everyone", "Alle", "Everyone"),
    Code("adults", "Erwachsene", "Adults"),
    Code("women", "Frauen", "Women"),
    Code("men", "Männer", "Men"),
    Code("families", "Familien", "Families"),
    Code("young_adults", "Junge Erwachsene (U27)", "Young adults (under 27)"),
    Code("eu_citizens", "EU-Bürgerinnen und -Bürger", "EU citizens"),
    Code("refugees", "Geflüchtete", "Refugees"),
)


class Municipality(NamedTuple):
    ags: str
    name: str
    #: Approximate centre (lon, lat) in WGS84, for demo data and map defaults.
    centre: tuple[float, float]


#: The 15 municipalities of the Kreis Düren (Kreisschlüssel 05358), keyed by
#: their Amtlicher Gemeindeschlüssel (alphabetical, step 4).
MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("05358004", "Aldenhoven", (6.283, 50.896)),
    Municipality("05358008", "Düren", (6.483, 50.803)),
    Municipality("05358012", "Heimbach", (6.475, 50.636)),
    Municipality("05358016", "Hürtgenwald", (6.374, 50.712)),
    Municipality("05358020", "Inden", (6.362, 50.858)),
    Municipality("05358024", "Jülich", (6.361, 50.922)),
    Municipality("05358028", "Kreuzau", (6.491, 50.747)),
    Municipality("05358032", "Langerwehe", (6.356, 50.817)),
    Municipality("05358036", "Linnich", (6.269, 50.979)),
    Municipality("05358040", "Merzenich", (6.527, 50.826)),
    Municipality("05358044", "Nideggen", (6.484, 50.690)),
    Municipality("05358048", "Niederzier", (6.468, 50.881)),
    Municipality("05358052", "Nörvenich", (6.639, 50.806)),
    Municipality("05358056", "Titz", (6.425, 50.998)),
    Municipality("05358060", "Vettweiß", (6.597, 50.737)),
)

LOCATION_VISIBILITY: tuple[Code, ...] = (
    Code("public", "Öffentlich (genaue Adresse und Lage)", "Public (exact address and position)"),
    Code("approximate", "Nur ungefähre Lage veröffentlichen", "Publish approximate position only"),
    Code("hidden", "Geschützt (keine Adresse, keine Lage)", "Protected (no address, no position)"),
)

OFFER_STATUS: tuple[Code, ...] = (
    Code("active", "Geöffnet / aktiv", "Active"),
    Code("temporarily_closed", "Vorübergehend geschlossen", "Temporarily closed"),
    Code("ended", "Beendet", "Ended"),
)

WHEELCHAIR: tuple[Code, ...] = (
    Code("yes", "Rollstuhlgerecht", "Wheelchair accessible"),
    Code("limited", "Eingeschränkt rollstuhlgerecht", "Limited wheelchair access"),
    Code("no", "Nicht rollstuhlgerecht", "Not wheelchair accessible"),
    Code("unknown", "Unbekannt", "Unknown"),
)

#: Languages offered in the form (ISO 639-1). The validator accepts any of
#: these; the list covers the languages spoken by the people the network
#: serves most often.
LANGUAGES: tuple[Code, ...] = (
    Code("de", "Deutsch", "German"),
    Code("en", "Englisch", "English"),
    Code("fr", "Französisch", "French"),
    Code("ar", "Arabisch", "Arabic"),
    Code("tr", "Türkisch", "Turkish"),
    Code("ru", "Russisch", "Russian"),
    Code("uk", "Ukrainisch", "Ukrainian"),
    Code("pl", "Polnisch", "Polish"),
    Code("ro", "Rumänisch", "Romanian"),
    Code("bg", "Bulgarisch", "Bulgarian"),
    Code("fa", "Persisch (Farsi)", "Persian (Farsi)"),
    Code("ku", "Kurdisch", "Kurdish"),
    Code("es", "Spanisch", "Spanish"),
    Code("it", "Italienisch", "Italian"),
    Code("el", "Griechisch", "Greek"),
    Code("sq", "Albanisch", "Albanian"),
    Code("sr", "Serbisch", "Serbian"),
    Code("ti", "Tigrinya", "Tigrinya"),
    Code("so", "Somali", "Somali"),
    Code("gsg", "Deutsche Gebärdensprache", "German Sign Language"),
)

_LISTS: dict[str, tuple] = {
    "category": CATEGORIES,
    "services": SERVICES,
    "target_groups": TARGET_GROUPS,
    "location_visibility": LOCATION_VISIBILITY,
    "offer_status": OFFER_STATUS,
    "wheelchair": WHEELCHAIR,
    "languages": LANGUAGES,
}

MUNICIPALITY_BY_AGS: dict[str, Municipality] = {m.ags: m for m in MUNICIPALITIES}


def codes(field: str) -> tuple[str, ...]:
    """The valid codes of a coded field (``category``, ``municipality``, ...)."""
    if field == "municipality":
        return tuple(MUNICIPALITY_BY_AGS)
    return tuple(c.code for c in _LISTS[field])


def label(field: str, code: str, lang: str = "de") -> str:
    """The human label of ``code`` in ``field``; the code itself if unknown."""
    if field == "municipality":
        m = MUNICIPALITY_BY_AGS.get(code)
        return m.name if m else code
    for c in _LISTS.get(field, ()):
        if c.code == code:
            return c.label(lang)
    return code


def choices(field: str) -> list[dict]:
    """Choices in the form ckanext-scheming expects (``value`` + ``label``)."""
    if field == "municipality":
        return [{"value": m.ags, "label": m.name} for m in MUNICIPALITIES]
    return [{"value": c.code, "label": {"de": c.de, "en": c.en}} for c in _LISTS[field]]
