"""Pages and downloads with patient data are never stored by a browser or a proxy."""

import pytest

from dentalpin_import.models import ImportJob


def never_stored(response) -> bool:
    policy = {p.strip() for p in response["Cache-Control"].split(",")}
    return {"no-store", "private"} <= policy


@pytest.mark.django_db
def test_job_pages_and_downloads_are_no_store(staff_client, clinic):
    job = ImportJob.objects.create(clinic=clinic, status="succeeded")
    for url in (
        "/import/",
        f"/import/jobs/{job.pk}/",
        f"/import/jobs/{job.pk}/warnings/",
        f"/import/jobs/{job.pk}/warnings.csv",
        f"/import/jobs/{job.pk}/report.json",
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert never_stored(response), (url, response["Cache-Control"])


@pytest.mark.django_db
def test_refusals_and_the_login_page_are_no_store_too(client):
    assert never_stored(client.get("/import/"))  # a redirect to the login page
    assert never_stored(client.get("/accounts/login/"))
