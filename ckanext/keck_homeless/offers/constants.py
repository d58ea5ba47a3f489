"""The few names the whole extension agrees on, each written once."""
from __future__ import annotations

#: CKAN dataset type of a help offer (schemas/hilfsangebot.yaml).
DATASET_TYPE = "hilfsangebot"

#: The Kreis Düren in WGS84 (min lon, min lat, max lon, max lat): the default
#: region offers must lie in (option ``ckanext.keck_homeless.region_bbox``),
#: the extent the services advertise while no offer is published, the spatial
#: extent of the services dataset, and the area demo data is generated in.
REGION_BBOX: tuple[float, float, float, float] = (6.17, 50.58, 6.75, 51.06)

#: XML namespace and prefix of the offers' GML application schema (WFS,
#: WMS GetFeatureInfo); option ``ckanext.keck_homeless.ogc.namespace_uri``
#: overrides the URI.
NAMESPACE_URI = "https://www.kreis-dueren.de/keck-homeless/1.0"
NAMESPACE_PREFIX = "keck"
