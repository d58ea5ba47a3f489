"""``ckan keck-homeless …``: every command of the extension (import, export, store,
partners, printing, the services dataset)."""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import sys

import click

from ckanext.keck_homeless import services_dataset
from ckanext.keck_homeless.offers import messages


def get_commands() -> list:
    return [keck_homeless]


@click.group("keck-homeless", short_help="Help offers: import/export, feature store")
def keck_homeless():
    """Help offers for people without a home (ckanext-keck_homeless)."""


@contextlib.contextmanager
def _lang_context(lang: str):
    """Messages in ``lang``: ours via the validators' override, CKAN's own
    (e.g. "Missing value") via flask-babel where a context allows it."""
    import flask_babel

    from ckanext.keck_homeless import validators

    token = validators.forced_lang.set(lang)
    try:
        with flask_babel.force_locale(lang):
            yield
    finally:
        validators.forced_lang.reset(token)


@keck_homeless.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate every row, write nothing.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "geojson"]),
              help="Default: by file name (an XLSX workbook is recognised by its content).")
@click.option("--organizations", type=click.Path(exists=True, dir_okay=False),
              help="JSON list of organisations to create or update first.")
@click.option("--lang", type=click.Choice(messages.languages()), default="de", show_default=True,
              help="Language of the error messages (any with a catalogue).")
def import_(path, dry_run, fmt, organizations, lang):
    """Create or update offers from a CSV, XLSX or GeoJSON file (upsert by external_id).

    Exits with status 1 if any row failed; failed rows write nothing."""
    from ckanext.keck_homeless.exchange import files, importer, tabular
    from ckanext.keck_homeless.exchange import organizations as orgs

    try:
        rows = files.read(path, fmt)
    except tabular.FileFormatError as err:
        raise click.ClickException(str(err)) from None
    with _lang_context(lang):
        if organizations:
            done = orgs.upsert_from_file(organizations, dry_run=dry_run)
            click.echo(f"organisations: {done} created or updated")
        report = importer.import_rows(rows, dry_run=dry_run)
    for row in report.failed:
        for fieldname, found in row.errors.items():
            for message in found:
                text = message.text(lang) if hasattr(message, "text") else message
                click.echo(f"row {row.number}: {fieldname}: {text}", err=True)
    verb = "would create" if dry_run else "created"
    click.echo(f"{verb} {report.created}, {'would update' if dry_run else 'updated'} "
               f"{report.updated}, failed {len(report.failed)} of {len(rows)} rows")
    if report.stopped:
        click.echo(report.stopped, err=True)
    if not report.ok:
        sys.exit(1)


@keck_homeless.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "geojson"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Default: standard output (required for xlsx).")
@click.option("--include-private", is_flag=True, help="Also private datasets.")
@click.option("--include-protected", is_flag=True,
              help="The exact street, postcode, district and position of approximate and "
                   "protected offers (organisation-internal; never publish such a file).")
def export(fmt, output, include_private, include_protected):
    """Write all offers as CSV, XLSX or GeoJSON, in the import format."""
    from ckanext.keck_homeless.exchange import importer, tabular, xlsx

    rows = importer.export_rows(include_private, include_protected)
    if fmt == "xlsx":
        if not output:
            raise click.ClickException("--format xlsx needs -o FILE")
        with open(output, "wb") as out:
            count = xlsx.write(rows, out)
        click.echo(f"exported {count} offers", err=True)
        return
    writer = tabular.write_geojson if fmt == "geojson" else tabular.write_csv
    with (open(output, "w", encoding="utf-8", newline="") if output
          else contextlib.nullcontext(sys.stdout)) as out:
        count = writer(rows, out)
    click.echo(f"exported {count} offers", err=True)


@keck_homeless.command("hsds", short_help="Open Referral HSDS 3.0 data package (ZIP of CSVs)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="ZIP file to write; - for stdout.")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of labels (taxonomy terms, languages, notes).")
def hsds_package(output, lang):
    """Every published offer as a tabular HSDS 3.0 data package: the same
    objects /keck-homeless/hsds/ serves (protected offers without location)."""
    import datetime as dt

    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.keck_homeless.exchange import hsds_source, hsds_tabular
    from ckanext.keck_homeless.offers import hours

    directory = hsds_source.load(model.meta.engine, lang)
    site = (tk.config.get("ckan.site_url") or "").rstrip("/")
    data = hsds_tabular.zip_bytes(directory, site, today=dt.datetime.now(hours.TZ).date(),
                                  lang=lang)
    _write_bytes(data, output)
    click.echo(f"{len(directory.offers)} services, {len(directory.organizations)} "
               "organizations", err=True)


@keck_homeless.command("template", short_help="The XLSX template for offer lists")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="XLSX file to write.")
def template(output):
    """An Excel workbook to fill in: German headers with the field names,
    drop-down lists of every code list, an explanation sheet (columns and
    opening-hours syntax) and example rows; `import` reads it back."""
    from ckanext.keck_homeless.exchange import xlsx

    with open(output, "wb") as out:
        xlsx.template(out)
    click.echo(f"{output}: template written", err=True)


@keck_homeless.group("areas", short_help="Areas of the KECK-Atlas (municipalities, Ortslagen)")
def areas_group():
    """Load, list and delete the areas the KECK-Atlas figures are counted in."""


def _area_engine():
    from ckan import model

    return model.meta.engine


@areas_group.command("load")
@click.argument("source")
@click.option("--level", required=True, help="Level name, e.g. gemeinde or ortslage.")
@click.option("--code-field", required=True, help="Field with the area code (e.g. the AGS).")
@click.option("--name-field", required=True, help="Field with the area name.")
@click.option("--population-field", default=None, help="Field with the population (optional).")
@click.option("--population-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Reference date of the population (YYYY-MM-DD).")
@click.option("--layer", default=None, help="Layer of a multi-layer source (GeoPackage, WFS).")
@click.option("--source-note", default="",
              help="Source note the licence asks to show with the geometries.")
@click.option("--source-url", default="",
              help="Address the source note links to (e.g. http://www.bkg.bund.de).")
def areas_load(source, level, code_field, name_field, population_field, population_date,
               layer, source_note, source_url):
    """Replace the areas of LEVEL with the polygons of SOURCE (any vector
    source GDAL reads: GeoJSON, Shapefile, GeoPackage, WFS:https://…)."""
    from ckanext.keck_homeless.store import areas

    try:
        areas.check_level(level)
        found, crs, skipped = areas.read_source(source, code_field, name_field,
                                                population_field, layer)
        if not found:
            raise areas.AreaError(f"no polygons with a code in {source}")
        with _area_engine().begin() as conn:
            count = areas.replace_level(conn, level, found, source_note,
                                        population_date.date() if population_date else None,
                                        source_url)
    except areas.AreaError as err:
        raise click.ClickException(str(err)) from None
    for line in skipped:
        click.echo(f"skipped {line}", err=True)
    with_population = sum(1 for a in found if a.population is not None)
    click.echo(f"loaded {count} areas of level {level} from {crs} into {areas.TARGET_CRS}"
               f" ({with_population} with population, {len(skipped)} skipped)")


@areas_group.command("population")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--level", required=True)
@click.option("--date", "population_date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Reference date of the figures (YYYY-MM-DD).")
def areas_population(path, level, population_date):
    """Set the population of areas from a CSV with the columns code;population."""
    from ckanext.keck_homeless.exchange import spreadsheet, tabular
    from ckanext.keck_homeless.store import areas

    with open(path, "rb") as fh:
        text = spreadsheet.decode(fh.read())
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ",")
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["code", "population"]:
        raise click.ClickException("the first two columns must be code and population")
    figures = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        try:
            value = areas.parse_population(cells[1] if len(cells) > 1 else "")
        except areas.AreaError as err:
            raise click.ClickException(f"row {number}: {err}") from None
        if value is not None:
            figures[tabular.restore(cells[0].strip())] = value
    with _area_engine().begin() as conn:
        updated, unknown = areas.set_population(
            conn, areas.check_level(level), figures,
            population_date.date() if population_date else None)
    for code in unknown:
        click.echo(f"unknown code {code} (level {level})", err=True)
    click.echo(f"population set for {updated} areas")
    if unknown:
        sys.exit(1)


@keck_homeless.command("figures", short_help="KECK-Atlas figures per area (CSV/XLSX)")
@click.option("--level", default="gemeinde", show_default=True, help="Area level.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx",
              show_default=True)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Reference day (\"Stand\"); default today.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write; - for stdout (csv only).")
def figures_command(level, fmt, day, output):
    """One row per area, one column per indicator (sheet "Indikatoren"
    describes each), counted over published offers."""
    from ckanext.keck_homeless.exchange import figures
    from ckanext.keck_homeless.store import figures_source

    try:
        rows, note = figures_source.load(_area_engine(), level, day.date() if day else None)
    except figures_source.UnknownLevel:
        raise click.ClickException(f"no areas of level {level!r}: load them with "
                                   "`ckan keck-homeless areas load`") from None
    if fmt == "csv":
        text = figures.csv_text(rows)
        if output == "-":
            click.echo(text, nl=False)
        else:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
    else:
        with open(output, "wb") as fh:
            figures.write_xlsx(rows, fh, level, note)
    click.echo(f"{len(rows)} areas of level {level}", err=True)


@areas_group.command("list")
def areas_list():
    """The loaded levels with their number of areas."""
    from ckanext.keck_homeless.store import areas

    with _area_engine().connect() as conn:
        found = areas.levels(conn)
    if not found:
        click.echo("no areas loaded")
    for row in found:
        click.echo(f"{row['level']}: {row['areas']} areas, {row['km2']} km², "
                   f"{row['with_population']} with population, loaded {row['loaded']:%Y-%m-%d %H:%M}"
                   + (f", source: {row['source']}" if row["source"] else ""))


@areas_group.command("delete")
@click.argument("level")
def areas_delete(level):
    """Delete every area of LEVEL."""
    from ckanext.keck_homeless.store import areas

    try:
        with _area_engine().begin() as conn:
            count = areas.delete_level(conn, level)
    except areas.AreaError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"deleted {count} areas of level {level}")


@keck_homeless.command("rebuild")
def rebuild():
    """Re-derive the whole feature store from CKAN (one transaction), then
    bring the search index in line with CKAN's packages (ghost documents
    deleted, missing or outdated ones indexed)."""
    from ckan import model

    from ckanext.keck_homeless import index_check
    from ckanext.keck_homeless.store import sync

    conn = model.Session.connection()
    count = sync.rebuild(conn)
    model.Session.commit()
    click.echo(f"feature store rebuilt: {count} published locations")
    repaired = index_check.repair(model.Session.connection())
    model.Session.rollback()
    click.echo(f"search index: {len(repaired.ghosts)} ghost documents deleted, "
               f"{len(repaired.unindexed)} datasets indexed, {len(repaired.outdated)} reindexed")


@keck_homeless.command("check")
def check():
    """List differences between CKAN and the feature store, between CKAN's
    packages and the search index, and every exact location of a protected
    offer found where CKAN keeps package data (extras, activities, Solr).
    Exit status 1 if anything is found."""
    from ckan import model

    from ckanext.keck_homeless import index_check, privacy, privacy_audit
    from ckanext.keck_homeless.store import areas, sync

    conn = model.Session.connection()
    found = sync.differences(conn) + index_check.differences(conn).lines()
    leaks = privacy_audit.find_leaks(conn, privacy.solr_documents)
    outside = areas.outside_named_municipality(conn)
    model.Session.rollback()
    for line in found + leaks:
        click.echo(line)
    for line in outside:  # data to review, not an inconsistency of the store
        click.echo(f"warning: {line}")
    if found:
        click.echo(f"{len(found)} differences; run `ckan keck-homeless rebuild` to repair", err=True)
    if leaks:
        click.echo(f"{len(leaks)} exact locations outside the protected table; run "
                   "`ckan keck-homeless protect-migrate`", err=True)
    if found or leaks:
        sys.exit(1)
    click.echo("feature store and search index are consistent with CKAN; no exact "
               "location outside the protected table")


@keck_homeless.command("protect-migrate")
def protect_migrate():
    """Move exact locations of approximate and hidden offers out of package
    extras, activities and the search index into the protected table (after
    `ckan db upgrade`; idempotent)."""
    from ckan import model
    from ckan.lib import search

    from ckanext.keck_homeless import privacy, privacy_audit
    from ckanext.keck_homeless.store import sync

    conn = model.Session.connection()
    report = privacy_audit.migrate(conn)
    model.Session.commit()
    click.echo(f"moved the exact location of {len(report.moved)} offers into the protected "
               f"table; rewrote {report.activities} activities; removed {report.orphans} "
               "rows of purged offers")
    for package_id in report.package_ids:
        search.rebuild(package_id)
    click.echo(f"re-indexed {len(report.package_ids)} offers")
    count = sync.rebuild(model.Session.connection())
    model.Session.commit()
    click.echo(f"feature store rebuilt: {count} published locations")
    leaks = privacy_audit.find_leaks(model.Session.connection(), privacy.solr_documents)
    model.Session.rollback()
    for line in leaks:
        click.echo(line)
    if leaks:
        sys.exit(1)


@keck_homeless.command("remind")
@click.option("--dry-run", is_flag=True, help="List who would get a reminder, send nothing.")
def remind(dry_run):
    """Mail each partner organisation its offers not verified for
    stale_after_days or expiring within 14 days (at most once per
    remind_interval_days). For cron, e.g. daily at 07:00."""
    import datetime as dt

    from ckan import model

    from ckanext.keck_homeless import config as kconfig
    from ckanext.keck_homeless.partners import remind as reminders

    failures = reminders.run(
        model.meta.engine, now=dt.datetime.now(dt.timezone.utc),
        stale_after_days=kconfig.stale_after_days(),
        interval_days=kconfig.remind_interval_days(),
        dataset_type=kconfig.dataset_type(), dry_run=dry_run, echo=click.echo)
    if failures:
        raise click.exceptions.Exit(1)


@keck_homeless.command("publish-services",
                       short_help="Create/update the catalogue datasets (services, offers)")
@click.option("--organization", "-o", required=True,
              help="Name or id of the organisation that owns the dataset.")
@click.option("--name", default=None,
              help="Services dataset name (URL); default ckanext.keck_homeless.dcat.services_dataset.")
@click.option("--product-name", default=None,
              help="Offers' dataset name; default ckanext.keck_homeless.dcat.data_dataset.")
@click.option("--license-id", default="dl-de-by-2.0", show_default=True,
              help="CKAN licence id of both datasets.")
def publish_services(organization: str, name: str | None, product_name: str | None,
                     license_id: str):
    """Create or update the services dataset (WMS, WFS, OGC API - Features,
    GeoJSON; previewable with geo_view) and the offers' dataset (GeoJSON,
    CSV, HSDS API, HSDS data package) that the DCAT catalogue lists."""
    import ckan.plugins.toolkit as tk

    from ckanext.keck_homeless import config as kconfig

    site_url = tk.config.get("ckan.site_url")
    if not site_url:
        raise click.ClickException("ckan.site_url is not set: the service URLs must be absolute")
    names = kconfig.settings().dcat
    try:
        result = services_dataset.publish(site_url, organization,
                                          name or names.services_dataset, license_id,
                                          product_name or names.data_dataset)
    except tk.ObjectNotFound:
        raise click.ClickException(f"Organisation {organization!r} not found") from None
    except tk.ValidationError as err:
        raise click.ClickException(f"Invalid dataset: {err.error_summary}") from None
    pkg = result["package"]
    click.echo(f"{'created' if result['created'] else 'updated'}: "
               f"{site_url.rstrip('/')}/dataset/{pkg['name']} ({len(pkg['resources'])} resources)")
    product = result["product"]
    click.echo(f"{'created' if result['product_created'] else 'updated'}: "
               f"{site_url.rstrip('/')}/dataset/{product['name']} "
               f"({len(product['resources'])} resources)")
    if result["geo_view"]:
        click.echo(f"geo_view: {result['views_created']} map view(s) added")
    else:
        click.echo("geo_view: plugin not loaded – add 'geo_view' (and 'resource_proxy' for "
                   "other domains) to ckan.plugins for map previews")


# -- printing: QR codes and the flyer --------------------------------------------
def _write_bytes(data: bytes, output: str) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"{output}: {len(data)} bytes", err=True)


@keck_homeless.command("qr", short_help="QR code (SVG/PNG) of the finder, a category or an offer")
@click.argument("target", type=click.Choice(["finder", "category", "offer"]))
@click.argument("value", required=False)
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg", show_default=True)
@click.option("--scale", type=click.IntRange(2, 40), default=10, show_default=True,
              help="Pixels (PNG) or units (SVG) per module.")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.option("--lang", default=None,
              help="Language the code leads to (e.g. en → /en/hilfe); default: the site's.")
def qr(target, value, fmt, scale, output, lang):
    """QR code of a public URL: TARGET is finder, category CODE or offer NAME.

    The URL is built from ckanext.keck_homeless.public_url (default
    ckan.site_url) and printed on standard error."""
    from ckanext.keck_homeless.print import qr as qrcode
    from ckanext.keck_homeless.print import source
    from ckanext.keck_homeless.print.urls import BadTarget

    try:
        urls = source.public_urls(lang)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--lang") from err
    if (target == "finder") != (value is None):
        raise click.UsageError("finder takes no value; category and offer need one")
    try:
        if target == "finder":
            url = urls.finder()
        elif target == "category":
            url = urls.category(value)
        else:
            url = source.offer_url(value, lang)
    except BadTarget as err:
        raise click.ClickException(f"unknown category: {value}") from err
    except source.NotPrintable as err:
        raise click.ClickException(f"no public offer named {value!r}") from err
    click.echo(url, err=True)
    _write_bytes(qrcode.svg(url, scale=scale) if fmt == "svg" else qrcode.png(url, scale=scale), output)


@keck_homeless.command("flyer", short_help="The printable flyer (PDF)")
@click.option("--format", "fmt", type=click.Choice(["a4", "a6"]), default="a4", show_default=True,
              help="a4: one page; a6: pocket booklet.")
@click.option("--lang", type=click.Choice(messages.languages()), default="de", show_default=True,
              help="Language of the flyer (any with a catalogue).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help='The "Stand" date and reference week (default: today).')
@click.option("--gemeinde", "municipality", default=None,
              help="AGS of one municipality: its one-page notice (e.g. 05358024 = Jülich).")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
def flyer(fmt, lang, day, municipality, output):
    """The flyer as a tagged PDF: offers by category with address, hours and
    phone, QR code to the finder, emergency numbers, "Stand: <date>"."""
    from ckanext.keck_homeless.offers import codes
    from ckanext.keck_homeless.print import flyer as flyer_module
    from ckanext.keck_homeless.print import source

    if municipality and municipality not in codes.codes("municipality"):
        raise click.BadParameter(f"not a municipality key (AGS): {municipality}",
                                 param_hint="--gemeinde")
    data = source.flyer_data(fmt, lang, day.date() if day else dt.date.today(), municipality)
    _write_bytes(flyer_module.render(data), output)
