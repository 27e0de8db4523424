"""Undo and an imported document whose file the sync agent sent later.

Saving the arrived file writes the document, minutes or hours after the
import: that is no edit by staff, and the undo needs no --force for it. An edit
after the file arrived still counts; so for a later export's undo of a document
it renamed. The arrivals are read in one query per batch of documents, through
the staged rows' document index. An edited document with no capture date is
named on the undo page by its title.
"""

import datetime as dt
import hashlib

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from clinics.models import Document, Patient
from dentalpin_import.jobs.undo_plan import plan_undo
from dentalpin_import.models import FileStaging, ImportJob, StagingStatus
from dentalpin_import.names import record_name
from dentalpin_import.sample.writer import FileRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands import test_undo_received_documents as received
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.test_undo_received_documents import (
    PDF,
    PNG,
    arrived_an_hour_later,
    documents,
    receive,
    undo,
)
from tests.dentalpin_import.cutover.test_cutover import later_rows

job, media = received.job, received.media  # an imported small clinic expecting two files
EDITED = "row was edited after the import"


def undo_page(staff_client, job, language="en") -> str:
    page = staff_client.get(f"/import/jobs/{job.pk}/undo/", HTTP_ACCEPT_LANGUAGE=language)
    return page.content.decode()


def edit(document: int, at: dt.datetime, title: str) -> None:
    with scopes_disabled():  # staff renamed the document at `at`
        Document.objects.filter(pk=document).update(title=title, updated_at=at)


@pytest.mark.django_db
def test_an_imported_document_whose_file_arrived_an_hour_later_undoes_without_force(
    client, staff_client, job, clinic, media
):
    document = receive(client, job, PNG)
    assert FileStaging.objects.get(document_id=document).parent_entity_type == "patient_document"
    arrived_an_hour_later(document)
    name = documents(clinic)[document]

    page = undo_page(staff_client, job)
    assert EDITED not in page and 'name="force"' not in page and "Undo this import" in page
    assert "edited after the import" not in undo(job.pk, "--dry-run")
    undo(job.pk)  # no --force
    assert documents(clinic) == {} and not (media / name).exists()


@pytest.mark.django_db
def test_an_imported_document_edited_after_its_file_arrived_is_refused_unless_forced(
    client, staff_client, job, clinic, media
):
    document = receive(client, job, PNG)
    arrival = arrived_an_hour_later(document)
    edit(document, arrival + dt.timedelta(minutes=5), "Ortopantomografía revisada")

    assert "1 " + EDITED in undo_page(staff_client, job)
    assert "edited after the import (deleted with --force): 1" in undo(job.pk, "--dry-run")
    with pytest.raises(CommandError) as refused:
        undo(job.pk)
    assert f"clinics_document#{document}" in str(refused.value)
    assert document in documents(clinic)
    undo(job.pk, "--force")
    assert documents(clinic) == {}


@pytest.mark.django_db
def test_an_edited_received_document_is_named_by_its_title_in_english_and_spanish(
    client, staff_client, job, clinic
):
    consent = receive(client, job, PDF)
    arrival = FileStaging.objects.get(document_id=consent).received_at
    # A hostile title, as an export's file name or a person may write it: shown as text.
    edit(consent, arrival + dt.timedelta(minutes=5), "Consentimiento <b>firmado</b>")

    title = "“Consentimiento &lt;b&gt;firmado&lt;/b&gt;”"
    english = undo_page(staff_client, job)
    assert f"<li>Paciente1 Ibáñez · patient document {title}</li>" in english
    assert "patient document of —" not in english and "<b>firmado" not in english
    spanish = undo_page(staff_client, job, "es")
    assert f"<li>Paciente1 Ibáñez · documento del paciente {title}</li>" in spanish


@pytest.mark.django_db
def test_a_document_keeps_its_capture_date_and_one_without_title_its_number(clinic):
    with scope(clinic=clinic):
        patient = Patient.objects.create(clinic=clinic, given_name="Lucía", family_name="Pérez")
        dated = Document.objects.create(
            clinic=clinic, patient=patient, title="Rx", captured_on=dt.date(2024, 3, 5)
        )
        untitled = Document.objects.create(clinic=clinic, patient=patient, title="")
    with translation.override("en"):
        assert record_name(dated).startswith("Lucía Pérez · patient document of ")
        assert "2024" in record_name(dated) and "Rx" not in record_name(dated)
        assert record_name(untitled) == f"Lucía Pérez · patient document #{untitled.pk}"


def scans(count: int) -> tuple[list, list]:
    """A small clinic with `count` imported documents of patient 1, each expecting its scan."""
    rows, files = b.small_clinic_rows(), []
    for n in range(1, count + 1):
        if n > 1:
            rows.append(b.row("patient_document", n, patient_uuid=b.uid("patient", 1), title="Rx"))
        data = f"scan {n}".encode()
        files.append(
            FileRow(
                b.uid("file", n),
                "patient_document",
                b.uid("patient_document", n),
                f"Pacientes/1/rx{n}.png",
                len(data),
                hashlib.sha256(data).hexdigest(),
                "image/png",
            )
        )
    return rows, files


def planned_an_hour_after_arrival(tmp_path, clinic, count: int) -> tuple[list, list[str]]:
    """Import `count` documents, their files arriving an hour later (as the agent marks them);
    return what the plan found edited and the SQL of its queries."""
    folder = tmp_path / str(count)
    folder.mkdir()
    rows, files = scans(count)
    path = b.build(folder, rows, files=files)
    status, out, report = run_import(path, clinic.slug, report=folder / "r.json")
    assert status == 0, out
    staged = FileStaging.objects.filter(job_id=report["job_id"])
    assert staged.exclude(document=None).count() == count
    arrival = timezone.now() + dt.timedelta(hours=1)
    staged.update(status=StagingStatus.RECEIVED, received_at=arrival)
    with scopes_disabled():
        Document.objects.filter(clinic=clinic).update(updated_at=arrival + dt.timedelta(seconds=1))
    job = staged.first().job
    with CaptureQueriesContext(connection) as queries:
        plan = plan_undo(job)
    return plan.changed, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_the_arrivals_cost_no_query_per_document(tmp_path, clinic, other_clinic):
    few_changed, few = planned_an_hour_after_arrival(tmp_path, clinic, 2)
    many_changed, many = planned_an_hour_after_arrival(tmp_path, other_clinic, 8)
    assert few_changed == many_changed == []  # no document taken for edited
    assert len(few) == len(many), (few, many)


@pytest.mark.django_db
def test_the_arrivals_are_found_through_the_document_index(tmp_path, clinic):
    if connection.vendor != "sqlite":
        pytest.skip("the query plan is read from SQLite")
    _, sql = planned_an_hour_after_arrival(tmp_path, clinic, 2)
    [arrivals] = [q for q in sql if 'filestaging"."document_id" IN (' in q]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + arrivals)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX" in plan and "document_id" in plan, plan


@pytest.mark.django_db
def test_a_later_export_that_renamed_a_document_undoes_after_its_scan_arrived(
    client, tmp_path, clinic, media
):
    first = received.import_clinic(tmp_path / "first", clinic, [])
    rows = later_rows({("patient_document", "1"): {"title": "Ortopantomografía 2024"}})
    path = b.build(
        tmp_path, rows, files=[received.file_row(4, "patient_document", PNG, "image/png")]
    )
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "later.json")
    assert status == 0 and report["entities"]["patient_document"]["updated"] == 1, out
    document = receive(client, ImportJob.objects.get(pk=report["job_id"]), PNG)
    arrived_an_hour_later(document)

    undo(report["job_id"])  # no --force: the scan arriving is no edit of the renamed document
    with scopes_disabled():
        kept = Document.objects.get(pk=document)
    assert kept.title == "Ortopantomografía" and (media / kept.file.name).exists()
    assert FileStaging.objects.get(document_id=document).job_id == first.pk
