"""Warnings of a spreadsheet import: in the reader's language, and never an id in clear."""

import json
import re

import pytest
from django.utils import translation

from dentalpin_import.models import ImportJob, ImportWarning
from dentalpin_import.web.warning_lines import warning_text
from tests.dentalpin_import.csv.sheets import (
    NOTES_HEADER,
    PATIENT_HEADER,
    VALID_NHS,
    patient,
    run,
    write,
)


@pytest.fixture
def imported(tmp_path, clinic):
    rows = [
        PATIENT_HEADER,
        patient("P1", "Lucía", "Pérez", nhs=VALID_NHS),
        patient("P2", "Ana", "Ruiz", born="31/31/1990", nhs="123 456 7890"),
    ]
    status, out, report = run(
        "import_patients", write(tmp_path / "p.csv", rows), clinic.slug, report=tmp_path / "r"
    )
    assert status == 0, out
    notes = [NOTES_HEADER, [VALID_NHS.replace(" ", ""), "2024-01-02", "Revisión", "", "", "", ""]]
    status, out, notes_report = run(
        "import_clinical_notes",
        write(tmp_path / "n.csv", notes),
        clinic.slug,
        report=tmp_path / "n",
    )
    assert status == 0, out
    return [ImportJob.objects.get(pk=r["job_id"]) for r in (report, notes_report)]


@pytest.mark.django_db
def test_sheet_warnings_read_in_spanish_and_hold_no_id_in_clear(imported):
    warnings = list(ImportWarning.objects.filter(job__in=imported))
    stored = json.dumps([[w.message, w.params, w.raw_data] for w in warnings], ensure_ascii=False)
    for number in ("1234567890", "123 456 7890", "9434765919", "943 476 5919"):
        assert number not in stored, number
    codes = {w.code for w in warnings}
    assert "csv.patient_matched_by_national_id" in codes, codes
    with translation.override("es"):
        texts = [warning_text(w) for w in warnings]
    assert any(
        re.fullmatch(
            r"Línea 3, Date of Birth: no es una fecha \(escriba AAAA-MM-DD\); se deja vacío\.", t
        )
        for t in texts
    ), texts
    assert any(
        t.startswith("Línea 2: el PatientID '•••••••919' coincidió con un paciente") for t in texts
    ), texts
    assert not any(t.startswith("line ") for t in texts), texts
