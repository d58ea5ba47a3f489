"""KECK-Atlas figures per area, kept for the area layers (WFS, WMS, OGC API)

Revision ID: c8f3e1b5a742
Revises: b2e7f4a1d903
Create Date: 2026-12-04

The figures (offers/figures.py) need the opening-hours evaluator, so they
are computed in Python and stored here, one row per area, for the layers to
serve with SQL. ``basis`` names what they were computed from (the offers'
state, the areas, the day); a layer request whose basis differs recomputes
the level first (store/area_figures.py), so a layer never shows figures of
another state than the CSV/XLSX download.

``area.source_url`` is the address the geometries' source note links to
(the BKG's licence asks for http://www.bkg.bund.de), shown as the layers'
attribution.
"""
from alembic import op

revision = "c8f3e1b5a742"
down_revision = "b2e7f4a1d903"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE keck_homeless.area ADD COLUMN source_url text NOT NULL DEFAULT ''")
    op.execute("""
    CREATE TABLE keck_homeless.area_figure (
        level    text NOT NULL,
        code     text NOT NULL,
        figures  jsonb NOT NULL,
        basis    text NOT NULL,
        PRIMARY KEY (level, code),
        FOREIGN KEY (level, code) REFERENCES keck_homeless.area (level, code)
            ON DELETE CASCADE
    )""")


def downgrade():
    op.execute("DROP TABLE keck_homeless.area_figure")
    op.execute("ALTER TABLE keck_homeless.area DROP COLUMN source_url")
