"""A later export of the same clinic: the same canonical ids, some rows changed, new or gone.

This is what a clinic brings at go-live after a trial import: the old system
kept working, so a few patients changed phone or e-mail, appointments moved (some
to another professional), payments were corrected, new patients and visits were
added, and a few rows were deleted there. The earlier file is read through the
reader (any layer), every row it had is written again with its payload text
untouched unless chosen for a change, and the chosen rows are returned so tests
can check an import against them exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.sample import later_rows
from dentalpin_import.sample.generator import binaries_dir_for
from dentalpin_import.sample.later_rows import LaterExportError
from dentalpin_import.sample.writer import EntityRow, FileRow, WarningRow, write_dpmf

ENTITY_SQL = (
    'SELECT canonical_uuid, source_id, source_system, payload, raw_source_data FROM "{t}" '
    "ORDER BY canonical_uuid"
)
FILES_SQL = (
    "SELECT canonical_uuid, parent_entity_type, parent_canonical_uuid, relative_path, "
    "declared_size_bytes, sha256, mime_hint FROM _files ORDER BY canonical_uuid"
)
WARNINGS_SQL = (
    "SELECT severity, code, message, entity_type, source_id, raw_data FROM _warnings ORDER BY id"
)


@dataclass(frozen=True)
class LaterResult:
    """The file written, and the canonical ids of what differs from the earlier file, by type."""

    path: str
    layer: str
    integrity_hash: str
    counts: dict[str, int]
    binaries_dir: str | None
    binaries: int
    changed: dict[str, list[str]] = field(default_factory=dict)
    new: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)


def count_of(spec: str | int, total_rows: int, option: str) -> int:
    """`12` is twelve rows, `5%` five per cent of every entity row of the earlier file."""
    text = str(spec).strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 <= share <= 100:
                raise ValueError
            return round(total_rows * share / 100)
        value = int(text)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        raise LaterExportError(
            f"{option} takes a number of rows (12) or a percentage of the file's rows (5%), "
            f"not {spec!r}"
        ) from None


def allocate(n: int, pools: dict[str, list[str]], rng: random.Random, what: str) -> dict:
    """Spread `n` picks over the types of `pools` as evenly as their sizes allow."""
    capacity = sum(len(keys) for keys in pools.values())
    if n > capacity:
        raise LaterExportError(
            f"the earlier file has only {capacity} rows that can be {what}; {n} were asked"
        )
    share = dict.fromkeys(pools, 0)
    left = n
    while left:
        open_types = [t for t in pools if share[t] < len(pools[t])]
        for t in open_types[:left]:
            share[t] += 1
        left -= min(left, len(open_types))
    return {t: set(rng.sample(pools[t], k)) for t, k in share.items() if k}


def write_later_export(
    earlier,
    out,
    *,
    changed: str | int = 0,
    new: str | int = 0,
    removed: str | int = 0,
    layer: str = "raw",
    passphrase: str | None = None,
    earlier_passphrase: str | None = None,
    seed: int = 1,
    binaries: bool = True,
) -> LaterResult:
    """Write a later export of `earlier` to `out`; return what changed, was added, was removed.

    Raises `LaterExportError` when the counts cannot be met and the reader's
    `ReadError` when the earlier file cannot be opened (wrong passphrase…).
    """
    out = Path(out)
    with open_dpmf(earlier, passphrase=earlier_passphrase) as container:
        types = [t.entity_type for t in container.entity_types]
        total = sum(t.actual_count for t in container.entity_types)
        survey = later_rows.Survey(container.meta.get("source_system", "gesden"))
        for entity_type in later_rows.SURVEYED:
            if entity_type in types:
                for values in container.conn.execute(ENTITY_SQL.format(t=entity_type)):
                    survey.add(entity_type, values[0], values[1], _object(values[3]))
        rng = random.Random(f"{seed}:{container.declared_hash}")
        gone = allocate(count_of(removed, total, "--removed"), survey.removable(), rng, "removed")
        chosen = allocate(
            count_of(changed, total, "--changed"), survey.changeable(gone), rng, "changed"
        )
        added = survey.new_rows(count_of(new, total, "--new"), rng)
        stamp = dt.datetime.now(dt.UTC).isoformat()
        rows = _rows(container, types, gone, chosen, added, survey, stamp)
        written = write_dpmf(
            out,
            rows=rows,
            files=[FileRow(*values) for values in container.conn.execute(FILES_SQL)],
            warnings=[WarningRow(*values) for values in container.conn.execute(WARNINGS_SQL)],
            meta={
                k: v
                for k, v in container.meta.items()
                if k not in ("integrity_hash", "exported_at")
            },
            layer=layer,
            passphrase=passphrase,
            entity_types=types,
        )
    folder, copied = _copy_binaries(Path(earlier), out) if binaries else (None, 0)
    by_type: dict[str, list[str]] = {}
    for row in added:
        by_type.setdefault(row.entity_type, []).append(survey.key(row))
    return LaterResult(
        written.path,
        layer,
        written.integrity_hash,
        written.counts,
        str(folder) if folder else None,
        copied,
        changed={t: sorted(keys) for t, keys in chosen.items()},
        new={t: sorted(keys) for t, keys in by_type.items()},
        removed={t: sorted(keys) for t, keys in gone.items()},
    )


def _object(text):
    """A payload as an object; anything else (not JSON, not an object) is None, never an error."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _rows(container, types, gone, chosen, added, survey, stamp) -> Iterator[EntityRow]:
    """Every earlier row but the removed ones (changed ones changed), then the new rows."""
    for entity_type in types:
        dropped, picked = gone.get(entity_type, ()), chosen.get(entity_type, ())
        for uuid, source_id, system, payload, raw in container.conn.execute(
            ENTITY_SQL.format(t=entity_type)
        ):
            if uuid in dropped:
                continue
            if uuid in picked:
                payload = survey.change(entity_type, json.loads(payload))
            yield EntityRow(entity_type, source_id, payload, raw, uuid, system, stamp)
    for row in added:
        yield EntityRow(
            row.entity_type,
            row.source_id,
            row.payload,
            row.raw_source_data,
            survey.key(row),
            survey.system,
            stamp,
        )


def _copy_binaries(earlier: Path, out: Path) -> tuple[Path | None, int]:
    """The earlier export's binaries, next to the later file (hard links where possible)."""
    source, target = binaries_dir_for(earlier), binaries_dir_for(out)
    if not source.is_dir() or source.resolve() == target.resolve():
        return None, 0
    copied = 0
    for path in source.rglob("*"):
        if path.is_file():
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.unlink(missing_ok=True)
            try:
                os.link(path, dest)
            except OSError:
                shutil.copy2(path, dest)
            copied += 1
    return target, copied
