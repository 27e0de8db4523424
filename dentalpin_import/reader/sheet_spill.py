"""A sheet's records kept out of memory: written once, in chunks, to an encrypted temporary file.

A sheet is read once; its records are then read again by each pass of the
import (counts, the preview, each entity type, rows by key), a chunk at a time
(500 records, fewer when their cells are long), so memory holds one chunk
whatever the sheet's size. The file is anonymous
(gone when closed or when the process ends) and each chunk is sealed with
AES-GCM under a key that exists only in this object: the records hold clinical
text, which is never written to disk in clear. The chunk of each key (for
`among`) is kept on disk too, as a keyed digest (`sheet_keys.KeyStore`),
from the first time rows are asked for by key.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dentalpin_import.reader.sheet_keys import KeyStore
from dentalpin_import.reader.sheet_records import SheetRecord

CHUNK = 500
CHUNK_CHARS = 1 << 20  # a chunk of long notes is sealed sooner: memory holds about this much
NONCE = 12


class SpilledRecords:
    """Records in file order, readable again and again; a sequence for len() and indexing."""

    def __init__(self, records: Iterable[SheetRecord] = ()):
        self._file = tempfile.TemporaryFile(prefix="dentalpin-sheet-")
        self._aead = AESGCM(AESGCM.generate_key(bit_length=128))
        self._chunks: list[tuple[int, int]] = []  # (offset, length) of each sealed chunk
        self._chunk_of: KeyStore | None = None  # canonical id -> chunk number, when asked
        self._indexed = 0  # the chunks `_chunk_of` knows
        self._pending: list[SheetRecord] = []
        self._pending_chars = 0
        self._types: list[frozenset[str]] = []  # the entity types each chunk holds
        self.counts: Counter[str] = Counter()
        self.extend(records)

    def extend(self, records: Iterable[SheetRecord]) -> None:
        for record in records:
            self.append(record)
        self._flush()

    def append(self, record: SheetRecord) -> None:
        self._pending.append(record)
        self.counts[record.entity_type] += 1
        self._pending_chars += sum(map(len, record.raw.values()))
        if len(self._pending) >= CHUNK or self._pending_chars >= CHUNK_CHARS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        nonce = os.urandom(NONCE)
        sealed = nonce + self._aead.encrypt(nonce, pickle.dumps(self._pending, protocol=5), None)
        self._file.seek(0, os.SEEK_END)
        self._chunks.append((self._file.tell(), len(sealed)))
        self._types.append(frozenset(r.entity_type for r in self._pending))
        self._file.write(sealed)
        self._pending = []
        self._pending_chars = 0

    def _chunk(self, number: int) -> list[SheetRecord]:
        offset, length = self._chunks[number]
        self._file.seek(offset)
        sealed = self._file.read(length)
        # Only this object wrote the file, under a key nobody else has: a chunk that
        # does not authenticate raises rather than being read.
        return pickle.loads(self._aead.decrypt(sealed[:NONCE], sealed[NONCE:], None))

    def chunks(self, entity_type: str | None = None) -> Iterator[list[SheetRecord]]:
        """Every chunk of records in file order (the pending ones last); with `entity_type`,
        only the chunks that hold some of that type (a sheet's two staff rows are not
        looked for in every chunk of patients)."""
        for number in range(len(self._chunks)):
            if entity_type is None or entity_type in self._types[number]:
                yield self._chunk(number)
        if self._pending:
            yield list(self._pending)

    def __iter__(self) -> Iterator[SheetRecord]:
        for chunk in self.chunks():
            yield from chunk

    def __len__(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("record index out of range")
        return next(islice(iter(self), index, None))

    def among(self, keys: Iterable[str]) -> list[SheetRecord]:
        """The records whose canonical id is in `keys`, in file order, reading only their chunks."""
        wanted = set(keys)
        found = []
        for number in sorted(self._index().numbers(wanted)):
            found += [r for r in self._chunk(number) if r.canonical_uuid in wanted]
        # Records not sealed yet are not in the index: looked at in memory.
        return found + [r for r in self._pending if r.canonical_uuid in wanted]

    def _index(self) -> KeyStore:
        """The chunk of every sealed record's key, built on the first `among`.

        Rows are asked for by key only when some were deferred (they wait for a
        row of their own type), which few sheets have: the index is not worth its
        cost per row for the others, and one pass over the chunks builds it.
        """
        if self._chunk_of is None:
            self._chunk_of = KeyStore()
        for number in range(self._indexed, len(self._chunks)):
            self._chunk_of.add((r.canonical_uuid for r in self._chunk(number)), number)
        self._indexed = len(self._chunks)
        return self._chunk_of

    def close(self) -> None:
        self._file.close()
        if self._chunk_of is not None:
            self._chunk_of.close()
