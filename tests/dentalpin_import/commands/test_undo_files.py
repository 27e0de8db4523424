"""An undo deletes its documents' files after its commit; the sweep, what a crash there left.

The undo's transaction writes the names of the files it frees; a process
killed after the commit (a real `undo_import` process, SIGKILLed on its second
file) leaves them on disk, and `sweep_import_uploads` deletes them and says so.
A file another document still names is never deleted.
"""

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django_scopes import scope, scopes_disabled

from clinics.models import Document
from dentalpin_import.binaries import archive, receive
from dentalpin_import.jobs import locks
from dentalpin_import.models import FileToDelete, ImportJob
from dentalpin_import.sample.generator import pdf_bytes, png_bytes
from dentalpin_import.sample.writer import FileRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.live import processes
from tests.dentalpin_import.commands.test_crash_recovery import command
from tests.dentalpin_import.web.test_binaries import sha
from tests.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
started = pytest.fixture(processes, name="started")

# Two pictures (each stored with its thumbnail) and a PDF: five files in storage.
DOCUMENTS = [(1, 1, png_bytes(11), "image/png"), (2, 2, png_bytes(12), "image/png")]
DOCUMENTS += [(3, 3, pdf_bytes(13), "application/pdf")]


def clinic_file(tmp_path: Path) -> Path:
    rows = b.small_clinic_rows()
    files = []
    for number, patient, data, mime in DOCUMENTS:
        if number > 1:  # the small clinic has document 1 already
            rows.append(
                b.row(
                    "patient_document",
                    number,
                    patient_uuid=b.uid("patient", patient),
                    kind="radiograph",
                    title=f"Doc {number}",
                )
            )
        files.append(
            FileRow(
                b.uid("file", number),
                "patient_document",
                b.uid("patient_document", number),
                f"Pacientes/{patient}/doc{number}",
                len(data),
                sha(data),
                mime,
            )
        )
    return b.build(tmp_path, rows, files=files)


def import_with_documents(tmp_path: Path, clinic) -> ImportJob:
    """Import the clinic into `clinic` and receive its three documents' files."""
    folder = tmp_path / clinic.slug
    folder.mkdir()
    status, out, report = run_import(clinic_file(folder), clinic.slug, report=folder / "r.json")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    for number, _, data, _ in DOCUMENTS:
        path = folder / f"doc{number}"
        path.write_bytes(data)
        upload = archive.Member(path.name, path=path, size=len(data), sha256=sha(data))
        with scope(clinic=clinic):
            answer = receive.receive(job=job, user=None, upload=upload, sha256=sha(data))
        assert answer.outcome == "received", answer
    return job


def stored(clinic) -> set[str]:
    """The storage names of `clinic`'s documents, thumbnails included."""
    with scopes_disabled():
        pairs = Document.objects.filter(clinic=clinic).values_list("file", "thumbnail")
    return {name for pair in pairs for name in pair if name}


def on_disk() -> set[str]:
    root = Path(default_storage.location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # a process started by the test uses it too
    return settings.MEDIA_ROOT


@pytest.fixture
def job(media, tmp_path, clinic):
    job = import_with_documents(tmp_path, clinic)
    assert len(stored(clinic)) == 5 and stored(clinic) <= on_disk()
    return job


def test_an_undo_deletes_its_documents_files_and_their_thumbnails(job, clinic):
    files = stored(clinic)
    status, out = command("undo_import", str(job.pk))
    assert status == 0, out
    assert "stored files: 3" in out  # the documents' files, as before: thumbnails go with them
    assert not files & on_disk()
    assert not FileToDelete.objects.exists()


KILLED_AFTER_COMMIT = """
import os, signal, sys, django
django.setup()
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command

real, calls = default_storage.delete, []

def dies_on_the_second_file(name):
    calls.append(name)
    if len(calls) == 2:
        print("committed, one file deleted", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    real(name)

default_storage.delete = dies_on_the_second_file
call_command("undo_import", sys.argv[1])
"""


def test_files_an_undo_killed_after_its_commit_left_are_deleted_by_the_sweep(started, job, clinic):
    files = stored(clinic)
    proc = started.python(["-c", KILLED_AFTER_COMMIT, str(job.pk)])
    wait_until(lambda: not proc.alive(), what="the undo to die after its commit")
    assert "committed, one file deleted" in proc.output()
    wait_until(lambda: locks.holder(clinic.pk) is None, what="the lock to be free")
    assert ImportJob.objects.get(pk=job.pk).status == "undone" and stored(clinic) == set()
    left = files & on_disk()
    assert len(left) == 4  # patients' documents with no row pointing at them
    # Names go a batch at a time: the one file deleted before the kill is named still.
    assert set(FileToDelete.objects.values_list("name", flat=True)) == files

    status, out = command("sweep_import_uploads", "--dry-run")
    assert f"would delete 5 files of documents that the undo of job {job.pk} removed" in out
    assert files & on_disk() == left

    status, out = command("sweep_import_uploads")
    assert status == 0
    assert (
        f"deleted 5 files of documents that the undo of job {job.pk} removed from the clinic "
        "but left in storage (it stopped before deleting them)"
    ) in out
    assert not files & on_disk() and not FileToDelete.objects.exists()
    assert "files of documents" not in command("sweep_import_uploads")[1]


def test_a_storage_error_after_the_commit_leaves_that_file_to_the_sweep(job, clinic, monkeypatch):
    files, real, calls = stored(clinic), FileSystemStorage.delete, []

    def fails_on_the_second_file(storage, name):
        calls.append(name)
        if len(calls) >= 2 and name == calls[1]:
            raise OSError("storage unreachable")  # that file, from then on
        real(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", fails_on_the_second_file)
    status, out = command("undo_import", str(job.pk))
    assert status == 0 and "deleted" in out  # the undo is done, and said so
    assert files & on_disk() == {calls[1]}
    assert list(FileToDelete.objects.values_list("name", flat=True)) == [calls[1]]

    status, out = command("sweep_import_uploads")
    assert "could not delete 1 files" in out  # the storage still refuses
    monkeypatch.setattr(FileSystemStorage, "delete", real)
    status, out = command("sweep_import_uploads")
    assert f"deleted 1 files of documents that the undo of job {job.pk}" in out
    assert not files & on_disk() and not FileToDelete.objects.exists()


def test_a_file_another_document_still_names_is_kept(job, clinic, other_clinic, tmp_path):
    other = import_with_documents(tmp_path, other_clinic)  # the same bytes, stored again
    with scopes_disabled():
        mine = Document.objects.filter(clinic=clinic).exclude(thumbnail="").first()
        theirs = Document.objects.filter(clinic=other_clinic, sha256=mine.sha256).get()
        # Two rows naming one stored file: never so today, and the undo must not care.
        Document.objects.filter(pk=theirs.pk).update(file=mine.file.name)
    files, kept = stored(clinic), stored(other_clinic)
    assert mine.file.name in kept and theirs.file.name not in kept

    status, out = command("undo_import", str(job.pk))
    assert status == 0, out
    assert files & on_disk() == {mine.file.name}
    assert kept <= on_disk()  # the other clinic's files, same sha256 or same name, all there
    assert not FileToDelete.objects.exists()
    assert ImportJob.objects.get(pk=other.pk).status == "succeeded"


def test_the_sweep_leaves_the_files_of_an_undo_still_deleting_them(started, job, clinic):
    names = sorted(stored(clinic))
    FileToDelete.objects.bulk_create([FileToDelete(job=job, name=n) for n in names])
    with scopes_disabled():
        Document.objects.filter(clinic=clinic).delete()
    holder = started.lock_holder(job)  # the undo's process, still deleting
    out = command("sweep_import_uploads")[1]
    assert "files of documents" not in out and set(names) <= on_disk()
    holder.kill()
    out = command("sweep_import_uploads")[1]
    assert f"deleted 5 files of documents that the undo of job {job.pk}" in out
    assert not set(names) & on_disk()
