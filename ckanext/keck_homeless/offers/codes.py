"""Code lists of the help-offer schema, with their labels.

These codes are part of the API contract: integrators, the importer, the
feature store and the OGC layers all use them. Each label is an English
msgid translated through the extension's gettext catalogues, with the schema
field as message context (``msgctxt "offer_status"`` / ``"Active"``), so a
label never collides with CKAN's own or another list's ``"Active"``. The
scheming form gets them as ``{lang: label}`` dicts (:func:`choices`).
"""
from __future__ import annotations

from typing import NamedTuple

from .messages import languages, translator


class Code(NamedTuple):
    #: The schema field the code list belongs to; the label's gettext context.
    field: str
    code: str
    #: English label (the msgid).
    en: str
    #: OpenStreetMap tags describing the category (used by exports).
    osm: tuple[tuple[str, str], ...] = ()

    def label(self, lang: str | None = "de") -> str:
        """The label in ``lang`` (English where no catalogue translates it)."""
        return translator(lang).pgettext(self.field, self.en)

    @property
    def de(self) -> str:
        """The German label (for the German-first OGC attributes and titles)."""
        return self.label("de")


CATEGORIES: tuple[Code, ...] = (
    Code("category", "shelter", "Emergency shelter",
         (("amenity", "social_facility"), ("social_facility", "shelter"),
          ("social_facility:for", "homeless"))),
    Code("category", "meal", "Meals",
         (("amenity", "social_facility"), ("social_facility", "soup_kitchen"))),
    Code("category", "food_bank", "Food bank",
         (("amenity", "social_facility"), ("social_facility", "food_bank"))),
    Code("category", "drinking_water", "Drinking water",
         (("amenity", "drinking_water"),)),
    Code("category", "day_centre", "Day centre",
         (("amenity", "social_facility"), ("social_facility", "outreach"),
          ("social_facility:for", "homeless"))),
    Code("category", "counselling", "Counselling",
         (("amenity", "social_facility"), ("social_facility", "outreach"))),
    Code("category", "hygiene", "Showers / washing / toilets",
         (("amenity", "shower"),)),
    Code("category", "clothing", "Clothing",
         (("amenity", "social_facility"), ("social_facility", "clothing_bank"))),
    Code("category", "medical", "Medical help",
         (("amenity", "social_facility"), ("healthcare", "yes"))),
    Code("category", "postal_address", "Postal address",
         (("amenity", "social_facility"), ("social_facility", "outreach"))),
    Code("category", "outreach", "Street outreach",
         (("amenity", "social_facility"), ("social_facility", "outreach"))),
    Code("category", "protection", "Protection from violence",
         (("amenity", "social_facility"), ("social_facility", "shelter"),
          ("social_facility:for", "abused"))),
)

#: Further services: every category plus services that are no category.
EXTRA_SERVICES: tuple[Code, ...] = (
    Code("services", "lockers", "Lockers"),
    Code("services", "phone_charging", "Phone charging"),
    Code("services", "laundry", "Laundry"),
    Code("services", "wifi", "Wi-Fi"),
    Code("services", "luggage_storage", "Luggage storage"),
    Code("services", "pet_care", "Pet care"),
)
SERVICES: tuple[Code, ...] = CATEGORIES + EXTRA_SERVICES

TARGET_GROUPS: tuple[Code, ...] = (
    Code("target_groups", "everyone", "Everyone"),
    Code("target_groups", "adults", "Adults"),
    Code("target_groups", "women", "Women"),
    Code("target_groups", "men", "Men"),
    Code("target_groups", "families", "Families"),
    Code("target_groups", "young_adults", "Young adults (under 27)"),
    Code("target_groups", "eu_citizens", "EU citizens"),
    Code("target_groups", "refugees", "Refugees"),
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
    Code("location_visibility", "public", "Public (exact address and position)"),
    Code("location_visibility", "approximate", "Publish approximate position only"),
    Code("location_visibility", "hidden", "Protected (no address, no position)"),
)

OFFER_STATUS: tuple[Code, ...] = (
    Code("offer_status", "active", "Active"),
    Code("offer_status", "temporarily_closed", "Temporarily closed"),
    Code("offer_status", "ended", "Ended"),
)

WHEELCHAIR: tuple[Code, ...] = (
    Code("wheelchair", "yes", "Wheelchair accessible"),
    Code("wheelchair", "limited", "Limited wheelchair access"),
    Code("wheelchair", "no", "Not wheelchair accessible"),
    Code("wheelchair", "unknown", "Unknown"),
)

#: Languages offered in the form (ISO 639-1). The validator accepts any of
#: these; the list covers the languages spoken by the people the network
#: serves most often.
LANGUAGES: tuple[Code, ...] = (
    Code("languages", "de", "German"),
    Code("languages", "en", "English"),
    Code("languages", "fr", "French"),
    Code("languages", "ar", "Arabic"),
    Code("languages", "tr", "Turkish"),
    Code("languages", "ru", "Russian"),
    Code("languages", "uk", "Ukrainian"),
    Code("languages", "pl", "Polish"),
    Code("languages", "ro", "Romanian"),
    Code("languages", "bg", "Bulgarian"),
    Code("languages", "fa", "Persian (Farsi)"),
    Code("languages", "ku", "Kurdish"),
    Code("languages", "es", "Spanish"),
    Code("languages", "it", "Italian"),
    Code("languages", "el", "Greek"),
    Code("languages", "sq", "Albanian"),
    Code("languages", "sr", "Serbian"),
    Code("languages", "ti", "Tigrinya"),
    Code("languages", "so", "Somali"),
    Code("languages", "gsg", "German Sign Language"),
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


def label(field: str, code: str, lang: str | None = "de") -> str:
    """The human label of ``code`` in ``field``; the code itself if unknown."""
    if field == "municipality":
        m = MUNICIPALITY_BY_AGS.get(code)
        return m.name if m else code
    for c in _LISTS.get(field, ()):
        if c.code == code:
            return c.label(lang)
    return code


def choices(field: str) -> list[dict]:
    """Choices in the form ckanext-scheming expects: ``value`` + ``label`` as
    ``{lang: text}`` for every language with a catalogue (and English)."""
    if field == "municipality":
        return [{"value": m.ags, "label": m.name} for m in MUNICIPALITIES]
    langs = languages()
    return [{"value": c.code, "label": {lang: c.label(lang) for lang in langs}}
            for c in _LISTS[field]]
