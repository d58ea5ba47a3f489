"""Tables of the feature store (schema ``keck_homeless``).

The tables are created by the alembic migration in
``migration/keck_homeless``; this module only describes them for queries.
``geom`` (WGS84) and ``geom_utm`` (ETRS89/UTM32, the default CRS of the OGC
layers) are generated from ``lon``/``lat`` by PostgreSQL, so a writer only
supplies plain numbers and both geometries always agree.
"""
from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

SCHEMA = "keck_homeless"
metadata = sa.MetaData(schema=SCHEMA)

#: Columns derived from the CKAN dataset, in the order the layers show them.
ATTRIBUTE_COLUMNS = (
    "name", "title", "owner_org", "organization_title", "category", "services",
    "target_groups", "languages", "street", "postcode", "municipality",
    "municipality_name", "district", "location_visibility", "precise",
    "opening_hours", "opening_hours_note", "admission_until", "requirements_note",
    "valid_from", "valid_until", "offer_status", "closed_until", "status_note", "phone", "email", "website", "dogs_allowed",
    "women_only", "free_of_charge", "anonymous", "appointment_needed", "wheelchair",
    "capacity", "last_verified", "verified_by", "external_id", "metadata_modified",
    "lon", "lat",
)

offer = sa.Table(
    "offer", metadata,
    sa.Column("package_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("owner_org", sa.Text),
    sa.Column("organization_title", sa.Text),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("services", ARRAY(sa.Text), nullable=False),
    sa.Column("target_groups", ARRAY(sa.Text), nullable=False),
    sa.Column("languages", ARRAY(sa.Text), nullable=False),
    sa.Column("street", sa.Text),
    sa.Column("postcode", sa.Text),
    sa.Column("municipality", sa.Text),
    sa.Column("municipality_name", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("location_visibility", sa.Text, nullable=False),
    sa.Column("precise", sa.Boolean, nullable=False),
    sa.Column("opening_hours", sa.Text),
    sa.Column("opening_hours_note", sa.Text),
    sa.Column("admission_until", sa.Text),
    sa.Column("requirements_note", sa.Text),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_until", sa.Date),
    sa.Column("offer_status", sa.Text, nullable=False),
    sa.Column("closed_until", sa.Date),
    sa.Column("status_note", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("website", sa.Text),
    sa.Column("dogs_allowed", sa.Boolean),
    sa.Column("women_only", sa.Boolean),
    sa.Column("free_of_charge", sa.Boolean),
    sa.Column("anonymous", sa.Boolean),
    sa.Column("appointment_needed", sa.Boolean),
    sa.Column("wheelchair", sa.Text),
    sa.Column("capacity", sa.Integer),
    sa.Column("last_verified", sa.Date),
    sa.Column("verified_by", sa.Text),
    sa.Column("external_id", sa.Text),
    sa.Column("metadata_modified", sa.DateTime),
    sa.Column("lon", sa.Float(precision=53), nullable=False),
    sa.Column("lat", sa.Float(precision=53), nullable=False),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False),
              sa.Computed("ST_SetSRID(ST_MakePoint(lon, lat), 4326)")),
    sa.Column("geom_utm", Geometry("POINT", srid=25832, spatial_index=False),
              sa.Computed("ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 25832)")),
    #: the GeoJSON properties object (all but ``url``, without its closing
    #: brace) as text — a cache filled by the writers from
    #: ``store.published.stored_properties_sql``.
    sa.Column("feature_props", sa.Text),
)

#: One row: a counter bumped by every transaction that changes ``offer``.
#: Caches (e.g. rendered WMS images) key on it so they never serve stale data.
store_state = sa.Table(
    "store_state", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("changed", sa.DateTime(timezone=True), nullable=False),
    #: which encoding ``offer.feature_props`` was made with
    sa.Column("props_signature", sa.Text),
)

#: The exact location of ``approximate`` and ``hidden`` offers: the only place
#: it is kept. CKAN's package (extras, search index, activity stream) holds
#: only what may be published (see ``privacy.py``). One row per such offer,
#: written in the same transaction as the package; no foreign key, so CKAN's
#: own table management never depends on ours (purges are followed by the
#: session listener).
protected_location = sa.Table(
    "protected_location", metadata,
    sa.Column("package_id", sa.Text, primary_key=True),
    sa.Column("street", sa.Text),
    sa.Column("postcode", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("lon", sa.Float(precision=53)),
    sa.Column("lat", sa.Float(precision=53)),
    sa.Column("changed", sa.DateTime(timezone=True), nullable=False,
              server_default=sa.func.now()),
)

#: Problem reports from the finder's "Fehler melden" form (never published).
problem_report = sa.Table(
    "problem_report", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("package_id", sa.Text, nullable=False),
    sa.Column("owner_org", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("contact", sa.Text, nullable=False, server_default=""),
    sa.Column("lang", sa.Text, nullable=False, server_default="de"),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False,
              server_default=sa.func.now()),
    sa.Column("closed", sa.DateTime(timezone=True)),
    sa.Column("closed_by", sa.Text),
    sa.Column("mailed", sa.Boolean, nullable=False, server_default=sa.false()),
)

#: "Freie Plätze heute Nacht": every report by shelter staff, with who set it
#: and when it stops counting. The current value is the newest unexpired row.
free_places = sa.Table(
    "free_places", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("package_id", sa.Text, nullable=False),
    sa.Column("places", sa.Integer, nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

#: When `ckan keck-homeless remind` last mailed each organisation.
reminder_sent = sa.Table(
    "reminder_sent", metadata,
    sa.Column("owner_org", sa.Text, primary_key=True),
    sa.Column("sent", sa.DateTime(timezone=True), nullable=False),
    sa.Column("offers", sa.Integer, nullable=False),
)

#: Areas of the KECK-Atlas (store/areas.py), one row per area of a level.
area = sa.Table(
    "area", metadata,
    sa.Column("level", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("geom", Geometry("MULTIPOLYGON", srid=25832, spatial_index=False), nullable=False),
    sa.Column("population", sa.Integer),
    sa.Column("population_date", sa.Date),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("loaded", sa.DateTime(timezone=True), nullable=False),
)

#: The figures of each area (offers/figures.py) as the area layers serve
#: them, with the basis they were computed from (store/area_figures.py).
area_figure = sa.Table(
    "area_figure", metadata,
    sa.Column("level", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("figures", JSONB, nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
)
