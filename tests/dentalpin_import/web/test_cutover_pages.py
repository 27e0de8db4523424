"""The conflicts page (filters, pages, CSV, take the file's value) and the missing-rows page."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django_scopes import scope

from clinics.models import Appointment, Patient, Professional
from dentalpin_import.jobs import undo
from dentalpin_import.models import (
    AuditEntry,
    EntityMapping,
    ImportConflict,
    ImportJob,
    MissingRecord,
    RowUpdate,
)
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.later import write_later_export
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.live import processes
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
_started = pytest.fixture(processes, name="started")


def sealed(value) -> str:
    return json.dumps(value)


@pytest.fixture
def job(tmp_path, clinic):
    """An imported clinic whose job met two conflicts and misses one row of the earlier file."""
    status, out, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    with scope(clinic=clinic):
        patient = Patient.objects.get(given_name="José")
        Patient.objects.filter(pk=patient.pk).update(phone="611111111")
        visit = Appointment.objects.filter(patient=patient).first()
        ana, other = Professional.objects.order_by("given_name")[:2]
    common = dict(job=job, clinic=clinic, resolution="kept_clinic")
    ImportConflict.objects.create(
        **common,
        entity_type="patient",
        canonical_uuid=b.uid("patient", 2),
        source_id="2",
        target_table="clinics_patient",
        target_id=str(patient.pk),
        field="phone",
        value_at_import=sealed("700000002"),
        clinic_value=sealed("611111111"),
        file_value=sealed("=690000002"),  # a formula in a cell must stay text in the CSV
    )
    ImportConflict.objects.create(
        **common,
        entity_type="appointment",
        canonical_uuid=b.uid("appointment", 2),
        source_id="2",
        target_table="clinics_appointment",
        target_id=str(visit.pk),
        field="professional_id",
        value_at_import=sealed(visit.professional_id),
        clinic_value=sealed(ana.pk),
        file_value=sealed(other.pk),
    )
    MissingRecord.objects.create(
        job=job,
        clinic=clinic,
        entity_type="patient",
        canonical_uuid=b.uid("patient", 1),
        target_table="clinics_patient",
        target_id=str(patient.pk),
    )
    return job


def test_the_conflicts_page_names_the_record_the_field_and_the_three_values(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/conflicts/").content.decode()
    assert "José" in page and "phone" in page
    assert "700000002" in page and "611111111" in page and "=690000002" in page
    assert ">clinics_patient<" not in page and ">professional_id<" not in page  # no code names
    assert 'name="conflict"' in page  # staff who may execute can select lines


def test_a_foreign_key_shows_the_related_rows_name_not_its_id(staff_client, job, clinic):
    page = staff_client.get(f"/import/jobs/{job.pk}/conflicts/?type=appointment").content.decode()
    with scope(clinic=clinic):
        names = [str(p) for p in Professional.objects.all()]
    assert sum(name in page for name in names) >= 2
    assert "phone" not in page.split("<tbody>")[1]  # the filter left the patient out


def test_filters_by_field_and_outcome(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/conflicts/?field=phone").content.decode()
    body = page.split("<tbody>")[1]
    assert "611111111" in body and body.count("<tr") == 1
    taken = staff_client.get(f"/import/jobs/{job.pk}/conflicts/?resolution=took_file")
    assert "No conflicts." in taken.content.decode()


def test_the_conflicts_page_speaks_spanish(staff_client, job):
    page = staff_client.get(
        f"/import/jobs/{job.pk}/conflicts/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Conflictos" in page and "Valor en el archivo" in page and "teléfono" in page
    assert "Tomar el valor del archivo" in page


def test_the_csv_opens_in_excel_and_never_runs_a_formula(staff_client, job):
    response = staff_client.get(f"/import/jobs/{job.pk}/conflicts.csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Kind of record", "Record", "Id in the old system", "Field"]
    phone = next(r for r in rows if r[3] == "phone")
    assert phone[4:7] == ["700000002", "611111111", "'=690000002"]
    assert "José" in phone[1]


def test_taking_the_files_value_changes_the_clinic_row_and_is_audited(staff_client, job, clinic):
    conflict = ImportConflict.objects.get(field="phone")
    response = staff_client.post(
        f"/import/jobs/{job.pk}/conflicts/take-file/",
        {"conflict": [conflict.pk], "field": "phone"},
    )
    assert response.status_code == 302 and response.url.endswith("?field=phone")
    with scope(clinic=clinic):
        assert Patient.objects.get(pk=int(conflict.target_id)).phone == "=690000002"
    conflict.refresh_from_db()
    assert conflict.resolution == "took_file" and conflict.resolved_by.username == "alice"
    entry = AuditEntry.objects.get(job=job, outcome="took_file_values")
    assert entry.details == {"conflicts": [conflict.pk], "selected": 1, "taken": 1}
    page = staff_client.get(response.url).content.decode()
    assert "was taken for 1 field" in page
    other = ImportConflict.objects.get(field="professional_id")
    assert other.resolution == "kept_clinic"  # only the selected line


def test_taking_nothing_says_what_to_do(staff_client, job):
    response = staff_client.post(f"/import/jobs/{job.pk}/conflicts/take-file/", {})
    page = staff_client.get(response.url).content.decode()
    assert "Select at least one conflict" in page


def test_a_reader_sees_the_values_but_cannot_take_them(client, job, clinic):
    user = UserFactory(username="reader")
    member = MembershipFactory(user=user, clinic=clinic, role="dentist")
    member.permissions.add(Permission.objects.get(codename="job_read"))
    client.force_login(user)
    page = client.get(f"/import/jobs/{job.pk}/conflicts/").content.decode()
    assert "611111111" in page and 'name="conflict"' not in page
    conflict = ImportConflict.objects.get(field="phone")
    refused = client.post(
        f"/import/jobs/{job.pk}/conflicts/take-file/", {"conflict": [conflict.pk]}
    )
    assert refused.status_code == 403
    conflict.refresh_from_db()
    assert conflict.resolution == "kept_clinic"


def test_a_member_without_read_permission_sees_no_value(client, job, clinic):
    user = UserFactory(username="nobody")
    MembershipFactory(user=user, clinic=clinic, role="dentist")
    client.force_login(user)
    for url in ("conflicts/", "conflicts.csv", "missing/", "missing.csv"):
        response = client.get(f"/import/jobs/{job.pk}/{url}")
        assert response.status_code == 403, url
        assert b"611111111" not in response.content


def test_another_clinics_job_is_not_found(client, job, other_staff_user):
    client.force_login(other_staff_user)
    conflict = ImportConflict.objects.get(field="phone")
    for url in ("conflicts/", "conflicts.csv", "missing/", "missing.csv"):
        assert client.get(f"/import/jobs/{job.pk}/{url}").status_code == 404, url
    taken = client.post(f"/import/jobs/{job.pk}/conflicts/take-file/", {"conflict": [conflict.pk]})
    assert taken.status_code in (403, 404)
    conflict.refresh_from_db()
    assert conflict.resolution == "kept_clinic"


def test_the_missing_rows_page_lists_them_by_kind_with_their_names(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/missing/").content.decode()
    assert "1 patient" in page and "José" in page and "Nothing was deleted here" in page
    spanish = staff_client.get(
        f"/import/jobs/{job.pk}/missing/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "1 paciente" in spanish and "no se ha borrado nada" in spanish.lower()
    text = staff_client.get(f"/import/jobs/{job.pk}/missing.csv").content.decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][0] == "patient" and "José" in rows[1][1]


def test_the_job_page_links_to_both_lists(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert f"/import/jobs/{job.pk}/conflicts/" in page and f"/import/jobs/{job.pk}/missing/" in page
    assert "2 fields were changed both in the old system and in the clinic" in page


def go_live_with_a_conflict(clinic, tmp_path, seed=9):
    """Trial import, a phone staff corrected, then the later export changing that phone too.

    Returns the later job, the patient and the engine's conflict on the phone.
    """
    earlier = generate_sample(tmp_path / "trial.dpm", patients=12, seed=seed, binaries=False)
    assert run_import(earlier.path, clinic.slug)[0] == 0
    later = write_later_export(earlier.path, tmp_path / "golive.dpm", changed=6, binaries=False)
    key = later.changed["patient"][0]
    with scope(clinic=clinic):
        target = EntityMapping.objects.get(clinic=clinic, entity_type="patient", canonical_uuid=key)
        patient = Patient.objects.get(pk=int(target.target_id))
        patient.phone = "600000000"  # edited by staff after the trial import
        patient.save()
    status, out, report = run_import(later.path, clinic.slug, report=tmp_path / "golive.json")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    return job, patient, job.conflicts.get(canonical_uuid=key, field="phone")


def test_a_real_cutover_conflict_is_listed_and_its_file_value_taken(staff_client, clinic, tmp_path):
    """The engine's own conflict: a phone changed in the old system and edited in the clinic."""
    job, patient, conflict = go_live_with_a_conflict(clinic, tmp_path)
    page = staff_client.get(f"/import/jobs/{job.pk}/conflicts/").content.decode()
    assert "600000000" in page and patient.given_name in page
    staff_client.post(f"/import/jobs/{job.pk}/conflicts/take-file/", {"conflict": [conflict.pk]})
    with scope(clinic=clinic):
        patient.refresh_from_db()
    assert patient.phone == json.loads(conflict.file_value) != "600000000"


def test_every_conflict_a_filter_shows_can_be_taken_at_once(staff_client, job, clinic):
    page = staff_client.get(f"/import/jobs/{job.pk}/conflicts/?field=phone").content.decode()
    assert "Take the file's value for the 1 conflict this filter shows" in page
    staff_client.post(
        f"/import/jobs/{job.pk}/conflicts/take-file/", {"every": "1", "field": "phone"}
    )
    resolutions = dict(ImportConflict.objects.values_list("field", "resolution"))
    assert resolutions == {"phone": "took_file", "professional_id": "kept_clinic"}


@pytest.mark.parametrize("bogus", ["²", "-1", "abc", "1e3", " 1", "9" * 40, ""])
def test_a_bogus_conflict_id_changes_nothing(staff_client, job, bogus):
    response = staff_client.post(f"/import/jobs/{job.pk}/conflicts/take-file/", {"conflict": bogus})
    assert response.status_code == 302
    assert set(ImportConflict.objects.values_list("resolution", flat=True)) == {"kept_clinic"}


def test_another_jobs_conflict_cannot_be_taken_through_this_job(
    staff_client, job, other_clinic, staff_user
):
    elsewhere = ImportJob.objects.create(
        clinic=other_clinic, created_by=staff_user, original_name="b.dpm", status="succeeded"
    )
    theirs = ImportConflict.objects.get(field="phone")
    ImportConflict.objects.filter(pk=theirs.pk).update(job=elsewhere, clinic=other_clinic)
    response = staff_client.post(
        f"/import/jobs/{job.pk}/conflicts/take-file/", {"conflict": [theirs.pk]}
    )
    assert "Nothing was changed" in staff_client.get(response.url).content.decode()
    theirs.refresh_from_db()
    assert theirs.resolution == "kept_clinic"


def test_taking_needs_a_post_and_a_real_import(staff_client, job):
    url = f"/import/jobs/{job.pk}/conflicts/take-file/"
    assert staff_client.get(url).status_code == 405
    ImportJob.objects.filter(pk=job.pk).update(dry_run=True)
    conflict = ImportConflict.objects.get(field="phone")
    response = staff_client.post(url, {"conflict": [conflict.pk]})
    assert "A trial run saved nothing" in staff_client.get(response.url).content.decode()
    conflict.refresh_from_db()
    assert conflict.resolution == "kept_clinic"


def test_conflicts_come_fifty_to_a_page(staff_client, job, clinic):
    model = ImportConflict.objects.get(field="phone")
    ImportConflict.objects.bulk_create(
        [
            ImportConflict(
                job=job,
                clinic=clinic,
                entity_type="patient",
                canonical_uuid=model.canonical_uuid,
                source_id="2",
                target_table=model.target_table,
                target_id=model.target_id,
                field="email",
                value_at_import=sealed(f"a{n}@x.test"),
                clinic_value=sealed(f"b{n}@x.test"),
                file_value=sealed(f"c{n}@x.test"),
                resolution="kept_clinic",
            )
            for n in range(60)
        ]
    )
    first = staff_client.get(f"/import/jobs/{job.pk}/conflicts/?field=email").content.decode()
    assert "page 1 of 2" in first and first.split("<tbody>")[1].count("<tr") == 50
    second = staff_client.get(
        f"/import/jobs/{job.pk}/conflicts/?field=email&page=2"
    ).content.decode()
    assert second.split("<tbody>")[1].count("<tr") == 10 and "e-mail" in second
    csv_text = staff_client.get(f"/import/jobs/{job.pk}/conflicts.csv?field=email").content
    assert len(list(csv.reader(io.StringIO(csv_text.decode().lstrip("\ufeff"))))) == 61


def test_taking_a_value_needs_the_pages_csrf_token(job, staff_user):
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(staff_user)
    conflict = ImportConflict.objects.get(field="phone")
    url = f"/import/jobs/{job.pk}/conflicts/take-file/"
    assert guarded.post(url, {"conflict": [conflict.pk]}).status_code == 403
    conflict.refresh_from_db()
    assert conflict.resolution == "kept_clinic"
    page = guarded.get(f"/import/jobs/{job.pk}/conflicts/")
    token = page.cookies["csrftoken"].value
    guarded.post(url, {"conflict": [conflict.pk], "csrfmiddlewaretoken": token})
    conflict.refresh_from_db()
    assert conflict.resolution == "took_file"


def test_no_file_value_is_taken_once_the_cutover_is_undone(staff_client, clinic, tmp_path):
    job, patient, conflict = go_live_with_a_conflict(clinic, tmp_path)
    undo.undo_job(job=job)
    images = RowUpdate.objects.filter(job=job).count()
    url = f"/import/jobs/{job.pk}/conflicts/"
    page = staff_client.get(url).content.decode()
    assert 'name="conflict"' not in page and "This import was undone" in page
    for posted in ({"every": "1", "field": "phone"}, {"conflict": [conflict.pk]}):
        answer = staff_client.post(f"{url}take-file/", posted, HTTP_ACCEPT_LANGUAGE="es")
        shown = staff_client.get(answer.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "Esta importación se deshizo" in shown
    with scope(clinic=clinic):
        patient.refresh_from_db()
    assert patient.phone == "600000000"
    assert RowUpdate.objects.filter(job=job).count() == images
    conflict.refresh_from_db()
    assert conflict.resolution == "kept_clinic"


def test_no_file_value_is_taken_before_the_import_has_run(staff_client, job):
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    conflict = ImportConflict.objects.get(field="phone")
    url = f"/import/jobs/{job.pk}/conflicts/"
    assert 'name="conflict"' not in staff_client.get(url).content.decode()
    response = staff_client.post(f"{url}take-file/", {"conflict": [conflict.pk]})
    assert "has not ended yet" in staff_client.get(response.url).content.decode()
    conflict.refresh_from_db()
    assert conflict.resolution == "kept_clinic"


@pytest.mark.django_db(transaction=True)
def test_no_file_value_is_taken_while_another_import_of_the_clinic_runs(
    started, staff_client, clinic, tmp_path
):
    job, patient, conflict = go_live_with_a_conflict(clinic, tmp_path)
    other = ImportJob.objects.create(clinic=clinic, status="running")
    started.lock_holder(other)
    url = f"/import/jobs/{job.pk}/conflicts/take-file/"
    response = staff_client.post(url, {"conflict": [conflict.pk]})
    assert (
        "another import of this clinic is still running"
        in staff_client.get(response.url).content.decode()
    )
    with scope(clinic=clinic):
        patient.refresh_from_db()
    assert patient.phone == "600000000"
