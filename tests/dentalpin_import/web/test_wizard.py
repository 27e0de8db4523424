"""The staff wizard end to end with the Django test client and in-process background runs."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import dispatch, services
from dentalpin_import.models import ImportJob, ImportWarning
from tests import dpmf_builder as b
from tests.factories.clinics import MembershipFactory, UserFactory


def upload(client, path, passphrase=""):
    with open(path, "rb") as fh:
        data = io.BytesIO(fh.read())
    data.name = path.name
    return client.post("/import/new/", {"file": data, "passphrase": passphrase})


def run_to_the_end(client, job):
    assert client.post(f"/import/jobs/{job.pk}/preview/").status_code == 302
    started = client.post(f"/import/jobs/{job.pk}/confirm/", {})
    assert started.status_code == 200
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    return started


@pytest.mark.django_db(transaction=True)
def test_wrong_passphrase_then_right_one_then_preview_confirm_and_report(
    staff_client, clinic, tmp_path
):
    path = b.small_clinic(tmp_path, layer="zstd-enc")
    response = upload(staff_client, path, "wrong passphrase")
    job = ImportJob.objects.get()
    assert response.url == f"/import/jobs/{job.pk}/validate/"
    page = staff_client.get(response.url).content.decode()
    assert "decryption failed: wrong passphrase or corrupted file" in page
    assert 'name="passphrase"' in page
    staff_client.post(response.url, {"passphrase": b.PASSPHRASE})
    job.refresh_from_db()
    assert job.status == "validated" and job.options["rewrapped"]
    page = staff_client.get(response.url).content.decode()
    assert "integrity hash" in page and job.meta["integrity_hash_computed"] in page
    preview = staff_client.get(f"/import/jobs/{job.pk}/preview/").content.decode()
    assert "Clínica Alba" in preview and 'data-type="patient" class="count">3<' in preview
    started = run_to_the_end(staff_client, job)
    assert "dpa_" in started.content.decode()  # the agent token, shown once
    assert job.status == "succeeded"
    report = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "100 %" in report and "Reconciliation" in report
    with scope(clinic=clinic):
        assert Patient.objects.count() == 3
    staged = services.staging_dir(job)
    assert [p.name for p in staged.iterdir()] == ["validated.dpmr"]
    assert b.PASSPHRASE.encode() not in (staged / "validated.dpmr").read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_second_confirm_does_not_run_the_job_twice(staff_client, clinic, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    run_to_the_end(staff_client, job)
    again = staff_client.post(f"/import/jobs/{job.pk}/confirm/", {})
    dispatch.wait_for_background_jobs()
    assert again.status_code == 302
    with scope(clinic=clinic):
        assert Patient.objects.count() == 3


@pytest.mark.django_db
def test_bad_files_are_refused_with_a_clear_message(staff_client, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    page = upload(staff_client, bad).content.decode()
    assert "Choose a DPMF export" in page
    fake = tmp_path / "fake.dpm"
    fake.write_bytes(b"not sqlite at all")
    response = upload(staff_client, fake)
    page = staff_client.get(response.url).content.decode()
    assert "not a DPMF file (magic 6e 6f 74 20)" in page
    assert ImportJob.objects.get().status == "failed"


@pytest.mark.django_db
def test_members_without_the_import_permission_get_403_and_strangers_404(
    client, clinic, tmp_path, staff_client, other_staff_user
):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    dentist = UserFactory(username="dentist")
    MembershipFactory(user=dentist, clinic=clinic, role="dentist")
    client.force_login(dentist)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/new/").status_code == 403
    client.force_login(other_staff_user)
    for suffix in (
        "",
        "validate/",
        "preview/",
        "confirm/",
        "progress/",
        "warnings/",
        "warnings.csv",
    ):
        assert client.get(f"/import/jobs/{job.pk}/{suffix}").status_code == 404, suffix
    client.logout()
    assert client.get("/import/new/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_warnings_filter_page_and_csv_by_source_ids(staff_client, tmp_path):
    rows = b.small_clinic_rows() + [b.appointment(f"g{i}", 900 + i, 1) for i in range(60)]
    upload(staff_client, b.build(tmp_path, rows))
    job = ImportJob.objects.get()
    run_to_the_end(staff_client, job)
    url = f"/import/jobs/{job.pk}/warnings/"
    page = staff_client.get(url, {"code": "appointment.unmapped_actor"}).content.decode()
    assert "page 1 of 2" in page and "g0" in page
    assert "verifactu.opt_out" not in page.split("<tbody>")[1]
    csv_text = staff_client.get(
        f"/import/jobs/{job.pk}/warnings.csv", {"severity": "warn"}
    ).content.decode()
    assert csv_text.splitlines()[0].startswith("entity_type,source_id,canonical_uuid")
    assert ",g59," in csv_text
    assert ImportWarning.objects.filter(job=job, severity="warn").count() == (
        len(csv_text.splitlines()) - 1
    )


@pytest.mark.django_db(transaction=True)
def test_a_stalled_job_is_marked_interrupted_and_resume_finishes_it(staff_client, clinic, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    job.transition_to("queued")
    job.transition_to(
        "running",
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
        started_at=timezone.now() - dt.timedelta(hours=1),
    )
    page = staff_client.get("/import/").content.decode()
    job.refresh_from_db()
    assert job.status == "interrupted" and "Interrupted" in page
    staff_client.post(f"/import/jobs/{job.pk}/resume/")
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "succeeded"
    with scope(clinic=clinic):
        assert Patient.objects.count() == 3
