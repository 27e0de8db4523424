"""`import_dpmf` and `inspect_dpmf` on damaged files: exit 2, one line, nothing written.

The files are made as the fuzz test makes them (`damage.py`). For each, the
import command refuses before any clinic row, mapping or warning exists, and
neither the job's error nor the audit log holds a value of the file.
"""

from __future__ import annotations

import io
import json
import random
import sqlite3

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from dentalpin_import.models import (
    AuditEntry,
    EntityMapping,
    FileStaging,
    ImportJob,
    ImportWarning,
    RawEntity,
)
from dentalpin_import.reader import errors as E
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.reader import damage as D


def root_page_zeroed(plain: bytes, table: str) -> bytes:
    with sqlite3.connect(":memory:") as conn:
        conn.deserialize(plain)
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
    start = (root - 1) * D.PAGE
    return plain[:start] + bytes(D.PAGE) + plain[start + D.PAGE :]


def not_utf8_name(conn, rng):
    breaker = f"{D.SENTINELS[0]} {D.SENTINELS[2]} {D.SENTINELS[3]}".encode() + b"\xff"
    conn.execute("UPDATE patient SET payload = CAST(? AS TEXT) WHERE source_id = '9'", (breaker,))


def renamed_column(conn, rng):
    conn.execute("ALTER TABLE appointment RENAME COLUMN payload TO datos")


def flipped(data: bytes) -> bytes:
    out = bytearray(data)
    out[len(out) // 2] ^= 0x01
    return bytes(out)


def edited(plain, edit):
    return D.edit_sql(random.Random(1), plain, edit, rehash=True)


DAMAGED = {
    "truncated": (".dpm", lambda p: p[: len(p) - 3 * D.PAGE], E.TRUNCATED),
    "damaged page": (".dpm", lambda p: root_page_zeroed(p, "patient"), E.CORRUPT_DATABASE),
    "corrupt zstd": (".dpm.zst", lambda p: flipped(D.zstd(p)), E.BAD_COMPRESSION),
    "tampered": (".dpm.zst.enc", lambda p: flipped(D.wrap(p, "zstd-enc")), E.TAMPERED),
    "not utf-8": (".dpm", lambda p: edited(p, not_utf8_name), E.BAD_TEXT),
    "renamed column": (".dpm.zst", lambda p: D.zstd(edited(p, renamed_column)), E.BAD_CONTAINER),
    "zstd bomb": (".dpm.zst", lambda p: D.rle_bomb(1 << 31, declared=True), E.TOO_LARGE),
}


def clinic_rows(clinic) -> dict[str, int]:
    with scopes_disabled():
        return {
            model.__name__: model.objects.filter(clinic=clinic).count()
            for model in apps.get_app_config("clinics").get_models()
            if any(f.name == "clinic" for f in model._meta.fields)
        }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_file_is_refused_with_exit_2_and_nothing_written(
    tmp_path, clinic, monkeypatch, settings, kind
):
    settings.DPMF_MAX_UNPACKED_BYTES = 64 << 20
    suffix, make, code = DAMAGED[kind]
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(make(D.base_file(tmp_path)))
    pass_ = b.PASSPHRASE if suffix.endswith(".enc") else None
    status, message, _ = run_import(path, clinic.slug, env_pass=pass_, monkeypatch=monkeypatch)
    assert status == 2, message
    assert message.startswith("refused: ") and "\n" not in message
    assert set(clinic_rows(clinic).values()) == {0}
    for model in (EntityMapping, RawEntity, ImportWarning, FileStaging):
        assert model.objects.count() == 0, model.__name__
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.meta["validation"]["code"] == code
    audit = json.dumps([e.details for e in AuditEntry.objects.all()], ensure_ascii=False)
    for sentinel in D.SENTINELS:
        assert sentinel not in message and sentinel not in job.error and sentinel not in audit


def inspect(path, monkeypatch=None) -> tuple[int, str]:
    out = io.StringIO()
    args = [str(path)]
    if monkeypatch is not None:
        monkeypatch.setenv("TEST_DPMF_PASS", b.PASSPHRASE)
        args += ["--passphrase-env", "TEST_DPMF_PASS"]
    try:
        call_command("inspect_dpmf", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_inspect_reads_every_row_before_it_says_ok(tmp_path, monkeypatch):
    path = tmp_path / "whole.dpm.zst.enc"
    path.write_bytes(D.wrap(D.base_file(tmp_path), "zstd-enc"))
    status, out = inspect(path, monkeypatch)
    assert status == 0
    assert "integrity hash OK" in out
    rows = len(D.base_rows())
    assert f"read as the import reads it: {rows} entity rows, 2 files, 2 file warnings" in out
    assert "pre-flight check: no problems found" in out


def test_inspect_refuses_what_the_import_could_not_read(tmp_path):
    """Text that is not UTF-8 where no hash looks (extracted_at) used to pass as "OK"."""

    def late_breaker(conn, rng):
        conn.execute("UPDATE patient SET extracted_at = CAST(x'32303236ff' AS TEXT)")

    path = tmp_path / "late.dpm"
    path.write_bytes(edited(D.base_file(tmp_path), late_breaker))
    status, message = inspect(path)
    assert status == 2
    assert message.startswith("refused: text that is not valid UTF-8 in patient.extracted_at")


def test_inspect_names_the_preflight_problems_it_found(tmp_path):
    def twin(conn, rng):
        conn.executescript(
            "CREATE TABLE copy AS SELECT * FROM client; DROP TABLE client; "
            "ALTER TABLE copy RENAME TO client; INSERT INTO client SELECT canonical_uuid, "
            "'twin', source_system, payload, raw_source_data, extracted_at FROM client LIMIT 1;"
        )

    path = tmp_path / "twin.dpm"
    path.write_bytes(edited(D.base_file(tmp_path), twin))
    status, out = inspect(path)
    assert status == 0
    assert "1 client canonical ids are shared by more than one row; e.g. source ids" in out
