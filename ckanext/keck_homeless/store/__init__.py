"""The PostGIS feature store: one row per publishable offer location."""
