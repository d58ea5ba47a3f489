"""The ``keck_homeless`` plugin: each interface method hands off to a module."""
from __future__ import annotations

import logging
import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.keck_homeless import cli, helpers, logic, privacy, search, validators, views
from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers import messages

log = logging.getLogger(__name__)


def _package_dir(module: str) -> str:
    """Folder of a package of ours (``schemas``/``templates`` are top-level
    folders of the repository mapped into the package by setup.py)."""
    mod = __import__(module, fromlist=[""])
    return os.path.dirname(os.path.abspath(mod.__file__))


def warn_open_organisations(config: Any) -> bool:
    """Only the county's vetted partners may publish help offers: warn at
    start-up when any registered user may create an organisation (CKAN's
    default). Returns whether it warned."""
    if not tk.asbool(config.get("ckan.auth.user_create_organizations")):
        return False
    log.warning(
        "ckan.auth.user_create_organizations is true: any registered user can create an "
        "organisation and publish help offers in the public finder. Set it to false so that "
        "only sysadmins (the county) create partner organisations (README \"Who may publish\").")
    return True


@tk.blanket.config_declarations
@tk.blanket.actions(logic.get_actions)
@tk.blanket.auth_functions(logic.get_auth_functions)
class KeckHomelessPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.IValidators)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IClick)
    p.implements(p.IBlueprint)
    # i18n/<lang>/LC_MESSAGES/ckanext-keck_homeless.mo, merged with CKAN's catalogue
    p.implements(p.ITranslation)
    p.implements(p.IMiddleware, inherit=True)

    # IConfigurer
    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, _package_dir("ckanext.keck_homeless.templates"))
        tk.add_resource("assets", "keck_homeless")

    # IConfigurable
    def configure(self, config: Any) -> None:
        from ckan import model

        from ckanext.keck_homeless.store import sync

        kconfig.configure(config)
        warn_open_organisations(config)
        privacy.install(model.Session, kconfig.approximate_grid_m())
        sync.install(model.Session, kconfig.approximate_grid_m())
        sync.refresh_props_at_start(model.meta.engine)

    # IValidators
    def get_validators(self) -> dict[str, Any]:
        return validators.get_validators()

    # ITemplateHelpers
    def get_helpers(self) -> dict[str, Any]:
        return helpers.get_helpers()

    # IFacets
    def dataset_facets(self, facets_dict: dict[str, Any], package_type: str) -> dict[str, Any]:
        return search.dataset_facets(facets_dict, package_type, validators.current_lang())

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        return search.before_index(pkg_dict)

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]):
        return search.label_facets(search_results, validators.current_lang())

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        privacy.after_show(context, pkg_dict)

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        from ckanext.keck_homeless import index_check

        index_check.reindex_even_if_unchanged(context.get("package"))

    # IClick
    def get_commands(self) -> list:
        return cli.get_commands()

    # IBlueprint
    def get_blueprint(self) -> list:
        return views.get_blueprints()

    # ITranslation (domain and locales from DefaultTranslation)
    def i18n_directory(self) -> str:
        return messages.LOCALE_DIR

    # IMiddleware
    def make_middleware(self, app: Any, config: Any) -> Any:
        from ckanext.keck_homeless import guard, transport
        from ckanext.keck_homeless.views import form_faults
        from ckanext.keck_homeless.views import ogc as ogc_views

        form_faults.install(app)
        _build_assets()
        # outside in: bytes on the wire, refused input, the OGC fast path, CKAN
        return transport.Transport(guard.InputGuard(ogc_views.make_middleware(app, config)),
                                   compress=kconfig.load(config).compress)


def _build_assets() -> None:
    """Build every webassets bundle that needs it before the first request.
    CKAN builds a bundle on the first page that includes it; on a fresh
    storage directory, threads rendering their first pages at once race —
    the cache directory is checked and then created (FileExistsError), a
    bundle's version is looked up while another thread is still writing it
    (BundleError) — and the losers answer 500 (seen on a fresh clone under
    concurrent load). Here one thread builds; afterwards each bundle only
    compares timestamps."""
    import logging

    from ckan.lib import webassets_tools
    from webassets.exceptions import BundleError

    for bundle in webassets_tools.env:
        try:
            bundle.urls()
        except BundleError:  # the page that includes it will say so; the site starts
            logging.getLogger(__name__).exception("webassets bundle %s", bundle)
