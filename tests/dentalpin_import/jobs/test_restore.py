"""Undo of a cutover puts back each row's and each mapping's oldest before-image, batch or not."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.jobs import restore
from dentalpin_import.loader.changes import json_text, models_by_table
from dentalpin_import.models import EntityMapping, ImportJob, RowUpdate
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

pytestmark = pytest.mark.django_db

FOUND_AT = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def job(tmp_path, clinic):
    status, out, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


def image(job, patient, mapping, before: dict, found_at=None, digest="") -> RowUpdate:
    return RowUpdate.objects.create(
        job=job,
        clinic=job.clinic,
        entity_type="patient",
        canonical_uuid=mapping.canonical_uuid,
        target_table="clinics_patient",
        target_id=str(patient.pk),
        before=json_text(before),
        after="{}",
        mapping_id=mapping.pk,
        mapping_digest=digest,
        row_updated_at=found_at,
    )


@pytest.mark.parametrize("per_batch", [500, 1], ids=["one batch", "a batch each"])
def test_a_row_written_twice_gets_its_oldest_image_back(job, monkeypatch, per_batch):
    monkeypatch.setattr(restore, "IN_LIST", per_batch)
    with scopes_disabled():
        first, second = Patient.objects.filter(clinic=job.clinic).order_by("pk")[:2]
    mappings = {
        m.target_id: m
        for m in EntityMapping.objects.filter(job=job, entity_type="patient", created_row=True)
    }
    one, two = mappings[str(first.pk)], mappings[str(second.pk)]
    # Oldest first, as the cutover wrote them; undo reads them newest first.
    image(job, first, one, {"phone": "600000001", "notes": "older"}, FOUND_AT, digest="d-old")
    image(job, first, one, {"phone": "600000002"}, None, digest="d-new")
    image(job, second, two, {"notes": "only one"}, None, digest="d-two")
    started = timezone.now()
    restore.restore(job, models_by_table())
    with scopes_disabled():
        first.refresh_from_db()
        second.refresh_from_db()
    assert (first.phone, first.notes, first.updated_at) == ("600000001", "older", FOUND_AT)
    assert second.notes == "only one" and second.updated_at >= started  # no time kept: now
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.source_digest, two.source_digest) == ("d-old", "d-two")
