"""One time zone on every page: the clinic's, said at the foot of the page."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from dentalpin_import.models import ImportJob
from dentalpin_import.templatetags.clock import when

pytestmark = pytest.mark.django_db


def test_the_phase_log_and_the_job_list_show_the_clinics_local_time(staff_client, clinic):
    clinic.timezone = "America/Mexico_City"  # UTC-6, no summer time
    clinic.save()
    job = ImportJob.objects.create(
        clinic=clinic,
        status="succeeded",
        original_name="zona.dpm",
        phase_log=[{"phase": "patient", "at": "2026-01-10T15:04:05+00:00", "processed": 3}],
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=datetime(2026, 1, 10, 15, 0, tzinfo=UTC))
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "2026-01-10 09:04:05" in page and "15:04:05" not in page
    assert "Times are shown in the clinic's time zone (America/Mexico_City)." in page
    listing = staff_client.get("/import/").content.decode()
    assert "2026-01-10 09:00" in listing


def test_a_clinic_with_an_unknown_zone_falls_back_to_the_sites_and_says_which(
    staff_client, clinic, settings
):
    clinic.timezone = "Mars/Olympus_Mons"
    clinic.save()
    page = staff_client.get("/import/").content.decode()
    assert f"({settings.TIME_ZONE})" in page


def test_moments_without_a_zone_are_utc_and_other_text_is_kept():
    with timezone.override("Europe/Madrid"):
        assert when("2026-07-01T10:00:00") == "2026-07-01 12:00"
        assert when("2026-07-01T10:00:00+00:00", "seconds") == "2026-07-01 12:00:00"
        assert when("not a moment") == "not a moment"
        assert when(None) == ""
