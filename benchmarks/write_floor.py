#!/usr/bin/env python
"""How much of an import is SQLite itself writing the rows, and how much is Python.

Builds a sample file, imports it into a fresh SQLite database, then copies
every row the import wrote (clinic tables and the importer's own: mappings,
warnings, staging) into a second fresh database with the same schema, with
bare multi-row INSERTs (the importer's `_sqlite_insert`) per table in
transactions of 1,000 rows. That copy is the
least any importer writing these rows with these indexes can spend (the
"write floor"). The physical limit of import_speed.py is measured in the same
run, so the output says what ratio an importer with no Python overhead at all
would reach, and how much Python time the 0.2 target leaves.

Usage: .venv/bin/python benchmarks/write_floor.py [--patients 1000] [--repeat 3] [--keep DIR]
SQLite only: the copy compares SQLite with SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_speed import manage, physical_limit, run  # noqa: E402
from workdir import work_dir  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dentalpin_import.loader.inserts import _sqlite_insert  # noqa: E402

SKIP = {"dentalpin_import_importjob", "clinics_clinic"}  # written once, not per entity


def written_tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND (name LIKE 'clinics_%' OR name LIKE 'dentalpin_import_%') ORDER BY name"
            )
            if name not in SKIP
        ]


def fresh_copy(empty: Path, target: Path) -> None:
    """`target` as a copy of `empty`, without a stale WAL of an earlier run beside it."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(empty, target)


def copy_rows(source: Path, empty: Path, target: Path) -> tuple[int, float]:
    """Insert every row of `source`'s written tables into a copy of `empty`; (rows, seconds)."""
    fresh_copy(empty, target)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    # The importer's own settings (config/settings.py).
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    total, spent = 0, 0.0
    for table in written_tables(source):
        rows = src.execute(f'SELECT * FROM "{table}"').fetchall()
        if not rows:
            continue
        started = time.perf_counter()
        for i in range(0, len(rows), 1000):
            dst.execute("BEGIN IMMEDIATE")
            # The importer's own way of sending rows: prepared INSERTs of 50 rows.
            _sqlite_insert(dst.cursor(), f'INSERT INTO "{table}" VALUES ', rows[i : i + 1000])
            dst.execute("COMMIT")
        spent += time.perf_counter() - started
        total += len(rows)
    src.close()
    dst.close()
    return total, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", help="work in this directory and keep it (else a temporary one, removed)"
    )
    args = parser.parse_args()
    with work_dir(args.keep, "dentalpin-floor-") as workdir:
        measure_floor(args, workdir)


def measure_floor(args, workdir: Path) -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_LOG_LEVEL="WARNING")
    if not env.get("DATABASE_URL", "sqlite").startswith("sqlite"):
        raise SystemExit("write_floor.py compares SQLite with SQLite: unset DATABASE_URL")
    env["DENTALPIN_VAR_DIR"] = str(workdir / "var")
    env.setdefault("DENTALPIN_DEV", "1")  # the repository's keys
    dpm = workdir / f"sample-{args.patients}.dpm"
    run(
        manage(
            "make_sample_dpmf",
            str(dpm),
            "--patients",
            str(args.patients),
            "--seed",
            "5",
            "--no-binaries",
        ),
        env,
    )
    empty = workdir / "empty.sqlite3"
    empty.unlink(missing_ok=True)
    run(manage("migrate", "--noinput"), dict(env, DATABASE_URL=f"sqlite:///{empty}"))
    print(
        f"{'import s':>9} {'floor s':>8} {'floor %':>8} {'limit/s':>9} {'ratio':>6} "
        f"{'floor ratio':>11} {'beyond s':>9} {'beyond s at 0.2':>15}"
    )
    for n in range(1, args.repeat + 1):
        db = workdir / f"import-{n}.sqlite3"
        fresh_copy(empty, db)
        run_env = dict(env, DATABASE_URL=f"sqlite:///{db}")
        run(manage("create_clinic", "bench", "--name", "Bench"), run_env)
        report = workdir / f"report-{n}.json"
        run(
            manage("import_dpmf", str(dpm), "--clinic", "bench", "--report-json", str(report)),
            run_env,
        )
        data = json.loads(report.read_text())
        entities = sum(c["in_file"] for c in data["entities"].values())
        rows, floor = copy_rows(db, empty, workdir / "floor.sqlite3")
        _, limit = physical_limit(dpm, workdir)
        elapsed = data["elapsed_s"]
        # Time an importer may spend beyond the write floor and still reach 0.2.
        budget = entities / (0.2 * limit) - floor
        print(
            f"{elapsed:>9.2f} {floor:>8.2f} {100 * floor / elapsed:>7.0f}% {limit:>9.0f} "
            f"{entities / elapsed / limit:>6.2f} {entities / floor / limit:>11.2f} "
            f"{elapsed - floor:>9.2f} {budget:>15.2f}"
        )
    print(
        f"\n{entities} entities; the import wrote {rows} rows. floor: the same rows copied by "
        "bare multi-row INSERTs; floor ratio: the ratio of an importer whose only cost is that "
        "copy; "
        "beyond s: import time beyond the floor (reading, parsing, mapping: Python); "
        "beyond s at 0.2: what the target leaves for it."
    )


if __name__ == "__main__":
    main()
