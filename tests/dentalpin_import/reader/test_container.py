"""Opening DPMF files: every layering, every refusal, and no plaintext left behind."""

import gzip
import os
import random
import sqlite3
import stat

import pytest

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.container import Layering, detect_layering, open_dpmf
from dentalpin_import.reader.errors import ReadError
from tests import dpmf_builder as b
from tests.dentalpin_import.reader import damage as D

TEXT = 'línea 1\nlínea "2" | 😀'


def rows():
    return [b.patient(i, notes=TEXT) for i in range(1, 8)] + [b.client(1)]


@pytest.fixture
def tmp_root(tmp_path):
    root = tmp_path / "private"
    root.mkdir()
    return root


def open_file(path, tmp_root, **kw):
    return open_dpmf(path, tmp_dir=str(tmp_root), **kw)


@pytest.mark.parametrize("layer", ["raw", "zstd", "enc", "zstd-enc"])
def test_every_layering_round_trips_and_leaves_no_plaintext(tmp_path, tmp_root, layer):
    path = b.build(tmp_path, rows(), layer=layer)
    assert detect_layering(path) == Layering(layer)
    with open_file(path, tmp_root, passphrase=b.PASSPHRASE) as container:
        if layer != "raw":
            (workdir,) = list(tmp_root.iterdir())
            assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
        assert container.computed_hash == container.declared_hash
        chunks = list(container.iter_rows("patient", chunk_size=3))
        assert [len(c) for c in chunks] == [3, 3, 1]
        assert chunks[0][0].payload["notes"] == TEXT
    assert list(tmp_root.iterdir()) == []


def test_detection_uses_magic_bytes_not_the_name(tmp_path):
    path = b.build(tmp_path, rows(), layer="zstd")
    renamed = path.rename(tmp_path / "looks-raw.dpm")
    assert detect_layering(renamed) is Layering.ZSTD


def test_after_uuid_resumes_after_a_row(tmp_path, tmp_root):
    with open_file(b.build(tmp_path, rows()), tmp_root) as container:
        everything = [r.canonical_uuid for c in container.iter_rows("patient") for r in c]
        rest = [
            r.canonical_uuid
            for c in container.iter_rows("patient", after_uuid=everything[2])
            for r in c
        ]
        assert everything == sorted(everything) and rest == everything[3:]


def test_a_key_range_splits_a_type_into_two_halves_that_cover_it_once(tmp_path, tmp_root):
    with open_file(b.build(tmp_path, rows()), tmp_root) as container:
        everything = [r.canonical_uuid for c in container.iter_rows("patient") for r in c]
        middle = container.key_at("patient", 3)
        assert middle == everything[3]
        assert container.key_at("patient", len(everything)) is None
        first = container.iter_rows("patient", chunk_size=2, until_uuid=middle)
        second = container.iter_rows("patient", chunk_size=2, after_uuid=middle)
        assert [r.canonical_uuid for c in first for r in c] == everything[:4]
        assert [r.canonical_uuid for c in second for r in c] == everything[4:]
        keys = container.iter_keys("patient", chunk_size=2, after_uuid=middle)
        assert [k for c in keys for k in c] == everything[4:]


def test_rows_among_some_keys_come_by_key_in_file_order(tmp_path, tmp_root, monkeypatch):
    from dentalpin_import.reader import container as module

    monkeypatch.setattr(module, "KEYS_PER_QUERY", 2)  # several look-ups, chunks across them
    with open_file(b.build(tmp_path, rows()), tmp_root) as container:
        everything = [r.canonical_uuid for c in container.iter_rows("patient") for r in c]
        wanted = [everything[5], everything[0], everything[3], everything[4], "no-such-key"]
        chunks = list(container.iter_rows_among("patient", wanted, chunk_size=3))
        assert [len(c) for c in chunks] == [3, 1]
        got = [r.canonical_uuid for c in chunks for r in c]
        assert got == [everything[0], everything[3], everything[4], everything[5]]
        assert chunks[0][0].payload["notes"] == TEXT
        assert list(container.iter_rows_among("patient", [], chunk_size=3)) == []
        with pytest.raises(KeyError):
            list(container.iter_rows_among("no_such_type", wanted))


def refused(path, tmp_root, code, **kw):
    with pytest.raises(ReadError) as info:
        with open_file(path, tmp_root, **kw):
            pass
    assert info.value.code == code, str(info.value)
    assert list(tmp_root.iterdir()) == []
    return str(info.value)


def test_unknown_magic_gzip_and_empty_files_are_not_dpmf(tmp_path, tmp_root):
    (tmp_path / "a.dpm").write_bytes(b"PK\x03\x04rest")
    assert "magic 50 4b 03 04" in refused(tmp_path / "a.dpm", tmp_root, E.NOT_DPMF)
    (tmp_path / "b.dpm").write_bytes(gzip.compress(b"SQLite format 3\0"))
    refused(tmp_path / "b.dpm", tmp_root, E.NOT_DPMF)
    (tmp_path / "c.dpm").write_bytes(b"")
    refused(tmp_path / "c.dpm", tmp_root, E.NOT_DPMF)


def test_truncated_zstd_and_envelope_are_refused(tmp_path, tmp_root):
    zst = b.build(tmp_path, rows(), layer="zstd")
    zst.write_bytes(zst.read_bytes()[:-40])
    refused(zst, tmp_root, E.TRUNCATED)
    enc = b.build(tmp_path, rows(), layer="enc", name="e")
    enc.write_bytes(enc.read_bytes()[:100])
    refused(enc, tmp_root, E.TRUNCATED, passphrase=b.PASSPHRASE)


def rewrite_header(path, old: bytes, new: bytes):
    data = path.read_bytes()
    length = int.from_bytes(data[4:8], "little")
    header = data[8 : 8 + length].replace(old, new)
    path.write_bytes(data[:4] + len(header).to_bytes(4, "little") + header + data[8 + length :])


def test_envelope_problems_are_named(tmp_path, tmp_root):
    path = b.build(tmp_path, rows(), layer="enc")
    original = path.read_bytes()
    rewrite_header(path, b'"n":131072', b'"n":16384')
    assert "unsupported scrypt parameters" in refused(
        path, tmp_root, E.UNSUPPORTED_KDF, passphrase=b.PASSPHRASE
    )
    path.write_bytes(original)
    rewrite_header(path, b'"salt":"', b'"salt":"!')
    refused(path, tmp_root, E.BAD_ENVELOPE, passphrase=b.PASSPHRASE)
    path.write_bytes(original[:4] + (70000).to_bytes(4, "little") + original[8:])
    assert "64 KiB" in refused(path, tmp_root, E.BAD_ENVELOPE, passphrase=b.PASSPHRASE)


def test_wrong_passphrase_tampering_and_missing_passphrase(tmp_path, tmp_root):
    path = b.build(tmp_path, rows(), layer="zstd-enc")
    refused(path, tmp_root, E.PASSPHRASE_REQUIRED)
    message = refused(path, tmp_root, E.DECRYPT_FAILED, passphrase="contrasena-demo")
    assert message == E.MSG_DECRYPT_FAILED
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    # The right passphrase decrypts the untouched start: the file was changed, not mistyped.
    message = refused(path, tmp_root, E.TAMPERED, passphrase=b.PASSPHRASE)
    assert "the passphrase is right" in message
    refused(path, tmp_root, E.DECRYPT_FAILED, passphrase="contrasena-demo")


def test_versions_hashes_and_bad_tables(tmp_path, tmp_root):
    refused(
        b.build(tmp_path, rows(), name="v1", meta={"format_version": "1.0.0"}),
        tmp_root,
        E.UNSUPPORTED_VERSION,
    )
    refused(
        b.build(tmp_path, rows(), name="v", meta={"format_version": "v0.1"}),
        tmp_root,
        E.UNSUPPORTED_VERSION,
    )
    with open_file(
        b.build(tmp_path, rows(), name="ok", meta={"format_version": "0.5.12"}), tmp_root
    ) as container:
        assert container.format_version == "0.5.12"
    refused(b.build(tmp_path, rows(), name="h0", integrity_hash=""), tmp_root, E.HASH_MISSING)
    refused(
        b.build(tmp_path, rows(), name="md5", meta={"integrity_hash_algo": "md5"}),
        tmp_root,
        E.HASH_ALGO,
    )
    edited = b.build(tmp_path, rows(), name="edited")
    with sqlite3.connect(edited) as conn:
        conn.execute("UPDATE patient SET payload = replace(payload, 'Ibáñez', 'Ibanez')")
    assert "integrity hash mismatch" in refused(edited, tmp_root, E.HASH_MISMATCH)
    for name in ("patient; drop", "pacienteñ"):
        bad = b.build(tmp_path, rows(), name=f"t{len(name)}")
        with sqlite3.connect(bad) as conn:
            conn.execute("INSERT INTO _entities VALUES (?, 0, '0.1.0')", (name,))
        refused(bad, tmp_root, E.BAD_CONTAINER, verify=False)
    listed = b.build(tmp_path, rows(), name="listed")
    with sqlite3.connect(listed) as conn:
        conn.execute("INSERT INTO _entities VALUES ('ghost', 0, '0.1.0')")
    assert "ghost has no table" in refused(listed, tmp_root, E.BAD_CONTAINER, verify=False)


def test_a_decompression_bomb_is_refused_at_the_cap(tmp_path, tmp_root):
    path = b.build(tmp_path, rows(), layer="zstd")
    message = refused(path, tmp_root, E.TOO_LARGE, max_unpacked_bytes=4096)
    assert "4,096" in message
    enc = b.build(tmp_path, rows(), layer="enc", name="e")
    refused(enc, tmp_root, E.TOO_LARGE, passphrase=b.PASSPHRASE, max_unpacked_bytes=4096)


def test_odd_but_readable_files_give_notes_and_decode_errors(tmp_path, tmp_root):
    path = b.build(tmp_path, rows())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE _entities SET row_count = 99 WHERE entity_type = 'patient'")
        conn.execute("CREATE TABLE extra (x)")
        conn.execute("UPDATE patient SET payload = '[1,2]' WHERE source_id = '1'")
    with open_file(path, tmp_root, verify=False) as container:
        assert any("says 99 rows, table has 7" in n for n in container.notes)
        assert any("'extra' is not listed" in n for n in container.notes)
        bad = [r for c in container.iter_rows("patient") for r in c if r.source_id == "1"]
        assert bad[0].payload is None and "not a JSON object" in bad[0].decode_error


def test_a_raw_file_is_opened_in_place_read_only(tmp_path, tmp_root):
    path = b.build(tmp_path, rows())
    before = path.read_bytes()
    with open_file(path, tmp_root) as container:
        with pytest.raises(sqlite3.OperationalError):
            container.conn.execute("DELETE FROM patient")
    assert path.read_bytes() == before
    assert os.listdir(tmp_root) == []


def keyless(conn, rng):
    """Three patients lose their canonical ids in the indexed table: bytes, empty, NULL."""
    conn.executescript(
        "UPDATE patient SET canonical_uuid = x'00' WHERE source_id = '2';"
        "UPDATE patient SET canonical_uuid = '' WHERE source_id = '4';"
        "UPDATE patient SET canonical_uuid = NULL WHERE source_id = '6';"
    )


def test_rows_without_a_usable_key_are_found_through_the_index_in_file_order(tmp_path, tmp_root):
    plain = b.build(tmp_path, rows()).read_bytes()
    path = tmp_path / "keyless.dpm"
    path.write_bytes(D.edit_sql(random.Random(1), plain, keyless, rehash=True))
    with open_file(path, tmp_root) as container:
        # The index holds them NULL, text, bytes (6, 4, 2); the file, and the warnings, 2, 4, 6.
        assert container.keyless_source_ids("patient") == ["2", "4", "6"]
        assert container.keyless_source_ids("client") == []
