"""A row the database refuses fails alone; the rest of its chunk is imported."""

from collections import Counter

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.loader.chunks import ChunkWriter
from dentalpin_import.mapping.base import MappingWarning
from dentalpin_import.mapping.consents import ConsentMapper
from dentalpin_import.mapping.patients import PatientMapper
from dentalpin_import.models import EntityMapping, ImportWarning
from dentalpin_import.reader.records import SourcePatient
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.consistency.snapshot import assert_same_content, snapshot
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
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 0,
        "failed": 1,
        "skipped": 0,
    }
    failure = ImportWarning.objects.get(code="row.failed", entity_type="patient")
    assert failure.source_id == "2"
    with scope(clinic=clinic):
        assert sorted(Patient.objects.values_list("given_name", flat=True)) == [
            "Paciente1",
            "Sin nombre",
        ]
    assert not EntityMapping.objects.filter(canonical_uuid=b.uid("patient", 2)).exists()
    monkeypatch.setattr(PatientMapper, "map", original)
    status, out2, again = run_import(
        b.small_clinic(tmp_path, name="again"), clinic.slug, report=tmp_path / "r2.json"
    )
    assert status == 0, out2
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
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 0,
        "failed": 4,
        "skipped": 0,
    }
    assert report["reconciliation"]["adds_up"] is True
    assert sorted(
        ImportWarning.objects.filter(entity_type="patient").values_list("source_id", "code")
    ) == [
        ("2", "row.failed"),
        ("3", "row.failed"),
        ("4", "patient.odd"),
        ("5", "row.failed"),
    ]


class _Undo(Exception):
    """Rolls back an import, so the same clinic can import the same file again."""


def clinic_after_import(tmp_path, clinic, path, name) -> dict:
    """The clinic's content after importing `path`, then rolled back."""
    with pytest.raises(_Undo), transaction.atomic():
        status, out, _ = run_import(path, clinic.slug, report=tmp_path / f"{name}.json")
        assert status == 0, out
        content = snapshot(clinic)
        raise _Undo
    return content


@pytest.mark.django_db
def test_row_by_row_saves_counts_and_warns_exactly_as_the_whole_chunk_does(
    tmp_path, clinic, monkeypatch, settings
):
    """Every chunk refused whole and redone row by row gives the very same clinic and report."""
    settings.DPMF_CHUNK_SIZE = 25  # several chunks per type
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=5, binaries=False)
    whole = clinic_after_import(tmp_path, clinic, sample.path, "whole")

    refused = Counter()
    original = ChunkWriter.save

    def refusing_whole_chunks(self, outcomes, markers, saved=None):
        if saved is None and len(outcomes) + len(markers) > 1:  # the fast path
            refused[self.entity] += 1
            raise IntegrityError("the whole chunk is refused")
        return original(self, outcomes, markers, saved)

    monkeypatch.setattr(ChunkWriter, "save", refusing_whole_chunks)
    by_row = clinic_after_import(tmp_path, clinic, sample.path, "by row")
    assert {"patient", "appointment", "payment", "budget_line"} <= set(refused)
    assert sum(refused.values()) > 40
    assert_same_content(whole, by_row, names=("whole chunks", "row by row"))


def nested_list(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mapper, poison, error",
    [
        (PatientMapper, dict(given_name="Ana\ud800"), "UnicodeEncodeError"),  # no driver encodes it
        (ConsentMapper, dict(source_extra=nested_list(5000)), "RecursionError"),  # json.dumps
    ],
    ids=["lone surrogate", "JSON nested 5,000 deep"],
)
def test_an_error_at_insert_that_is_not_the_database_s_fails_its_row_alone(
    tmp_path, clinic, monkeypatch, mapper, poison, error
):
    """Not a DatabaseError, yet about the row: the chunk goes row by row all the same."""
    original = mapper.map

    def map_with_a_value_no_database_takes(self, record, ctx):
        row = original(self, record, ctx)
        if record.source_id == "2":
            row.__dict__.update(poison)  # past every rule of the reader, as a mapper bug would
        return row

    monkeypatch.setattr(mapper, "map", map_with_a_value_no_database_takes)
    rows = b.small_clinic_rows() + [
        b.row("consent", 2, patient_uuid=b.uid("patient", 2), title="Consentimiento"),
        b.row("consent", 3, patient_uuid=b.uid("patient", 1), title="Otro"),
    ]
    status, out, report = run_import(
        b.build(tmp_path, rows), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    entity = mapper.entity
    assert report["entities"][entity]["created"] == report["entities"][entity]["in_file"] - 1
    assert report["entities"][entity]["failed"] == 1
    [failure] = ImportWarning.objects.filter(code="row.failed", entity_type=entity)
    assert failure.source_id == "2"
    assert failure.message == (
        f"This row could not be saved ({error}); the rest of the import went on."
    )
    assert report["reconciliation"]["adds_up"] is True
