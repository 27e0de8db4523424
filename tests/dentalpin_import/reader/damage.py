"""Ways to damage a DPMF file, for the refusal and fuzz tests: every layer, seeded.

Each damage takes a `random.Random` and returns new file bytes. The bytes-level
ones work on any layer; the SQL ones edit the SQLite container itself (and
may give it a matching integrity hash, so the damage reaches the readers
behind the hash check); the envelope ones rewrite the clear header.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dentalpin_import.reader.compression import compress_stream
from dentalpin_import.reader.crypto import MAGIC as DPME_MAGIC
from dentalpin_import.reader.crypto import derive_key, header_json
from dentalpin_import.reader.integrity import compute_hash
from dentalpin_import.sample.writer import WarningRow
from tests import dpmf_builder as b

# Values of one patient that must never appear in a refusal (FORMAT.md rows are health data).
SENTINELS = ("Centinela", "Secretísima", "99999999R", "1971-07-07")
PAGE = 4096
SALT = bytes(range(16))
_KEY: dict[str, bytes] = {}


def base_rows():
    """The small clinic, a patient whose values are the sentinels, and enough rows for pages."""
    sentinel = b.patient(
        9,
        given_name=SENTINELS[0],
        family_name=SENTINELS[1],
        national_id=SENTINELS[2],
        date_of_birth=SENTINELS[3],
    )
    extra = [b.patient(100 + i, notes="historia clínica " * 20) for i in range(40)]
    return b.small_clinic_rows() + [sentinel] + extra


def base_warnings():
    return [
        WarningRow("warn", "source.invalid_date", "FecNac 1899-12-30", "patient", "3"),
        WarningRow("info", "source.note", f"paciente {SENTINELS[0]}", "patient", "9", '{"a": 1}'),
    ]


def base_file(directory) -> bytes:
    """The SQLite bytes of the base clinic, with its files and warnings."""
    path = b.build(
        directory,
        base_rows(),
        name="base",
        files=b.small_clinic_files(),
        warnings=base_warnings(),
    )
    return path.read_bytes()


def seal(plain: bytes, inner_layout: str) -> bytes:
    """Encrypt `plain` as a DPME envelope under the test passphrase (key derived once)."""
    if "key" not in _KEY:
        _KEY["key"] = derive_key(b.PASSPHRASE, SALT)
    iv = os.urandom(12)
    header = header_json(SALT, iv, inner_layout)
    sealed = AESGCM(_KEY["key"]).encrypt(iv, plain, header)
    return DPME_MAGIC + struct.pack("<I", len(header)) + header + sealed


def zstd(plain: bytes) -> bytes:
    import io

    out = io.BytesIO()
    compress_stream(io.BytesIO(plain), out)
    return out.getvalue()


def wrap(plain: bytes, layer: str) -> bytes:
    """The SQLite bytes `plain` as a file of `layer`."""
    if layer == "raw":
        return plain
    if layer == "zstd":
        return zstd(plain)
    inner = zstd(plain) if layer == "zstd-enc" else plain
    return seal(inner, "zstd" if layer == "zstd-enc" else "raw")


# --- bytes -----------------------------------------------------------------------------------


def flip_bits(rng, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(rng, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def insert_bytes(rng, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]


def delete_bytes(rng, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 64) :]


BYTES = (flip_bits, truncate, insert_bytes, delete_bytes)


# --- SQLite pages (raw layer) ------------------------------------------------------------------


def _pages(data: bytes) -> int:
    return len(data) // PAGE


def page_noise(rng, data: bytes) -> bytes:
    p = rng.randrange(_pages(data))
    return data[: p * PAGE] + rng.randbytes(PAGE) + data[(p + 1) * PAGE :]


def page_zero(rng, data: bytes) -> bytes:
    p = rng.randrange(1, _pages(data))
    return data[: p * PAGE] + bytes(PAGE) + data[(p + 1) * PAGE :]


def page_copy(rng, data: bytes) -> bytes:
    """One page written over another: well-formed pages in the wrong place."""
    src, dst = rng.randrange(1, _pages(data)), rng.randrange(1, _pages(data))
    page = data[src * PAGE : (src + 1) * PAGE]
    return data[: dst * PAGE] + page + data[(dst + 1) * PAGE :]


def page_flips(rng, data: bytes) -> bytes:
    """A few bits flipped inside one page's header and cell pointers."""
    p = rng.randrange(1, _pages(data))
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[p * PAGE + rng.randrange(40)] ^= 1 << rng.randrange(8)
    return bytes(out)


def header_page_count(rng, data: bytes) -> bytes:
    """The database header claims far more pages than the file holds."""
    return data[:28] + struct.pack(">I", rng.randint(10_000, 2**31)) + data[32:]


PAGES = (page_noise, page_zero, page_copy, page_flips, header_page_count)


# --- SQL edits of the container ------------------------------------------------------------------


def _utf8_breaker(rng) -> str:
    """SQL for a text value holding a sentinel and bytes that are not UTF-8."""
    raw = SENTINELS[0].encode() + rng.choice([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf8\x88"])
    return f"CAST(x'{raw.hex()}' AS TEXT)"


def _one_row(conn, rng, table: str) -> int:
    rowids = [r[0] for r in conn.execute(f'SELECT rowid FROM "{table}"')]
    return rng.choice(rowids)


def _entity_table(conn, rng) -> str:
    return rng.choice([r[0] for r in conn.execute("SELECT entity_type FROM _entities")])


def sql_bad_json(conn, rng):
    t = _entity_table(conn, rng)
    conn.execute(
        f'UPDATE "{t}" SET payload = substr(payload, 1, length(payload) / 2) WHERE rowid = ?',
        (_one_row(conn, rng, t),),
    )


def sql_not_utf8(conn, rng):
    column = rng.choice(
        ["payload", "source_id", "source_system", "raw_source_data", "extracted_at"]
        + ["canonical_uuid"]
    )
    t = "patient" if rng.random() < 0.5 else _entity_table(conn, rng)
    conn.execute(
        f'UPDATE "{t}" SET {column} = {_utf8_breaker(rng)} WHERE rowid = ?',
        (_one_row(conn, rng, t),),
    )


def sql_not_utf8_system(conn, rng):
    table, column = rng.choice(
        [
            ("_files", "relative_path"),
            ("_warnings", "message"),
            ("_meta", "value"),
            ("_entities", "schema_version"),
        ]
    )
    conn.execute(
        f"UPDATE {table} SET {column} = {_utf8_breaker(rng)} WHERE rowid = ?",
        (_one_row(conn, rng, table),),
    )


def sql_drop_table(conn, rng):
    table = rng.choice([_entity_table(conn, rng), "_meta", "_entities", "_files", "_warnings"])
    conn.execute(f'DROP TABLE "{table}"')


def sql_rename_column(conn, rng):
    table = rng.choice([_entity_table(conn, rng), "_meta", "_entities", "_files", "_warnings"])
    columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    conn.execute(f'ALTER TABLE "{table}" RENAME COLUMN {rng.choice(columns)} TO renamed')


def sql_rename_table(conn, rng):
    table = rng.choice([_entity_table(conn, rng), "_files", "_warnings"])
    conn.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_old"')


def sql_wrong_types(conn, rng):
    t = _entity_table(conn, rng)
    edits = [
        ("UPDATE _entities SET row_count = 'many' WHERE entity_type = ?", (t,)),
        ("UPDATE _entities SET row_count = 1e300 WHERE entity_type = ?", (t,)),
        (f'UPDATE "{t}" SET payload = 42 WHERE rowid = ?', (_one_row(conn, rng, t),)),
        (f"UPDATE \"{t}\" SET payload = x'00ff7b7d' WHERE rowid = ?", (_one_row(conn, rng, t),)),
        (f'UPDATE "{t}" SET raw_source_data = 3 WHERE rowid = ?', (_one_row(conn, rng, t),)),
        (f'UPDATE "{t}" SET source_id = 7.5 WHERE rowid = ?', (_one_row(conn, rng, t),)),
        ("UPDATE _files SET declared_size_bytes = 9223372036854775807", ()),
        ("UPDATE _files SET declared_size_bytes = 'big', sha256 = 12", ()),
        ("UPDATE _warnings SET raw_data = 5, severity = 'fatal', code = 7", ()),
        ("UPDATE _warnings SET raw_data = ?", ("[" * 3000 + "]" * 3000,)),
        ('UPDATE _warnings SET raw_data = \'{"x": NaN, "y": "a\\u0000b"}\'', ()),
        ("UPDATE _warnings SET entity_type = x'0102', source_id = 3", ()),
        ("UPDATE _meta SET value = ? WHERE key = 'tenant_label'", ("tenant\x00label",)),
    ]
    sql, params = rng.choice(edits)
    conn.execute(sql, params)


def sql_odd_keys(conn, rng):
    """A canonical id that is NULL, not text, or shared by two rows."""
    t = _entity_table(conn, rng)
    kind = rng.randrange(3)
    if kind < 2:
        value = "NULL" if kind == 0 else "12345"
        sql = f'UPDATE "{t}" SET canonical_uuid = {value} WHERE rowid = ?'
        conn.execute(sql, (_one_row(conn, rng, t),))
    else:
        conn.executescript(
            f'CREATE TABLE copy AS SELECT * FROM "{t}"; DROP TABLE "{t}"; '
            f'ALTER TABLE copy RENAME TO "{t}";'
            f"INSERT INTO \"{t}\" SELECT canonical_uuid, source_id || '-twin', source_system, "
            f'payload, raw_source_data, extracted_at FROM "{t}" LIMIT 1;'
        )
        conn.execute("UPDATE _entities SET row_count = row_count + 1 WHERE entity_type = ?", (t,))


def sql_hostile_payload(conn, rng):
    """Payloads a row must survive: deep, NUL, lone surrogate, not an object, huge."""
    t = _entity_table(conn, rng)
    value = rng.choice(
        [
            "[" * 5000 + "]" * 5000,
            '{"given_name": "Centinela\\u0000", "notes": "\\ud800"}',
            "[1, 2, 3]",
            '{"amount": 1e999, "total": NaN}',
            json.dumps({"notes": "x" * 300_000}),
        ]
    )
    conn.execute(f'UPDATE "{t}" SET payload = ? WHERE rowid = ?', (value, _one_row(conn, rng, t)))


def sql_meta(conn, rng):
    edits = [
        "DELETE FROM _meta WHERE key = 'format_version'",
        "UPDATE _meta SET value = '9.0.0' WHERE key = 'format_version'",
        "UPDATE _meta SET value = 'v0.1' WHERE key = 'format_version'",
        "UPDATE _meta SET value = 'md5' WHERE key = 'integrity_hash_algo'",
        "UPDATE _meta SET value = '' WHERE key = 'integrity_hash'",
        "INSERT INTO _entities VALUES ('ghost', 0, '0.1.0')",
        "INSERT INTO _entities VALUES ('bad name', 0, '0.1.0')",
        "PRAGMA user_version = 7",
        "CREATE TABLE stray (x)",
    ]
    conn.execute(rng.choice(edits))


SQL = (
    sql_bad_json,
    sql_not_utf8,
    sql_not_utf8_system,
    sql_drop_table,
    sql_rename_column,
    sql_rename_table,
    sql_wrong_types,
    sql_odd_keys,
    sql_hostile_payload,
    sql_meta,
)


def edit_sql(rng, plain: bytes, edit, rehash: bool) -> bytes:
    """Apply `edit` to a copy of the SQLite bytes; with `rehash`, make the hash match again."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.sqlite3"
        path.write_bytes(plain)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA ignore_check_constraints = ON")  # damage the CHECKs would stop
        try:
            edit(conn, rng)
            conn.commit()
            if rehash:
                _rehash(conn)
        finally:
            conn.close()
        return path.read_bytes()


def _rehash(conn) -> None:
    try:
        types = [r[0] for r in conn.execute("SELECT entity_type FROM _entities")]
        digest = compute_hash(conn, [t for t in types if t.isidentifier()])
        conn.execute("UPDATE _meta SET value = ? WHERE key = 'integrity_hash'", (digest,))
    except (sqlite3.Error, UnicodeDecodeError, AttributeError):
        return  # what cannot be read cannot be hashed: the reader must refuse it anyway
    conn.commit()


# --- zstd and the envelope ----------------------------------------------------------------------


def rle_bomb(total: int, declared: bool) -> bytes:
    """A zstd frame of `total` zero bytes in 4-byte RLE blocks (64 KB per 2 GiB)."""
    block = 128 * 1024
    count = total // block
    if declared:
        header = b"\x28\xb5\x2f\xfd" + bytes([0xC0 | 0x00, 0x38]) + struct.pack("<Q", total)
    else:
        header = b"\x28\xb5\x2f\xfd" + bytes([0x00, 0x38])
    body = bytearray()
    for i in range(count):
        last = 1 if i == count - 1 else 0
        body += (last | (1 << 1) | (block << 3)).to_bytes(3, "little") + b"\x00"
    return header + bytes(body)


def zstd_specials(rng, compressed: bytes) -> bytes:
    return rng.choice(
        [
            lambda: rle_bomb(1 << 31, declared=True),
            lambda: rle_bomb(1 << 31, declared=False),
            lambda: compressed[:4] + bytes([compressed[4] | 0x08]) + compressed[5:],
            lambda: compressed + b"trailing junk",
            lambda: compressed + compressed[: len(compressed) // 2],
            lambda: compressed[:6] + b"\x07\x00\x00" + compressed[9:],  # reserved block type
        ]
    )()


def envelope_specials(rng, sealed: bytes) -> bytes:
    """The clear header rewritten: odd JSON the envelope parser must refuse, not trip on."""
    length = int.from_bytes(sealed[4:8], "little")
    header = json.loads(sealed[8 : 8 + length])
    body = sealed[8 + length :]
    edits = [
        lambda h: "[" * 20000 + "]" * 20000,
        lambda h: {**h, "iv": "QUFB" * 100},
        lambda h: {**h, "kdf_params": {**h["kdf_params"], "n": "131072"}},
        lambda h: {**h, "kdf_params": {**h["kdf_params"], "salt": 5}},
        lambda h: {**h, "inner_layout": None},
        lambda h: {**h, "v": 2},
        lambda h: [h],
    ]
    value = rng.choice(edits)(header)
    text = (value if isinstance(value, str) else json.dumps(value)).encode()
    return DPME_MAGIC + struct.pack("<I", len(text)) + text + body
