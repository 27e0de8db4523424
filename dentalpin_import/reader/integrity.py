"""The logical integrity hash of FORMAT.md §6, streamed with SQLite's own ordering."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable

FILES_SQL = (
    "SELECT canonical_uuid, parent_entity_type, parent_canonical_uuid, relative_path, "
    "declared_size_bytes, sha256, mime_hint FROM _files ORDER BY canonical_uuid"
)
WARNINGS_SQL = (
    "SELECT id, entity_type, source_id, severity, code, message, raw_data "
    "FROM _warnings ORDER BY id"
)


def _line(prefix: str, values) -> bytes:
    # Python str() of each value, joined by '|', no escaping: exactly what §6.1 prescribes.
    return ("|".join([prefix, *map(str, values)]) + "\n").encode("utf-8")


def compute_hash(
    conn: sqlite3.Connection, entity_types: list[str], progress: Callable[[int], None] | None = None
) -> str:
    """Return the lowercase hex SHA-256 of the canonical rendering of the container.

    `entity_types` must already be validated identifiers.
    """
    digest = hashlib.sha256()
    for row in conn.execute(
        "SELECT entity_type, row_count, schema_version FROM _entities ORDER BY entity_type"
    ):
        digest.update(_line("_entities", row))
    done = 0
    for entity_type in sorted(entity_types, key=lambda t: t.encode("utf-8")):
        cursor = conn.execute(
            f"SELECT canonical_uuid, source_id, source_system, payload, raw_source_data "
            f'FROM "{entity_type}" ORDER BY canonical_uuid'
        )
        while rows := cursor.fetchmany(2000):
            for row in rows:
                digest.update(_line(entity_type, row))
            done += len(rows)
            if progress:
                progress(done)
    for row in conn.execute(FILES_SQL):
        digest.update(_line("_files", row))
    for row in conn.execute(WARNINGS_SQL):
        digest.update(_line("_warnings", row))
    return digest.hexdigest()
