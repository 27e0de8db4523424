"""Rows left out by rule: told apart from failures, counted in the headline, their warnings one
click away and in the reader's language (SQLite and PostgreSQL alike)."""

import re

import pytest

from dentalpin_import.models import ImportJob, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def job(tmp_path, clinic):
    rows = (
        b.small_clinic_rows()
        + [
            b.row(
                "debt",
                f"d{i}",
                patient_uuid=b.uid("patient", 1),
                owed_amount="120.00",
                cancelled_by_uuid=b.uid("debt", "x"),
            )
            for i in range(3)
        ]
        + [b.row("debt", "bad", patient_uuid=b.uid("patient", 1), owed_amount="abc")]
    )
    status, out, report = run_import(b.build(tmp_path, rows), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


@pytest.mark.django_db
def test_voided_debts_are_left_out_by_rule_and_their_warnings_filter_apart(staff_client, job):
    # The amount that is not a number is left out too (a re-run passes it by), never "failed".
    counts = job.counters["debt"]
    # The amount that is not a number is left out for a problem (a re-run passes it by),
    # never "failed"; an engine that tells rules from problems counts the voided apart.
    by_rule = counts.get("ruled_out", counts["skipped"])
    assert counts["failed"] == 0 and counts["skipped"] + counts.get("ruled_out", 0) == 4
    assert by_rule in (3, 4)
    voided = ImportWarning.objects.filter(job=job, code="debt.skipped_anulado")
    assert {w.params["amount"] for w in voided} == {"120.00"}
    assert all(w.params["patient_uuid"] == b.uid("patient", 1) for w in voided)
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert f"{by_rule} debts left out by rule" in visible(page)
    link = f"/import/jobs/{job.pk}/warnings/?type=debt&amp;outcome=left_out"
    assert f'href="{link}">{by_rule}</a>' in page
    listed = visible(staff_client.get(link.replace("&amp;", "&")).content.decode())
    assert listed.count("voided in the old system: left out by rule.") == 3
    assert "split over" not in listed  # other kinds' warnings stay out
    spanish = visible(
        staff_client.get(link.replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    )
    assert spanish.count("Deuda de 120.00 anulada en el sistema anterior: excluida por regla.") == 3
    # Each names the patient the debt was about, as the clinic knows them.
    assert spanish.count("de Paciente1 Ibáñez") >= 3
