"""The last day of a temporary closure in the feature store

Revision ID: f1c4a8e2d937
Revises: e5b2c9d7a314
Create Date: 2026-12-04

"Vorübergehend geschlossen bis 15.01.": the finder, the flyer and the hours
evaluation read ``closed_until`` and treat the offer as open again from the
day after. Existing rows are filled from the packages' extras.
"""
from alembic import op

revision = "f1c4a8e2d937"
down_revision = "e5b2c9d7a314"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE keck_homeless.offer ADD COLUMN closed_until date")
    op.execute(r"""
    UPDATE keck_homeless.offer o SET closed_until = e.value::date
    FROM package_extra e
    WHERE e.package_id = o.package_id AND e.key = 'closed_until' AND e.state = 'active'
      AND e.value ~ '^\d{4}-\d{2}-\d{2}$'
    """)


def downgrade():
    op.execute("ALTER TABLE keck_homeless.offer DROP COLUMN closed_until")
