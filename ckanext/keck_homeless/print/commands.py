"""Click commands ``qr`` and ``flyer``, added to ``ckan keck-homeless`` by cli.py.

``ckan keck-homeless qr finder|category CODE|offer NAME --format svg|png -o FILE``
``ckan keck-homeless flyer --format a4|a6 --lang de|en|… -o FILE [--date YYYY-MM-DD]``

``-o -`` (the default) writes to standard output.
"""
from __future__ import annotations

import datetime as dt
import sys

import click

from ckanext.keck_homeless.offers import messages


def _write(data: bytes, output: str) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"{output}: {len(data)} bytes", err=True)


@click.command("qr", short_help="QR code (SVG/PNG) of the finder, a category or an offer")
@click.argument("target", type=click.Choice(["finder", "category", "offer"]))
@click.argument("value", required=False)
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg", show_default=True)
@click.option("--scale", type=click.IntRange(2, 40), default=10, show_default=True,
              help="Pixels (PNG) or units (SVG) per module.")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
def qr(target, value, fmt, scale, output):
    """QR code of a public URL: TARGET is finder, category CODE or offer NAME.

    The URL is built from ckanext.keck_homeless.public_url (default
    ckan.site_url) and printed on standard error."""
    from ckanext.keck_homeless.print import qr as qrcode
    from ckanext.keck_homeless.print import source
    from ckanext.keck_homeless.print.urls import BadTarget

    urls = source.public_urls()
    if (target == "finder") != (value is None):
        raise click.UsageError("finder takes no value; category and offer need one")
    try:
        if target == "finder":
            url = urls.finder()
        elif target == "category":
            url = urls.category(value)
        else:
            url = source.offer_url(value)
    except BadTarget as err:
        raise click.ClickException(f"unknown category: {value}") from err
    except source.NotPrintable as err:
        raise click.ClickException(f"no public offer named {value!r}") from err
    click.echo(url, err=True)
    _write(qrcode.svg(url, scale=scale) if fmt == "svg" else qrcode.png(url, scale=scale), output)


@click.command("flyer", short_help="The printable flyer (PDF)")
@click.option("--format", "fmt", type=click.Choice(["a4", "a6"]), default="a4", show_default=True,
              help="a4: one page; a6: pocket booklet.")
@click.option("--lang", type=click.Choice(messages.languages()), default="de", show_default=True,
              help="Language of the flyer (any with a catalogue).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help='The "Stand" date and reference week (default: today).')
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
def flyer(fmt, lang, day, output):
    """The flyer as a tagged PDF: offers by category with address, hours and
    phone, QR code to the finder, emergency numbers, "Stand: <date>"."""
    from ckanext.keck_homeless.print import flyer as flyer_module
    from ckanext.keck_homeless.print import source

    data = source.flyer_data(fmt, lang, day.date() if day else dt.date.today())
    _write(flyer_module.render(data), output)
