"""The pre-flight check names what will not import, with counts and examples."""

import pytest

from dentalpin_import.jobs.preflight import preflight
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.sample.writer import EntityRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def problems_of(path, tmp_path, clinic=None):
    with open_dpmf(path, tmp_dir=str(tmp_path)) as container:
        return {(p.kind, p.entity_type, p.field): p for p in preflight(container, clinic=clinic)}


def file_with_problems(tmp_path):
    rows = b.small_clinic_rows() + [
        *(b.appointment(f"x{i}", 404 + i, 1) for i in range(12)),  # 12 dangling patients
        b.row(
            "appointment",
            "nodate",
            patient_uuid=b.uid("patient", 1),
            professional_uuid=b.uid("professional", 1),
        ),
        b.row("payment", "noamount", client_uuid=b.uid("client", 1)),
    ]
    # a duplicated source id under another canonical id, as broken extractors write
    twin = b.patient(1)
    rows.append(
        EntityRow(
            "patient",
            "1",
            twin.payload,
            twin.raw_source_data,
            canonical_uuid=b.uid("patient", "twin-of-1"),
        )
    )
    path = b.build(tmp_path, rows, name="problems")
    return path


def test_dangling_references_missing_fields_and_duplicates_are_counted(tmp_path):
    found = problems_of(file_with_problems(tmp_path), tmp_path)
    dangling = found[("dangling_reference", "appointment", "patient_uuid")]
    assert dangling.count == 12 and len(dangling.examples) == 10
    assert dangling.examples[0].startswith("x")
    assert found[("missing_field", "appointment", "scheduled_date")].examples == ["nodate"]
    assert found[("missing_field", "payment", "amount")].count == 1
    assert found[("duplicate_source_id", "patient", "source_id")].examples == ["1"]
    assert "12 appointment rows point at a patient that is not in the file" in dangling.text


def test_a_clean_file_has_no_problems(tmp_path):
    rows = [
        b.professional(1),
        b.client(1),
        b.patient(1, client_sid=1),
        b.link(1, 1, 1),
        b.appointment(1, 1, 1),
    ]
    assert problems_of(b.build(tmp_path, rows), tmp_path) == {}


@pytest.mark.django_db
def test_rows_already_in_the_clinic_count_as_resolvable(tmp_path, clinic):
    run_import(b.small_clinic(tmp_path), clinic.slug)
    later = b.build(tmp_path, [b.appointment(50, 1, 1)], name="later")
    assert ("dangling_reference", "appointment", "patient_uuid") in problems_of(later, tmp_path)
    assert problems_of(later, tmp_path, clinic=clinic) == {}


@pytest.mark.django_db
def test_the_command_shows_the_preflight_and_still_imports(tmp_path, clinic):
    status, out, report = run_import(
        file_with_problems(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0
    assert "Pre-flight check: " in out and "point at a patient that is not in the file" in out
    assert report["entities"]["appointment"]["created"] == 2
