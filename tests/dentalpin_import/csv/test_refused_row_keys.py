"""A refused row's key and a legacy id never meet, in one sheet or across runs.

An unusable row is keyed by its line. It used to be keyed `line 5`, which is also
the key of a patient whose legacy id is written `line 5`: that patient, further
down the sheet, was refused as "the same row again" and left out for good, and a
row refused on line 5 of a later sheet was previewed as that patient "changed since
an earlier run imported it". A refused row is now keyed `#line 5`, which no legacy
id gives (`sheet_rows.refused_key`); a legacy id keeps the key it always had.
"""

import pytest
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.jobs.sheet_rows import REFUSED, judge_rows
from dentalpin_import.models import EntityMapping, ImportJob
from dentalpin_import.reader.csv_sheets import SOURCE_SYSTEM
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.reader.sheet_source import read_sheet
from tests.dentalpin_import.csv.sheets import PATIENT_HEADER, patient, run, write

pytestmark = pytest.mark.django_db

REFUSED_ROW = patient("P9", "", "Sinnombre")  # no first name: refused


def imported(tmp_path, clinic, name, rows):
    path = write(tmp_path / name, [PATIENT_HEADER, *rows])
    status, out, report = run("import_patients", path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    codes = sorted(job.warnings.values_list("source_id", "code"))
    return report["entities"]["csv_patient"], codes


def patients(clinic) -> list[tuple[str, str]]:
    with scopes_disabled():
        return sorted(Patient.objects.filter(clinic=clinic).values_list("legacy_id", "given_name"))


def test_a_legacy_id_spelled_like_a_refused_rows_key_is_imported_after_it(tmp_path, clinic):
    counts, codes = imported(
        tmp_path, clinic, "a.csv", [REFUSED_ROW, patient("line 2", "Ana", "Lynn")]
    )
    assert (counts["created"], counts["failed"], counts["skipped"]) == (1, 1, 0)
    assert patients(clinic) == [("line 2", "Ana")]
    # Only the refused row is warned about, for its own reason, never as a repeat.
    assert codes == [("#line 2", "csv.missing_value")]


def test_a_refused_row_after_such_a_legacy_id_is_refused_for_its_own_reason(tmp_path, clinic):
    counts, codes = imported(
        tmp_path, clinic, "b.csv", [patient("line 3", "Ana", "Lynn"), REFUSED_ROW]
    )
    assert (counts["created"], counts["failed"]) == (1, 1)
    assert codes == [("#line 3", "csv.missing_value")]
    with scopes_disabled():
        job = ImportJob.objects.filter(clinic=clinic).latest("created_at")
        [warning] = job.warnings.all()
    assert "the same key appears" not in warning.message


def test_a_later_sheets_refused_row_is_not_taken_for_an_imported_patient(tmp_path, clinic):
    imported(tmp_path, clinic, "first.csv", [patient("line 2", "Ana", "Lynn")])
    later = read_sheet(write(tmp_path / "later.csv", [PATIENT_HEADER, REFUSED_ROW]))
    [verdict] = judge_rows(later, clinic)
    assert verdict.verdict == REFUSED
    assert [r["code"] for r in verdict.reasons] == ["missing_value"]
    counts, codes = imported(tmp_path, clinic, "later.csv", [REFUSED_ROW])
    assert (counts["failed"], counts["already_mapped"], counts["updated"]) == (1, 0, 0)
    assert patients(clinic) == [("line 2", "Ana")]


def test_legacy_ids_keep_the_keys_earlier_versions_gave_them(tmp_path, clinic):
    """A sheet imported before this change is recognised row for row when run again."""
    rows = [patient("line 2", "Ana", "Lynn"), patient("#line 3", "Bea", "Hash")]
    imported(tmp_path, clinic, "old.csv", rows)
    with scopes_disabled():
        keys = set(
            EntityMapping.objects.filter(clinic=clinic, entity_type="csv_patient").values_list(
                "canonical_uuid", flat=True
            )
        )
    # `#` doubled in a key: the rule `sheet_rows._Keys` has followed since it was written.
    written = {canonical_uuid(SOURCE_SYSTEM, "patients", k) for k in ("line 2", "##line 3")}
    assert keys == written
    counts, codes = imported(tmp_path, clinic, "again.csv", [*rows, REFUSED_ROW])
    assert (counts["already_mapped"], counts["created"], counts["failed"]) == (2, 0, 1)
    assert codes == [("#line 4", "csv.missing_value")]
