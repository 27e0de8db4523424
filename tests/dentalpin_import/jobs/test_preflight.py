"""The pre-flight check names what will not import, with counts and examples."""

import random
import sqlite3

import pytest

from dentalpin_import.jobs.preflight import preflight
from dentalpin_import.models import EntityMapping, ImportJob
from dentalpin_import.reader import errors as E
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.sample.writer import EntityRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.reader import damage as D


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
def test_every_reference_to_a_row_already_in_the_clinic_is_looked_up(
    tmp_path, clinic, old_sqlite_limits
):
    # A follow-up file can point at more of the clinic's rows than one look-up holds.
    many = 12_000
    job = ImportJob.objects.create(clinic=clinic, status="succeeded")
    EntityMapping.objects.bulk_create(
        EntityMapping(
            clinic=clinic,
            job=job,
            source_system=b.SYSTEM,
            entity_type="patient",
            canonical_uuid=b.uid("patient", i),
            target_table="clinics_patient",
            target_id=str(i + 1),
        )
        for i in range(many)
    )
    rows = [b.professional(1)] + [b.appointment(i, i, 1) for i in range(many + 3)]
    later = b.build(tmp_path, rows, name="later")
    dangling = problems_of(later, tmp_path, clinic=clinic)
    assert list(dangling) == [("dangling_reference", "appointment", "patient_uuid")]
    assert dangling[("dangling_reference", "appointment", "patient_uuid")].count == 3
    del rows[-3:]
    later = b.build(tmp_path, rows, name="later-clean")
    assert problems_of(later, tmp_path, clinic=clinic) == {}


@pytest.mark.django_db
def test_the_command_shows_the_preflight_and_still_imports(tmp_path, clinic):
    status, out, report = run_import(
        file_with_problems(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0
    assert "Pre-flight check: " in out and "point at a patient that is not in the file" in out
    assert report["entities"]["appointment"]["created"] == 2


def container_with(tmp_path, edit, name="edited"):
    """The small clinic with `edit` applied to its SQLite file and the hash made to match."""
    plain = b.small_clinic(tmp_path, name=f"{name}-base").read_bytes()
    path = tmp_path / f"{name}.dpm"
    path.write_bytes(D.edit_sql(random.Random(1), plain, edit, rehash=True))
    return path


def twin_patients(conn, rng):
    """Patient 1 twice under one canonical id (a table without its primary key allows it)."""
    conn.executescript(
        "CREATE TABLE copy AS SELECT * FROM patient; DROP TABLE patient; "
        "ALTER TABLE copy RENAME TO patient; "
        "INSERT INTO patient SELECT canonical_uuid, 'twin-1', source_system, payload, "
        "raw_source_data, extracted_at FROM patient WHERE source_id = '1';"
        "UPDATE patient SET canonical_uuid = NULL WHERE source_id = '3';"
    )


def test_shared_and_missing_canonical_ids_are_problems_with_source_id_examples(tmp_path):
    found = problems_of(container_with(tmp_path, twin_patients), tmp_path)
    shared = found[("duplicate_canonical_id", "patient", "canonical_uuid")]
    assert shared.count == 1 and sorted(shared.examples) == ["1", "twin-1"]
    assert shared.text == "1 patient canonical ids are shared by more than one row"
    missing = found[("missing_canonical_id", "patient", "canonical_uuid")]
    assert missing.count == 1 and missing.examples == ["3"]


def hostile_payloads(conn, rng):
    conn.execute(
        "UPDATE appointment SET payload = ? WHERE source_id = '1'",
        ('{"patient_uuid": "a\\u0000b", "professional_uuid": 5}',),
    )
    conn.execute("UPDATE appointment SET payload = x'7b7d' WHERE source_id = '2'")
    conn.execute("UPDATE payment SET payload = '{\"amount\": ' WHERE source_id = '1'")
    conn.execute("UPDATE payment SET payload = ? WHERE source_id = '2'", ("[" * 3000 + "]" * 3000,))
    conn.execute("UPDATE payment SET source_id = ? WHERE source_id = '3'", ("p\x003",))


@pytest.mark.django_db
def test_payloads_that_are_not_json_objects_never_reach_a_json_function(tmp_path, clinic):
    path = container_with(tmp_path, hostile_payloads)
    found = problems_of(path, tmp_path, clinic=clinic)  # the clinic's look-up gets the NUL id
    dangling = found[("dangling_reference", "appointment", "patient_uuid")]
    assert dangling.examples == ["1"]
    missing = found[("missing_field", "appointment", "patient_uuid")]
    assert missing.examples == ["2"]  # a BLOB payload has no fields
    assert sorted(found[("missing_field", "payment", "amount")].examples) == ["1", "2"]
    assert all("\x00" not in e for p in found.values() for e in p.examples)


def test_a_damaged_container_is_a_refusal_in_the_preflight_too(tmp_path):
    path = b.small_clinic(tmp_path)
    with sqlite3.connect(path) as conn:
        sql = "SELECT rootpage FROM sqlite_master WHERE name = 'appointment'"
        (root,) = conn.execute(sql).fetchone()
    plain = path.read_bytes()
    damaged = tmp_path / "damaged.dpm"
    start = (root - 1) * D.PAGE  # the appointment table's page, zeroed
    damaged.write_bytes(plain[:start] + bytes(D.PAGE) + plain[start + D.PAGE :])
    # Unverified, as a helper process opens it: the damage is met by the check's own queries.
    with open_dpmf(damaged, tmp_dir=str(tmp_path), verify=False) as container:
        with pytest.raises(ReadError) as info:
            preflight(container)
    assert info.value.code == E.CORRUPT_DATABASE


def keyless_patients(conn, rng):
    """Patients 2 and 3 lose their canonical ids: one NULL, one empty."""
    conn.executescript(
        "CREATE TABLE copy AS SELECT * FROM patient; DROP TABLE patient; "
        "ALTER TABLE copy RENAME TO patient; "
        "UPDATE patient SET canonical_uuid = NULL WHERE source_id = '2';"
        "UPDATE patient SET canonical_uuid = '' WHERE source_id = '3';"
    )


@pytest.mark.django_db
def test_rows_without_a_canonical_id_fail_one_warning_each_and_the_figures_add_up(tmp_path, clinic):
    from dentalpin_import.models import ImportWarning

    path = container_with(tmp_path, keyless_patients)
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    patients = report["entities"]["patient"]
    assert patients["in_file"] == 3 and patients["created"] == 1 and patients["failed"] == 2
    assert report["reconciliation"]["adds_up"] is True
    warned = ImportWarning.objects.filter(code="row.missing_canonical_id")
    assert sorted(warned.values_list("source_id", flat=True)) == ["2", "3"]
    # Run again (a new job: the first one finished): the same two rows fail again, once each.
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert report["entities"]["patient"]["failed"] == 2
    assert warned.count() == 4


def unusable_ids(conn, rng):
    """Patient 2's id too long for the clinic database, patient 3's with a control character."""
    conn.executescript(
        "CREATE TABLE copy AS SELECT * FROM patient; DROP TABLE patient; "
        "ALTER TABLE copy RENAME TO patient; "
        f"UPDATE patient SET canonical_uuid = '{'a' * 70}' WHERE source_id = '2';"
        "UPDATE patient SET canonical_uuid = 'b' || char(7) || 'c' WHERE source_id = '3';"
    )


@pytest.mark.django_db
def test_ids_the_import_cannot_use_are_problems_before_it_and_failed_rows_in_it(tmp_path, clinic):
    path = container_with(tmp_path, unusable_ids)
    found = problems_of(path, tmp_path)[("missing_canonical_id", "patient", "canonical_uuid")]
    assert found.count == 2 and sorted(found.examples) == ["2", "3"]
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert report["entities"]["patient"]["failed"] == 2
