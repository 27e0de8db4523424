"""A row the database refuses fails alone; the rest of its chunk is imported."""

import pytest
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.mapping.base import MappingWarning
from dentalpin_import.mapping.patients import PatientMapper
from dentalpin_import.models import EntityMapping, ImportWarning
from dentalpin_import.reader.records import SourcePatient
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


@pytest.mark.django_db
def test_other_bad_rows_of_a_refused_chunk_are_counted_and_warned_once(
    tmp_path, clinic, monkeypatch
):
    """The chunk is mapped again row by row; its earlier failures must not count twice."""
    original_map = PatientMapper.map
    original_typing = SourcePatient.from_row.__func__

    def typing(cls, row):
        if row.source_id == "5":
            raise ValueError("untypable row")
        return original_typing(cls, row)

    def mapping(self, record, ctx):
        if record.source_id == "3":
            raise RuntimeError("mapper bug")
        if record.source_id == "4":
            raise MappingWarning("patient.odd", "odd row, skipped")
        patient = original_map(self, record, ctx)
        if record.source_id == "2":
            patient.given_name = None  # refused by the database: the chunk goes row by row
        return patient

    monkeypatch.setattr(SourcePatient, "from_row", classmethod(typing))
    monkeypatch.setattr(PatientMapper, "map", mapping)
    rows = [b.professional(1), b.client(1)] + [b.patient(i, client_sid=1) for i in range(1, 7)]
    status, out, report = run_import(
        b.build(tmp_path, rows), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    # Rows 2, 3 and 5 failed, row 4 was skipped (reported as failed), 1 and 6 landed.
    assert report["entities"]["patient"] == {
        "in_file": 6,
        "created": 2,
        "already_mapped": 0,
        "raw": 0,
        "failed": 4,
    }
    assert report["reconciliation"]["adds_up"] is True
    assert sorted(
        ImportWarning.objects.filter(entity_type="patient").values_list("source_id", "code")
    ) == [
        ("2", "mapper.failed"),
        ("3", "mapper.failed"),
        ("4", "patient.odd"),
        ("5", "mapper.failed"),
    ]
