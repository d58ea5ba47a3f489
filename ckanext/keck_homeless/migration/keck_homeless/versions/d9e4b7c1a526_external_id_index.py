"""Index on the offers' external_id (CKAN's package_extra)

The importer finds the offer a row updates by its ``external_id`` (an
extra). CKAN indexes ``package_extra`` by package only, so every lookup
read all extras of all packages: an import slowed from 13 to 8 offers/s
between the first and the ten-thousandth offer (bench/load.sh's loading).
A partial index on the one key we look up; CKAN's own migrations do not
touch it (its own name, its own key).
"""
from alembic import op

revision = "d9e4b7c1a526"
down_revision = "c8f3e1b5a742"
branch_labels = None
depends_on = None

#: also run by the tests after CKAN's reset_db, which recreates package_extra
CREATE = ("CREATE INDEX IF NOT EXISTS keck_homeless_extra_external_id "
          "ON package_extra (value) WHERE key = 'external_id'")


def upgrade():
    op.execute(CREATE)


def downgrade():
    op.execute("DROP INDEX IF EXISTS keck_homeless_extra_external_id")
