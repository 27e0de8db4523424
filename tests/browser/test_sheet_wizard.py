"""A clinic admin imports a spreadsheet with unknown headers in a real Chromium:
upload → map a column → row by row preview → import → the patients are in the clinic."""

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from clinics.models import Patient
from dentalpin_import.models import SheetColumnMapping
from tests.browser.test_import_wizard import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHEET = (
    "Código,Nombre de pila,Apellidos,Nacido el,Color favorito\n"
    "A1,Ana,Ruiz,1980-02-03,azul\n"
    "A2,Luis,Gil,1975-01-09,\n"
    ",Sin,Código,1990-01-01,\n"
)


def test_unknown_headers_are_mapped_previewed_row_by_row_and_imported(
    live_server, new_page, clinic, staff_user, tmp_path
):
    path = tmp_path / "pacientes.csv"
    path.write_text(SHEET, encoding="utf-8")
    page = new_page()
    log_in(page, live_server.url, staff_user.username)
    page.get_by_role("link", name="Import a CSV sheet").click()
    page.get_by_label("Sheet or workbook").set_input_files(str(path))
    page.get_by_role("button", name="Upload and read").click()

    # The column step: each column with its first values; choose what each one holds.
    expect(page.get_by_role("heading", name=re.compile("Which column is which"))).to_be_visible()
    expect(page.get_by_text("azul")).to_be_visible()
    page.get_by_label("Kind of sheet").select_option("patients")
    page.get_by_role("button", name="Show its fields").click()
    page.get_by_label("Código").select_option("legacy_id")
    page.get_by_label("Nombre de pila").select_option("first_name")
    page.get_by_label("Apellidos").select_option("last_name")
    page.get_by_label("Color favorito").select_option("")
    page.get_by_role("button", name="Save and read the sheet").click()
    # A required field left without a column is named, nothing is read yet.
    expect(page.get_by_role("alert").filter(has_text="Still without a column")).to_be_visible()
    birth = page.get_by_label("Nacido el")
    options = birth.locator("option").all_inner_texts()
    birth.select_option(label=next(o for o in options if "birth" in o.lower()))
    page.get_by_role("button", name="Save and read the sheet").click()

    # The preview: totals per verdict, then every row with the refused one explained.
    expect(page.get_by_role("heading", name=re.compile("row by row"))).to_be_visible()
    expect(page.locator('[data-verdict="new"] .count')).to_have_text("2")
    expect(page.locator('[data-verdict="refused"] .count')).to_have_text("1")
    page.get_by_role("link", name=re.compile("Refused")).first.click()
    row = page.locator("tr.verdict-refused")
    expect(row).to_have_count(1)
    expect(row.locator("td.problem mark")).to_be_visible()
    page.get_by_role("link", name="Back to the preview").click()

    page.get_by_role("button", name="Start the import").click()
    expect(page.locator("strong.status")).to_have_text(
        re.compile("Succeeded|Completed with problems"), timeout=60_000
    )
    with scope(clinic=clinic):
        assert sorted(Patient.objects.values_list("legacy_id", flat=True)) == ["A1", "A2"]
    assert SheetColumnMapping.objects.filter(clinic=clinic).count() == 1
