"""Index the offers of an import batch once each, in one request to Solr.

CKAN indexes a package at the commit that changed it, one HTTP request per
package, and a new package twice (once as new, once as changed through its
extras, tags and memberships). The importer writes many rows in one
transaction; inside :func:`deferred` CKAN's search plugin only notes which
packages changed, and when the transaction commits — before the database
commits, so a failing index still rolls the whole batch back, as CKAN's own
indexing does — every noted package is dictized and turned into its Solr
document by CKAN's own ``PackageSearchIndex`` (our ``before_dataset_index``
included), and all documents go to Solr in a single update request.

One request means all or nothing: if Solr refuses or is away, no document
of the batch was added and the database rolls back too.

Within a batch, each written package is dictized and validated against
the show schema twice: by the activity stream's ``package_show`` (while the
row is written) and for its Solr document (at the commit). Nothing changes
the package in between, so :class:`_Memo` hands the second the first one's
result — only for a package whose ``metadata_modified`` and dictization
flags are the same and a validation input equal to the first one's.

Only the thread that entered :func:`deferred` is affected (the command
line's import); any other thread in the process indexes as CKAN does.
"""
from __future__ import annotations

import contextlib
import copy
import threading
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from sqlalchemy import event

_local = threading.local()


class _Batch:
    """Package ids noted since the last commit, with what to do."""

    def __init__(self) -> None:
        self.index: set[str] = set()
        self.delete: set[str] = set()
        self.memo = _Memo()

    def note(self, package: model.Package, operation: str) -> None:
        if operation == model.DomainObjectOperation.deleted:
            self.delete.add(package.id)
            self.index.discard(package.id)
        elif package.id not in self.delete:
            self.index.add(package.id)

    def clear(self) -> None:
        self.index.clear()
        self.delete.clear()
        self.memo.clear()

    def flush(self) -> None:
        """Index what was noted; raise ``SearchIndexError`` if Solr fails."""
        import pysolr
        from ckan.lib import search
        from ckan.lib.search import index as search_index

        index_ids, delete_ids = sorted(self.index), sorted(self.delete)
        self.index.clear()
        self.delete.clear()
        if not (index_ids or delete_ids):
            self.memo.clear()
            return
        show = tk.get_action("package_show")
        capture = _Capture()
        packages = search.index_for(model.Package)
        original = search_index.make_connection
        search_index.make_connection = capture.connection(original)
        try:
            for package_id in index_ids:
                # the same dict CKAN's search plugin indexes
                pkg_dict = show({"ignore_auth": True, "validate": False, "use_cache": False},
                                {"id": package_id})
                packages.update_dict(pkg_dict, defer_commit=True)
        finally:
            search_index.make_connection = original
            self.memo.clear()
        try:
            conn = search.make_connection()
            if capture.documents:
                conn.add(docs=capture.documents, commit=False)
            for package_id in delete_ids:
                packages.delete_package({"id": package_id})
        except (pysolr.SolrError, OSError) as err:
            raise search.SearchIndexError(f"Solr: {str(err)[:300]}") from err


class _Capture:
    """A stand-in for CKAN's Solr connection that keeps the documents
    ``PackageSearchIndex.index_package`` would send, in the flushing
    thread only."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []
        self._thread = threading.get_ident()

    def connection(self, real):
        def make_connection(*args, **kwargs):
            if threading.get_ident() != self._thread:
                return real(*args, **kwargs)
            return self
        return make_connection

    def add(self, docs, commit: bool = False, **_kwargs) -> None:
        self.documents.extend(docs)


class _Memo:
    """Dictized packages and their show-schema validation, within one batch.

    A dictization is reused for the same package, ``metadata_modified`` and
    the context flags ``package_dictize`` reads; a validation only for an
    input equal to the remembered one (same action, no schema of the
    caller's own). Results are handed out as copies, so a caller that
    changes its dict changes nothing here."""

    @staticmethod
    def _flags(context) -> tuple[bool, ...]:
        """What of the context ``package_dictize`` reads (as it reads it)."""
        return (bool(context.get("for_view")), bool(context.get("for_edit")),
                bool(context.get("active", True)), bool(context.get("with_capacity")))

    def __init__(self) -> None:
        self.dictized: dict[tuple, dict[str, Any]] = {}
        self.validated: dict[str, tuple[dict[str, Any], Any, Any]] = {}

    def clear(self) -> None:
        self.dictized.clear()
        self.validated.clear()

    def dictize(self, real, pkg, context, include_plugin_data: bool = False):
        key = (pkg.id, pkg.metadata_modified, include_plugin_data, self._flags(context))
        if key in self.dictized:
            context["with_capacity"] = False  # as package_dictize leaves it
            return copy.deepcopy(self.dictized[key])
        result = real(pkg, context, include_plugin_data)
        self.dictized[key] = copy.deepcopy(result)
        return result

    def validate(self, real, plugin, context, data_dict, schema, action):
        package_id = data_dict.get("id") if isinstance(data_dict, dict) else None
        if action != "package_show" or "schema" in context or not package_id:
            return real(plugin, context, data_dict, schema, action)
        seen = self.validated.get(package_id)
        if seen is not None and seen[0] == data_dict:
            return copy.deepcopy(seen[1]), copy.deepcopy(seen[2])
        given = copy.deepcopy(data_dict)
        result, errors = real(plugin, context, data_dict, schema, action)
        self.validated[package_id] = (given, copy.deepcopy(result), copy.deepcopy(errors))
        return result, errors


def _batch() -> _Batch | None:
    return getattr(_local, "batch", None)


def skip_stale_cache(context: dict[str, Any], data_dict: dict[str, Any]) -> None:
    """In a deferred batch, let ``package_show`` of a package written in
    the open transaction skip its look-up in the search index: the index
    cannot hold it yet (its document is sent at the commit), so the look-up
    is a wasted request to Solr (the activity stream shows every written
    package once). Other packages keep the cache."""
    if _batch() is None or "use_cache" in context:
        return
    cache = getattr(model.Session(), "_object_cache", None)  # CKAN's, per transaction
    if not cache:
        return
    key = (data_dict or {}).get("id") or (data_dict or {}).get("name_or_id")
    for obj in cache["new"] | cache["changed"]:
        if isinstance(obj, model.Package) and key in (obj.id, obj.name):
            context["use_cache"] = False
            return


@contextlib.contextmanager
def deferred():
    """Within the block, this thread's commits index their packages in one
    Solr request (see the module's docstring)."""
    from ckan.lib import plugins as lib_plugins
    from ckan.lib.dictization import model_dictize
    from ckan.lib.search import SynchronousSearchPlugin

    plugin = SynchronousSearchPlugin()  # a singleton: the instance CKAN notifies
    original = plugin.notify
    real_dictize, real_validate = model_dictize.package_dictize, lib_plugins.plugin_validate

    def notify(entity: Any, operation: str) -> None:
        batch = _batch()
        if batch is None or not isinstance(entity, model.Package):
            return original(entity, operation)
        batch.note(entity, operation)

    # looked up as module attributes by package_show and PackageSearchIndex
    def package_dictize(pkg, context, include_plugin_data=False):
        batch = _batch()
        if batch is None:
            return real_dictize(pkg, context, include_plugin_data)
        return batch.memo.dictize(real_dictize, pkg, context, include_plugin_data)

    def plugin_validate(plugin, context, data_dict, schema, action):
        batch = _batch()
        if batch is None:
            return real_validate(plugin, context, data_dict, schema, action)
        return batch.memo.validate(real_validate, plugin, context, data_dict, schema, action)

    if _batch() is not None:
        raise RuntimeError("batch_index.deferred() does not nest")
    _local.batch = _Batch()
    plugin.notify = notify
    model_dictize.package_dictize, lib_plugins.plugin_validate = package_dictize, plugin_validate
    try:
        yield
    finally:
        model_dictize.package_dictize, lib_plugins.plugin_validate = real_dictize, real_validate
        del plugin.notify  # back to the class's method
        _local.batch = None


# Registered after CKAN's own before_commit listener (ckan.model.meta, imported
# first), which notifies the search plugin: the batch is complete here.
@event.listens_for(model.Session, "before_commit")
def _before_commit(session) -> None:
    batch = _batch()
    if batch is not None:
        batch.flush()


@event.listens_for(model.Session, "after_rollback")
def _after_rollback(session) -> None:
    batch = _batch()
    if batch is not None:
        batch.clear()
