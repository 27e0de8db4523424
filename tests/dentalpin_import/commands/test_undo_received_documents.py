"""Undo and the documents the sync agent's files became for owners that are not documents.

A file whose owner is a consent (a prescription…) becomes a new document of the
patient when it arrives, with no mapping of its own. The undo of the import
deletes it and its file with the rest, counts it under patient documents,
refuses it once staff edited it (unless forced), and never touches a document
received for another import's file.
"""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope, scopes_disabled

from clinics.models import Document
from dentalpin_import.models import AgentToken, FileStaging, ImportJob
from dentalpin_import.sample.generator import pdf_bytes, png_bytes
from dentalpin_import.sample.writer import FileRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.web.test_binaries import post, sha

PNG, PDF, LATER_PDF = png_bytes(21), pdf_bytes(22), pdf_bytes(23)


def file_row(number: int, parent: str, data: bytes, mime: str) -> FileRow:
    return FileRow(
        b.uid("file", number),
        parent,
        b.uid(parent, 1),
        f"Pacientes/1/f{number}",
        len(data),
        sha(data),
        mime,
    )


def import_clinic(folder: Path, clinic, files) -> ImportJob:
    folder.mkdir()
    path = b.build(folder, b.small_clinic_rows(), files=files)
    status, out, report = run_import(path, clinic.slug, report=folder / "r.json")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


def receive(client, job, data: bytes) -> int:
    """Upload `data` as the sync agent does; the id of the document it became."""
    response = post(client, job, data, token=AgentToken.issue(job=job)[1])
    assert response.status_code == 201, response.json()
    return response.json()["document_id"]


def arrived_an_hour_later(document: int) -> dt.datetime:
    """Move the arrival of `document`'s file, and the save of the document that followed it,
    an hour on: the agent uploaded an hour after the import. Return the arrival."""
    staged = FileStaging.objects.get(document_id=document)
    arrival = staged.received_at + dt.timedelta(hours=1)
    FileStaging.objects.filter(pk=staged.pk).update(received_at=arrival)
    with scopes_disabled():
        Document.objects.filter(pk=document).update(updated_at=arrival + dt.timedelta(seconds=1))
    return arrival


def undo(*args) -> str:
    out = io.StringIO()
    call_command("undo_import", *map(str, args), stdout=out)
    return out.getvalue()


def documents(clinic) -> dict[int, str]:
    with scopes_disabled():
        return dict(Document.objects.filter(clinic=clinic).values_list("pk", "file"))


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def job(media, tmp_path, clinic):
    files = [file_row(1, "patient_document", PNG, "image/png")]
    files.append(file_row(2, "consent", PDF, "application/pdf"))
    return import_clinic(tmp_path / "first", clinic, files)


@pytest.mark.django_db
def test_an_undo_deletes_the_document_a_consent_file_became(
    client, staff_client, job, clinic, media
):
    consent = receive(client, job, PDF)
    with scope(clinic=clinic):
        assert Document.objects.get(pk=consent).kind == "consent"
    files = documents(clinic)
    assert (media / files[consent]).exists()

    page = staff_client.get(f"/import/jobs/{job.pk}/undo/").content.decode()
    # Both under patient documents: the imported one (its scan not sent) and the consent's.
    assert 'data-table="clinics_document">2<' in page and "patient documents" in page
    assert "1 received documents' files" in page and "Undo this import" in page
    out = undo(job.pk, "--dry-run")
    assert "clinics_document" in out and "stored files: 1" in out
    assert "would go too" not in out and documents(clinic) == files

    out = undo(job.pk)
    assert "stored files: 1" in out
    job.refresh_from_db()
    assert job.status == "undone" and documents(clinic) == {}
    assert not (media / files[consent]).exists()
    assert not FileStaging.objects.filter(job=job).exists()


@pytest.mark.django_db
def test_a_consent_edited_after_it_arrived_is_refused_unless_forced(
    client, staff_client, job, clinic, media
):
    consent = receive(client, job, PDF)
    received_at = FileStaging.objects.get(document_id=consent).received_at
    with scopes_disabled():  # staff renamed the scan five minutes after it arrived
        Document.objects.filter(pk=consent).update(
            title="Consentimiento firmado", updated_at=received_at + dt.timedelta(minutes=5)
        )
    name = documents(clinic)[consent]

    page = staff_client.get(f"/import/jobs/{job.pk}/undo/").content.decode()
    assert "1 row was edited after the import" in page
    assert "<li>Paciente1 Ibáñez · patient document" in page  # the edited row, by its patient
    assert 'name="force"' in page
    out = undo(job.pk, "--dry-run")
    assert "edited after the import (deleted with --force): 1" in out
    with pytest.raises(CommandError) as refused:
        undo(job.pk)
    assert "1 rows were edited after the import" in str(refused.value)
    assert f"clinics_document#{consent}" in str(refused.value)
    assert consent in documents(clinic) and (media / name).exists()

    undo(job.pk, "--force")
    assert documents(clinic) == {} and not (media / name).exists()


@pytest.mark.django_db
def test_a_document_received_just_now_is_not_taken_as_edited(client, job, clinic):
    consent = receive(client, job, PDF)
    received_at = FileStaging.objects.get(document_id=consent).received_at
    with scopes_disabled():  # the document's row is written a moment after the file is claimed
        Document.objects.filter(pk=consent).update(updated_at=received_at + dt.timedelta(seconds=1))
    assert "edited after the import" not in undo(job.pk, "--dry-run")
    undo(job.pk)  # no --force needed
    assert documents(clinic) == {}


@pytest.mark.django_db
def test_a_document_received_for_another_imports_file_is_untouched(
    client, job, clinic, media, tmp_path
):
    mine = receive(client, job, PDF)
    # A later export lists one more scan of the same consent, for the patient of the first.
    later = import_clinic(
        tmp_path / "later", clinic, [file_row(3, "consent", LATER_PDF, "application/pdf")]
    )
    theirs = receive(client, later, LATER_PDF)
    name = documents(clinic)[theirs]

    out = undo(job.pk, "--dry-run")
    assert f"clinics_document#{theirs}" in out and f"clinics_document#{mine}" not in out
    with pytest.raises(CommandError) as refused:
        undo(job.pk)
    assert "undo the later import first" in str(refused.value)
    assert f"clinics_document#{theirs}" in str(refused.value)
    assert {mine, theirs} <= set(documents(clinic)) and (media / name).exists()

    undo(later.pk)  # the later import, then the first: each its own document
    assert theirs not in documents(clinic) and not (media / name).exists()
    assert mine in documents(clinic)
    undo(job.pk)
    assert documents(clinic) == {}


@pytest.mark.django_db
def test_an_imported_document_a_later_imports_file_filled_stays_with_its_import(
    client, media, tmp_path, clinic
):
    first = import_clinic(tmp_path / "first", clinic, [])
    # The later export lists the scan of the document the first import created.
    later = import_clinic(
        tmp_path / "later", clinic, [file_row(4, "patient_document", PNG, "image/png")]
    )
    document = receive(client, later, PNG)
    arrived_an_hour_later(document)
    name = documents(clinic)[document]

    out = undo(later.pk)
    assert "stored files: 0" in out
    assert documents(clinic)[document] == name and (media / name).exists()
    # The record of the scan's arrival stays with the document's import…
    assert FileStaging.objects.get(document_id=document).job_id == first.pk
    undo(first.pk)  # no --force: the scan arriving is no edit of its document
    assert documents(clinic) == {} and not (media / name).exists()
    assert not FileStaging.objects.filter(clinic=clinic).exists()
