"""cli.py (`ckan keck-homeless qr|flyer`) against the real stack,
with the demo data loaded through the import command."""
from __future__ import annotations

import pathlib

import pytest

from ckanext.keck_homeless import cli as commands
from tests.helpers import call_action
from tests.print import tools

pytestmark = pytest.mark.usefixtures("offers_env")

REPO = pathlib.Path(__file__).parents[2]
PUBLIC_URL = "https://hilfe.kreis-dueren.de"


@pytest.fixture
def demo(demo_offers):
    return list(demo_offers.values())


@pytest.fixture
def two_offers(organization, make_offer_data):
    org = organization["id"]
    call_action("package_create", **make_offer_data(org, name="qr-oeffentlich"))
    call_action("package_create", **make_offer_data(
        org, name="qr-geschuetzt", category="protection", location_visibility="hidden",
        street="", spatial=""))


@pytest.mark.ckan_config("ckanext.keck_homeless.public_url", PUBLIC_URL)
@pytest.mark.parametrize("args, expected", [
    (["finder"], f"{PUBLIC_URL}/hilfe"),
    (["category", "meal"], f"{PUBLIC_URL}/hilfe?kategorie=meal"),
    (["offer", "qr-oeffentlich"], f"{PUBLIC_URL}/hilfe/qr-oeffentlich"),
    # protected offer: a code of its (location-free) finder page
    (["offer", "qr-geschuetzt"], f"{PUBLIC_URL}/hilfe/qr-geschuetzt"),
])
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_command(cli, two_offers, tmp_path, args, expected, fmt):
    out = tmp_path / f"code.{fmt}"
    result = cli.invoke(commands.qr, [*args, "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    decoded = tools.decode_png(data) if fmt == "png" else tools.decode_image(tools.svg_to_image(data))
    assert decoded == [expected]


@pytest.mark.parametrize("args, message", [
    (["category", "nonsense"], "unknown category"),
    (["offer", "gibt-es-nicht"], "no public offer"),
    (["finder", "extra"], "finder takes no value"),
    (["offer"], "need one"),
])
def test_qr_command_errors(cli, args, message):
    result = cli.invoke(commands.qr, args)
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.ckan_config("ckanext.keck_homeless.public_url", PUBLIC_URL)
def test_flyer_command_with_the_demo_data(cli, demo, tmp_path):
    out = tmp_path / "flyer.pdf"
    result = cli.invoke(commands.flyer, ["--format", "a4", "--lang", "de", "--date", "2026-11-25",
                                         "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    info = tools.pdf_info(pdf)
    assert info["Pages"] == "1" and info["Tagged"] == "yes"
    text = " ".join(tools.pdf_text(pdf).split())
    assert "Stand: 25.11.2026" in text
    # the one-page A4 keeps every bed; the A6 booklet holds every offer
    for row in demo:
        if row["category"] in ("shelter", "protection") and row["offer_status"] != "ended":
            assert row["title"] in text, row["title"]
    booklet = tmp_path / "flyer-a6.pdf"
    assert cli.invoke(commands.flyer, ["--format", "a6", "--lang", "de", "--date", "2026-11-25",
                                       "-o", str(booklet)]).exit_code == 0
    full = " ".join(tools.pdf_text(booklet.read_bytes()).split())
    for row in demo:
        if row["offer_status"] == "ended":
            assert row["title"] not in full and row["title"] not in text
            continue
        assert row["title"] in full, row["title"]
        if row["location_visibility"] == "public" and row["street"]:
            assert f"{row['street']}," in full, row["title"]
        if row["location_visibility"] != "public" and row["street"]:
            assert row["street"] not in full and row["street"] not in text, row["title"]
        if row["phone"]:
            assert row["phone"] in full
    assert tools.decode_image(tools.pdf_page_image(pdf, 1, 150)) == [f"{PUBLIC_URL}/hilfe"]
    # Kept for a human look (test-artifacts/ is git-ignored).
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    tools.pdf_page_image(pdf, 1, 110).save(REPO / "test-artifacts" / "flyer-a4-de.png")

    # Same data, the English pocket booklet, to standard output.
    result = cli.invoke(commands.flyer, ["--format", "a6", "--lang", "en"])
    assert result.exit_code == 0
    pdf = result.stdout_bytes
    assert pdf.startswith(b"%PDF")
    text = " ".join(tools.pdf_text(pdf).split())
    assert "Help for people without a home" in text and "Emergency shelter" in text
