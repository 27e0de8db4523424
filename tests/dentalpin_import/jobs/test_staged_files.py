"""`_files` rows the staging table cannot hold as they are: the same result on every database."""

import random

import pytest

from dentalpin_import.models import FileStaging, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
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
