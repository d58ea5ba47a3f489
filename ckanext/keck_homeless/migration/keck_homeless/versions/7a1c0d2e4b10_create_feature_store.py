"""Create the feature store keck_homeless.offer

Revision ID: 7a1c0d2e4b10
Revises:
Create Date: 2026-11-25

PostGIS must already be installed in the database (``CREATE EXTENSION
postgis SCHEMA postgis`` by a superuser, with ``postgis`` on the search
path); the migration checks for it and explains what is missing.
"""
import sqlalchemy as sa
from alembic import op

revision = "7a1c0d2e4b10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    has_postgis = bind.execute(sa.text(
        "SELECT to_regtype('geometry') IS NOT NULL")).scalar()
    if not has_postgis:
        raise RuntimeError(
            "ckanext-keck_homeless needs PostGIS: as a superuser run "
            "CREATE SCHEMA postgis; CREATE EXTENSION postgis SCHEMA postgis; "
            "ALTER DATABASE <db> SET search_path = \"$user\", public, postgis; "
            "then run ckan db upgrade again.")
    op.execute("""
    CREATE TABLE keck_homeless.offer (
        package_id          text PRIMARY KEY,
        name                text NOT NULL,
        title               text NOT NULL,
        owner_org           text,
        organization_title  text,
        category            text NOT NULL,
        services            text[] NOT NULL DEFAULT '{}',
        target_groups       text[] NOT NULL DEFAULT '{}',
        languages           text[] NOT NULL DEFAULT '{}',
        street              text,
        postcode            text,
        municipality        text,
        municipality_name   text,
        district            text,
        location_visibility text NOT NULL,
        precise             boolean NOT NULL,
        opening_hours       text,
        opening_hours_note  text,
        valid_from          date,
        valid_until         date,
        offer_status        text NOT NULL,
        status_note         text,
        phone               text,
        email               text,
        website             text,
        dogs_allowed        boolean,
        women_only          boolean,
        free_of_charge      boolean,
        anonymous           boolean,
        appointment_needed  boolean,
        wheelchair          text,
        capacity            integer,
        last_verified       date,
        verified_by         text,
        external_id         text,
        metadata_modified   timestamp,
        lon                 double precision NOT NULL,
        lat                 double precision NOT NULL,
        geom geometry(Point, 4326)
            GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
        geom_utm geometry(Point, 25832)
            GENERATED ALWAYS AS (ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 25832)) STORED,
        CHECK (location_visibility IN ('public', 'approximate')),
        CHECK (location_visibility = 'public' OR street IS NULL)
    )""")
    op.execute("CREATE INDEX offer_geom_idx ON keck_homeless.offer USING gist (geom)")
    op.execute("CREATE INDEX offer_geom_utm_idx ON keck_homeless.offer USING gist (geom_utm)")
    op.execute("CREATE INDEX offer_category_idx ON keck_homeless.offer (category)")
    op.execute("CREATE INDEX offer_municipality_idx ON keck_homeless.offer (municipality)")
    op.execute("CREATE INDEX offer_owner_org_idx ON keck_homeless.offer (owner_org)")
    op.execute("""
    CREATE TABLE keck_homeless.store_state (
        id integer PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL,
        changed timestamptz NOT NULL
    )""")
    op.execute("INSERT INTO keck_homeless.store_state VALUES (1, 0, now())")


def downgrade():
    op.execute("DROP TABLE keck_homeless.store_state")
    op.execute("DROP TABLE keck_homeless.offer")
