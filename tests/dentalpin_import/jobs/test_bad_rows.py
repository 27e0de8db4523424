"""A row the database refuses fails alone; the rest of its chunk is imported."""

import pytest
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.mapping.patients import PatientMapper
from dentalpin_import.models import EntityMapping, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


@pytest.mark.django_db
def test_a_row_the_database_refuses_fails_alone(tmp_path, clinic, monkeypatch):
    original = PatientMapper.map

    def map_with_one_bad_row(self, record, ctx):
        patient = original(self, record, ctx)
        if record.source_id == "2":
            patient.given_name = None  # NOT NULL: every database refuses it
        return patient

    monkeypatch.setattr(PatientMapper, "map", map_with_one_bad_row)
    status, out, report = run_import(
        b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    assert report["entities"]["patient"] == {
        "in_file": 3,
        "created": 2,
        "already_mapped": 0,
        "raw": 0,
        "failed": 1,
    }
    failure = ImportWarning.objects.get(code="mapper.failed", entity_type="patient")
    assert failure.source_id == "2"
    with scope(clinic=clinic):
        assert sorted(Patient.objects.values_list("given_name", flat=True)) == [
            "Paciente1",
            "Sin nombre",
        ]
    assert not EntityMapping.objects.filter(canonical_uuid=b.uid("patient", 2)).exists()
    monkeypatch.setattr(PatientMapper, "map", original)
    status, _, again = run_import(
        b.small_clinic(tmp_path, name="again"), clinic.slug, report=tmp_path / "r2.json"
    )
    assert again["entities"]["patient"]["created"] == 1  # the failed row is retried, and lands
