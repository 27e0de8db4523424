"""The four sheet commands: options, what they print first, exit statuses, the JSON report."""

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.csv.sheets import (
    BACKGROUND_HEADER,
    MEDICATION_HEADER,
    NOTES_HEADER,
    patients_rows,
    run,
    write,
)

SHEETS = {
    "import_patients": patients_rows(),
    "import_clinical_background": [BACKGROUND_HEADER],
    "import_clinical_notes": [NOTES_HEADER],
    "import_medications": [MEDICATION_HEADER],
}


@pytest.mark.django_db
def test_the_report_json_has_exactly_the_keys_of_import_dpmfs(tmp_path, clinic, other_clinic):
    _, _, dpmf = run_import(b.small_clinic(tmp_path), other_clinic.slug, report=tmp_path / "d.json")
    path = write(tmp_path / "p.csv", patients_rows())
    status, _, report = run("import_patients", path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0
    assert set(report) == set(dpmf)
    assert set(report["reconciliation"]) == set(dpmf["reconciliation"])
    # A sheet's report counts the rows linked to the clinic's own records apart (`linked`).
    assert set(report["entities"]["csv_patient"]) == {*dpmf["entities"]["patient"], "linked"}
    assert report["reconciliation"]["adds_up"] is True and report["status"] == "succeeded"


@pytest.mark.django_db
@pytest.mark.parametrize("command", SHEETS)
def test_every_command_takes_the_short_options_and_the_tenant_alias(tmp_path, clinic, command):
    path = write(tmp_path / "s.csv", SHEETS[command], encoding="utf-16", delimiter="\t")
    for clinic_flag in ("-c", "-t", "--tenant"):
        call_command(command, "-f", str(path), clinic_flag, clinic.slug, "--dry-run")
    assert ImportJob.objects.filter(source_kind="csv", dry_run=True).count() == 3


@pytest.mark.django_db
def test_encoding_delimiter_and_a_decoded_sample_are_printed_before_importing(tmp_path, clinic):
    path = write(tmp_path / "p.csv", patients_rows(), encoding="mac_roman", delimiter=";")
    status, out, _ = run("import_patients", path, clinic.slug)
    assert status == 0
    shown, rest = out.split("Importing:")
    assert "Encoding: mac-roman" in shown and "Delimiter: semicolon" in shown
    assert "P001 | José | Muñoz Peña" in shown
    assert "csv_patient" in rest and "Report:" in rest


@pytest.mark.django_db
def test_an_explicit_encoding_is_used_as_given(tmp_path, clinic):
    path = write(tmp_path / "p.csv", patients_rows(), encoding="cp1252")
    status, out, _ = run("import_patients", path, clinic.slug, "--encoding", "cp1252")
    assert status == 0 and "Encoding: windows-1252 (given)" in out
    with scopes_disabled():
        assert Patient.objects.get(legacy_id="P001").family_name == "Muñoz Peña"


@pytest.mark.django_db
def test_a_missing_required_column_exits_2_and_writes_nothing(tmp_path, clinic):
    rows = [["PatientID", "Drug Name"], ["P001", "Ibuprofeno"]]
    status, message, _ = run("import_medications", write(tmp_path / "m.csv", rows), clinic.slug)
    assert status == 2
    assert message == (
        "refused: the Medications sheet lacks required columns: "
        "Frequency / Instructions, Prescription Date (the header is read from the first "
        "non-empty row)"
    )
    job = ImportJob.objects.get()
    assert job.status == "failed" and "Prescription Date" in job.error


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra, expected",
    [
        (("--encoding", "klingon-8"), "refused: unknown encoding 'klingon-8'"),
        (("--encoding", "utf-8"), "refused: the file is not valid utf-8"),
    ],
)
def test_an_unusable_encoding_exits_2(tmp_path, clinic, extra, expected):
    path = write(tmp_path / "p.csv", patients_rows(), encoding="latin-1")
    status, message, _ = run("import_patients", path, clinic.slug, *extra)
    assert status == 2 and message.startswith(expected)


@pytest.mark.django_db
def test_an_unknown_clinic_or_file_exits_2(tmp_path, clinic):
    path = write(tmp_path / "p.csv", patients_rows())
    assert run("import_patients", path, "nowhere")[:2] == (2, "unknown clinic 'nowhere'")
    assert run("import_patients", tmp_path / "absent.csv", clinic.slug)[0] == 2
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_any_other_failure_exits_1_and_keeps_the_error_on_the_job(tmp_path, clinic, settings):
    from clinics.fields import _cipher

    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)
    settings.CLINICAL_ENCRYPTION_KEYS = ["not a fernet key"]  # misconfigured server
    notes = write(tmp_path / "n.csv", [NOTES_HEADER, ["P001", "2024-01-01", "x", "", "", "", ""]])
    try:
        status, message, _ = run("import_clinical_notes", notes, clinic.slug)
    finally:
        _cipher.cache_clear()
    assert status == 1 and message.startswith("import failed: ImproperlyConfigured")
    assert ImportJob.objects.filter(status="failed").count() == 1


@pytest.mark.django_db
def test_a_sheet_over_the_size_cap_is_refused_before_reading(tmp_path, clinic, settings):
    settings.CSV_MAX_SHEET_BYTES = 100
    path = write(tmp_path / "p.csv", patients_rows())
    status, message, _ = run("import_patients", path, clinic.slug)
    assert status == 2 and "CSV_MAX_SHEET_BYTES" in message
