"""Problem reports from the street and the reminder log

Revision ID: c7e1d9a4f052
Revises: b4d2a7e6c130
Create Date: 2026-12-04

``keck_homeless.problem_report`` holds what visitors report about an offer
(wrong phone, address, hours, closed, other) until an editor closes it; it
is never published and holds no IP address (rate limits live in Redis and
expire). ``keck_homeless.reminder_sent`` remembers when each partner
organisation was last reminded of stale offers, so ``ckan keck-homeless
remind`` sends at most one mail per organisation and interval.
"""
from alembic import op

revision = "c7e1d9a4f052"
down_revision = "b4d2a7e6c130"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE TABLE keck_homeless.problem_report (
        id          text PRIMARY KEY,
        package_id  text NOT NULL,
        owner_org   text,
        kind        text NOT NULL,
        message     text NOT NULL DEFAULT '',
        contact     text NOT NULL DEFAULT '',
        lang        text NOT NULL DEFAULT 'de',
        created     timestamptz NOT NULL DEFAULT now(),
        closed      timestamptz,
        closed_by   text,
        mailed      boolean NOT NULL DEFAULT false,
        CONSTRAINT problem_report_kind CHECK
            (kind IN ('phone', 'address', 'hours', 'closed', 'other'))
    )""")
    op.execute("CREATE INDEX problem_report_open ON keck_homeless.problem_report "
               "(package_id) WHERE closed IS NULL")
    op.execute("CREATE INDEX problem_report_org ON keck_homeless.problem_report "
               "(owner_org) WHERE closed IS NULL")
    op.execute("COMMENT ON TABLE keck_homeless.problem_report IS "
               "'Problem reports about help offers: seen only by the editors of the "
               "offer''s organisation, never published (ckanext-keck_homeless).'")
    op.execute("""
    CREATE TABLE keck_homeless.reminder_sent (
        owner_org   text PRIMARY KEY,
        sent        timestamptz NOT NULL,
        offers      integer NOT NULL
    )""")


def downgrade():
    op.execute("DROP TABLE keck_homeless.reminder_sent")
    op.execute("DROP TABLE keck_homeless.problem_report")
