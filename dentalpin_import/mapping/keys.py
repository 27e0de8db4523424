"""The clinic rows a run's source keys were mapped to, kept in memory for later rows.

A run resolves tens of thousands of references (every treatment names its
patient, budget line and professional). Keys the run wrote or loaded stay here
so the next chunk finds them without a query. The store is bounded by the
caller (`DPMF_ID_CACHE_SIZE`) and forgets a type once no type still to come
refers to it, so what it holds is what later rows can use.

Most types map every row into one table. That table is kept once per type;
only the rows that went elsewhere (a treatment kept as a clinical note) keep
their own. Keys are grouped by type, so no (type, key) tuple is built per row.

It also holds the keys of rows the rules left out (a voided debt, a payment of
0): a row naming one of them is left out by the same rule, never counted as
failed (`MappingContext.require`). A key held neither way is absent or failed.
"""

from __future__ import annotations

from collections.abc import Iterable


class ResolvedKeys:
    """{entity type: {canonical_uuid: clinic row id}} and the table of each row."""

    __slots__ = ("_ids", "_usual", "_other", "_left_out")

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, int]] = {}
        self._usual: dict[str, str] = {}  # entity type -> the table most of its rows went to
        self._other: dict[tuple[str, str], str] = {}  # (type, key) -> a table other than usual
        self._left_out: dict[str, set[str]] = {}  # entity type -> keys a rule left out

    def __len__(self) -> int:
        return sum(map(len, self._ids.values())) + sum(map(len, self._left_out.values()))

    def __contains__(self, pair: tuple[str, str]) -> bool:
        ids = self._ids.get(pair[0])
        return ids is not None and pair[1] in ids

    def get(self, entity_type: str, key: str) -> int | None:
        """The row id `key` of `entity_type` was mapped to, or None when not held."""
        ids = self._ids.get(entity_type)
        return None if ids is None else ids.get(key)

    def table(self, entity_type: str, key: str) -> str | None:
        """The table of that row, or None when the key is not held."""
        ids = self._ids.get(entity_type)
        if ids is None or key not in ids:
            return None
        return self._table_of(entity_type, key)

    def get_in(self, entity_type: str, key: str, table: str) -> int | None:
        """The row id `key` was mapped to if that row is in `table`, else None (one look-up)."""
        ids = self._ids.get(entity_type)
        if ids is None:
            return None
        target = ids.get(key)
        if target is None or self._table_of(entity_type, key) != table:
            return None
        return target

    def _table_of(self, entity_type: str, key: str) -> str:
        """The table of a key this store holds: its own if unusual, else its type's."""
        held = self._other.get((entity_type, key)) if self._other else None
        return held or self._usual[entity_type]

    def left_out(self, entity_type: str, key: str) -> bool:
        """True when the rules left the row of `key` out (`leave_out`)."""
        keys = self._left_out.get(entity_type)
        return keys is not None and key in keys

    def leave_out(self, entity_type: str, key: str) -> None:
        """Remember that a rule left the row of `key` out: it has no clinic row."""
        self._left_out.setdefault(entity_type, set()).add(key)

    def add(self, entity_type: str, key: str, target_id: int, table: str) -> None:
        self.add_many(entity_type, ((key, target_id, table),))

    def add_many(self, entity_type: str, rows: Iterable[tuple[str, int, str]]) -> None:
        """`add` of many (key, row id, table) of one type: a chunk's rows, in one call."""
        left_out = self._left_out.get(entity_type) if self._left_out else None
        ids = self._ids.get(entity_type)
        other = self._other
        for key, target_id, table in rows:
            if ids is None:
                ids = self._ids[entity_type] = {}
                self._usual[entity_type] = table
            if left_out:
                left_out.discard(key)
            ids[key] = target_id
            if table != self._usual[entity_type]:
                other[(entity_type, key)] = table
            elif other:
                other.pop((entity_type, key), None)

    def missing(self, pairs: Iterable[tuple[str, str | None]]) -> dict[str, set[str]]:
        """{entity type: keys} of the non-empty `pairs` this store does not hold either way."""
        wanted: dict[str, set[str]] = {}
        left_out = self._left_out
        for entity_type, key in pairs:
            if not key:
                continue
            ids = self._ids.get(entity_type)
            if ids is None or key not in ids:
                if left_out and key in left_out.get(entity_type, ()):
                    continue
                wanted.setdefault(entity_type, set()).add(key)
        return wanted

    def types(self) -> set[str]:
        return set(self._ids) | set(self._left_out)

    def clear(self) -> None:
        self._ids.clear()
        self._usual.clear()
        self._other.clear()
        self._left_out.clear()

    def keep_only(self, entity_types: Iterable[str]) -> None:
        """Forget every type not in `entity_types`."""
        keep = set(entity_types)
        for entity_type in [t for t in self._left_out if t not in keep]:
            del self._left_out[entity_type]
        gone = [t for t in self._ids if t not in keep]
        if not gone:
            return
        for entity_type in gone:
            del self._ids[entity_type]
            del self._usual[entity_type]
        if self._other:
            self._other = {k: v for k, v in self._other.items() if k[0] in keep}
