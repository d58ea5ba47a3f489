"""Public downloads of the published offers (``/keck-homeless/download/…``).

``hilfsangebote.csv`` / ``hilfsangebote.xlsx``: every public offer in the
import format, as CKAN publishes it (``exchange/importer.export_rows``: a
protected offer without street and position, an approximate one at its
coarsened position), cells that would start a spreadsheet formula
neutralised. ``vorlage.xlsx``: the empty template for partners. The catalogue's data
product (``services_dataset.py``) links it as a distribution.
"""
from __future__ import annotations

import io

from flask import Blueprint, Response

from ckanext.keck_homeless.exchange import importer, tabular, xlsx

PREFIX = "/keck-homeless/download"
blueprint = Blueprint("keck_homeless_downloads", __name__, url_prefix=PREFIX)


@blueprint.route("/hilfsangebote.csv")
def offers_csv() -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # a UTF-8 BOM, so Excel reads the umlauts right
    tabular.write_csv(importer.export_rows(), out)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=hilfsangebote.csv"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=_XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.route("/hilfsangebote.xlsx")
def offers_xlsx() -> Response:
    out = io.BytesIO()
    xlsx.write(importer.export_rows(), out)
    return _xlsx_response(out.getvalue(), "hilfsangebote.xlsx")


@blueprint.route("/vorlage.xlsx")
def template_xlsx() -> Response:
    out = io.BytesIO()
    xlsx.template(out)
    return _xlsx_response(out.getvalue(), "hilfsangebote-vorlage.xlsx")


@blueprint.route("/kennzahlen-<level>.<fmt>")
def figures_download(level: str, fmt: str) -> Response:
    """KECK-Atlas figures of a level as CSV or XLSX (404 for an unknown level)."""
    from ckan import model
    from flask import abort

    from ckanext.keck_homeless.exchange import figures
    from ckanext.keck_homeless.store import areas, figures_source

    if fmt not in ("csv", "xlsx") or not areas.LEVEL.match(level):
        abort(404)
    try:
        rows, note = figures_source.load(model.meta.engine, level)
    except figures_source.UnknownLevel:
        abort(404)
    if fmt == "csv":
        response = Response(figures.csv_text(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename=kennzahlen-{level}.csv"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    out = io.BytesIO()
    figures.write_xlsx(rows, out, level, note)
    return _xlsx_response(out.getvalue(), f"kennzahlen-{level}.xlsx")
