"""Coordinate reference systems of the OGC services and their axis order.

Supported: EPSG:25832 (ETRS89 / UTM 32N, the default), EPSG:4326 (WGS 84),
EPSG:4258 (ETRS89 geographic), EPSG:3857 (Web Mercator) and OGC:CRS84
(WGS 84 with longitude first).

Axis order — the rule every service in ``ogc/`` follows
--------------------------------------------------------
* ``urn:ogc:def:crs:EPSG::4326``, ``urn:x-ogc:def:crs:EPSG:4326`` and
  ``http://www.opengis.net/def/crs/EPSG/0/4326`` follow the EPSG database:
  **latitude, longitude** for the geographic CRSs 4326 and 4258.
* Bare ``EPSG:4326`` (the "1.0 style" code) means **longitude, latitude**, in
  WFS 1.0/1.1/2.0 and WMS 1.1.1 alike. This is what GeoServer and MapServer do
  and what GDAL/OGR and QGIS assume when they read ``srsName="EPSG:4326"``
  in GML; we echo the code as given, so a client always gets the
  interpretation it asked for. WMS 1.3.0 is the exception (its standard
  says ``CRS=EPSG:4326`` is lat/lon): the WMS passes ``epsg_code_latlon=True``.
* ``OGC:CRS84`` / ``CRS:84`` / ``http://www.opengis.net/def/crs/OGC/1.3/CRS84``:
  longitude, latitude.
* Projected CRSs (25832, 3857) are easting, northing in every form.

Usage::

    crs = parse("urn:ogc:def:crs:EPSG::4326")     # raises InvalidParameterValue
    crs.srid        -> 4326          (PostGIS SRID to ST_Transform to)
    crs.latlon      -> True          (coordinates are written/read y,x)
    crs.urn, crs.uri, crs.epsg_code  (the three spellings of the same CRS)
    crs.xy(a, b)    -> (x, y)        (PostGIS order from a pair in CRS order)
    crs.pair(x, y)  -> pair in CRS order for encoding
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ckanext.keck_homeless.ogc.errors import InvalidParameterValue

#: EPSG codes we can serve, default first.
SUPPORTED_EPSG: tuple[int, ...] = (25832, 4326, 4258, 3857)
DEFAULT_EPSG = 25832
#: EPSG codes whose EPSG axis order is latitude, longitude.
GEOGRAPHIC_EPSG = frozenset({4326, 4258})

#: Human names (for capabilities / HTML).
NAMES = {
    25832: "ETRS89 / UTM zone 32N",
    4326: "WGS 84",
    4258: "ETRS89",
    3857: "WGS 84 / Pseudo-Mercator",
}

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

_URN = re.compile(r"^urn:(?:x-)?ogc:def:crs:EPSG:(?:[0-9.]*:)?(\d+)$", re.I)
_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/(?:0|[0-9.]+)/(\d+)$", re.I)
_GML_URI = re.compile(r"^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d+)$", re.I)
_CODE = re.compile(r"^EPSG:(\d+)$", re.I)
_CRS84 = {
    "crs:84", "ogc:crs84", "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84", "https://www.opengis.net/def/crs/ogc/1.3/crs84",
}


@dataclass(frozen=True)
class CRS:
    """A parsed CRS reference: the EPSG SRID plus the axis order it implies."""

    srid: int
    #: True if coordinates in this reference are written latitude first (y, x).
    latlon: bool
    #: The spelling the client used (echoed in ``srsName`` of responses).
    given: str
    crs84: bool = False

    @property
    def urn(self) -> str:
        if self.crs84:
            return "urn:ogc:def:crs:OGC:1.3:CRS84"
        return f"urn:ogc:def:crs:EPSG::{self.srid}"

    @property
    def uri(self) -> str:
        if self.crs84:
            return CRS84_URI
        return f"http://www.opengis.net/def/crs/EPSG/0/{self.srid}"

    @property
    def epsg_code(self) -> str:
        return f"EPSG:{self.srid}"

    @property
    def geographic(self) -> bool:
        return self.srid in GEOGRAPHIC_EPSG

    def xy(self, a: float, b: float) -> tuple[float, float]:
        """PostGIS order (x=lon/easting, y=lat/northing) of a pair in this CRS's order."""
        return (b, a) if self.latlon else (a, b)

    def pair(self, x: float, y: float) -> tuple[float, float]:
        """Pair in this CRS's axis order from PostGIS x, y."""
        return (y, x) if self.latlon else (x, y)

    def bbox_xy(self, bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in PostGIS order from a BBOX in CRS order."""
        x1, y1 = self.xy(bbox[0], bbox[1])
        x2, y2 = self.xy(bbox[2], bbox[3])
        return (x1, y1, x2, y2)


def parse(text: str | None, *, epsg_code_latlon: bool = False,
          locator: str = "SRSNAME") -> CRS:
    """Parse any CRS spelling the OGC standards and real clients use.

    :param text: ``EPSG:4326``, ``urn:ogc:def:crs:EPSG::25832``,
        ``http://www.opengis.net/def/crs/EPSG/0/3857``, ``CRS:84`` …
    :param epsg_code_latlon: True only for WMS 1.3.0, where bare
        ``EPSG:4326`` is latitude first.
    :param locator: parameter name used in the exception's locator.
    :returns: :class:`CRS`
    :raises InvalidParameterValue: unknown syntax or unsupported EPSG code.
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidParameterValue("Leeres Koordinatensystem / empty CRS", locator=locator)
    if raw.lower() in _CRS84:
        return CRS(4326, False, raw, crs84=True)
    for pattern, urn_style in ((_URN, True), (_URI, True), (_CODE, False), (_GML_URI, False)):
        m = pattern.match(raw)
        if m:
            srid = int(m.group(1))
            if srid not in SUPPORTED_EPSG:
                raise InvalidParameterValue(
                    f"CRS {raw} wird nicht unterstützt / is not supported ("
                    + ", ".join(f"EPSG:{c}" for c in SUPPORTED_EPSG) + ")",
                    locator=locator)
            latlon_rule = urn_style or epsg_code_latlon
            return CRS(srid, latlon_rule and srid in GEOGRAPHIC_EPSG, raw)
    raise InvalidParameterValue(f"Unbekanntes Koordinatensystem / unknown CRS {raw[:100]!r}", locator=locator)


def default() -> CRS:
    """The default CRS of the services (URN form, ETRS89 / UTM 32N)."""
    return parse(f"urn:ogc:def:crs:EPSG::{DEFAULT_EPSG}")


def by_srid(srid: int, form: str = "urn") -> CRS:
    """A CRS for ``srid`` in one of the forms ``urn``, ``uri``, ``epsg``."""
    text = {"urn": f"urn:ogc:def:crs:EPSG::{srid}",
            "uri": f"http://www.opengis.net/def/crs/EPSG/0/{srid}",
            "epsg": f"EPSG:{srid}"}[form]
    return parse(text)


def parse_bbox(text: str | None, *, default_crs: CRS | None = None,
               locator: str = "BBOX", epsg_code_latlon: bool = False,
               ) -> tuple[tuple[float, float, float, float], CRS]:
    """Parse a KVP ``BBOX=a,b,c,d[,crs]`` (corners in the CRS's axis order).

    :returns: ``((a, b, c, d), crs)`` — still in CRS axis order; use
        :meth:`CRS.bbox_xy` for PostGIS order.
    :raises InvalidParameterValue: wrong count, non-numbers, min > max.
    """
    parts = [p.strip() for p in (text or "").split(",")]
    if len(parts) not in (4, 5):
        raise InvalidParameterValue(
            "BBOX muss vier Zahlen (und optional ein Koordinatensystem) enthalten / "
            "BBOX must be minx,miny,maxx,maxy[,crs]", locator=locator)
    try:
        nums = tuple(float(p) for p in parts[:4])
    except ValueError:
        raise InvalidParameterValue("BBOX-Koordinaten müssen Zahlen sein / BBOX coordinates must be numbers", locator=locator) from None
    if any(n != n or n in (float("inf"), float("-inf")) for n in nums):
        raise InvalidParameterValue("BBOX-Koordinaten müssen endliche Zahlen sein / must be finite numbers", locator=locator)
    crs = (parse(parts[4], locator=locator, epsg_code_latlon=epsg_code_latlon)
           if len(parts) == 5 else (default_crs or default()))
    # the longitude range may cross the antimeridian (min > max) in geographic CRSs
    lon_i, lat_i = (1, 0) if crs.latlon else (0, 1)
    if nums[lat_i] > nums[lat_i + 2] or (nums[lon_i] > nums[lon_i + 2] and not crs.geographic):
        raise InvalidParameterValue("BBOX: Minimum größer als Maximum / minimum is larger than maximum", locator=locator)
    return nums, crs  # type: ignore[return-value]
