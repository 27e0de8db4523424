"""A chunk of a type the clinic already has rows of: new rows, rows passed by, rows merged.

`ChunkUpdates` is the part of `chunks.ChunkWriter` that reads such a chunk by key
(a re-run, a resumed job, a later export of the clinic): it sorts the chunk's keys
(`triage`), passes by the rows whose digest is their mapping's, maps the changed
ones again and has `loader/merge.py` merge them into the rows they became.
"""

from __future__ import annotations

import logging

from django.db import transaction

from dentalpin_import.loader import merge
from dentalpin_import.loader.changes import record_digest, source_row_digest
from dentalpin_import.loader.row_errors import (
    ROW_FAILED,
    ChunkResult,
    failure_message,
    stops_the_job,
    usable_key,
)
from dentalpin_import.loader.source_keys import mappings_to_compare
from dentalpin_import.models import EXTRA_SUFFIX

log = logging.getLogger(__name__)
# What a skip marker's `written` holds when a rule left its row out (a voided debt):
# a resumed job counts it as it counted it the first time.
RULED_OUT = "ruled_out"


class ChunkUpdates:
    """Reading by key and merging changed rows; mixed into `chunks.ChunkWriter`."""

    def process_keys(self, keys: list[str], source) -> ChunkResult:
        """Import one chunk given by its keys: only rows new or changed are mapped.

        For a type the clinic already has rows of (a re-run, a resumed job, a later
        export), a row mapped by an earlier job is read for its digest alone: an
        unchanged one is passed by, a changed one is mapped again and merged into
        its clinic row (`loader/merge.py`). Rows not mapped yet are imported.
        """
        result = ChunkResult()
        self.seen.update(keys)  # the file's keys, for the rows missing from it (loader/missing.py)
        known, missing, compare = self.triage(keys)
        if compare:
            self.update_changed(source.rows_among(self.entity, compare), known, result)
        if not missing:
            return result
        rows = source.rows_among(self.entity, missing)
        return self.process_records(self.new_records(rows, result, known={}), result)

    def process_known(self, rows, result: ChunkResult) -> ChunkResult:
        """`process_keys` for rows already read (the final pass of a type the clinic has)."""
        known, missing, compare = self.triage([r.canonical_uuid for r in rows])
        if compare:
            wanted = set(compare)
            self.update_changed([r for r in rows if r.canonical_uuid in wanted], known, result)
        wanted = set(missing)
        new = [r for r in rows if r.canonical_uuid in wanted]
        return self.process_records(self.new_records(new, result, known={}), result)

    def triage(self, keys: list[str]) -> tuple[dict, list[str], list[str]]:
        """The keys' mappings; the keys not mapped yet; those an earlier job mapped.

        Rows this job mapped (an earlier attempt), skip markers and copies are
        counted here.
        """
        known = mappings_to_compare(self.ctx, self.entity, [k for k in keys if usable_key(k)])
        missing, compare = [], []
        for key in keys:
            if key in known:
                mine, marker, linked = known[key][:3]
                copy = self.copies.check(key, self.ctx.final_pass)
                if mine or marker or copy:
                    ruled = marker and known[key][5] == RULED_OUT
                    self.count_known(mine, marker, linked, copy=copy, ruled_out=ruled)
                else:
                    compare.append(key)
            elif not missing or missing[-1] != key:
                missing.append(key)
        return known, missing, compare

    def update_changed(self, rows, known: dict, result: ChunkResult) -> None:
        """Pass by the rows whose digest is the mapping's; merge the others (a cutover)."""
        changed, seen = [], set()
        for row in rows:
            if row.canonical_uuid in seen:
                continue  # a copy of the row: counted with the copies (`triage`)
            seen.add(row.canonical_uuid)
            digest = known[row.canonical_uuid][4]
            if digest and digest == source_row_digest(row):
                self.counts.already_mapped += 1
            else:
                changed.append(row)
        if changed:
            self.update_rows(changed, known, result)

    def update_rows(self, rows, known: dict, result: ChunkResult) -> None:
        """Map changed rows again and merge them into their clinic rows."""
        records = self.new_records(rows, result, known={}, checked=True)
        if not records:
            return
        before = self.counts.snapshot()
        warned, deferred = len(result.warnings), len(result.deferred)
        self.ctx.updating = True
        try:
            with transaction.atomic():
                self.prepare(records)
                outcomes = [(r, self.map_one(r, result)) for r in records]
                pending, notes, reshaped = self.pending_updates(outcomes, known)
                merged = merge.merge(self.ctx, self.entity, pending, self.ctx.on_conflict)
                merge.reshaped(self.ctx, self.entity, reshaped, merged)
        except Exception as exc:
            if stops_the_job(exc):
                raise
            log.info("changed rows of %s refused (%s)", self.entity, type(exc))
            self.counts.restore(before)
            del result.warnings[warned:]
            del result.deferred[deferred:]
            for record in records:
                self.fail(result, record, ROW_FAILED, failure_message("save", exc))
            return
        finally:
            self.ctx.updating = False
        for record, outcome in outcomes:
            if outcome is not None:
                kind = merged.outcomes.get(record.canonical_uuid, merge.UNCHANGED)
                setattr(self.counts, kind, getattr(self.counts, kind) + 1)
        result.warnings += self.note_warnings(notes)

    def pending_updates(self, outcomes, known: dict) -> tuple[list, list, list]:
        """What to merge of each mapped outcome: its main row, and its further rows (family
        shares, alerts found in a patient's notes) when the earlier file produced as many of
        the same kinds; and the rows the later file would turn into other kinds of rows."""
        extra_type = self.entity + EXTRA_SUFFIX
        wanted = [
            f"{record.canonical_uuid}:{i}"
            for record, outcome in outcomes
            if outcome is not None
            for i in range(1, len(outcome.instances))
        ]
        extras = mappings_to_compare(self.ctx, extra_type, wanted) if wanted else {}
        pending, notes, reshaped = [], [], []
        for record, outcome in outcomes:
            if outcome is None:
                continue  # failed or deferred: counted and warned
            key = record.canonical_uuid
            _, _, _, pk, digest, written, table, target = known[key]
            instances = outcome.instances
            if not instances or instances[0].pk is not None:
                # Now left out by the rules, or linked to another row: the clinic's row
                # stays as it is, the mapping too.
                continue
            main = instances[0]
            if main._meta.db_table != table:
                # Another kind of row than before (an alert whose new text is no longer
                # medical): never replaced on its own, listed for staff.
                shape = (merge.KIND, table, main._meta.db_table)
                reshaped.append((record, table, target, pk, *shape))
                continue
            further = [extras.get(f"{key}:{i}") for i in range(1, len(instances))]
            same_shape = all(
                m is not None and m[6] == obj._meta.db_table
                for m, obj in zip(further, instances[1:], strict=True)
            )
            if not same_shape:
                before = len(extras_of(extras, key))
                shape = (merge.FURTHER, before, len(instances) - 1)
                reshaped.append((record, table, target, pk, *shape))
                if any(type(obj) is type(main) for obj in instances[1:]):
                    continue  # a split otherwise than before (family shares): all or nothing
                further, instances = [], instances[:1]
            main.pk = int(target)
            pending.append(
                merge.Pending(key, record, main, pk, digest, written, record_digest(record))
            )
            for i, (m, obj) in enumerate(zip(further, instances[1:], strict=True), 1):
                obj.pk = int(m[7])
                pending.append(merge.Pending(f"{key}:{i}", record, obj, m[3], "", m[5], ""))
            merge.link_to_saved(instances)
            notes.append(outcome)
        return pending, notes, reshaped


def extras_of(extras: dict, key: str) -> list:
    """The further rows' mappings of `key` among those looked up."""
    return [m for k, m in extras.items() if k.rsplit(":", 1)[0] == key]
