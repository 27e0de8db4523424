"""A killed command-line import is found dead without the web, and the same command finishes it.

The import runs in a real `manage.py import_dpmf` process that is SIGKILLed
part-way; everything after that is what an operator types next.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import liveness, preflight, services, sheet_preview, workarea
from dentalpin_import.management import running
from dentalpin_import.models import AuditEntry, EntityMapping, ImportJob
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.csv.sheets import patients_rows, run, write

pytestmark = pytest.mark.django_db(transaction=True)

PATIENTS = 300


@pytest.fixture
def sample(tmp_path):
    # Compressed, so the killed process leaves a decompressed copy in the staging area.
    return generate_sample(
        tmp_path / "clinic.dpm.zst", patients=PATIENTS, seed=5, layer="zstd", binaries=False
    )


def command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def without_ids(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in ("job_id", "clinic", "elapsed_s")}


def test_the_same_command_after_a_kill_finishes_the_same_job_as_if_nothing_happened(
    started, sample, clinic, other_clinic, tmp_path
):
    proc, job = started.import_caught_mid_run(sample.path, clinic)
    proc.kill()
    left = [f for f in workarea.root().iterdir() if (f / workarea.LOCK_NAME).exists()]
    assert left, "the killed process should have left its decompressed copy behind"
    assert ImportJob.objects.get(pk=job.pk).status == "running"  # nobody told the database

    status, listing = command("import_jobs", "--clinic", clinic.slug)
    assert status == 0
    line = next(row for row in listing.splitlines() if row.startswith(str(job.pk)))
    assert " interrupted " in line and "clinic.dpm.zst" in line
    job.refresh_from_db()
    assert job.status == "interrupted" and job.error == liveness.MSG_STOPPED
    assert AuditEntry.objects.filter(job=job, action="execute", outcome="interrupted").exists()

    status, swept = command("sweep_import_uploads")
    assert status == 0 and all(f"removed {f}: dead process" in swept for f in left)
    assert not any(f.exists() for f in left)

    status, out, report = run_import(sample.path, clinic.slug, report=tmp_path / "again.json")
    assert status == 0, out
    assert f"Resuming job {job.pk} interrupted at " in out
    assert report["job_id"] == str(job.pk) and report["status"] == "succeeded"
    assert ImportJob.objects.filter(clinic=clinic).count() == 1
    assert AuditEntry.objects.filter(job=job, action="resume", outcome="started").exists()

    # The report is that of a run nobody interrupted.
    status, _, whole = run_import(sample.path, other_clinic.slug, report=tmp_path / "whole.json")
    assert status == 0
    assert without_ids(report) == without_ids(whole)
    with scope(clinic=clinic):
        assert Patient.objects.count() == PATIENTS


def test_undo_after_a_kill_needs_no_manual_step(started, sample, clinic):
    proc, job = started.import_caught_mid_run(sample.path, clinic)
    proc.kill()
    status, out = command("undo_import", str(job.pk))
    assert status == 0, out
    job.refresh_from_db()
    assert job.status == "undone"
    assert AuditEntry.objects.filter(job=job, outcome="interrupted").exists()
    with scope(clinic=clinic):
        assert not Patient.objects.exists()
    assert not EntityMapping.objects.filter(clinic=clinic).exists()


def test_a_live_import_refuses_a_second_of_its_clinic_but_not_of_another(
    started, sample, clinic, other_clinic, tmp_path
):
    running = ImportJob.objects.create(clinic=clinic, original_name="first.dpm")
    holder = started.lock_holder(running)
    ImportJob.objects.filter(pk=running.pk).update(status="running")

    status, message, _ = run_import(sample.path, clinic.slug)
    assert status == 2
    assert message == "refused: " + liveness.MSG_BUSY.format(
        job=running.pk, status="running", job_id=running.pk
    )
    assert ImportJob.objects.filter(clinic=clinic).count() == 1  # no job for the refusal
    status, _ = command("undo_import", str(running.pk))
    assert status == 2
    status, _ = command("import_jobs")
    assert ImportJob.objects.get(pk=running.pk).status == "running"  # alive: left alone

    status, _, report = run_import(sample.path, other_clinic.slug, report=tmp_path / "b.json")
    assert status == 0 and report["status"] == "succeeded"

    holder.kill()
    status, out, report = run_import(sample.path, clinic.slug, report=tmp_path / "a.json")
    assert status == 0, out
    assert ImportJob.objects.get(pk=running.pk).status == "interrupted"
    assert report["job_id"] != str(running.pk)


def test_a_dry_run_holds_the_lock_too(started, sample, clinic):
    running = ImportJob.objects.create(clinic=clinic, original_name="first.dpm")
    started.lock_holder(running)
    status, message, _ = run_import(sample.path, clinic.slug, "--dry-run")
    assert status == 2 and str(running.pk) in message


def test_cancel_import_stops_a_live_import_in_another_process(started, sample, clinic):
    proc, job = started.import_caught_mid_run(sample.path, clinic)
    status, out = command("cancel_import", str(job.pk))
    assert status == 0 and "stops at its next progress save" in out
    assert proc.popen.wait(timeout=120) == 1
    assert f"undo_import {job.pk}" in proc.output()
    job.refresh_from_db()
    assert job.status == "cancelled"
    cancels = AuditEntry.objects.filter(job=job, action="execute", outcome="cancelled")
    assert {"was": "running"} in [entry.details for entry in cancels]  # the request, audited


def test_cancel_import_refuses_unknown_finished_and_dead_jobs(started, sample, clinic, tmp_path):
    assert command("cancel_import", "not-a-uuid") == (2, "no import job not-a-uuid")
    unknown = "00000000-0000-0000-0000-000000000000"
    assert command("cancel_import", unknown) == (2, f"no import job {unknown}")

    assert run_import(sample.path, clinic.slug)[0] == 0
    done = ImportJob.objects.get(clinic=clinic)
    status, message = command("cancel_import", str(done.pk))
    assert status == 2 and "already ended (succeeded)" in message
    assert f"undo_import {done.pk}" in message
    assert ImportJob.objects.get(pk=done.pk).status == "succeeded"

    dead = ImportJob.objects.create(clinic=clinic, status="running", original_name="x.dpm")
    status, message = command("cancel_import", str(dead.pk))
    assert status == 2 and "its process ended (interrupted)" in message
    assert ImportJob.objects.get(pk=dead.pk).status == "interrupted"


def test_cancel_import_cancels_a_job_waiting_to_run(clinic):
    queued = ImportJob.objects.create(clinic=clinic, status="queued", original_name="q.dpm")
    status, out = command("cancel_import", str(queued.pk))
    assert status == 0 and "(it was queued): it will not run" in out
    assert ImportJob.objects.get(pk=queued.pk).status == "cancelled"


def test_import_jobs_filters_and_prints_json(clinic, other_clinic, tmp_path):
    ImportJob.objects.create(clinic=clinic, status="succeeded", original_name="a.dpm")
    ImportJob.objects.create(clinic=other_clinic, status="failed", original_name="b.dpm")
    dead = ImportJob.objects.create(clinic=clinic, status="running", original_name="c.dpm")
    status, out = command("import_jobs", "--clinic", clinic.slug, "--json")
    rows = json.loads(out)
    assert [r["file"] for r in rows] == ["c.dpm", "a.dpm"]  # newest first, this clinic only
    assert rows[0]["status"] == "interrupted" and rows[0]["id"] == str(dead.pk)
    status, out = command("import_jobs", "--status", "failed")
    assert "b.dpm" in out and "a.dpm" not in out
    assert command("import_jobs", "--clinic", "nowhere") == (2, "unknown clinic 'nowhere'")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_jobs", "--status", "bogus")
    assert command("import_jobs", "--status", "undone") == (0, "no import jobs\n")


@pytest.mark.django_db
def test_a_failure_before_the_run_fails_the_job_and_the_same_command_resumes_it(
    tmp_path, clinic, monkeypatch
):
    def database_went_away(container, *, clinic):
        raise ConnectionError("database went away")

    path = b.small_clinic(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(preflight, "preflight", database_went_away)
        status, message, _ = run_import(path, clinic.slug)
    assert (status, message) == (1, "import failed: ConnectionError: database went away")
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.started_at is None  # not left "uploaded"
    assert AuditEntry.objects.filter(job=job, action="validation", outcome="failed").exists()

    status, out, _ = run_import(path, clinic.slug, "--dry-run")  # a dry run is a job of its own
    assert status == 0 and "Resuming" not in out
    assert ImportJob.objects.get(dry_run=True).status == "succeeded"

    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0 and f"Resuming job {job.pk} failed at " in out
    assert report["job_id"] == str(job.pk) and report["entities"]["patient"]["created"] == 3
    assert AuditEntry.objects.filter(job=job, action="resume").exists()


@pytest.mark.django_db
def test_only_the_same_file_with_the_same_options_resumes_a_job(tmp_path, clinic, other_clinic):
    path = b.small_clinic(tmp_path)
    same_size = tmp_path / "other.dpm"
    same_size.write_bytes(bytes(reversed(path.read_bytes())))
    job = services.create_job(clinic=clinic, path=path, options={"import_verifactu": False})
    sha256 = services.sha256_of(path)
    ImportJob.objects.filter(pk=job.pk).update(status="interrupted", file_sha256=sha256)

    def found(**changes):
        ask = {"clinic": clinic, "path": path, "source_kind": "dpmf"} | changes
        return running.resumable_job(options={"import_verifactu": False}, **ask)

    assert found() == job
    assert found(path=same_size) is None
    assert found(clinic=other_clinic) is None
    assert found(source_kind="csv") is None
    assert (
        running.resumable_job(
            clinic=clinic, path=path, source_kind="dpmf", options={"import_verifactu": True}
        )
        is None
    )
    for status in ("succeeded", "cancelled", "undone", "running", "uploaded"):
        ImportJob.objects.filter(pk=job.pk).update(status=status)
        assert found() is None, status
    web = {"import_verifactu": False, "rewrapped": True}
    ImportJob.objects.filter(pk=job.pk).update(status="failed", options=web)
    assert found() is None  # a web upload's job: the page's Resume finishes it
    ImportJob.objects.filter(pk=job.pk).update(options={"import_verifactu": False}, dry_run=True)
    assert found() is None
    newer = services.create_job(clinic=clinic, path=path, options={"import_verifactu": False})
    ImportJob.objects.filter(pk=newer.pk).update(status="failed", file_sha256=sha256)
    ImportJob.objects.filter(pk=job.pk).update(status="failed", dry_run=False)
    assert found() == newer  # the most recent one


@pytest.mark.django_db
def test_a_sheet_command_run_again_resumes_its_job_too(tmp_path, clinic, other_clinic):
    path = write(tmp_path / "p.csv", patients_rows())

    def database_went_away(sheet, clinic):
        raise ConnectionError("database went away")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sheet_preview, "problem_groups", database_went_away)
        status, message, _ = run("import_patients", path, clinic.slug)
    assert status == 1 and "database went away" in message
    job = ImportJob.objects.get(clinic=clinic)
    assert job.status == "failed"

    status, out, report = run("import_patients", path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0 and f"Resuming job {job.pk} failed at " in out
    assert report["job_id"] == str(job.pk)
    status, _, whole = run("import_patients", path, other_clinic.slug, report=tmp_path / "w.json")
    assert without_ids(report) == without_ids(whole)


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so no failure handling runs."""


@pytest.mark.django_db
def test_a_command_killed_before_its_run_leaves_a_job_the_same_command_resumes(
    tmp_path, clinic, other_clinic
):
    def killed(container, *, clinic):
        raise Killed()

    path = b.small_clinic(tmp_path)
    with pytest.MonkeyPatch.context() as patch, pytest.raises(Killed):
        patch.setattr(preflight, "preflight", killed)
        run_import(path, clinic.slug)
    job = ImportJob.objects.get()
    assert job.status == "validated"  # as a killed process leaves it
    wizard = services.create_job(clinic=clinic, path=path)  # a web upload: not a command's
    ImportJob.objects.filter(pk=wizard.pk).update(status="validated")

    assert command("import_jobs", "--clinic", other_clinic.slug)[0] == 0  # another clinic's look
    assert ImportJob.objects.get(pk=job.pk).status == "validated"
    assert command("import_jobs", "--clinic", clinic.slug)[0] == 0  # nobody holds the lock
    job.refresh_from_db()
    assert job.status == "failed" and job.error == liveness.MSG_STOPPED
    with liveness.holding(clinic) as held:  # a live command of the clinic, reading its file
        reading = services.create_job(clinic=clinic, path=path, options={liveness.COMMAND: True})
        held.bind(reading.pk)
        assert command("import_jobs")[0] == 0
        assert ImportJob.objects.get(pk=reading.pk).status == "uploaded"  # alive: left alone

    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0 and f"Resuming job {job.pk} failed at " in out
    assert report["job_id"] == str(job.pk) and report["entities"]["patient"]["created"] == 3
    stopped = AuditEntry.objects.get(job=job, action="validation", outcome="interrupted")
    assert stopped.details["error"] == liveness.MSG_STOPPED
    assert ImportJob.objects.get(pk=wizard.pk).status == "validated"  # left to its wizard
