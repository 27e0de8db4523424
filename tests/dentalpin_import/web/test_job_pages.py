"""Job pages show the report and binaries; another clinic's staff cannot see them."""

import pytest

from dentalpin_import.jobs import liveness
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


@pytest.fixture
def job(tmp_path, clinic):
    _, _, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json")
    return ImportJob.objects.get(pk=report["job_id"])


@pytest.mark.django_db
def test_the_job_page_shows_counts_binaries_and_reconciliation(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "0 received of 2 expected (1 waiting for the sync agent, 1 unreadable" in page
    assert "patient" in page and "190.00" in page


@pytest.mark.django_db
def test_another_clinics_staff_gets_404_and_anonymous_users_the_login(
    client, job, other_staff_user
):
    assert client.get(f"/import/jobs/{job.pk}/").status_code == 302
    client.force_login(other_staff_user)
    assert client.get(f"/import/jobs/{job.pk}/").status_code == 404
    assert str(job.pk) not in client.get("/import/").content.decode()


@pytest.mark.django_db
def test_the_polled_progress_reloads_the_page_when_the_run_ends_so_the_report_appears(
    staff_client, job
):
    url = f"/import/jobs/{job.pk}/progress/"
    polled = staff_client.get(url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true" and "100 %" in polled.content.decode()
    assert "HX-Refresh" not in staff_client.get(url).headers
    # A running job with a live process (one holding its clinic's import lock) polls on.
    with liveness.holding(job.clinic, job):
        ImportJob.objects.filter(pk=job.pk).update(status="running")
        assert "HX-Refresh" not in staff_client.get(url, headers={"HX-Request": "true"}).headers
