"""Admission cut-off and requirements in the feature store

Revision ID: d3a8f1c6b205
Revises: c7e1d9a4f052
Create Date: 2026-12-04

The finder shows "Einlass bis 23:00" and the requirements ("nach 23 Uhr über
die Bereitschaftsnummer") in the list, so the store keeps both. Existing rows
are filled from the packages' extras in the same migration, so
``ckan keck-homeless check`` finds no difference afterwards. The store holds
only published offers (no hidden ones), so nothing protected is copied.
"""
from alembic import op

revision = "d3a8f1c6b205"
down_revision = "c7e1d9a4f052"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE keck_homeless.offer ADD COLUMN admission_until text, "
               "ADD COLUMN requirements_note text")
    for column in ("admission_until", "requirements_note"):
        op.execute(f"""
        UPDATE keck_homeless.offer o SET {column} = NULLIF(e.value, '')
        FROM package_extra e
        WHERE e.package_id = o.package_id AND e.key = '{column}' AND e.state = 'active'
        """)


def downgrade():
    op.execute("ALTER TABLE keck_homeless.offer DROP COLUMN admission_until, "
               "DROP COLUMN requirements_note")
