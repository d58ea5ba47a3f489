"""User-facing texts of the finder pages, German first with complete English.

Templates get ``t(key)`` (see ``views/finder.py``). Kept as ``Msg`` pairs
like the rest of the domain; moving them to gettext catalogues later (for
more UI languages) only changes ``translator``.
"""
from __future__ import annotations

from collections.abc import Callable

from ckanext.keck_homeless.offers.messages import Msg

TEXTS: dict[str, Msg] = {
    "title": Msg("Hilfe finden", "Find help"),
    "intro": Msg("Schlafplatz, Essen, Trinkwasser, Duschen und Beratung im Kreis Düren.",
                 "Shelter, food, drinking water, showers and advice in the Kreis Düren."),
    "skip": Msg("Zum Inhalt springen", "Skip to the content"),
    "skip_map": Msg("Karte überspringen, zur Liste", "Skip the map, go to the list"),
    "filters": Msg("Suche und Filter", "Search and filters"),
    "active_filters": Msg("aktiv", "active"),
    "search": Msg("Suchbegriff", "Search term"),
    "search_hint": Msg("z. B. Name, Straße oder Ort", "e.g. name, street or place"),
    "category": Msg("Kategorie", "Category"),
    "all_categories": Msg("Alle Kategorien", "All categories"),
    "municipality": Msg("Gemeinde", "Municipality"),
    "all_municipalities": Msg("Alle Gemeinden", "All municipalities"),
    "only": Msg("Nur zeigen", "Only show"),
    "jetzt": Msg("Jetzt geöffnet", "Open now"),
    "nacht": Msg("Heute Nacht geöffnet (Schlafplätze)", "Open tonight (shelters)"),
    "hunde": Msg("Hunde erlaubt", "Dogs allowed"),
    "rollstuhl": Msg("Rollstuhlgerecht", "Wheelchair accessible"),
    "frauen": Msg("Nur für Frauen", "Women only"),
    "kostenlos": Msg("Kostenlos", "Free of charge"),
    "apply": Msg("Anzeigen", "Show"),
    "reset": Msg("Filter zurücksetzen", "Reset filters"),
    "results": Msg("Angebote", "Offers"),
    "count": Msg("{n} Angebote gefunden", "{n} offers found"),
    "count_one": Msg("1 Angebot gefunden", "1 offer found"),
    "none": Msg("Keine Angebote gefunden. Bitte Filter ändern.",
                "No offers found. Please change the filters."),
    "map": Msg("Karte", "Map"),
    "map_note": Msg("Die Karte zeigt dieselben Angebote wie die Liste.",
                    "The map shows the same offers as the list."),
    "near": Msg("In meiner Nähe sortieren", "Sort by distance to me"),
    "near_note": Msg("Ihr Standort wird nur auf diesem Gerät verwendet und nicht gesendet.",
                     "Your position is used on this device only and never sent."),
    "near_fail": Msg("Standort nicht verfügbar.", "Position not available."),
    "near_done": Msg("Nach Entfernung sortiert.", "Sorted by distance."),
    "open": Msg("Jetzt geöffnet", "Open now"),
    "closed": Msg("Jetzt geschlossen", "Closed now"),
    "unknown": Msg("Öffnungszeiten unbekannt", "Opening hours unknown"),
    "call": Msg("Anrufen", "Call"),
    "route": Msg("Route (Karten-App)", "Directions (map app)"),
    "osm": Msg("Auf OpenStreetMap zeigen", "Show on OpenStreetMap"),
    "verified": Msg("Zuletzt geprüft", "Last verified"),
    "details": Msg("Details", "Details"),
    "protected": Msg("Geschützte Angebote – nur telefonisch", "Protected offers – by phone only"),
    "protected_note": Msg("Adresse und Lage werden zum Schutz der Menschen nicht veröffentlicht.",
                          "Address and location are not published, to protect the people there."),
    "week": Msg("Öffnungszeiten diese Woche", "Opening hours this week"),
    "closed_day": Msg("geschlossen", "closed"),
    "hours_raw": Msg("Öffnungszeiten (OpenStreetMap-Format)", "Opening hours (OpenStreetMap format)"),
    "back": Msg("Zur Übersicht", "Back to the overview"),
    "dataset": Msg("Datensatz im Datenkatalog", "Dataset in the data catalogue"),
    "catalog": Msg("Datenkatalog", "Data catalogue"),
    "language": Msg("English", "Deutsch"),
    "qr": Msg("QR-Code zum Hilfe-Finder", "QR code for the help finder"),
    "qr_category": Msg("QR-Code für „{label}“", "QR code for '{label}'"),
    "qr_alt": Msg("QR-Code mit dem Link zu diesem Angebot", "QR code linking to this offer"),
    "qr_png": Msg("QR-Code als Bild (PNG) herunterladen", "Download QR code as image (PNG)"),
    "share": Msg("Weitergeben und drucken", "Share and print"),
    "flyer_a4": Msg("Flyer A4 (PDF)", "Flyer A4 (PDF)"),
    "flyer_a6": Msg("Flyer A6 (PDF)", "Flyer A6 (PDF)"),
    "print": Msg("Drucken", "Print"),
    "dogs_yes": Msg("Hunde erlaubt", "Dogs allowed"),
    "women_yes": Msg("Nur für Frauen", "Women only"),
    "free_yes": Msg("Kostenlos", "Free of charge"),
    "not_found": Msg("Dieses Angebot gibt es nicht (mehr).", "This offer does not exist (any more)."),
    "error": Msg("Fehler", "Error"),
    "emergency": Msg("Notfall: Polizei 110, Feuerwehr und Rettungsdienst 112.",
                     "Emergency: police 110, fire and ambulance 112."),
    "fixed_clock": Msg("Testzeitpunkt", "Test time"),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **fmt)`` for one language."""
    def t(key: str, **fmt) -> str:
        msg = TEXTS[key]
        return (msg.format(**fmt) if fmt else msg).text(lang)
    return t
