"""Offer files as spreadsheets write them, through `ckan keck-homeless import`.

One file per case (written byte for byte as German Excel / LibreOffice write
them), the XLSX template and export, and LibreOffice itself (headless) as
the real client: it opens our workbooks and saves them as XLSX and as
"CSV (Windows-1252, ;)", and both import with the same result.
"""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from ckan.tests import factories
from openpyxl import load_workbook

from ckanext.keck_homeless.exchange import tabular, xlsx
from ckanext.keck_homeless.offers import codes
from tests.exchange.test_import_cli import _row, _run
from tests.helpers import call_action, package_count

pytestmark = pytest.mark.usefixtures("offers_env")

#: a category as the template's drop-down writes it (its German label)
HYGIENE_DE = codes.label("category", "hygiene", "de")


def _excel_csv(rows: list[dict], columns=None, sep_line=False, trailing=0,
               encoding="cp1252") -> bytes:
    """What German Excel writes for "CSV (Trennzeichen-getrennt)"."""
    columns = columns or list(rows[0])
    out = io.StringIO()
    if sep_line:
        out.write("sep=;\r\n")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns + [""] * trailing)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns] + [""] * trailing)
    writer.writerow([""] * (len(columns) + trailing))  # the ";;;;" line Excel leaves
    return out.getvalue().encode(encoding)


def _import(cli, tmp_path, name: str, data: bytes, *extra):
    path = tmp_path / name
    path.write_bytes(data)
    return _run(cli, "import", str(path), *extra)


@pytest.fixture
def org():
    return factories.Organization()["name"]


@pytest.mark.parametrize("case, kwargs", [
    ("windows-1252", {}),
    ("sep-line", {"sep_line": True}),
    ("trailing-empty-columns", {"trailing": 3}),
    ("utf-8", {"encoding": "utf-8"}),
    ("utf-8-bom", {"encoding": "utf-8-sig"}),
])
def test_excel_csv_variants_import(cli, tmp_path, org, case, kwargs):
    row = _row(org, 1, title="Wärmestube Süd – Übernachtung", street="Kölner Straße 5")
    result = _import(cli, tmp_path, f"{case}.csv", _excel_csv([row], **kwargs))
    assert result.exit_code == 0, result.output
    pkg = call_action("package_show", id="import-1")
    assert pkg["title"] == "Wärmestube Süd – Übernachtung"
    assert pkg["street"] == "Kölner Straße 5"


def test_what_excel_did_to_the_values_is_undone(cli, tmp_path, org):
    row = _row(org, 1, dogs_allowed="WAHR", women_only="FALSCH", last_verified="01.06.2026",
               municipality="5358008", postcode="52351.0", capacity="12.0",
               lat="50,8021", lon="6,4790", category=HYGIENE_DE,
               services=f"{HYGIENE_DE}|laundry")
    result = _import(cli, tmp_path, "artefacts.csv", _excel_csv([row]))
    assert result.exit_code == 0, result.output
    pkg = call_action("package_show", id="import-1")
    assert (pkg["dogs_allowed"], pkg["women_only"]) in ((True, False), ("true", "false"))
    assert pkg["last_verified"] == "2026-06-01"
    assert pkg["municipality"] == "05358008" and pkg["postcode"] == "52351"
    assert str(pkg["capacity"]) == "12" and pkg["category"] == "hygiene"
    assert pkg["services"] == ["hygiene", "laundry"]


@pytest.mark.parametrize("case, overrides, field, german", [
    ("phone-exponent", {"phone": "4,92421E+11"}, "phone", "als Text"),
    ("phone-leading-zero-lost", {"phone": "2421555019"}, "phone", "als Text"),
    ("empty-title", {"title": ""}, "title", "Fehlender Wert"),
    ("bad-date", {"last_verified": "31.02.2026"}, "last_verified", ""),
    ("formula", {"title": "=HYPERLINK(\"http://x\")"}, None, None),
])
def test_hostile_rows_are_row_errors(cli, tmp_path, org, case, overrides, field, german):
    rows = [_row(org, 1, **overrides), _row(org, 2)]
    result = _import(cli, tmp_path, f"{case}.csv", _excel_csv(rows))
    assert "Traceback" not in result.output
    if field is None:  # a formula is only text: it is imported as such
        assert result.exit_code == 0, result.output
        assert call_action("package_show", id="import-1")["title"] == overrides["title"]
        return
    assert result.exit_code == 1, result.output
    assert f"row 2: {field}:" in result.output and german in result.output
    assert package_count(type="hilfsangebot") == 1  # the good row only


def test_ckans_own_messages_are_german_in_the_row_report(cli, tmp_path, org):
    row = _row(org, 1, category="", target_groups="", owner_org="")
    result = _import(cli, tmp_path, "missing.csv", _excel_csv([row]))
    assert "row 2: category: Fehlender Wert" in result.output
    assert "row 2: owner_org: Eine Organisation muss angegeben werden" in result.output
    english = _import(cli, tmp_path, "missing-en.csv", _excel_csv([row]), "--lang", "en")
    assert "row 2: category: Missing value" in english.output


def test_duplicate_external_id_is_an_error_on_every_row(cli, tmp_path, org):
    rows = [_row(org, 1), _row(org, 2, external_id="ext-1", name="import-2")]
    result = _import(cli, tmp_path, "duplicates.csv", _excel_csv(rows), "--dry-run")
    assert result.exit_code == 1
    assert "row 2: external_id:" in result.output and "row 3: external_id:" in result.output
    assert "would create 0" in result.output


def test_an_xlsx_saved_under_a_csv_name_is_read_as_xlsx(cli, tmp_path, org):
    out = io.BytesIO()
    xlsx.write([_row(org, 1)], out)
    result = _import(cli, tmp_path, "really-xlsx.csv", out.getvalue())
    assert result.exit_code == 0, result.output
    assert package_count(type="hilfsangebot") == 1


def test_template_has_dropdowns_help_and_imports(cli, tmp_path, org):
    path = tmp_path / "vorlage.xlsx"
    assert _run(cli, "template", "-o", str(path)).exit_code == 0
    book = load_workbook(path)
    assert book.sheetnames == [xlsx.SHEET, xlsx.LIST_SHEET, xlsx.HELP_SHEET]
    sheet = book[xlsx.SHEET]
    headers = [c.value for c in sheet[1]]
    assert headers[tabular.COLUMNS.index("title")] == "Name des Angebots (title)"
    lists = {str(v.formula1) for v in sheet.data_validations.dataValidation}
    assert len(lists) == len(xlsx.CHOICE_COLUMNS) + 1  # + ja/nein
    labels = [c.value for c in book[xlsx.LIST_SHEET]["A"]][1:]
    assert "Notunterkunft / Notschlafstelle" in labels
    help_text = " ".join(str(c.value) for row in book[xlsx.HELP_SHEET] for c in row if c.value)
    assert "Mo-Fr 09:00-17:00" in help_text and "opening_hours" in help_text
    # the partner fills in their organisation and imports the examples
    owner = tabular.COLUMNS.index("owner_org") + 1
    for row in range(2, 2 + len(xlsx.EXAMPLES)):
        sheet.cell(row=row, column=owner, value=org)
    book.save(path)
    result = _run(cli, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    shelter = call_action("package_show", id="ns-001")
    assert shelter["category"] == "shelter" and shelter["municipality"] == "05358008"


def test_xlsx_export_round_trips_and_never_holds_a_formula(app, cli, tmp_path, org):
    hostile = "=cmd|' /C calc'!A0"
    source = tmp_path / "in.csv"
    source.write_bytes(_excel_csv([_row(org, 1, notes=hostile), _row(org, 2)]))
    assert _run(cli, "import", str(source)).exit_code == 0
    out = tmp_path / "export.xlsx"
    assert _run(cli, "export", "--format", "xlsx", "-o", str(out)).exit_code == 0
    sheet = load_workbook(out)[xlsx.SHEET]
    notes = tabular.COLUMNS.index("notes") + 1
    cell = sheet.cell(row=2, column=notes)
    assert cell.data_type == "s" and cell.value == "'" + hostile
    result = _run(cli, "import", str(out))
    assert result.exit_code == 0 and "created 0, updated 2" in result.output, result.output
    assert call_action("package_show", id="import-1")["notes"] == hostile
    res = app.get("/keck-homeless/download/hilfsangebote.xlsx")
    titles = [c.value for c in load_workbook(io.BytesIO(res.get_data()))[xlsx.SHEET]["C"][1:]]
    assert sorted(t for t in titles if t) == ["Importiertes Angebot 1", "Importiertes Angebot 2"]


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    assert found, "LibreOffice is missing: dev/install-os.sh installs libreoffice-calc-nogui"
    return found


def test_libreoffice_opens_our_files_and_its_files_import_alike(cli, tmp_path, org):
    out = io.BytesIO()
    rows = [_row(org, 1, title="Tagestreff Süd", dogs_allowed="true"),
            _row(org, 2, municipality="05358024", postcode="52428")]
    xlsx.write(rows, out)
    ours = tmp_path / "ours.xlsx"
    ours.write_bytes(out.getvalue())
    template = tmp_path / "vorlage.xlsx"
    with open(template, "wb") as fh:
        xlsx.template(fh)
    home = tmp_path / "lo-home"
    for target, filt in (("xlsx", "xlsx:Calc MS Excel 2007 XML"),
                         ("csv", "csv:Text - txt - csv (StarCalc):59,34,1,1")):
        for source in (ours, template):
            done = subprocess.run(
                [_soffice(), f"-env:UserInstallation=file://{home}", "--headless",
                 "--convert-to", filt, "--outdir", str(tmp_path / target), str(source)],
                capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, done.stderr
            assert (tmp_path / target / f"{source.stem}.{target}").exists(), done.stdout
    lo_csv = (tmp_path / "csv" / "ours.csv").read_bytes()
    assert b";" in lo_csv.splitlines()[0] and "Süd".encode("cp1252") in lo_csv
    a = _run(cli, "import", str(tmp_path / "xlsx" / "ours.xlsx"), "--dry-run")
    b = _run(cli, "import", str(tmp_path / "csv" / "ours.csv"), "--dry-run")
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert "would create 2" in a.output and "would create 2" in b.output
    assert _run(cli, "import", str(tmp_path / "csv" / "ours.csv")).exit_code == 0
    first = call_action("package_show", id="import-2")
    assert first["municipality"] == "05358024" and first["postcode"] == "52428"
    result = _run(cli, "import", str(tmp_path / "xlsx" / "ours.xlsx"))
    assert result.exit_code == 0 and "updated 2" in result.output, result.output
    again = call_action("package_show", id="import-2")
    assert {k: again[k] for k in tabular.FIELD_COLUMNS if k in again} == \
        {k: first[k] for k in tabular.FIELD_COLUMNS if k in first}
