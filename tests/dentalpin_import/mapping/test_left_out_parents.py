"""A row whose parent the rules left out is left out by the same rule; a dangling one fails.

A payment applied to a voided, written-off or zero debt (or a payment of 0) is
not a problem of the file: the report counts it as skipped, with a warning in
staff's words. A reference to a row the file does not have, or to a row that
failed, stays a failure. The dry run, a resumed job and an uninterrupted one
count the same.
"""

import pytest
from django.utils import translation

from dentalpin_import.mapping.debts import DebtPaymentApplicationMapper
from dentalpin_import.models import EntityMapping, ImportJob, ImportWarning
from dentalpin_import.web.warning_lines import warning_text
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

SUMMED = ("created", "updated", "conflicts", "already_mapped", "raw", "failed", "skipped")


def debt(sid, amount, **kw):
    return b.row("debt", sid, patient_uuid=b.uid("patient", 1), owed_amount=amount, **kw)


def applied(sid, debt_sid, payment_sid):
    return b.row(
        "debt_payment_application",
        sid,
        debt_uuid=b.uid("debt", debt_sid),
        payment_uuid=b.uid("payment", payment_sid),
        amount="10.00",
        applied_on="2026-03-05",
    )


def rows():
    return [
        b.client(1),
        b.patient(1),
        b.link(1, 1, 1),
        debt("d-ok", "30.00"),
        debt("d-void", "20.00", cancelled_by_uuid=b.uid("debt", "d-ok")),
        debt("d-bad", "15.00", uncollectible=True),
        debt("d-zero", "0.00"),
        debt("d-negative", "-5.00"),  # a problem of the file: fails
        b.payment("p1", 1, "100.00"),
        b.payment("p0", 1, "0.00"),
        applied("a-ok", "d-ok", "p1"),
        applied("a-void", "d-void", "p1"),
        applied("a-bad", "d-bad", "p1"),
        applied("a-zero", "d-zero", "p1"),
        applied("a-no-payment", "d-ok", "p0"),
        applied("a-ghost", "not-in-the-file", "p1"),
        applied("a-failed-debt", "d-negative", "p1"),
        b.row("recall", "r-ghost", patient_uuid=b.uid("patient", 404)),
    ]


def codes(job_id, entity_type):
    warnings = ImportWarning.objects.filter(job_id=job_id, entity_type=entity_type)
    return {(w.source_id, w.code, w.severity) for w in warnings}


@pytest.fixture
def report(tmp_path, clinic):
    status, out, data = run_import(b.build(tmp_path, rows()), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    return data


@pytest.mark.django_db
def test_payments_applied_to_debts_left_out_by_rule_are_skipped_not_failed(report):
    counts = report["entities"]["debt_payment_application"]
    assert counts["created"] == 1
    assert counts["skipped"] == 4  # voided, written off, of 0, and applying a payment of 0
    assert counts["failed"] == 2  # a debt not in the file, a debt that failed
    assert all(sum(c[k] for k in SUMMED) == c["in_file"] for c in report["entities"].values())
    assert codes(report["job_id"], "debt_payment_application") == {
        ("a-void", "debt_payment_application.left_out_debt", "info"),
        ("a-bad", "debt_payment_application.left_out_debt", "info"),
        ("a-zero", "debt_payment_application.left_out_debt", "info"),
        ("a-no-payment", "debt_payment_application.left_out_payment", "info"),
        ("a-ghost", "debt_payment_application.unmapped_debt", "warn"),
        ("a-failed-debt", "debt_payment_application.unmapped_debt", "warn"),
    }


@pytest.mark.django_db
def test_a_recall_of_a_patient_the_file_lacks_fails_though_its_warning_is_informative(report):
    assert report["entities"]["recall"]["failed"] == 1
    assert report["entities"]["recall"]["skipped"] == 0


@pytest.mark.django_db
def test_the_warning_says_why_in_the_readers_language(report):
    warning = ImportWarning.objects.get(
        job_id=report["job_id"], code="debt_payment_application.left_out_debt", source_id="a-void"
    )
    with translation.override("en"):
        assert warning_text(warning).startswith("Left out by rule: the debt this payment")
    with translation.override("es"):
        assert warning_text(warning).startswith("Excluido por regla: la deuda a la que se aplicó")


@pytest.mark.django_db
def test_the_dry_run_predicts_the_same_figures(report, tmp_path, other_clinic):
    path = b.build(tmp_path / "again", rows())
    status, out, rehearsal = run_import(path, other_clinic.slug, "--dry-run", report=tmp_path / "d")
    assert status == 0, out
    assert rehearsal["dry_run"] and rehearsal["entities"] == report["entities"]


def crash_on_second_chunk(monkeypatch):
    calls = []
    prepare = DebtPaymentApplicationMapper.prepare

    def crashing(self, records, ctx):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return prepare(self, records, ctx)

    monkeypatch.setattr(DebtPaymentApplicationMapper, "prepare", crashing)


@pytest.mark.django_db
def test_a_job_resumed_in_the_middle_of_the_applications_counts_as_one_never_stopped(
    report, tmp_path, other_clinic, monkeypatch, settings
):
    # Two applications a chunk: the run stops after the first chunk, and the resumed one
    # finds the debts left out by rule from their markers, with no key kept in memory.
    settings.DPMF_CHUNK_SIZE = 2
    settings.DPMF_COMMIT_ROWS = 1  # each chunk committed on its own
    path = b.build(tmp_path / "again", rows())
    crash_on_second_chunk(monkeypatch)
    status, message, _ = run_import(path, other_clinic.slug)
    assert status == 1 and "database went away" in message
    monkeypatch.undo()
    job = ImportJob.objects.get(clinic=other_clinic)
    first_chunk = EntityMapping.objects.filter(
        job=job, entity_type__startswith="debt_payment_application"
    )
    assert first_chunk.count() == 2
    status, out, resumed = run_import(path, other_clinic.slug, report=tmp_path / "again.json")
    assert status == 0, out
    assert f"Resuming job {job.pk}" in out
    assert resumed["job_id"] == str(job.pk)
    assert resumed["entities"] == report["entities"]
