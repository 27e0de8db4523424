"""`_files` and `_warnings` rows the clinic database cannot hold as they are: the same result on
every database, and the same file again stages and says nothing new."""

import random

import pytest

from dentalpin_import.models import FileStaging, ImportJob, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.loader.poison import loosened, tamper
from tests.dentalpin_import.reader import damage as D

LONG_ID = "f" * 90


def odd_files(conn, rng):
    first, second = [r[0] for r in conn.execute("SELECT canonical_uuid FROM _files LIMIT 2")]
    conn.execute("UPDATE _files SET canonical_uuid = ? WHERE canonical_uuid = ?", (LONG_ID, first))
    conn.execute("UPDATE _files SET sha256 = 'not-a-checksum' WHERE canonical_uuid = ?", (second,))
    return second


@pytest.mark.django_db
def test_a_file_with_an_overlong_id_or_a_bad_checksum_is_warned_and_the_import_goes_on(
    tmp_path, clinic
):
    plain = b.small_clinic(tmp_path).read_bytes()
    path = tmp_path / "odd.dpm"
    path.write_bytes(D.edit_sql(random.Random(1), plain, odd_files, rehash=True))
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert not FileStaging.objects.filter(file_uuid__startswith="fff").exists()
    refused = ImportWarning.objects.get(code="file.bad_key")
    assert refused.source_id == LONG_ID and LONG_ID not in refused.message
    bad = ImportWarning.objects.get(code="file.sha256_invalid")
    staged = FileStaging.objects.get(file_uuid=bad.source_id)
    assert (staged.status, staged.sha256) == ("missing", "")
    # The same file again: nothing staged twice, the refused file said again for this job.
    before = FileStaging.objects.count()
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert FileStaging.objects.count() == before
    assert ImportWarning.objects.filter(code="file.bad_key").count() == 2
    assert ImportWarning.objects.filter(code="file.sha256_invalid").count() == 1


def imported_twice(tmp_path, clinic, path) -> list[list[tuple]]:
    """Import `path` twice; each run's warnings about files as (source id, code)."""
    said = []
    for name in ("r", "again"):
        status, out, _ = run_import(path, clinic.slug, report=tmp_path / f"{name}.json")
        assert status == 0, out
        job = ImportJob.objects.filter(clinic=clinic).latest("created_at")
        found = job.warnings.filter(code__startswith="file.").order_by("source_id", "code")
        said.append(list(found.values_list("source_id", "code")))
    return said


@pytest.mark.django_db
def test_a_file_listed_twice_is_staged_once_and_its_copy_warned_once(tmp_path, clinic):
    path = b.small_clinic(tmp_path)
    twice = b.uid("file", 1)
    copy = "INSERT INTO _files SELECT * FROM _files WHERE canonical_uuid = ?"
    tamper(path, loosened("_files"), (copy, (twice,)))
    first, again = imported_twice(tmp_path, clinic, path)
    assert (twice, "file.duplicate") in first
    assert [w for w in first if w[1] == "file.duplicate"] == [(twice, "file.duplicate")]
    assert FileStaging.objects.filter(file_uuid=twice).count() == 1
    assert FileStaging.objects.count() == 2
    assert "file.duplicate" not in {code for _, code in again}


@pytest.mark.django_db
def test_files_without_an_id_are_warned_each_and_never_staged_as_none(tmp_path, clinic):
    files = b.small_clinic_files()
    extra = [
        b.FileRow(b.uid("file", n), "patient_document", b.uid("patient_document", 1),
                  f"P/{n}.png", 1, f"{n:064x}", "image/png")
        for n in (3, 4)
    ]  # fmt: skip
    path = b.build(tmp_path, b.small_clinic_rows(), files=files + extra)
    without_id = "UPDATE _files SET canonical_uuid = NULL WHERE canonical_uuid IN (?, ?)"
    tamper(path, loosened("_files"), (without_id, (b.uid("file", 3), b.uid("file", 4))))
    first, again = imported_twice(tmp_path, clinic, path)
    assert [w for w in first if w[1] == "file.bad_key"] == [("", "file.bad_key")] * 2
    assert not FileStaging.objects.filter(file_uuid__in=["", "None"]).exists()
    assert set(FileStaging.objects.values_list("file_uuid", flat=True)) == {
        b.uid("file", 1),
        b.uid("file", 2),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["canonical_uuid", "parent_canonical_uuid"])
def test_a_nul_in_a_files_id_refuses_that_file_alone_on_every_database(tmp_path, clinic, column):
    path = b.small_clinic(tmp_path)
    target = b.uid("file", 1)
    nul = f"UPDATE _files SET {column} = {column} || char(0) || 'x' WHERE canonical_uuid = ?"
    tamper(path, (nul, (target,)))
    first, again = imported_twice(tmp_path, clinic, path)
    refused = [(target + "x" if column == "canonical_uuid" else target, "file.bad_key")]
    assert [w for w in first if w[1] == "file.bad_key"] == refused
    assert again == refused  # refused again, as every file not staged is
    assert list(FileStaging.objects.values_list("file_uuid", flat=True)) == [b.uid("file", 2)]


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_file_warnings_raw_data_is_replaced_on_every_database(
    tmp_path, clinic
):
    notes = [
        b.WarningRow("warn", "x.surrogate", "m", raw_data='{"a": "\\ud800", "\\udc00": 1}'),
        b.WarningRow("warn", "x.plain", "m", raw_data='{"b": "ok"}'),
    ]
    path = b.build(tmp_path, b.small_clinic_rows(), warnings=notes)
    status, out, _ = run_import(path, clinic.slug)
    assert status == 0, out
    copied = ImportWarning.objects.filter(code__startswith="dpmf.")
    kept = dict(copied.values_list("code", "raw_data"))
    assert kept == {"dpmf.x.surrogate": {"a": "\ufffd", "\ufffd": 1}, "dpmf.x.plain": {"b": "ok"}}
