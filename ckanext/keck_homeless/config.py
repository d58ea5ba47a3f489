"""The extension's options, read in one place.

Every option declared in ``config_declaration.yaml`` is parsed here, once,
into one immutable :class:`Settings` (pygeoapi's pattern): the plugin builds
it in ``IConfigurable.configure`` and the rest of the extension reads
:func:`settings` — the OGC services get their part as a plain object passed
down (``Settings.ogc``), so ``ogc/`` never sees a raw option.
:func:`load` is pure (any mapping in, settings out) and tolerant: a value
that cannot be parsed falls back to the declared default and is logged.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import pathlib
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ckanext.keck_homeless.offers import rules
from ckanext.keck_homeless.offers.constants import DATASET_TYPE
from ckanext.keck_homeless.ogc.request import Limits, ServiceSettings

log = logging.getLogger(__name__)

PREFIX = "ckanext.keck_homeless."


@dataclass(frozen=True)
class ReportSettings:
    per_client_per_hour: int = 5
    per_offer_per_day: int = 20
    max_length: int = 1000


@dataclass(frozen=True)
class FinderSettings:
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    attribution: str = ""
    wms_url: str = ""
    wms_layers: str = ""
    clock_param: bool = False
    #: CSP frame-ancestors of the finder's pages ('self', 'none' or origins).
    frame_ancestors: str = "'self'"
    #: offers per page of the finder's list (0: all on one page)
    page_size: int = 100


@dataclass(frozen=True)
class DcatSettings:
    """DCAT-AP.de metadata of the catalogue (dcat.py)."""
    contributor_id: str = "http://dcat-ap.de/def/contributors/openNRW"
    political_geocoding_uri: str = "http://dcat-ap.de/def/politicalGeocoding/districtKey/05358"
    political_geocoding_level: str = \
        "http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict"
    #: "" = the OGC provider name / site / e-mail
    publisher_name: str = ""
    publisher_uri: str = ""
    contact_email: str = ""
    contact_url: str = ""
    license_uri: str = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    #: dcatde:licenseAttributionByText ("" = the publisher name)
    attribution: str = ""
    include_offers: bool = False
    data_dataset: str = "keck-homeless-hilfsangebote"
    services_dataset: str = "keck-homeless-geodienste"


@dataclass(frozen=True)
class Settings:
    region_bbox: tuple[float, float, float, float] = rules.DEFAULT_REGION_BBOX
    approximate_grid_m: int = 500
    stale_after_days: int = 365
    review_first_offers: int = 0
    remind_interval_days: int = 30
    reports: ReportSettings = field(default_factory=ReportSettings)
    finder: FinderSettings = field(default_factory=FinderSettings)
    #: base URL of QR codes and the flyer ("" = ckan.site_url)
    public_url: str = ""
    emergency_numbers: str = ""
    #: flyer title per language (only those set)
    flyer_titles: Mapping[str, str] = field(default_factory=dict)
    flyer_publisher: str = ""
    ogc: ServiceSettings = field(default_factory=ServiceSettings)
    ogc_fast_path: bool = True
    #: gzip text responses (transport.py); off when a reverse proxy compresses.
    compress: bool = True
    #: Local time at which "free places tonight" stop counting (next morning).
    free_places_expire_at: dt.time = dt.time(10, 0)
    dcat: DcatSettings = field(default_factory=DcatSettings)

    def flyer_title(self, lang: str) -> str:
        return self.flyer_titles.get(lang, "")


def _text(cfg: Mapping[str, Any], name: str, default: str) -> str:
    value = cfg.get(PREFIX + name)
    return default if value is None else str(value).strip()


def _int(cfg: Mapping[str, Any], name: str, default: int, minimum: int | None = None,
         maximum: int | None = None) -> int:
    raw = cfg.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        log.warning("%s%s = %r is not a whole number; using %s", PREFIX, name, raw, default)
        return default
    if minimum is not None and value < minimum:
        return default if minimum == 0 else minimum
    if maximum is not None and value > maximum:
        return maximum
    return value


def _time(cfg: Mapping[str, Any], name: str, default: dt.time) -> dt.time:
    raw = cfg.get(PREFIX + name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return dt.time.fromisoformat(str(raw).strip())
    except ValueError:
        log.warning("%s%s = %r is not a time (HH:MM); using %s", PREFIX, name, raw, default)
        return default


def _bool(cfg: Mapping[str, Any], name: str, default: bool) -> bool:
    raw = cfg.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("true", "yes", "on", "1")


def _keywords(raw: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None or raw == "":
        return default
    if isinstance(raw, list | tuple):
        words = [str(k).strip() for k in raw]
    elif "," in str(raw):
        words = [k.strip() for k in str(raw).split(",")]
    else:
        words = str(raw).split()
    return tuple(w for w in words if w) or default


def _region(cfg: Mapping[str, Any]) -> tuple[float, float, float, float]:
    raw = cfg.get(PREFIX + "region_bbox")
    try:
        return tuple(rules.region_bbox_from_string(raw))  # type: ignore[return-value]
    except ValueError:
        log.warning("%sregion_bbox = %r is not a bounding box; using the county's", PREFIX, raw)
        return rules.DEFAULT_REGION_BBOX


def _ogc(cfg: Mapping[str, Any], region) -> ServiceSettings:
    d, lim = ServiceSettings(), Limits()
    return ServiceSettings(
        title=_text(cfg, "ogc.title", d.title),
        abstract=_text(cfg, "ogc.abstract", d.abstract),
        keywords=_keywords(cfg.get(PREFIX + "ogc.keywords"), d.keywords),
        provider_name=_text(cfg, "ogc.provider_name", d.provider_name),
        provider_site=_text(cfg, "ogc.provider_site", d.provider_site),
        contact_person=_text(cfg, "ogc.contact_person", d.contact_person),
        contact_email=_text(cfg, "ogc.contact_email", d.contact_email),
        contact_phone=_text(cfg, "ogc.contact_phone", d.contact_phone),
        fees=_text(cfg, "ogc.fees", d.fees),
        access_constraints=_text(cfg, "ogc.access_constraints", d.access_constraints),
        count_default=_int(cfg, "ogc.count_default", d.count_default, minimum=1),
        count_max=_int(cfg, "ogc.count_max", d.count_max, minimum=1),
        max_queries=_int(cfg, "ogc.max_queries", d.max_queries, minimum=1),
        namespace_uri=_text(cfg, "ogc.namespace_uri", d.namespace_uri) or d.namespace_uri,
        region_bbox=region,
        wms=Limits(
            max_width=_int(cfg, "wms.max_width", lim.max_width, minimum=0),
            max_height=_int(cfg, "wms.max_height", lim.max_height, minimum=0),
            symbol_px=_int(cfg, "wms.symbol_px", lim.symbol_px, minimum=4),
            tolerance_px=_int(cfg, "wms.tolerance_px", lim.tolerance_px, minimum=0),
            cache_mb=_int(cfg, "wms.cache_mb", lim.cache_mb, minimum=0),
            png_compress_level=_int(cfg, "wms.png_compress_level", lim.png_compress_level,
                                    minimum=0, maximum=9)),
    )


@functools.cache
def declared_defaults() -> dict[str, Any]:
    """The defaults of config_declaration.yaml (the one place they are written)."""
    import yaml

    path = pathlib.Path(__file__).with_name("config_declaration.yaml")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {o["key"]: o["default"] for group in doc["groups"] for o in group["options"]
            if o.get("default") is not None}


def load(cfg: Mapping[str, Any]) -> Settings:
    """Every option of ours from ``cfg`` (CKAN's config, or any mapping);
    options ``cfg`` lacks have their declared default."""
    cfg = ChainMap(dict(cfg), declared_defaults())
    region = _region(cfg)
    d = Settings()
    titles = {}
    for key, value in dict(cfg).items():
        if str(key).startswith(PREFIX + "flyer.title_") and value is not None:
            titles[str(key)[len(PREFIX + "flyer.title_"):]] = str(value).strip()
    return Settings(
        region_bbox=region,
        approximate_grid_m=_int(cfg, "approximate_grid_m", d.approximate_grid_m, minimum=1),
        stale_after_days=_int(cfg, "stale_after_days", d.stale_after_days, minimum=1),
        review_first_offers=_int(cfg, "review_first_offers", d.review_first_offers, minimum=0),
        remind_interval_days=_int(cfg, "remind_interval_days", d.remind_interval_days,
                                  minimum=1),
        reports=ReportSettings(
            per_client_per_hour=_int(cfg, "reports.per_client_per_hour",
                                     ReportSettings.per_client_per_hour, minimum=1),
            per_offer_per_day=_int(cfg, "reports.per_offer_per_day",
                                   ReportSettings.per_offer_per_day, minimum=1),
            max_length=_int(cfg, "reports.max_length", ReportSettings.max_length, minimum=1)),
        finder=FinderSettings(
            tile_url=_text(cfg, "finder.tile_url", FinderSettings.tile_url),
            attribution=_text(cfg, "finder.attribution", ""),
            wms_url=_text(cfg, "finder.wms_url", ""),
            wms_layers=_text(cfg, "finder.wms_layers", ""),
            clock_param=_bool(cfg, "finder.clock_param", False),
            frame_ancestors=_text(cfg, "finder.frame_ancestors", FinderSettings.frame_ancestors),
            page_size=_int(cfg, "finder.page_size", FinderSettings.page_size, minimum=0)
            or FinderSettings.frame_ancestors),
        public_url=_text(cfg, "public_url", ""),
        emergency_numbers=_text(cfg, "emergency_numbers", ""),
        flyer_titles=titles,
        flyer_publisher=_text(cfg, "flyer.publisher", ""),
        ogc=_ogc(cfg, region),
        ogc_fast_path=_bool(cfg, "ogc.fast_path", True),
        free_places_expire_at=_time(cfg, "free_places.expire_at", d.free_places_expire_at),
        compress=_bool(cfg, "compress", True),
        dcat=_dcat(cfg),
    )


#: DCAT options that fall back to their default when set empty
_DCAT_REQUIRED = frozenset({"contributor_id", "political_geocoding_uri",
                            "political_geocoding_level", "license_uri", "data_dataset",
                            "services_dataset"})


def _dcat(cfg: Mapping[str, Any]) -> DcatSettings:
    d = DcatSettings()
    values: dict[str, Any] = {}
    for name in DcatSettings.__dataclass_fields__:
        default = getattr(d, name)
        if isinstance(default, bool):
            values[name] = _bool(cfg, "dcat." + name, default)
            continue
        value = _text(cfg, "dcat." + name, default)
        values[name] = (value or default) if name in _DCAT_REQUIRED else value
    return DcatSettings(**values)


_current: list[Settings | None] = [None]


def configure(cfg: Mapping[str, Any]) -> Settings:
    """Build the settings (``IConfigurable.configure``)."""
    _current[0] = load(cfg)
    return _current[0]


def forget() -> None:
    """Drop the built settings; the next :func:`settings` builds them again
    from CKAN's config (tests that change options do this)."""
    _current[0] = None


def settings() -> Settings:
    """The settings built at start-up (built now if CKAN did not configure
    the plugin, e.g. in a ``ckan`` command run before it)."""
    if _current[0] is None:
        import ckan.plugins.toolkit as tk

        _current[0] = load(tk.config)
    return _current[0]


# Readers kept for the call sites that want one value.
def region_bbox() -> tuple[float, float, float, float]:
    return settings().region_bbox


def approximate_grid_m() -> int:
    return settings().approximate_grid_m


def dataset_type() -> str:
    return DATASET_TYPE


def default_lang() -> str:
    import ckan.plugins.toolkit as tk

    return (tk.config.get("ckan.locale_default") or "de")[:2]


def stale_after_days() -> int:
    return settings().stale_after_days


def remind_interval_days() -> int:
    return settings().remind_interval_days
