"""DCAT-AP.de 3.0 additions to ckanext-dcat's ``euro_dcat_ap_3`` profile.

Loaded as RDF profile ``keck_dcat_ap_de`` after ``euro_dcat_ap_3``
(``ckanext.dcat.rdf.profiles = euro_dcat_ap_3 keck_dcat_ap_de``). For every
dataset it adds what DCAT-AP.de asks of a German county and GovData checks:
``dcatde:contributorID``, ``dcatde:politicalGeocodingURI`` and its level,
exactly one publisher (a ``foaf:Agent`` with a name), a contact point, the
EU theme, language and access rights, and on every distribution a licence
URI from the dcat-ap.de licence vocabulary with
``dcatde:licenseAttributionByText``, an EU file type and a media type.

What the catalogue holds (``catalog_fq`` and :func:`add_services`): the
county's data products — the dataset of all help offers with its
distributions — and the OGC services of the services dataset as
``dcat:DataService``s that serve it; single offers are not catalogue
datasets unless ``ckanext.keck_homeless.dcat.include_offers`` is on (a
harvester would flood GovData with shelter entries). Per-offer RDF
(``/dataset/<offer>.ttl``) is CKAN's package as published: a protected
offer's package holds no exact location (``privacy.py``), so neither does
its RDF; the leak test requests those endpoints.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from ckanext.dcat.profiles import DCAT, DCT, FOAF, VCARD
from ckanext.dcat.profiles.base import RDFProfile
from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers.constants import DATASET_TYPE

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
EU = "http://publications.europa.eu/resource/authority/"
LANGUAGE_DEU = URIRef(EU + "language/DEU")
THEME_SOCI = URIRef(EU + "data-theme/SOCI")
ACCESS_PUBLIC = URIRef(EU + "access-right/PUBLIC")
LICENSES = "http://dcat-ap.de/def/licenses/"

#: CKAN licence ids → the dcat-ap.de licence vocabulary
LICENSE_URIS = {
    "dl-de-by-2.0": LICENSES + "dl-by-de/2.0", "dl-by-de/2.0": LICENSES + "dl-by-de/2.0",
    "dl-de-zero-2.0": LICENSES + "dl-zero-de/2.0", "dl-zero-de/2.0": LICENSES + "dl-zero-de/2.0",
    "cc-by": LICENSES + "cc-by/4.0", "cc-by-4.0": LICENSES + "cc-by/4.0",
    "cc-by-sa": LICENSES + "cc-by-sa/4.0", "cc-by-sa-4.0": LICENSES + "cc-by-sa/4.0",
    "cc-zero": LICENSES + "cc-zero", "odc-odbl": LICENSES + "odbl",
    "odc-by": LICENSES + "odby", "odc-pddl": LICENSES + "odcpddl",
    "other-open": LICENSES + "other-open", "other-closed": LICENSES + "other-closed",
}
#: resource format → (EU file type, IANA media type or None)
FORMATS = {
    "GEOJSON": ("GEOJSON", "application/geo+json"), "CSV": ("CSV", "text/csv"),
    "JSON": ("JSON", "application/json"), "ZIP": ("ZIP", "application/zip"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "WMS": ("WMS_SRVC", None), "WFS": ("WFS_SRVC", None),
    "OGC API - FEATURES": ("JSON", "application/geo+json"),
}
#: services dataset resource format → the standard the endpoint conforms to
SERVICE_STANDARDS = {
    "WMS": "http://www.opengis.net/def/serviceType/ogc/wms",
    "WFS": "http://www.opengis.net/def/serviceType/ogc/wfs",
    "OGC API - Features": "http://www.opengis.net/doc/IS/ogcapi-features-1/1.0",
}


def catalog_fq(fq: str | None) -> str:
    """The catalogue's search filter: no single offers (unless configured)
    and not the services dataset (it is listed as data services)."""
    s = kconfig.settings().dcat
    parts = [fq] if fq else []
    if not s.include_offers:
        parts.append(f"-dataset_type:{DATASET_TYPE}")
    parts.append(f'-name:"{s.services_dataset}"')
    return " ".join(parts)


def _site_url() -> str:
    import ckan.plugins.toolkit as tk

    return (tk.config.get("ckan.site_url") or "").rstrip("/")


def _public_package(name: str) -> dict[str, Any] | None:
    import ckan.plugins.toolkit as tk

    try:
        pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None
    return None if pkg.get("private") or pkg.get("state") != "active" else pkg


def _offers_changed() -> tuple[dt.datetime, dt.datetime] | None:
    """Oldest and newest change of a published offer (the feature store)."""
    import sqlalchemy as sa
    from ckan import model

    from ckanext.keck_homeless.store.model import offer

    with model.meta.engine.connect() as conn:
        row = conn.execute(sa.select(sa.func.min(offer.c.metadata_modified),
                                     sa.func.max(offer.c.metadata_modified))).first()
    return (row[0], row[1]) if row and row[0] else None


class DCATAPdeProfile(RDFProfile):
    """The DCAT-AP.de layer (see module docstring)."""

    # -- shared nodes ------------------------------------------------------

    def _publisher(self) -> URIRef | BNode:
        s = kconfig.settings()
        uri = s.dcat.publisher_uri or s.ogc.provider_site
        node = URIRef(uri) if uri else BNode()
        self.g.add((node, RDF.type, FOAF.Agent))
        self.g.set((node, FOAF.name, Literal(s.dcat.publisher_name or s.ogc.provider_name,
                                             lang="de")))
        return node

    def _contact(self) -> BNode:
        s = kconfig.settings()
        node = BNode()
        self.g.add((node, RDF.type, VCARD.Organization))
        self.g.add((node, VCARD.fn, Literal(s.dcat.publisher_name or s.ogc.provider_name)))
        email = s.dcat.contact_email or s.ogc.contact_email
        if email:
            self.g.add((node, VCARD.hasEmail, URIRef("mailto:" + email)))
        self.g.add((node, VCARD.hasURL, URIRef(s.dcat.contact_url or _site_url() + "/")))
        return node

    def _drop_if_unused(self, node) -> None:
        """Remove a replaced publisher/contact node that nothing else uses."""
        if next(self.g.subjects(None, node), None) is None:
            self.g.remove((node, None, None))

    def _replace(self, subject, predicate, value) -> None:
        self.g.remove((subject, predicate, None))
        self.g.add((subject, predicate, value))

    def _license(self, dataset_dict: Mapping[str, Any]) -> URIRef | None:
        s = kconfig.settings().dcat
        if dataset_dict.get("name") in (s.data_dataset, s.services_dataset) or \
                dataset_dict.get("type") == DATASET_TYPE:
            return URIRef(s.license_uri)
        uri = LICENSE_URIS.get(str(dataset_dict.get("license_id") or ""))
        return URIRef(uri) if uri else None

    def _common(self, subject, dataset_dict: Mapping[str, Any]) -> None:
        """Publisher, contact, theme, language, access rights, DE ids."""
        s = kconfig.settings().dcat
        g = self.g
        g.bind("dcatde", DCATDE)
        for predicate in (DCT.publisher, DCAT.contactPoint):
            for node in list(g.objects(subject, predicate)):
                g.remove((subject, predicate, node))
                self._drop_if_unused(node)
        g.add((subject, DCT.publisher, self._publisher()))
        g.add((subject, DCAT.contactPoint, self._contact()))
        g.add((subject, DCAT.theme, THEME_SOCI))
        g.add((subject, DCT.language, LANGUAGE_DEU))
        self._replace(subject, DCT.accessRights, ACCESS_PUBLIC)
        g.add((subject, DCATDE.contributorID, URIRef(s.contributor_id)))
        g.add((subject, DCATDE.politicalGeocodingURI, URIRef(s.political_geocoding_uri)))
        g.add((subject, DCATDE.politicalGeocodingLevelURI, URIRef(s.political_geocoding_level)))

    def _distribution(self, node, resource: Mapping[str, Any] | None,
                      license_uri: URIRef | None) -> None:
        s = kconfig.settings()
        g = self.g
        if license_uri is not None:
            self._replace(node, DCT.license, license_uri)
        if (node, DCT.license, None) in g:
            self._replace(node, DCATDE.licenseAttributionByText,
                          Literal(s.dcat.attribution or s.dcat.publisher_name
                                  or s.ogc.provider_name))
        fmt = str((resource or {}).get("format") or "").upper()
        if fmt in FORMATS:
            file_type, media = FORMATS[fmt]
            self._replace(node, DCT["format"], URIRef(EU + "file-type/" + file_type))
            g.remove((node, DCAT.mediaType, None))
            if media:
                g.add((node, DCAT.mediaType,
                       URIRef("https://www.iana.org/assignments/media-types/" + media)))
        if (node, DCAT.accessURL, None) not in g and resource and resource.get("url"):
            g.add((node, DCAT.accessURL, URIRef(resource["url"])))

    # -- datasets ----------------------------------------------------------

    def graph_from_dataset(self, dataset_dict, dataset_ref):
        from ckanext.dcat.utils import resource_uri

        s = kconfig.settings().dcat
        self._common(dataset_ref, dataset_dict)
        license_uri = self._license(dataset_dict)
        by_uri = {resource_uri(r): r for r in dataset_dict.get("resources", [])}
        for node in self.g.objects(dataset_ref, DCAT.distribution):
            self._distribution(node, by_uri.get(str(node)), license_uri)
        if dataset_dict.get("name") == s.data_dataset:
            self._data_product(dataset_dict, dataset_ref)

    def _data_product(self, dataset_dict, dataset_ref) -> None:
        """The offers' dataset: changed when an offer changed; its GeoJSON
        distribution is served by the OGC API service."""
        changed = _offers_changed()
        if changed:
            first, last = changed
            self._replace(dataset_ref, DCT.modified,
                          Literal(last.replace(microsecond=0).isoformat(),
                                  datatype=XSD.dateTime))
            period = BNode()
            self.g.remove((dataset_ref, DCT.temporal, None))
            self.g.add((dataset_ref, DCT.temporal, period))
            self.g.add((period, RDF.type, DCT.PeriodOfTime))
            self.g.add((period, DCAT.startDate, Literal(first.date().isoformat(),
                                                        datatype=XSD.date)))
            self.g.add((period, DCAT.endDate, Literal(last.date().isoformat(),
                                                      datatype=XSD.date)))
        services = _public_package(kconfig.settings().dcat.services_dataset)
        if not services:
            return
        from ckanext.dcat.utils import resource_uri

        ogcapi = [r for r in services["resources"] if r.get("format") == "OGC API - Features"]
        for node in self.g.objects(dataset_ref, DCAT.distribution):
            if str(self.g.value(node, DCT["format"]) or "").endswith("/GEOJSON") and ogcapi:
                self.g.add((node, DCAT.accessService, URIRef(resource_uri(ogcapi[0]))))

    # -- catalogue ---------------------------------------------------------

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        s = kconfig.settings()
        g = self.g
        g.bind("dcatde", DCATDE)
        for node in list(g.objects(catalog_ref, DCT.publisher)):
            g.remove((catalog_ref, DCT.publisher, node))
            self._drop_if_unused(node)
        g.add((catalog_ref, DCT.publisher, self._publisher()))
        self._replace(catalog_ref, DCT.language, LANGUAGE_DEU)
        self._replace(catalog_ref, DCT.license, URIRef(s.dcat.license_uri))
        if (catalog_ref, DCT.description, None) not in g:
            g.add((catalog_ref, DCT.description, Literal(s.ogc.abstract, lang="de")))
        self.add_services(catalog_ref)

    def add_services(self, catalog_ref) -> None:
        """The services dataset's WMS, WFS and OGC API as data services of
        the catalogue, serving the offers' dataset."""
        from ckanext.dcat.utils import dataset_uri, resource_uri

        s = kconfig.settings()
        services = _public_package(s.dcat.services_dataset)
        if not services:
            return
        product = _public_package(s.dcat.data_dataset)
        for resource in services["resources"]:
            standard = SERVICE_STANDARDS.get(resource.get("format") or "")
            if not standard:
                continue
            node = URIRef(resource_uri(resource))
            g = self.g
            g.add((catalog_ref, DCAT.service, node))
            g.add((node, RDF.type, DCAT.DataService))
            g.add((node, DCT.title, Literal(resource.get("name") or resource["format"],
                                            lang="de")))
            if resource.get("description"):
                g.add((node, DCT.description, Literal(resource["description"], lang="de")))
            endpoint = str(resource["url"]).split("?")[0]
            g.add((node, DCAT.endpointURL, URIRef(endpoint)))
            g.add((node, DCAT.endpointDescription, URIRef(_endpoint_description(
                resource["format"], endpoint))))
            g.add((node, DCT.conformsTo, URIRef(standard)))
            g.add((node, DCT.license, URIRef(s.dcat.license_uri)))
            g.add((node, DCT.publisher, self._publisher()))
            g.add((node, DCAT.contactPoint, self._contact()))
            g.add((node, DCAT.theme, THEME_SOCI))
            g.add((node, DCT.accessRights, ACCESS_PUBLIC))
            for tag in services.get("tags", []):
                g.add((node, DCAT.keyword, Literal(tag["name"], lang="de")))
            if product:
                g.add((node, DCAT.servesDataset, URIRef(dataset_uri(product))))


def _endpoint_description(fmt: str, endpoint: str) -> str:
    if fmt in ("WMS", "WFS"):
        return f"{endpoint}?SERVICE={fmt}&REQUEST=GetCapabilities"
    return f"{endpoint}/api"


__all__ = ["DCATAPdeProfile", "catalog_fq"]
