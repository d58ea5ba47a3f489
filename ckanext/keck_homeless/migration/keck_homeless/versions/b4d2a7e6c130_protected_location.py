"""Keep the exact location of approximate and hidden offers in our own table

Revision ID: b4d2a7e6c130
Revises: 9c3e5f1a2b20
Create Date: 2026-12-03

``keck_homeless.protected_location`` holds street, postcode, district and
position of every offer whose ``location_visibility`` is ``approximate`` or
``hidden``. CKAN's package (and with it the search index and the activity
stream) keeps only what may be published. This migration only creates the
table; ``ckan keck-homeless protect-migrate`` moves the values an existing
site stored the old way (in package extras, activities and Solr) into it.
"""
import sqlalchemy as sa
from alembic import op

revision = "b4d2a7e6c130"
down_revision = "9c3e5f1a2b20"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE keck_homeless.protected_location (
        package_id  text PRIMARY KEY,
        street      text,
        postcode    text,
        district    text,
        lon         double precision,
        lat         double precision,
        changed     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT protected_location_point CHECK ((lon IS NULL) = (lat IS NULL))
    )""")
    op.execute("COMMENT ON TABLE keck_homeless.protected_location IS "
               "'Exact location of approximate/hidden help offers: never published. "
               "Read only by the offer form (editors), the feature-store derivation and "
               "the organisation-internal export (ckanext-keck_homeless).'")


def downgrade():
    # Dropping the table would lose every exact location: refuse while it
    # holds any (export them first with --include-protected).
    count = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM keck_homeless.protected_location")).scalar()
    if count:
        raise RuntimeError(
            f"keck_homeless.protected_location holds {count} exact locations; "
            "export them (ckan keck-homeless export --include-private --include-protected) "
            "and empty the table before downgrading")
    op.execute("DROP TABLE keck_homeless.protected_location")
