"""A chunk of a type the clinic already has rows of: new rows, rows passed by, rows merged.

`ChunkUpdates` is the part of `chunks.ChunkWriter` that reads such a chunk by key
(a re-run, a resumed job, a later export of the clinic): it sorts the chunk's keys
(`triage`), passes by the rows whose digest is their mapping's, maps the changed
ones again and has `loader/merge.py` merge them into the rows they became.
"""

from __future__ import annotations

import logging

from django.db import transaction

from dentalpin_import.loader import fit, merge, reshape, retired, shared_rows
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
KEPT_LEFT_OUT = "row.kept_though_left_out"
KEPT_LEFT_OUT_MESSAGE = (
    "The later file leaves this record out (its other warning says why); the clinic keeps "
    "the one an earlier import brought, unchanged: review it."
)


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
        known, missing, compare, again = self.triage(keys, adjacent=True)
        if compare:
            self.update_changed(source.rows_among(self.entity, compare), known, result)
        if again:
            self.revisit(source.rows_among(self.entity, again), known, result)
        if not missing:
            return result
        rows = source.rows_among(self.entity, missing)
        return self.process_records(self.new_records(rows, result, known={}), result)

    def process_known(self, rows, result: ChunkResult) -> ChunkResult:
        """`process_keys` for rows already read (the final pass of a type the clinic has)."""
        known, missing, compare, again = self.triage([r.canonical_uuid for r in rows])
        if compare:
            wanted = set(compare)
            self.update_changed([r for r in rows if r.canonical_uuid in wanted], known, result)
        if again:
            wanted = set(again)
            self.revisit([r for r in rows if r.canonical_uuid in wanted], known, result)
        wanted = set(missing)
        new = [r for r in rows if r.canonical_uuid in wanted]
        return self.process_records(self.new_records(new, result, known={}), result)

    def triage(self, keys: list[str], adjacent: bool = False) -> tuple[dict, list, list, list]:
        """The keys' mappings; the keys not mapped yet; those an earlier job mapped; those an
        earlier job left out (a skip marker), to be mapped again.

        Rows this job mapped (an earlier attempt), its skip markers and copies are
        counted here. `adjacent` keys are a chunk of the file's keys, in order.
        """
        usable = [k for k in keys if usable_key(k)]
        known = mappings_to_compare(self.ctx, self.entity, usable, adjacent=adjacent)
        missing, compare, again = [], [], []
        for key in keys:
            if key in known:
                mine, marker, linked = known[key][:3]
                copy = self.copies.check(key, self.ctx.final_pass)
                if marker and not (mine or copy):
                    again.append(key)
                elif mine or marker or copy:
                    ruled = marker and known[key][5] == RULED_OUT
                    self.count_known(mine, marker, linked, copy=copy, ruled_out=ruled)
                else:
                    compare.append(key)
            elif not missing or missing[-1] != key:
                missing.append(key)
        return known, missing, compare, again

    def revisit(self, rows, known: dict, result: ChunkResult) -> None:
        """Map again the rows an earlier job left out: a debt voided in the trial's file
        may be owed in the later one, an application of a payment follows its debt.

        A row left out for the same reason as before stays as the earlier job counted
        it (already mapped, no second warning). The others are imported as new rows
        (or left out anew, counted and warned); the skip marker of each is retired
        first, with a before-image undo puts back.
        """
        records = self.new_records(rows, result, known={}, checked=True)
        if not records:
            return
        back = self.left_out_no_more(records, known, result)
        if not back:
            return
        retired.retire_mappings(self.ctx, self.entity, [known[r.canonical_uuid] for r in back])
        self.process_records(back, result)

    def left_out_no_more(self, records, known: dict, result: ChunkResult) -> list:
        """The records the rules no longer leave out, or leave out for another reason;
        those left out as before are counted.

        A row that fails is counted and warned as failed, and keeps its marker; a chunk
        the database refuses is handed on whole, to be imported row by row.
        """
        back = []
        mark = self.mark(result)
        try:
            with transaction.atomic():  # the mapper's queries, as for any chunk
                self.ctx.chunk = {}
                self.prepare(records)
                for record in records:
                    row_warned = len(result.warnings)
                    outcome = self.map_one(record, result)
                    if outcome is None:
                        continue
                    # Left out as before: no second warning; else process_records warns.
                    del result.warnings[row_warned:]
                    ruled = known[record.canonical_uuid][5] == RULED_OUT
                    if not outcome.instances and outcome.ruled_out == ruled:
                        self.counts.already_mapped += 1
                    else:
                        back.append(record)
        except Exception as exc:
            if stops_the_job(exc):
                raise
            log.info("left-out rows of %s refused (%s)", self.entity, type(exc))
            self.take_back(mark, result)
            return records
        return back

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
        mark = self.mark(result)
        self.ctx.updating = True
        try:
            with transaction.atomic():
                self.prepare(records)
                outcomes = [(r, self.map_one(r, result)) for r in records]
                pending, notes, units, split = self.pending_updates(outcomes, known)
                shaped = reshape.apply(self.ctx, self.entity, units, self.ctx.on_conflict)
                merged = merge.merge(
                    self.ctx, self.entity, pending + shaped.pending, self.ctx.on_conflict
                )
                merge.rank_into(merged.outcomes, shaped.outcomes)
                merge.rank_into(merged.outcomes, split.outcomes)
                notes += shaped.notes + split.notes
        except Exception as exc:
            if stops_the_job(exc):
                raise
            log.info("changed rows of %s refused (%s)", self.entity, type(exc))
            self.take_back(mark, result)
            for record in records:
                self.fail(result, record, ROW_FAILED, failure_message("save", exc))
            return
        finally:
            self.ctx.updating = False
        for record, outcome in outcomes:
            if outcome is not None and not outcome.instances:
                self.left_out_now(record, outcome, result)
            elif outcome is not None:
                kind = merged.outcomes.get(record.canonical_uuid, merge.UNCHANGED)
                setattr(self.counts, kind, getattr(self.counts, kind) + 1)
        result.warnings += self.note_warnings(notes)
        # A value the merge wrote cut (or rounded) to fit its column: a warning, as when new.
        owner = {id(obj): o for _, o in outcomes if o is not None for obj in o.instances}
        for outcome, note in fit.notes_of(merged.changes, owner):
            result.warnings.append(
                self.warning(
                    outcome.record, note.code, note.message, note.severity, None, note.params
                )
            )

    def left_out_now(self, record, outcome, result: ChunkResult) -> None:
        """A row the clinic has that the later file's rules leave out (a debt voided since):
        never deleted; counted as left out, the mapper's warning says why, and one more
        says the clinic keeps the row an earlier import brought, for staff to review."""
        if outcome.ruled_out:
            self.counts.ruled_out += 1
        else:
            self.counts.skipped += 1
        result.warnings.append(self.warning(record, KEPT_LEFT_OUT, KEPT_LEFT_OUT_MESSAGE))

    def pending_updates(self, outcomes, known: dict) -> tuple[list, list, list, reshape.Shaped]:
        """What to merge of each mapped outcome: its main row and its further rows (family
        shares, alerts found in a patient's notes) when the earlier file produced as many of
        the same kinds; else the source row is reshaped (`loader/reshape.py`). A source row
        linked to a row another one created takes a row of its own, and a row the notes no longer
        yield goes to the alert of the file linked to it (`loader/shared_rows.py`)."""
        live = [
            (record, outcome)
            for record, outcome in outcomes
            # Failed or deferred (counted and warned), now left out by the rules, or linked
            # to another row: the clinic's row stays as it is, the mapping too.
            if outcome is not None and outcome.instances and outcome.instances[0].pk is None
        ]
        split, live = shared_rows.split_off(self.ctx, self.mapper, live, known)
        wanted = [(r.canonical_uuid, len(o.instances)) for r, o in live]
        further = reshape.further_mappings(self.ctx, self.entity + EXTRA_SUFFIX, wanted)
        all_units = [
            reshape.Unit(
                r, o, self.entity, {0: known[r.canonical_uuid], **further.get(r.canonical_uuid, {})}
            )
            for r, o in live
        ]
        # A row the notes no longer yield that an alert of the file still names is its now.
        shared_rows.hand_over(self.ctx, [u for u in all_units if u.is_reshaped()])
        pending, notes, units = [], [], []
        for unit in all_units:
            record, outcome, key = unit.record, unit.outcome, unit.key
            main_mapping = unit.old[0]
            if unit.is_reshaped():
                units.append(unit)
                continue
            _, _, _, pk, digest, written, _, target = main_mapping
            main, *rest = outcome.instances
            main.pk = int(target)
            pending.append(
                merge.Pending(key, record, main, pk, digest, written, record_digest(record))
            )
            for i, obj in enumerate(rest, 1):
                m = unit.old[i]
                obj.pk = int(m[7])
                pending.append(merge.Pending(f"{key}:{i}", record, obj, m[3], "", m[5], ""))
            merge.link_to_saved(outcome.instances)
            notes.append(outcome)
        return pending, notes, units, split
