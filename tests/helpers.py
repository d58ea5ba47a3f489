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


def call_action(action_name: str, context=None, **kwargs):
    """CKAN's ``helpers.call_action`` as the site user (a real user): the
    `activity` plugin, loaded as on the county's site, records every change
    with its user and refuses an action without one."""
    from ckan.tests import helpers

    context = dict(context or {})
    if not context.get("user"):
        from ckan.plugins import toolkit as tk

        context["user"] = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return helpers.call_action(action_name, context=context, **kwargs)


def migration(name: str):
    """One of our migration scripts as a module (they are not a package)."""
    import importlib.util
    from pathlib import Path

    import ckanext.keck_homeless as ext

    path = Path(ext.__file__).parent / "migration" / "keck_homeless" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"kh_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reset_database() -> None:
    """An empty CKAN as the county runs it: CKAN's reset_db (core tables
    only), the `activity` plugin's tables, an empty feature store and
    protected table (our schema, which reset_db does not see), and a bumped
    store version so caches never serve an earlier test's data."""
    import ckan.plugins as plugins
    from ckan import model
    from ckan.cli.db import _run_migrations
    from ckan.tests import helpers

    plugins.load_all()  # the configured plugins (an earlier test may have unloaded them)
    helpers.reset_db()
    _run_migrations("activity")
    with model.meta.engine.begin() as conn:
        # reset_db recreated CKAN's tables: our index on package_extra with them
        conn.exec_driver_sql(migration("d9e4b7c1a526_external_id_index").CREATE)
        conn.exec_driver_sql("DELETE FROM keck_homeless.offer")
        conn.exec_driver_sql("DELETE FROM keck_homeless.protected_location")
        conn.exec_driver_sql("DELETE FROM keck_homeless.problem_report")
        conn.exec_driver_sql("DELETE FROM keck_homeless.reminder_sent")
        conn.exec_driver_sql("DELETE FROM keck_homeless.area")
        conn.exec_driver_sql("UPDATE keck_homeless.store_state SET version = version + 1")
