"""FORMAT.md §15: the worked hash example and the envelope known-answer vector."""

import hashlib
import io
import sqlite3

import pytest

from dentalpin_import.reader import crypto
from dentalpin_import.reader.integrity import compute_hash
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.sample.writer import SCHEMA

ANA = "c5a1e3ab-203b-5258-bd1e-aa0505bb9fc4"
JOAO = "d01c9bb2-f14c-51e1-b86f-cdf3272ea809"
FILE = "4e8636ba-f87c-5f25-b71f-5ba51351d9da"


def vector_container(with_files_and_warnings: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    conn.execute(
        'CREATE TABLE "patient" (canonical_uuid TEXT PRIMARY KEY, source_id TEXT, '
        "source_system TEXT, payload TEXT, raw_source_data TEXT, extracted_at TEXT)"
    )
    conn.execute("INSERT INTO _entities VALUES ('patient', 2, '0.1.0')")
    conn.executemany(
        "INSERT INTO patient VALUES (?, ?, 'gesden', ?, ?, '2026-05-21T10:11:12+00:00')",
        [
            (JOAO, "2", '{"given_name":"João","family_name":"Simões","sex":null}', '{"IdPac":2}'),
            (ANA, "1", '{"given_name":"Ana","family_name":"López","sex":"female"}', '{"IdPac":1}'),
        ],
    )
    if with_files_and_warnings:
        conn.execute(
            "INSERT INTO _files VALUES (?, 'patient', ?, 'Pacientes/1/rx.png', 0, ?, NULL)",
            (FILE, ANA, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        )
        conn.execute(
            "INSERT INTO _warnings (entity_type, source_id, severity, code, message, raw_data) "
            "VALUES (NULL, NULL, 'warn', 'source.invalid_date', 'FecNac 1899-12-30', NULL)"
        )
    return conn


def test_the_worked_hash_example_gives_the_published_digests():
    assert compute_hash(vector_container(False), ["patient"]) == (
        "8497fa5051cafeade38ccb1b897d32ae877e92ddef8f79f2138c66232ffea51b"
    )
    assert compute_hash(vector_container(True), ["patient"]) == (
        "ccd7a0fed9b2a8f8ec0d5588c116f58b470d96350ffc2ab9da9808a7e1784580"
    )
    empty = sqlite3.connect(":memory:")
    empty.executescript(SCHEMA)
    assert compute_hash(empty, []) == hashlib.sha256(b"").hexdigest()


def test_canonical_uuids_match_the_published_ones():
    assert canonical_uuid("gesden", "patient", "1") == ANA
    assert canonical_uuid("gesden", "patient", "2") == JOAO
    assert canonical_uuid("gesden", "file", "1") == FILE


SALT = bytes(range(16))
IV = bytes(range(12))


def known_envelope() -> bytes:
    out = io.BytesIO()
    crypto.encrypt_stream(
        io.BytesIO(b"SQLite format 3\0"), out, "contraseña-demo", "raw", salt=SALT, iv=IV
    )
    return out.getvalue()


def test_the_envelope_known_answer_vector():
    data = known_envelope()
    assert len(data) == 202
    assert data[4:8] == bytes.fromhex("a2000000")
    assert data[-32:-16] == bytes.fromhex("1ce18d41765d1deea23b488e11608a78")
    assert data[-16:] == bytes.fromhex("ef20f0d0511dd755add60467aa990afb")
    assert hashlib.sha256(data).hexdigest() == (
        "3f00db4883474253509c331cb2f3cbbfcd5cd1cbcb2f00da6a3236c5dfc80035"
    )
    assert crypto.derive_key("contraseña-demo", SALT).hex() == (
        "467604277da707a78ef03947360a7b00131261fa1861e81bf4cd9e7f64b5e1ad"
    )


def test_the_vector_decrypts_and_a_changed_header_byte_does_not():
    data = known_envelope()
    env = crypto.read_envelope(io.BytesIO(data), len(data))
    key = crypto.derive_key("contraseña-demo", env.salt)
    out = bytearray()
    crypto.decrypt_stream(io.BytesIO(data), env, key, out.extend)
    assert bytes(out) == b"SQLite format 3\0"
    tampered = data.replace(b'"v":1,', b'"v":1 ,')
    tampered = tampered[:4] + (len(env.header_bytes) + 1).to_bytes(4, "little") + tampered[8:]
    env2 = crypto.read_envelope(io.BytesIO(tampered), len(tampered))
    with pytest.raises(crypto.ReadError, match="^wrong passphrase: "):
        crypto.decrypt_stream(io.BytesIO(tampered), env2, key, lambda _d: None)
