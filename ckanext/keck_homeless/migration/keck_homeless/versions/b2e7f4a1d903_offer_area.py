"""Offers in areas: the area code of each published offer per level

Revision ID: b2e7f4a1d903
Revises: a9d4e2f7c318
Create Date: 2026-12-04

Filled by the store sync in the transaction that writes the offer's row
(store/areas.py ``assign``) and again for a whole level when its areas are
loaded; the row goes with the offer's store row.
"""
from alembic import op

revision = "b2e7f4a1d903"
down_revision = "a9d4e2f7c318"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE keck_homeless.offer_area (
        package_id  text NOT NULL
                    REFERENCES keck_homeless.offer (package_id) ON DELETE CASCADE,
        level       text NOT NULL,
        code        text NOT NULL,
        PRIMARY KEY (package_id, level)
    )""")
    op.execute("CREATE INDEX offer_area_level_code ON keck_homeless.offer_area (level, code)")


def downgrade():
    op.execute("DROP TABLE keck_homeless.offer_area")
