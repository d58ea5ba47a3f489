"""Free places tonight ("freie Plätze heute Nacht")

Revision ID: e5b2c9d7a314
Revises: d3a8f1c6b205
Create Date: 2026-12-04

Shelter staff report how many places are free tonight. Every report is kept
with who set it and when it expires (the log the issue asks for); the finder
shows the newest unexpired one. Rows of purged offers are deleted with them.
"""
from alembic import op

revision = "e5b2c9d7a314"
down_revision = "d3a8f1c6b205"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE keck_homeless.free_places (
        id          bigserial PRIMARY KEY,
        package_id  text NOT NULL,
        places      integer NOT NULL CHECK (places BETWEEN 0 AND 10000),
        set_at      timestamptz NOT NULL,
        set_by      text NOT NULL,
        expires_at  timestamptz NOT NULL,
        CHECK (expires_at > set_at)
    )""")
    op.execute("CREATE INDEX free_places_current ON keck_homeless.free_places "
               "(package_id, set_at DESC)")


def downgrade():
    op.execute("DROP TABLE keck_homeless.free_places")
