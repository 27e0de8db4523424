"""A clinic admin imports an encrypted export through the wizard in a real Chromium.

The test drives the pages by what a person sees (labels, button and link
texts), so it survives changes to the wizard's URLs.
"""

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django_scopes import scope
from playwright.sync_api import expect

from clinics.models import Patient
from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob
from dentalpin_import.sample.generator import generate_sample
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-for-tests"  # the factories' password
PATIENTS = 120
DECRYPTION_FAILED = "The passphrase does not open this file."


def log_in(page, base_url, username):
    page.goto(f"{base_url}/import/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="New import")).to_be_visible()


def upload(page, path, passphrase):
    page.get_by_role("link", name="New import").click()
    page.get_by_label("DPMF file").set_input_files(str(path))
    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_role("button", name="Upload and validate").click()


def report_rows(page) -> dict[str, dict[str, str]]:
    """The report table's figures by record kind and column (in_file, created, …)."""
    rows = {}
    for row in page.locator("table.report tbody tr[data-type]").all():
        cells = row.locator("td[class]")
        names = cells.evaluate_all("cells => cells.map(c => c.className)")
        texts = [t.strip() for t in cells.all_inner_texts()]
        rows[row.get_attribute("data-type")] = dict(zip(names, texts, strict=True))
    return rows


def files_containing(secret: bytes, paths) -> list[str]:
    found = []
    for path in paths:
        if path.is_file() and secret in path.read_bytes():
            found.append(str(path))
    return found


def database_rows_containing(secret: str) -> list[str]:
    """Tables with a row whose text contains `secret` (works on SQLite and PostgreSQL)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for values in cursor.fetchall():
                text = " ".join(
                    bytes(v).decode("utf-8", "replace")
                    if isinstance(v, bytes | memoryview)
                    else str(v)
                    for v in values
                )
                if secret in text:
                    found.append(table)
                    break
    return found


def database_files() -> list[Path]:
    if connection.vendor != "sqlite":
        return []
    name = Path(connection.settings_dict["NAME"])
    return [name, Path(f"{name}-wal"), Path(f"{name}-journal")]


def test_an_admin_imports_an_encrypted_export_and_nobody_else_can_see_it(
    live_server, new_page, captured_logs, clinic, staff_user, other_staff_user, tmp_path, settings
):
    # Unique per run, so nothing left by other tests can be mistaken for a leak.
    passphrase = f"pasé-{uuid.uuid4().hex}"
    wrong = f"wrong-{uuid.uuid4().hex}"
    sample = generate_sample(
        tmp_path / "clinica.dpm.zst.enc",
        patients=PATIENTS,
        seed=5,
        layer="zstd-enc",
        passphrase=passphrase,
        binaries=False,
    )
    source, in_file = Path(sample.path), sample.counts
    settings.DPMF_CHUNK_SIZE = 5  # a run of a few seconds: the job page polls it to the end

    page = new_page()
    log_in(page, live_server.url, staff_user.username)
    upload(page, source, wrong)
    expect(page.get_by_role("alert").filter(has_text=DECRYPTION_FAILED)).to_be_visible()
    expect(page.get_by_role("button", name="Continue to the preview")).to_have_count(0)

    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("alert").filter(has_text=DECRYPTION_FAILED)).to_have_count(0)
    page.get_by_role("button", name="Continue to the preview").click()
    expect(page.get_by_role("main").get_by_text(clinic.name)).to_be_visible()  # the target
    for entity_type, count in in_file.items():
        expect(page.locator(f'td.count[data-type="{entity_type}"]')).to_have_text(str(count))

    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Start the import").click()
    page.get_by_role("link", name="Follow the import").click()
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "100", timeout=60_000)
    status = page.get_by_role("paragraph").filter(has_text="Status:")
    expect(status).to_contain_text("100 %")
    expect(page.get_by_role("heading", name="Report")).to_be_visible(timeout=60_000)
    expect(status).to_contain_text("Succeeded")
    page.screenshot(path=tmp_path / "report.png", full_page=True)
    job_url = page.url

    job = ImportJob.objects.get()
    assert job.status == "succeeded", job.error
    report = services.report(job)["entities"]
    shown = report_rows(page)
    assert {t: cells["in_file"] for t, cells in shown.items()} == {
        t: str(n) for t, n in in_file.items()
    }
    # The page splits the JSON report's `failed` into rows left out for a problem of
    # theirs (`skipped` in the counters) and rows that could not be imported.
    for entity_type, counts in job.counters.items():
        for column, value in shown[entity_type].items():
            assert value == str(counts.get(column, 0)), (entity_type, column)
        assert report[entity_type]["failed"] == counts["failed"] + counts["skipped"]
        assert report[entity_type]["skipped"] == counts["ruled_out"]
    assert shown["patient"]["created"] == str(PATIENTS)  # every patient created
    with scope(clinic=clinic):
        assert Patient.objects.count() == PATIENTS

    stranger = new_page()
    log_in(stranger, live_server.url, other_staff_user.username)
    response = stranger.goto(job_url)
    assert response.status == 404
    expect(stranger.get_by_text(job.original_name)).to_have_count(0)

    # The searches below do find what is there (the file's name is stored on the job).
    assert "dentalpin_import_importjob" in database_rows_containing(job.original_name)
    assert files_containing(job.original_name.encode(), database_files()) or (
        connection.vendor != "sqlite"
    )
    for secret in (passphrase, wrong):
        assert database_rows_containing(secret) == []
        assert files_containing(secret.encode(), database_files()) == []
        staged = [p for p in Path(settings.DPMF_STAGING_DIR).rglob("*")]
        assert files_containing(secret.encode(), staged) == []
        assert secret not in captured_logs.read_text(encoding="utf-8")
    assert captured_logs.stat().st_size > 0  # the handler did see the run


def test_a_member_without_the_import_permission_is_refused_in_the_browser(
    live_server, new_page, clinic
):
    dentist = UserFactory(username="dentist")
    MembershipFactory(user=dentist, clinic=clinic, role="dentist")
    page = new_page()
    page.goto(f"{live_server.url}/import/")
    page.get_by_label("Username").fill("dentist")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: urlsplit(r.url).path == "/import/") as answer:
        page.get_by_role("button", name="Log in").click()
    assert answer.value.status == 403
    expect(page.get_by_role("link", name="New import")).to_have_count(0)
