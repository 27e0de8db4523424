"""The sample clinic of the kill-anywhere test: every v0.1 type, and one a later 0.x adds.

The generated sample (`make_sample_dpmf`'s generator, fixed seed) gets one more
entity type that no mapper knows, as a future minor version of the format may
add: its rows are kept verbatim as raw entities, in a phase of their own
("level 9 unknown types (raw)"). The encrypted copy is the very same container,
compressed and encrypted by the real writer's layers.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from dentalpin_import.reader.compression import compress_stream
from dentalpin_import.reader.crypto import encrypt_stream
from dentalpin_import.reader.integrity import compute_hash
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.writer import ENTITY_TABLE, canonical_uuid

FUTURE_TYPE = "referral_letter"
SYSTEM = "gesden"


def sample_files(folder: Path, *, patients: int, seed: int, passphrase: str) -> dict[str, str]:
    """{layer: path} of the same sample clinic as a plain and as an encrypted file."""
    raw = folder / "sample.dpm"
    generate_sample(raw, patients=patients, seed=seed, layer="raw", binaries=False)
    add_future_type(raw, rows=25)
    zstd, encrypted = folder / "sample.dpm.zst", folder / "sample.dpm.zst.enc"
    with open(raw, "rb") as src, open(zstd, "wb") as dst:
        compress_stream(src, dst)
    with open(zstd, "rb") as src, open(encrypted, "wb") as dst:
        encrypt_stream(src, dst, passphrase, "zstd")
    zstd.unlink()
    return {"raw": str(raw), "zstd-enc": str(encrypted)}


def add_future_type(path: Path, *, rows: int) -> None:
    """Add `rows` rows of FUTURE_TYPE to a plain DPMF file and stamp its new integrity hash."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(ENTITY_TABLE.format(t=FUTURE_TYPE))
        conn.executemany(
            f'INSERT INTO "{FUTURE_TYPE}" VALUES (?, ?, ?, ?, ?, ?)',
            [
                (
                    canonical_uuid(SYSTEM, FUTURE_TYPE, str(n)),
                    str(n),
                    SYSTEM,
                    json.dumps({"patient_ref": n, "text": f"Carta de derivación nº {n}"}),
                    json.dumps({"IdCarta": n}),
                    "2026-01-01T00:00:00Z",
                )
                for n in range(1, rows + 1)
            ],
        )
        version = conn.execute("SELECT schema_version FROM _entities LIMIT 1").fetchone()[0]
        conn.execute("INSERT INTO _entities VALUES (?, ?, ?)", (FUTURE_TYPE, rows, version))
        types = [r[0] for r in conn.execute("SELECT entity_type FROM _entities")]
        digest = compute_hash(conn, types)
        conn.execute("UPDATE _meta SET value = ? WHERE key = 'integrity_hash'", (digest,))
        conn.commit()
    finally:
        conn.close()
