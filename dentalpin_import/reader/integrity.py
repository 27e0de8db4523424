"""The logical integrity hash of FORMAT.md §6, streamed with SQLite's own ordering."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable

ENTITIES_SQL = "SELECT entity_type, row_count, schema_version FROM _entities ORDER BY entity_type"
ENTITY_COLUMNS = ("canonical_uuid", "source_id", "source_system", "payload", "raw_source_data")
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


class HashPass:
    """One streamed read of everything the hash covers, in the hash's order.

    `read_also` names entity columns to fetch with the hashed ones without
    hashing them: a reader passes the columns it reads later, so that this one
    pass proves every value it will read decodes. While it runs, `table` and
    `rows[table]` say where it is, for a caller that has to name where a read
    failed.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        entity_types: list[str],
        progress: Callable[[int], None] | None = None,
        read_also: tuple[str, ...] = (),
    ):
        self.conn = conn
        self.entity_types = entity_types
        self.progress = progress
        self.read_also = read_also
        self.table = "_entities"
        self.rows: dict[str, int] = {}

    def _batches(self, name: str, sql: str):
        """Yield the rows of `sql` a batch at a time, counting them under `name`."""
        self.table = name
        self.rows[name] = 0
        cursor = self.conn.execute(sql)
        while rows := cursor.fetchmany(2000):
            self.rows[name] += len(rows)
            yield rows

    def run(self) -> str:
        """Return the lowercase hex SHA-256 of the canonical rendering of the container.

        `entity_types` must already be validated identifiers.
        """
        digest = hashlib.sha256()
        for rows in self._batches("_entities", ENTITIES_SQL):
            for row in rows:
                digest.update(_line("_entities", row))
        columns = ", ".join(ENTITY_COLUMNS + self.read_also)
        hashed = len(ENTITY_COLUMNS)
        done = 0
        for entity_type in sorted(self.entity_types, key=lambda t: t.encode("utf-8")):
            sql = f'SELECT {columns} FROM "{entity_type}" ORDER BY canonical_uuid'
            for rows in self._batches(entity_type, sql):
                if self.read_also:
                    rows = [row[:hashed] for row in rows]
                for row in rows:
                    digest.update(_line(entity_type, row))
                done += len(rows)
                if self.progress:
                    self.progress(done)
        for rows in self._batches("_files", FILES_SQL):
            for row in rows:
                digest.update(_line("_files", row))
        for rows in self._batches("_warnings", WARNINGS_SQL):
            for row in rows:
                digest.update(_line("_warnings", row))
        return digest.hexdigest()


def compute_hash(
    conn: sqlite3.Connection, entity_types: list[str], progress: Callable[[int], None] | None = None
) -> str:
    """Return the lowercase hex SHA-256 of the canonical rendering of the container.

    `entity_types` must already be validated identifiers.
    """
    return HashPass(conn, entity_types, progress).run()
