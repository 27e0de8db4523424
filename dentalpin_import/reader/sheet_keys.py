"""A sheet's keys kept on disk: which line first had a key, which chunk holds a record.

A sheet's reader remembers every key it has seen (a repeated key is refused as
a duplicate) and the spill remembers the chunk of every record (to read rows by
key). Held in dictionaries they grew by about 100 bytes a row; here they live
in a private temporary SQLite database (deleted when closed or when the process
ends) whose page cache is bounded, so memory stays flat whatever the sheet's
size. Keys are stored as keyed digests under a key that exists only in this
object: the file never shows an id, nor anything to test a guessed one against.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable

CACHE_KIB = 1024  # the temporary database's page cache; the rest of it stays on disk
SECRET = 16


class KeyStore:
    """Digests of keys with a number each: the first line a key was seen on, or a chunk."""

    def __init__(self):
        # "" is SQLite's private temporary database on disk, removed on close.
        # Used by one thread at a time, not always the one that read the sheet.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.executescript(
            f"PRAGMA cache_size = -{CACHE_KIB}; PRAGMA journal_mode = OFF; "
            "PRAGMA synchronous = OFF; "
            "CREATE TABLE first (digest BLOB PRIMARY KEY, number INTEGER NOT NULL, "
            "repeats INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID; "
            "CREATE TABLE chunk_of (digest BLOB NOT NULL, number INTEGER NOT NULL, "
            "PRIMARY KEY (digest, number)) WITHOUT ROWID; BEGIN"
        )
        self._secret = os.urandom(SECRET)

    def digest(self, key: str) -> bytes:
        return hashlib.blake2b(key.encode(), digest_size=16, key=self._secret).digest()

    def first(self, key: str, number: int) -> tuple[int, int]:
        """(the number `key` was first given, how many times it has been given): the first
        time, (`number`, 1)."""
        digest = self.digest(key)
        # Most keys are new: one statement, and only a repeated one needs a second.
        added = self._db.execute(
            "INSERT OR IGNORE INTO first (digest, number) VALUES (?, ?)", (digest, number)
        )
        if added.rowcount == 1:
            return number, 1
        found = self._db.execute(
            "UPDATE first SET repeats = repeats + 1 WHERE digest = ? RETURNING number, repeats",
            (digest,),
        )
        return found.fetchone()

    def add(self, keys: Iterable[str], number: int) -> None:
        """Remember `number` (a chunk) for each of `keys`; a key may have several."""
        self._db.executemany(
            "INSERT OR IGNORE INTO chunk_of (digest, number) VALUES (?, ?)",
            ((self.digest(k), number) for k in keys),
        )

    def numbers(self, keys: Iterable[str]) -> set[int]:
        """Every number remembered for any of `keys`."""
        digests = [self.digest(k) for k in keys]
        found: set[int] = set()
        for start in range(0, len(digests), 500):  # older SQLite builds take 999 `?` at most
            part = digests[start : start + 500]
            marks = ", ".join("?" * len(part))
            query = f"SELECT DISTINCT number FROM chunk_of WHERE digest IN ({marks})"
            found.update(n for (n,) in self._db.execute(query, part))
        return found

    def close(self) -> None:
        self._db.close()
