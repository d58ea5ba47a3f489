"""ckanext-keck_homeless: help offers for people without a home in the Kreis Düren."""
