"""Areas (municipalities, Ortslagen …) for the KECK-Atlas

Revision ID: a9d4e2f7c318
Revises: f1c4a8e2d937
Create Date: 2026-12-04

One row per area of a level (``gemeinde``, ``ortslage`` or any level a
county names), keyed by its code (e.g. the AGS), with its (multi)polygon in
ETRS89/UTM32, an optional population with its reference date and the source
note its licence asks to show. Loaded and replaced by
``ckan keck-homeless areas load`` (store/areas.py).
"""
from alembic import op

revision = "a9d4e2f7c318"
down_revision = "f1c4a8e2d937"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE keck_homeless.area (
        level           text NOT NULL CHECK (level ~ '^[a-z][a-z0-9_]{0,39}$'),
        code            text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
        name            text NOT NULL,
        geom            geometry(MultiPolygon, 25832) NOT NULL,
        population      integer CHECK (population >= 0),
        population_date date,
        source          text NOT NULL DEFAULT '',
        loaded          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (level, code)
    )""")
    op.execute("CREATE INDEX area_geom_idx ON keck_homeless.area USING gist (geom)")


def downgrade():
    op.execute("DROP TABLE keck_homeless.area")
