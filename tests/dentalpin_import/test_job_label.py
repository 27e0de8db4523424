"""An import is named, in the admin's lists and filters, by its file, its upload time and its
status in the reader's language: not by the clinic's internal number or a status code."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from dentalpin_import.models import ImportJob

pytestmark = pytest.mark.django_db


def test_label_names_file_time_and_status_in_words(clinic):
    job = ImportJob.objects.create(clinic=clinic, status="succeeded", original_name="alba.dpm")
    job.created_at = timezone.make_aware(dt.datetime(2026, 3, 4, 9, 5))
    with translation.override("en"):
        assert str(job) == "alba.dpm · 2026-03-04 09:05 (Succeeded)"
    with translation.override("es"):
        label = str(job)
    assert label.startswith("alba.dpm · 2026-03-04 09:05 (")
    assert "ucceeded" not in label  # the status in Spanish words
    assert str(clinic.pk) not in label.split("·")[0]


def test_label_of_a_job_without_a_name_or_time(clinic):
    job = ImportJob(clinic=clinic, status="uploaded")
    with translation.override("en"):
        assert str(job) == f"{job.id} (Uploaded)"
