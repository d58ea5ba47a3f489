"""Small helpers for the integration tests."""
from __future__ import annotations

import sqlalchemy as sa


def store_rows(**where) -> list[dict]:
    """Rows of the feature store as dicts (read on a fresh connection, so
    only committed data is seen)."""
    from ckan import model

    sql = "SELECT *, ST_X(geom) AS x, ST_Y(geom) AS y, ST_X(geom_utm) AS e, ST_Y(geom_utm) AS n FROM keck_homeless.offer"
    if where:
        sql += " WHERE " + " AND ".join(f"{k} = :{k}" for k in where)
    with model.meta.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql + " ORDER BY name"), where).mappings()]


def store_differences() -> list[str]:
    from ckan import model

    from ckanext.keck_homeless.store import sync

    with model.meta.engine.connect() as conn:
        return sync.differences(conn)


def package_count(**where) -> int:
    from ckan import model

    q = model.Session.query(model.Package)
    for k, v in where.items():
        q = q.filter(getattr(model.Package, k) == v)
    return q.count()
