"""Cache each offer's GeoJSON properties as text in the feature store

Revision ID: 9c3e5f1a2b20
Revises: 7a1c0d2e4b10
Create Date: 2026-11-25

``feature_props`` holds the JSON object of an offer's WFS/OGC API
attributes (all but ``url``, which depends on the site URL; without the
closing brace, so ``url`` is appended by concatenation) so a GeoJSON
response concatenates stored text instead of building 17-key JSON objects
for every row of every request. The writers (store/sync.py) fill it; rows
left NULL are encoded on the fly, so the column is only ever a speed-up.
``store_state.props_signature`` names the encoding the stored texts were
made with; when a release changes the attributes or their labels, the
plugin re-encodes all rows once at start-up (see ``sync.refresh_props``).
"""
from alembic import op

revision = "9c3e5f1a2b20"
down_revision = "7a1c0d2e4b10"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE keck_homeless.offer ADD COLUMN feature_props text")
    op.execute("ALTER TABLE keck_homeless.store_state ADD COLUMN props_signature text")


def downgrade():
    op.execute("ALTER TABLE keck_homeless.store_state DROP COLUMN props_signature")
    op.execute("ALTER TABLE keck_homeless.offer DROP COLUMN feature_props")
