"""undo_import and cancel_import --clinic: an id from another clinic's list changes nothing."""

import pytest
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.models import AuditEntry, EntityMapping, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.test_crash_recovery import command

pytestmark = pytest.mark.django_db

NOT_OURS = (
    "job {job} is not an import of clinic {clinic}; check the id with: "
    "python manage.py import_jobs --clinic {clinic}"
)


@pytest.fixture
def imported(tmp_path, clinic, other_clinic):
    status, out, report = run_import(
        b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


def patients(clinic) -> int:
    with scope(clinic=clinic):
        return Patient.objects.count()


def assert_never_named(message: str, clinic) -> None:
    assert clinic.slug not in message and clinic.name not in message


def test_undo_of_another_clinics_job_is_refused_and_deletes_nothing(clinic, other_clinic, imported):
    before = patients(clinic)
    for extra in ((), ("--dry-run",), ("--force",)):
        status, message = command("undo_import", str(imported.pk), "--clinic", "bosque", *extra)
        assert (status, message) == (2, NOT_OURS.format(job=imported.pk, clinic="bosque"))
        assert_never_named(message, clinic)
    assert patients(clinic) == before > 0
    assert EntityMapping.objects.filter(job=imported).exists()
    assert ImportJob.objects.get(pk=imported.pk).status == "succeeded"
    assert not AuditEntry.objects.filter(job=imported, action="undo").exists()


def test_cancel_of_another_clinics_job_is_refused_and_the_job_keeps_running(clinic, other_clinic):
    # No process holds its lock: a command that looked at it would mark it interrupted.
    running = ImportJob.objects.create(clinic=clinic, status="running", original_name="a.dpm")
    queued = ImportJob.objects.create(clinic=clinic, status="queued", original_name="b.dpm")
    for job in (running, queued):
        status, message = command("cancel_import", str(job.pk), "--clinic", "bosque")
        assert (status, message) == (2, NOT_OURS.format(job=job.pk, clinic="bosque"))
        assert_never_named(message, clinic)
    assert ImportJob.objects.get(pk=running.pk).status == "running"
    assert ImportJob.objects.get(pk=queued.pk).status == "queued"
    assert not AuditEntry.objects.filter(outcome="cancelled").exists()


@pytest.mark.parametrize("slug", ["nowhere", "", "alba' OR '1'='1", "ALBA"])
def test_an_unknown_clinic_is_refused_and_nothing_changes(clinic, imported, slug):
    before = patients(clinic)
    queued = ImportJob.objects.create(clinic=clinic, status="queued", original_name="q.dpm")
    refused = (2, f"unknown clinic '{slug}'")
    assert command("undo_import", str(imported.pk), "--clinic", slug) == refused
    assert command("cancel_import", str(queued.pk), "--clinic", slug) == refused
    assert patients(clinic) == before > 0
    assert ImportJob.objects.get(pk=imported.pk).status == "succeeded"
    assert ImportJob.objects.get(pk=queued.pk).status == "queued"


@pytest.mark.parametrize(
    "job_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1; DROP TABLE x"]
)
def test_with_a_clinic_an_unknown_id_reads_like_another_clinics(clinic, job_id):
    """Whether the id is another clinic's import or no import at all is never told."""
    for name in ("undo_import", "cancel_import"):
        status, message = command(name, job_id, "--clinic", clinic.slug)
        assert (status, message) == (2, NOT_OURS.format(job=job_id, clinic=clinic.slug))


def test_undo_with_the_jobs_own_clinic_undoes_it(clinic, other_clinic, imported):
    status, out = command("undo_import", str(imported.pk), "--clinic", clinic.slug)
    assert status == 0
    assert out.startswith("deleted ") and f" clinic rows of job {imported.pk} (" in out
    assert patients(clinic) == 0
    assert ImportJob.objects.get(pk=imported.pk).status == "undone"


def test_cancel_with_the_jobs_own_clinic_cancels_it(clinic, other_clinic):
    queued = ImportJob.objects.create(clinic=clinic, status="queued", original_name="q.dpm")
    status, out = command("cancel_import", str(queued.pk), "--clinic", clinic.slug)
    assert (status, out) == (
        0,
        f"job {queued.pk} (q.dpm, clinic alba) is cancelled (it was queued): it will not run\n",
    )
    assert ImportJob.objects.get(pk=queued.pk).status == "cancelled"


def test_without_a_clinic_the_commands_find_the_job_by_id_alone(clinic, other_clinic, imported):
    unknown = "00000000-0000-0000-0000-000000000000"
    assert command("undo_import", unknown) == (2, f"no import job {unknown}")
    assert command("cancel_import", unknown) == (2, f"no import job {unknown}")
    queued = ImportJob.objects.create(clinic=clinic, status="queued", original_name="q.dpm")
    assert command("cancel_import", str(queued.pk))[0] == 0
    status, out = command("undo_import", str(imported.pk), "--dry-run")
    assert status == 0 and f" clinic rows of job {imported.pk} (" in out
    status, out = command("undo_import", str(imported.pk))
    assert status == 0 and patients(clinic) == 0
