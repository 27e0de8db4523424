"""The staff wizard end to end with the Django test client and in-process background runs."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import dispatch, services
from dentalpin_import.models import ImportJob, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload
from tests.factories.clinics import MembershipFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_wrong_passphrase_then_right_one_then_preview_confirm_and_report(
    staff_client, clinic, tmp_path
):
    path = b.small_clinic(tmp_path, layer="zstd-enc")
    response = upload(staff_client, path, "wrong passphrase")
    job = ImportJob.objects.get()
    assert response.url == f"/import/jobs/{job.pk}/validate/"
    page = staff_client.get(response.url).content.decode()
    assert "The passphrase does not open this file." in page
    assert "Type it again exactly as it was given" in page
    assert 'name="retry-passphrase"' in page
    assert 'data-check="passphrase" data-state="failed"' in page
    staff_client.post(response.url, {"retry-passphrase": b.PASSPHRASE, "retry": "1"})
    job.refresh_from_db()
    assert job.status == "validated" and job.options["rewrapped"]
    page = staff_client.get(response.url).content.decode()
    assert "The file passed every check: 21 records of 12 kinds are ready." in page
    # The hash and the cipher are there for whoever asks, folded away.
    technical = page[page.index('<details class="technical">') :]
    assert job.meta["integrity_hash_computed"] in technical and "AES-256-GCM" in technical
    assert "AES-256-GCM" not in page[: page.index('<details class="technical">')]
    for check in ("file_type", "passphrase", "complete", "contents", "unaltered"):
        assert f'data-check="{check}" data-state="passed"' in page
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
    again = step(staff_client, job, "confirm")
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
    ).content.decode("utf-8-sig")  # Excel's byte order mark first (web/spreadsheet.py)
    assert csv_text.splitlines()[0].startswith("record kind (code),source id,source key")
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


def wizard_sessions():
    """Every wizard storage in every stored session: {session key: {wizard key: data}}."""
    from django.contrib.sessions.models import Session

    found = {}
    for session in Session.objects.all():
        data = session.get_decoded()
        found.update({k: v for k, v in data.items() if k.startswith("wizard_")})
    return found


@pytest.mark.django_db(transaction=True)
def test_the_wizard_storage_holds_the_job_id_only_and_is_dropped_when_done(staff_client, tmp_path):
    from django.contrib.sessions.models import Session

    upload(staff_client, b.small_clinic(tmp_path, layer="enc"), b.PASSPHRASE)
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    step(staff_client, job, "preview")
    storage = wizard_sessions()[f"wizard_import_{job.pk}"]
    assert storage["extra_data"] == {"job_id": str(job.pk)}
    assert storage["step_files"] == {"validate": {}, "preview": {}}
    assert all(data == {} for data in storage["step_data"].values())
    raw = "".join(s.session_data for s in Session.objects.all())
    sessions = str([s.get_decoded() for s in Session.objects.all()])
    for secret in (b.PASSPHRASE, "Paciente1", "Clínica Alba", "upload.bin", "dpmr"):
        assert secret not in sessions and secret not in raw
    run_to_the_end_from_confirm = step(staff_client, job, "confirm")
    dispatch.wait_for_background_jobs()
    assert run_to_the_end_from_confirm.status_code == 200
    assert f"wizard_import_{job.pk}" not in wizard_sessions()


@pytest.mark.django_db(transaction=True)
def test_two_tabs_with_two_uploads_never_mix(staff_client, clinic, tmp_path):
    first = upload(staff_client, b.small_clinic(tmp_path))
    second = upload(staff_client, b.build(tmp_path, b.small_clinic_rows()[:5], name="other"))
    job_a = ImportJob.objects.get(pk=first.url.split("/")[3])
    job_b = ImportJob.objects.get(pk=second.url.split("/")[3])
    step(staff_client, job_a, "validate")
    step(staff_client, job_b, "validate")
    step(staff_client, job_a, "preview")
    # Tab B confirms without having passed its own preview: refused, nothing starts.
    refused = step(staff_client, job_b, "confirm")
    assert "Look at the preview and continue from there first." in refused.content.decode()
    job_b.refresh_from_db()
    assert job_b.status == "validated"
    step(staff_client, job_a, "confirm")
    dispatch.wait_for_background_jobs()
    job_a.refresh_from_db()
    job_b.refresh_from_db()
    assert (job_a.status, job_b.status) == ("succeeded", "validated")
    assert f"wizard_import_{job_b.pk}" in wizard_sessions()


@pytest.mark.django_db
def test_skipping_steps_or_a_get_on_confirm_starts_nothing(staff_client, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    assert staff_client.get(f"/import/jobs/{job.pk}/confirm/").status_code == 200
    skipped = step(staff_client, job, "confirm")
    assert "Look at the preview and continue from there first." in skipped.content.decode()
    # Even with the job previewed elsewhere, done() re-validates every step of THIS
    # wizard: the validate and preview steps were never submitted here.
    services.preview_job(job=job)
    skipped = step(staff_client, job, "confirm")
    assert skipped.status_code == 302 and skipped.url == f"/import/jobs/{job.pk}/validate/"
    job.refresh_from_db()
    assert job.status == "previewed"
    assert staff_client.get(f"/import/jobs/{job.pk}/wizard/").url.endswith("/validate/")


@pytest.mark.django_db
def test_a_member_who_may_upload_but_not_execute_cannot_confirm(client, clinic, tmp_path):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="clerk")
    member = MembershipFactory(user=user, clinic=clinic, role="dentist")
    member.permissions.add(*Permission.objects.filter(codename__in=["job_read", "job_write"]))
    client.force_login(user)
    upload(client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    step(client, job, "validate")
    step(client, job, "preview")
    assert step(client, job, "confirm").status_code == 403
    assert client.get(f"/import/jobs/{job.pk}/confirm/").status_code == 403
    # The step field as formtools reads it (stripped), posted to another step's address.
    for name in ("confirm ", " confirm", "confirm\n", "\tconfirm"):
        sneaked = client.post(
            f"/import/jobs/{job.pk}/preview/", {f"import_{job.pk}-current_step": name}
        )
        assert sneaked.status_code == 403, name
    job.refresh_from_db()
    assert job.status == "previewed"
    assert not job.agent_tokens.exists()
