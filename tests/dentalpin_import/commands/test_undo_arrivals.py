"""A document that arrives while an import of its clinic is being undone never escapes the undo.

The undo plans the clinic's documents, then deletes them in one transaction.
An upload that finishes in between would store a document the plan does not
know: deleted with its patient, its file would stay in storage with no name
anywhere. So a file is not stored while an undo of the clinic runs (asked in the
transaction that stores it: the agent is told to retry, the page to drop it
again), and one whose store began before the undo was asked makes the undo
refuse, nothing deleted, until it is asked again.
"""

from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled

from clinics.models import Document
from dentalpin_import.binaries import archive, receive, store
from dentalpin_import.jobs import undo
from dentalpin_import.models import FileStaging, FileToDelete, ImportJob, JobStatus
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.test_undo_files import (  # noqa: F401
    DOCUMENTS,
    clinic_file,
    media,
    on_disk,
    stored,
)
from tests.dentalpin_import.web.test_binaries import sha

pytestmark = pytest.mark.django_db(transaction=True)


def imported(tmp_path: Path, clinic) -> tuple[ImportJob, Path]:
    folder = tmp_path / clinic.slug
    folder.mkdir()
    status, out, report = run_import(clinic_file(folder), clinic.slug, report=folder / "r.json")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"]), folder


def arrive(job, folder: Path, number: int) -> receive.Received:
    _, _, data, _ = DOCUMENTS[number - 1]
    path = folder / f"doc{number}"
    path.write_bytes(data)
    upload = archive.Member(path.name, path=path, size=len(data), sha256=sha(data))
    with scope(clinic=job.clinic):
        return receive.receive(job=job, user=None, upload=upload, sha256=sha(data))


@pytest.mark.usefixtures("media")
def test_a_file_that_arrives_while_the_clinic_is_being_undone_is_not_stored(tmp_path, clinic):
    job, folder = imported(tmp_path, clinic)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.UNDOING)
    before = on_disk()
    answer = arrive(job, folder, 3)
    assert answer.outcome == receive.UNDOING and not answer.final
    assert on_disk() == before  # the bytes written for it were removed
    assert not FileStaging.objects.filter(job=job, status="received").exists()


@pytest.mark.usefixtures("media")
def test_a_file_stored_while_the_undo_planned_makes_it_refuse_then_asked_again_it_undoes(
    tmp_path, clinic, monkeypatch
):
    job, folder = imported(tmp_path, clinic)
    assert arrive(job, folder, 1).outcome == receive.RECEIVED
    real_plan = undo.plan_undo

    def racing_plan(planned_job):
        plan = real_plan(planned_job)
        # A request whose store began before the undo was asked commits now.
        with monkeypatch.context() as m:
            m.setattr(store, "_clinic_undoing", lambda clinic_id: False)
            assert arrive(job, folder, 3).outcome == receive.RECEIVED
        return plan

    monkeypatch.setattr(undo, "plan_undo", racing_plan)
    with pytest.raises(undo.UndoRefused, match="1 documents arrived while the undo was being"):
        undo.undo_job(job=job, force=True)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED  # back where it was: nothing deleted
    files = stored(clinic)
    assert files and files <= on_disk()

    monkeypatch.setattr(undo, "plan_undo", real_plan)
    undo.undo_job(job=job, force=True)
    job.refresh_from_db()
    assert job.status == JobStatus.UNDONE
    with scopes_disabled():
        assert not Document.objects.filter(clinic=clinic).exists()
    assert not files & on_disk() and not FileToDelete.objects.exists()
