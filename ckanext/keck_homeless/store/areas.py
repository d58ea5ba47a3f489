"""Areas of the KECK-Atlas: load, list, delete (table ``keck_homeless.area``).

Any vector source GDAL reads — GeoJSON, Shapefile, GeoPackage, a WFS
(``WFS:https://…``) — is read with pyogrio (GDAL's vector I/O, kept up to
date with GDAL's wheels), reprojected to ETRS89/UTM32 (EPSG:25832) and
stored as MultiPolygons. Loading a level replaces that level in one
transaction: a failed load leaves the previous areas in place.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

TARGET_CRS = "EPSG:25832"
LEVEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class AreaError(ValueError):
    """A source or an option that cannot be loaded (a clear message, no trace)."""


@dataclass
class Area:
    code: str
    name: str
    wkb: bytes
    population: int | None = None


@dataclass
class Report:
    level: str
    source_crs: str
    loaded: int = 0
    skipped: list[str] = field(default_factory=list)


def check_level(level: str) -> str:
    if not LEVEL.match(level or ""):
        raise AreaError(f"level {level!r}: lower-case letters, digits and _ (e.g. gemeinde)")
    return level


def parse_population(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise AreaError(f"population {value!r} is not a number") from None
    if number < 0 or not number.is_integer():
        raise AreaError(f"population {value!r} is not a whole number ≥ 0")
    return int(number)


def read_source(source: str, code_field: str, name_field: str,
                population_field: str | None = None, layer: str | None = None
                ) -> tuple[list[Area], str, list[str]]:
    """Areas of ``source`` in EPSG:25832, the source CRS and skipped rows."""
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError
    from pyogrio.raw import read
    from pyproj import CRS, Transformer

    try:
        meta, _fids, geometries, values = read(source, layer=layer)
    except (DataSourceError, DataLayerError) as err:
        raise AreaError(f"cannot read {source}: {err}") from None
    names = list(meta["fields"])
    for wanted in filter(None, (code_field, name_field, population_field)):
        if wanted not in names:
            raise AreaError(f"no field {wanted!r} in {source} (fields: {', '.join(names)})")
    if not meta.get("crs"):
        raise AreaError(f"{source} has no coordinate reference system")
    source_crs = CRS.from_user_input(meta["crs"])
    to_target = Transformer.from_crs(source_crs, CRS.from_user_input(TARGET_CRS),
                                     always_xy=True)
    columns = dict(zip(names, values, strict=True))
    areas, skipped = [], []
    for index, wkb in enumerate(geometries):
        code = str(columns[code_field][index] or "").strip()
        label = f"feature {index + 1} ({code or 'no code'})"
        geom = shapely.from_wkb(wkb) if wkb is not None else None
        if not code or geom is None or geom.is_empty or \
                geom.geom_type not in ("Polygon", "MultiPolygon"):
            skipped.append(f"{label}: no code or no polygon")
            continue
        geom = shapely.transform(geom, lambda xy: _project(to_target, xy))
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        population = (parse_population(columns[population_field][index])
                      if population_field else None)
        areas.append(Area(code, str(columns[name_field][index] or code).strip(),
                          shapely.to_wkb(geom), population))
    return areas, source_crs.to_string(), skipped


def _project(transformer, xy):
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def replace_level(conn, level: str, areas: Iterable[Area], source_note: str = "",
                  population_date: dt.date | None = None, source_url: str = "") -> int:
    """Replace every area of ``level`` (inside the caller's transaction).
    ``source_note``/``source_url``: the attribution the geometries' licence
    asks for, shown by every layer of them."""
    check_level(level)
    rows = list(areas)
    codes = [a.code for a in rows]
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        raise AreaError(f"codes appear more than once: {', '.join(dupes)}")
    conn.execute(sa.text("DELETE FROM keck_homeless.area WHERE level = :level"),
                 {"level": level})
    for area in rows:
        conn.execute(sa.text(
            "INSERT INTO keck_homeless.area (level, code, name, geom, population, "
            "population_date, source, source_url) VALUES (:level, :code, :name, "
            "ST_Multi(ST_CollectionExtract(ST_GeomFromWKB(:wkb, 25832), 3)), "
            ":population, :population_date, :source, :source_url)"),
            {"level": level, "code": area.code, "name": area.name, "wkb": area.wkb,
             "population": area.population,
             "population_date": population_date if area.population is not None else None,
             "source": source_note, "source_url": source_url})
    assign(conn, level=level)
    _bump(conn)
    return len(rows)


def _bump(conn) -> None:
    """A new store version: the layers (area types, their extents and source
    notes) are cached per version."""
    conn.execute(sa.text("UPDATE keck_homeless.store_state SET version = version + 1, "
                         "changed = now() WHERE id = 1"))


def set_population(conn, level: str, figures: dict[str, int],
                   population_date: dt.date | None) -> tuple[int, list[str]]:
    """Population by code (a CSV keyed by code); returns (updated, unknown codes)."""
    updated, unknown = 0, []
    for code, value in figures.items():
        # a spreadsheet drops a key's leading zero (AGS 05358004 → 5358004)
        candidates = [code, "0" + code] if code.isdigit() else [code]
        for candidate in candidates:
            result = conn.execute(sa.text(
                "UPDATE keck_homeless.area SET population = :p, population_date = :d "
                "WHERE level = :level AND code = :code"),
                {"p": value, "d": population_date, "level": level, "code": candidate})
            if result.rowcount:
                updated += 1
                break
        else:
            unknown.append(code)
    return updated, unknown


def levels(conn) -> list[dict[str, Any]]:
    """One line per level: count, with population, source, when loaded."""
    rows = conn.execute(sa.text(
        "SELECT level, count(*) AS areas, count(population) AS with_population, "
        "min(source) AS source, max(loaded) AS loaded, "
        "round(sum(ST_Area(geom)) / 1e6)::bigint AS km2 "
        "FROM keck_homeless.area GROUP BY level ORDER BY level"))
    return [dict(r) for r in rows.mappings()]


def delete_level(conn, level: str) -> int:
    conn.execute(sa.text("DELETE FROM keck_homeless.offer_area WHERE level = :level"),
                 {"level": check_level(level)})
    count = conn.execute(sa.text("DELETE FROM keck_homeless.area WHERE level = :level"),
                         {"level": level}).rowcount
    _bump(conn)
    return count


#: The point an offer is assigned by: the exact one from the protected
#: table where it exists (an approximate offer's grid-cell centre may lie
#: across a border), else the published one. Never leaves the database.
_POINT = """ST_Transform(ST_SetSRID(ST_MakePoint(COALESCE(p.lon, o.lon),
                                        COALESCE(p.lat, o.lat)), 4326), 25832)"""


def assign(conn, ids: Iterable[str] | None = None, level: str | None = None) -> int:
    """(Re)compute the area codes of the store rows ``ids`` (all when
    ``None``) for ``level`` (all levels when ``None``); same transaction."""
    where, params = ["TRUE"], {}
    if ids is not None:
        params["ids"] = list(ids)
        if not params["ids"]:
            return 0
        where.append("o.package_id = ANY(:ids)")
    if level is not None:
        params["level"] = level
        where.append("a.level = :level")
    delete = ["TRUE"]
    if ids is not None:
        delete.append("package_id = ANY(:ids)")
    if level is not None:
        delete.append("level = :level")
    conn.execute(sa.text(f"DELETE FROM keck_homeless.offer_area WHERE {' AND '.join(delete)}"),
                 params)
    return conn.execute(sa.text(
        "INSERT INTO keck_homeless.offer_area (package_id, level, code) "
        + _expected_sql(" AND ".join(where))), params).rowcount


def _expected_sql(where: str = "TRUE") -> str:
    """The area code per offer and level its point lies in (first by code
    where areas of a level overlap)."""
    return f"""
        SELECT DISTINCT ON (o.package_id, a.level) o.package_id, a.level, a.code
        FROM keck_homeless.offer o
        LEFT JOIN keck_homeless.protected_location p
               ON p.package_id = o.package_id AND p.lon IS NOT NULL AND p.lat IS NOT NULL
        JOIN keck_homeless.area a ON ST_Intersects(a.geom, {_POINT})
        WHERE {where}
        ORDER BY o.package_id, a.level, a.code"""


def assignment_differences(conn) -> list[str]:
    """Area codes of offers that differ from what their points say."""
    rows = conn.execute(sa.text(f"""
        WITH expected AS ({_expected_sql()})
        (SELECT 'missing' AS kind, * FROM expected
         EXCEPT SELECT 'missing', package_id, level, code FROM keck_homeless.offer_area)
        UNION ALL
        (SELECT 'unexpected', package_id, level, code FROM keck_homeless.offer_area
         EXCEPT SELECT 'unexpected', * FROM expected)
        ORDER BY 2, 3"""))
    return [f"area assignment {r.kind}: {r.package_id} {r.level}={r.code}" for r in rows]


def present(conn) -> bool:
    """Whether the area tables exist (before ``ckan db upgrade`` they do not)."""
    return conn.execute(sa.text("SELECT to_regclass('keck_homeless.offer_area')")
                        ).scalar() is not None


def outside_named_municipality(conn, level: str = "gemeinde") -> list[str]:
    """Offers whose point lies outside the municipality they name (only
    where that municipality is loaded as an area of ``level``)."""
    rows = conn.execute(sa.text(f"""
        SELECT o.name, o.municipality, a.name AS area_name,
               (SELECT x.name FROM keck_homeless.area x
                 WHERE x.level = :level AND ST_Intersects(x.geom, {_POINT}) LIMIT 1) AS found
        FROM keck_homeless.offer o
        LEFT JOIN keck_homeless.protected_location p
               ON p.package_id = o.package_id AND p.lon IS NOT NULL AND p.lat IS NOT NULL
        JOIN keck_homeless.area a ON a.level = :level AND a.code = o.municipality
        WHERE NOT ST_Intersects(a.geom, {_POINT})
        ORDER BY o.name"""), {"level": level})
    return [f"outside its municipality: {r.name} names {r.area_name} ({r.municipality}) "
            f"but lies in {r.found or 'no loaded area'}" for r in rows]


#: The point an offer is checked by, also for a hidden offer (no store row):
#: the exact one from the protected table, else the store's.
_OFFER_POINT = """
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 25832) AS g
      FROM keck_homeless.protected_location
     WHERE package_id = :id AND lon IS NOT NULL AND lat IS NOT NULL
    UNION ALL
    SELECT o.geom_utm FROM keck_homeless.offer o WHERE o.package_id = :id
    LIMIT 1"""


def municipality_mismatch(conn, package_id: str, municipality: str | None,
                          level: str = "gemeinde") -> tuple[str, str | None] | None:
    """(name of the municipality the offer names, name of the one its point
    lies in or None) when the point lies outside the named one; None when it
    lies inside, or nothing can be said (no point, no such area loaded).
    For the partner's form and offer page (the editor sees the exact point
    anyway); ``check`` reports the same for all offers."""
    if not municipality or not present(conn):
        return None
    row = conn.execute(sa.text(f"""
        WITH pt AS ({_OFFER_POINT})
        SELECT a.name,
               (SELECT x.name FROM keck_homeless.area x
                 WHERE x.level = :level AND ST_Intersects(x.geom, pt.g)
                 ORDER BY x.code LIMIT 1) AS found
          FROM pt JOIN keck_homeless.area a ON a.level = :level AND a.code = :code
         WHERE NOT ST_Intersects(a.geom, pt.g)"""),
        {"id": package_id, "code": municipality, "level": level}).first()
    return (row[0], row[1]) if row else None
