"""The validation and preview pages in Spanish, in a real Chromium at 1280 × 800.

A cut file is refused in Spanish with what to do next and its technical
details folded away; a good file's preview shows its summary and the
Continue button without scrolling, with the samples folded until asked for.
"""

import pytest
from playwright.sync_api import expect

from tests import dpmf_builder as b

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-for-tests"  # the factories' password


@pytest.fixture
def spanish_page(browser):
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def log_in(page, base_url, username):
    page.goto(f"{base_url}/import/new/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_file")).to_be_visible()


def upload(page, base_url, path, passphrase=""):
    page.goto(f"{base_url}/import/new/")
    page.locator("#id_file").set_input_files(str(path))
    page.locator("#id_passphrase").fill(passphrase)
    page.get_by_role("button", name="Subir y validar").click()


def test_a_cut_file_is_refused_in_spanish_with_its_details_folded(
    live_server, spanish_page, staff_user, tmp_path
):
    page = spanish_page
    log_in(page, live_server.url, staff_user.username)
    path = b.small_clinic(tmp_path, layer="zstd-enc")
    path.write_bytes(path.read_bytes()[:-300])
    upload(page, live_server.url, path, b.PASSPHRASE)
    alert = page.get_by_role("alert").filter(has_text="El archivo está incompleto.")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("La frase de paso no es el problema.")
    expect(page.get_by_role("navigation", name="Pasos de la importación")).to_contain_text(
        "Paso 2 de 5."
    )
    line = page.get_by_text("la frase de paso es correcta: copie el archivo de nuevo")
    expect(line).to_be_hidden()  # the reader's line: folded in the technical details
    page.get_by_text("Detalles técnicos").click()
    expect(line).to_be_visible()
    assert "incomplete" not in page.content()


def test_the_preview_in_spanish_shows_its_summary_and_continue_without_scrolling(
    live_server, spanish_page, staff_user, tmp_path
):
    page = spanish_page
    log_in(page, live_server.url, staff_user.username)
    upload(page, live_server.url, b.small_clinic(tmp_path))
    expect(page.get_by_role("status")).to_contain_text(
        "El archivo ha superado todas las comprobaciones: 21 registros de 12 tipos están listos."
    )
    expect(page.get_by_text("AES-256-GCM")).to_have_count(0)
    page.get_by_role("button", name="Continuar a la vista previa").click()
    expect(page.get_by_role("heading", name="En resumen")).to_be_in_viewport()
    expect(page.get_by_text("El archivo contiene 21 registros de gesden.")).to_be_in_viewport()
    page.screenshot(path=tmp_path / "preview-es.png", full_page=True)
    expect(page.get_by_role("button", name="Continuar", exact=True)).to_be_in_viewport()
    sample = page.locator("table.sample").first
    expect(sample).to_be_hidden()  # folded until asked for
    page.get_by_text("1 ejemplo", exact=True).first.click()
    expect(sample).to_be_visible()
    expect(sample.get_by_role("columnheader", name="Identificador en el sistema anterior"))
    page.get_by_role("button", name="Continuar", exact=True).click()
    expect(page.get_by_role("button", name="Empezar la importación")).to_be_visible()


def test_the_preview_with_every_sample_open_fits_a_phone(
    live_server, spanish_page, staff_user, tmp_path
):
    page = spanish_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, staff_user.username)
    upload(page, live_server.url, b.small_clinic(tmp_path))
    page.get_by_role("button", name="Continuar a la vista previa").click()
    for summary in page.locator("details.samples > summary").all():
        summary.click()
    expect(page.locator("table.sample").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
