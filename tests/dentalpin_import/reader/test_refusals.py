"""Each way a file can be broken is refused with its own cause, before anything reads on.

The causes told apart: truncated, corrupt compressed data, a bomb (declared or
not), wrong passphrase, changed after encryption, a damaged database, text
that is not UTF-8, a missing column, an unreadable file, a folder the copy
cannot be written to. No refusal shows a value of the file.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys

import pytest

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.compression import BLOCK_MAX, Decompressor
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.errors import ReadError
from tests import dpmf_builder as b
from tests.dentalpin_import.reader import damage as D


@pytest.fixture
def private(tmp_path):
    root = tmp_path / "private"
    root.mkdir()
    return root


def refusal(path, private, **kw) -> ReadError:
    kw.setdefault("passphrase", b.PASSPHRASE)
    with pytest.raises(ReadError) as info:
        with open_dpmf(path, tmp_dir=str(private), **kw):
            pass
    assert list(private.iterdir()) == []
    line = str(info.value)
    assert not [s for s in D.SENTINELS if s in line], line
    return info.value


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture
def plain(tmp_path):
    return D.base_file(tmp_path)


# --- zstd ----------------------------------------------------------------------------------


def test_corrupt_zstd_is_corrupt_and_a_cut_one_is_truncated(tmp_path, private, plain):
    compressed = D.zstd(plain)
    middle = bytearray(compressed)
    middle[len(middle) // 2] ^= 0x10
    corrupt = refusal(write(tmp_path, "c.dpm.zst", bytes(middle)), private)
    assert corrupt.code == E.BAD_COMPRESSION, corrupt
    cut = refusal(write(tmp_path, "t.dpm.zst", compressed[: len(compressed) // 2]), private)
    assert cut.code == E.TRUNCATED and "compressed file is incomplete" in str(cut)
    reserved = compressed[:6] + b"\x07\x00\x00" + compressed[9:]
    assert refusal(write(tmp_path, "r.dpm.zst", reserved), private).code == E.BAD_COMPRESSION


def test_a_bomb_that_declares_its_size_is_refused_before_one_byte_is_written():
    written = []
    decompressor = Decompressor(written.append, max_bytes=1 << 20)
    with pytest.raises(ReadError) as info:
        decompressor.feed(D.rle_bomb(1 << 31, declared=True))
    assert info.value.code == E.TOO_LARGE and "2,147,483,648" in str(info.value)
    assert written == []


def test_a_bomb_that_hides_its_size_stops_at_the_cap():
    bomb = D.rle_bomb(1 << 31, declared=False)  # 64 KB that would unpack to 2 GiB
    assert len(bomb) < 70_000
    written = []
    decompressor = Decompressor(lambda chunk: written.append(len(chunk)), max_bytes=1 << 20)
    with pytest.raises(ReadError) as info:
        decompressor.feed(bomb)
    assert info.value.code == E.TOO_LARGE
    assert sum(written) <= 1 << 20
    assert decompressor.produced <= (1 << 20) + BLOCK_MAX


def test_a_bomb_is_refused_through_open_and_through_the_envelope(tmp_path, private):
    bomb = write(tmp_path, "b.dpm.zst", D.rle_bomb(1 << 31, declared=False))
    assert refusal(bomb, private, max_unpacked_bytes=1 << 20).code == E.TOO_LARGE
    sealed = D.seal(D.rle_bomb(1 << 31, declared=True), "zstd")
    sealed_bomb = write(tmp_path, "b.dpm.zst.enc", sealed)
    assert refusal(sealed_bomb, private, max_unpacked_bytes=1 << 20).code == E.TOO_LARGE


# --- the envelope --------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["enc", "zstd-enc"])
def test_wrong_passphrase_changed_and_cut_files_are_told_apart(tmp_path, private, plain, layer):
    sealed = D.wrap(plain, layer)
    path = write(tmp_path, "f.enc", sealed)
    assert refusal(path, private, passphrase="otra").code == E.DECRYPT_FAILED
    changed = bytearray(sealed)
    changed[len(changed) // 2] ^= 0x01
    assert refusal(write(tmp_path, "m.enc", bytes(changed)), private).code == E.TAMPERED
    tag = bytearray(sealed)
    tag[-1] ^= 0x80
    assert refusal(write(tmp_path, "g.enc", bytes(tag)), private).code == E.TAMPERED
    cut = refusal(write(tmp_path, "t.enc", sealed[: len(sealed) - 5000]), private)
    assert cut.code == E.TRUNCATED and str(cut) == E.MSG_TRUNCATED_ENC


def test_odd_envelope_headers_are_refused_as_bad_envelopes(tmp_path, private, plain):
    sealed = D.wrap(plain, "enc")
    for seed in range(12):
        odd = D.envelope_specials(random.Random(seed), sealed)
        assert refusal(write(tmp_path, f"e{seed}.enc", odd), private).code in (
            E.BAD_ENVELOPE,
            E.UNSUPPORTED_KDF,
        )


# --- the SQLite container ----------------------------------------------------------------------


def test_a_cut_database_is_truncated_and_a_damaged_page_is_corrupt(tmp_path, private, plain):
    cut = refusal(write(tmp_path, "t.dpm", plain[: len(plain) - 3 * D.PAGE]), private)
    assert cut.code == E.TRUNCATED and "its header says" in str(cut)
    zeroed = plain[: 3 * D.PAGE] + bytes(D.PAGE) + plain[4 * D.PAGE :]
    assert refusal(write(tmp_path, "z.dpm", zeroed), private).code == E.CORRUPT_DATABASE
    # The same through zstd: the unpacked copy is checked the same way.
    assert refusal(write(tmp_path, "z.dpm.zst", D.zstd(zeroed)), private).code == (
        E.CORRUPT_DATABASE
    )


def sentinel_row_edit(column: str):
    def edit(conn, rng):
        breaker = (D.SENTINELS[0] + " 99999999R").encode() + b"\xff"
        conn.execute(
            f"UPDATE patient SET {column} = CAST(? AS TEXT) WHERE source_id = '9'", (breaker,)
        )

    return edit


@pytest.mark.parametrize("column", ["payload", "source_id", "extracted_at"])
def test_text_that_is_not_utf8_is_located_never_shown(tmp_path, private, plain, column):
    edited = D.edit_sql(random.Random(1), plain, sentinel_row_edit(column), rehash=True)
    found = refusal(write(tmp_path, "u.dpm", edited), private)
    assert found.code == E.BAD_TEXT
    assert f"patient.{column}, row " in str(found)
    assert b.uid("patient", 9) in str(found)  # the canonical id says which row


def test_missing_columns_and_tables_are_named(tmp_path, private, plain):
    def drop_column(conn, rng):
        conn.execute("ALTER TABLE patient RENAME COLUMN extracted_at TO extracted")

    edited = D.edit_sql(random.Random(1), plain, drop_column, rehash=True)
    found = refusal(write(tmp_path, "c.dpm", edited), private)
    assert found.code == E.BAD_CONTAINER
    assert str(found) == "not a DPMF container: table patient lacks extracted_at"


def test_an_index_that_lost_a_row_is_a_damaged_database(tmp_path, private, plain):
    """Every read goes through the key index: one that lost a row would hide it silently."""
    path = write(tmp_path, "i.dpm", plain)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE copy AS SELECT * FROM client; DROP TABLE client; "
            "ALTER TABLE copy RENAME TO client; CREATE INDEX by_key ON client(canonical_uuid);"
        )
        index = conn.execute("SELECT * FROM sqlite_master WHERE name = 'by_key'").fetchone()
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("DELETE FROM sqlite_master WHERE name = 'by_key'")
    with sqlite3.connect(path) as conn:  # SQLite no longer knows the index: it misses the row
        conn.execute(
            "INSERT INTO client SELECT canonical_uuid || '-late', 'late', source_system, "
            "payload, raw_source_data, extracted_at FROM client LIMIT 1"
        )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("INSERT INTO sqlite_master VALUES (?, ?, ?, ?, ?)", index)
    with sqlite3.connect(path) as conn:
        D._rehash(conn)  # hashed through the index too: only the count tells
    found = refusal(path, private)
    assert found.code == E.CORRUPT_DATABASE
    assert "table client holds 3 rows but its index lists 2" in str(found)


def test_hostile_values_in_the_system_tables_are_read_without_error(tmp_path, private, plain):
    def hostile(conn, rng):
        conn.executescript(
            "UPDATE _files SET declared_size_bytes = 9223372036854775807, sha256 = x'0c', "
            "mime_hint = x'00';"
            "UPDATE _warnings SET raw_data = '{\"x\": NaN}', code = 7, entity_type = x'0102';"
            "UPDATE _entities SET row_count = 'many' WHERE entity_type = 'patient';"
        )
        conn.execute("UPDATE _warnings SET message = ? WHERE id = 1", ("a\x00b",))
        conn.execute("UPDATE _warnings SET raw_data = ? WHERE id = 2", ("[" * 3000 + "]" * 3000,))

    edited = D.edit_sql(random.Random(1), plain, hostile, rehash=True)
    with open_dpmf(write(tmp_path, "h.dpm", edited), tmp_dir=str(private)) as container:
        summary = container.files_summary()
        files = list(container.iter_files())
        warnings = list(container.iter_warnings())
        assert any("patient: _entities gives no row count" in n for n in container.notes)
    # A BLOB is no sha256 (the summary and the rows agree); sizes add up without overflowing.
    assert summary.total == 2 and summary.with_sha256 == 0 and summary.declared_bytes >= 2**64
    assert {f.sha256 for f in files} == {None} and {f.mime_hint for f in files} == {None}
    assert warnings[0].message == "ab" and warnings[0].code == "7"
    assert warnings[0].raw_data == '{"x": NaN}'  # kept as text: JSON columns refuse NaN
    assert warnings[1].raw_data.startswith("[[[")  # too deep to store as JSON: text


def test_system_ids_without_text_and_lone_surrogates_read_as_every_database_stores(
    tmp_path, private, plain
):
    def hostile(conn, rng):
        conn.execute("UPDATE _files SET canonical_uuid = NULL")  # its primary key allows it
        conn.execute("UPDATE _warnings SET raw_data = ? WHERE id = 1", ('{"a": "\\ud800"}',))

    edited = D.edit_sql(random.Random(1), plain, hostile, rehash=True)
    with open_dpmf(write(tmp_path, "h.dpm", edited), tmp_dir=str(private)) as container:
        files = list(container.iter_files())
        warnings = list(container.iter_warnings())
    # NULL is no id, never the text "None": the loader refuses such a file with a warning.
    assert [f.canonical_uuid for f in files] == ["", ""]
    # PostgreSQL's JSON refuses a lone surrogate: replaced, as in a row's payload.
    assert warnings[0].raw_data == {"a": "\ufffd"}


# --- the file and the folder ---------------------------------------------------------------------


def test_a_file_that_cannot_be_read_is_refused(tmp_path, private):
    folder = tmp_path / "a-folder.dpm"
    folder.mkdir()
    assert refusal(folder, private).code == E.UNREADABLE_FILE


def test_a_staging_folder_that_cannot_take_the_copy_is_named(tmp_path, plain):
    path = write(tmp_path, "f.dpm.zst", D.zstd(plain))
    missing = tmp_path / "no-such-folder"
    with pytest.raises(ReadError) as info:
        with open_dpmf(path, tmp_dir=str(missing)):
            pass
    assert info.value.code == E.UNPACK_FAILED and str(missing) in str(info.value)


FULL_DISK = """
import resource, signal, sys
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.errors import ReadError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    with open_dpmf(sys.argv[1], tmp_dir=sys.argv[2]):
        pass
except ReadError as exc:
    print(exc.code, exc, sep="|")
"""


@pytest.mark.slow  # a second Python process
def test_a_copy_the_disk_cannot_hold_is_refused_naming_the_folder(tmp_path, private, plain):
    """A real write error (the file size limit of the process, as a full disk would be)."""
    path = write(tmp_path, "f.dpm.zst", D.zstd(plain))
    assert len(plain) > 64 * 1024
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(path), str(private)],
        capture_output=True,
        text=True,
        check=True,
    )
    code, message = done.stdout.strip().split("|")
    assert code == E.UNPACK_FAILED
    assert str(private) in message and "File too large" in message
    assert list(private.iterdir()) == []


def test_sqlite_errors_of_other_kinds_keep_only_sqlite_words(tmp_path, private, plain):
    def odd(conn, rng):
        conn.execute("UPDATE _files SET declared_size_bytes = 9223372036854775807")

    edited = D.edit_sql(random.Random(1), plain, odd, rehash=True)
    with open_dpmf(write(tmp_path, "o.dpm", edited), tmp_dir=str(private)) as container:
        with pytest.raises(ReadError) as info:
            container.query("SELECT SUM(declared_size_bytes) FROM _files", table="_files")
    assert str(info.value) == "unreadable DPMF container: integer overflow"


def test_a_mistake_of_the_code_is_not_passed_off_as_a_refusal(tmp_path, private, plain):
    with open_dpmf(write(tmp_path, "ok.dpm", plain), tmp_dir=str(private)) as container:
        pass
    with pytest.raises(sqlite3.ProgrammingError):  # closed: the file is not to blame
        container.rows_among("patient", ["x"])


LONG_TYPE = "appointment_" + "x" * 60  # a valid name, longer than the importer records


def long_type(conn, rng):
    conn.execute(f'ALTER TABLE appointment RENAME TO "{LONG_TYPE}"')
    conn.execute(
        "UPDATE _entities SET entity_type = ? WHERE entity_type = 'appointment'", (LONG_TYPE,)
    )


def long_source(conn, rng):
    conn.execute("UPDATE _meta SET value = ? WHERE key = 'source_system'", ("g" * 41,))


@pytest.mark.parametrize(
    "edit,expected",
    [
        (long_type, E.MSG_TYPE_NAME_LONG.format(name=repr(LONG_TYPE[:64]), limit=64)),
        (long_source, E.MSG_SOURCE_LONG.format(name=repr("g" * 41), limit=40)),
    ],
    ids=["entity type", "source system"],
)
def test_names_longer_than_the_importer_records_are_refused_on_every_database(
    tmp_path, private, edit, expected
):
    """SQLite would store them and PostgreSQL refuse them mid-import: both refuse at once."""
    plain = b.small_clinic(tmp_path).read_bytes()
    path = write(tmp_path, "long.dpm", D.edit_sql(random.Random(1), plain, edit, rehash=True))
    refused = refusal(path, private)
    assert refused.code == E.BAD_CONTAINER
    assert str(refused) == expected


def with_view(conn, rng):
    conn.execute("CREATE VIEW everyone AS SELECT * FROM patient")


def with_trigger(conn, rng):
    conn.execute(
        "CREATE TRIGGER grow AFTER INSERT ON patient BEGIN "
        "INSERT INTO patient SELECT * FROM patient; END"
    )


def with_virtual_table(conn, rng):
    conn.execute("CREATE VIRTUAL TABLE lookup USING rtree(id, x0, x1)")


def with_generated_column(conn, rng):
    # 10 MB computed on every read of a row, from a file of a few kilobytes.
    conn.execute(
        "ALTER TABLE patient ADD COLUMN bulk TEXT "
        "GENERATED ALWAYS AS (printf('%.*c', 10000000, 'x')) VIRTUAL"
    )


@pytest.mark.parametrize(
    "edit,kind,name",
    [
        (with_view, "view", "'everyone'"),
        (with_trigger, "trigger", "'grow'"),
        (with_virtual_table, "virtual table", "'lookup'"),
        (with_generated_column, "generated column", "'patient.bulk'"),
    ],
    ids=["view", "trigger", "virtual table", "generated column"],
)
def test_schema_objects_that_run_code_or_compute_values_are_refused_by_name(
    tmp_path, private, edit, kind, name
):
    plain = b.small_clinic(tmp_path).read_bytes()
    path = write(tmp_path, "hostile.dpm", D.edit_sql(random.Random(1), plain, edit, rehash=True))
    refused = refusal(path, private)
    assert refused.code == E.BAD_CONTAINER
    assert str(refused) == E.MSG_SCHEMA_OBJECT.format(kind=kind, name=name)


def test_a_value_longer_than_any_payload_is_a_refusal_not_a_crash(tmp_path, private, monkeypatch):
    from dentalpin_import.reader import container

    monkeypatch.setattr(container, "MAX_VALUE_BYTES", 1000)  # a real file's rows fit; this not
    plain = b.small_clinic(tmp_path).read_bytes()

    def long_payload(conn, rng):
        conn.execute(
            "UPDATE patient SET payload = json_set(payload, '$.notes', ?) WHERE source_id = '1'",
            ("n" * 5000,),
        )

    path = write(tmp_path, "long.dpm", D.edit_sql(random.Random(1), plain, long_payload, True))
    refused = refusal(path, private)
    assert "n" * 100 not in str(refused)
