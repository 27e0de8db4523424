#!/usr/bin/env python
"""Cutover speed: a first import, a later export with some rows changed, an unchanged re-run.

In one run, for every database asked for: a sample clinic of `--patients` patients is imported
into a fresh database (the first import), then a later export of the same clinic
(`make_sample_dpmf --later-than`, 5 % of its rows changed, a few new and removed) is imported into
the same clinic (the cutover), then that later export once more (the unchanged re-run). Each step
runs in its own process, so its peak RSS is its own; the engine's time comes from the JSON report.

Prints seconds, the ratio cutover / first import (target at most 1/3), first import / unchanged
re-run (target at least 5x) and peak RSS (target: the cutover's within 50 MB of the first
import's). It never asserts a time: figures for people, not a test.

Usage: .venv/bin/python benchmarks/cutover_speed.py [--patients 10000] [--changed 5%]
           [--new 0.5%] [--removed 0.5%] [--databases sqlite,postgres] [--keep DIR]
PostgreSQL runs as in import_speed.py: the server DATABASE_URL points at, else a throw-away one.
"""

from __future__ import annotations

import argparse
import json
import os
from contextlib import ExitStack
from pathlib import Path

from import_speed import (
    Database,
    add_databases_option,
    bench_env,
    database_names,
    fresh_postgres_db,
    manage,
    open_database,
    run,
)
from workdir import where, work_dir

TARGETS = (
    "targets: cutover <= 1/3 of the first import, unchanged re-run >= 5x faster than the first "
    "import, peak RSS flat (cutover within 50 MB of the first import)"
)
STEPS = ("first import", "cutover", "unchanged re-run")


def make_files(patients: int, workdir: Path, env: dict, shares: dict) -> tuple[Path, Path, str]:
    """The earlier sample, its later export, and the later export's summary lines."""
    earlier, later = workdir / "earlier.dpm", workdir / "later.dpm"
    run(
        manage(
            "make_sample_dpmf",
            str(earlier),
            "--patients",
            str(patients),
            "--seed",
            "5",
            "--no-binaries",
        ),
        env,
    )
    options = [f"--{name}={value}" for name, value in shares.items()]
    _, _, out = run(
        manage(
            "make_sample_dpmf", str(later), "--later-than", str(earlier), "--no-binaries", *options
        ),
        env,
    )
    summary = [line for line in out.splitlines() if line.split(":")[0] in shares]
    return earlier, later, "; ".join(summary)


def figures(report: dict) -> dict:
    """Totals of the report's columns (those the engine writes; a missing column counts 0)."""
    entities = report["entities"].values()
    total = {
        column: sum(int(e.get(column) or 0) for e in entities)
        for column in ("in_file", "created", "updated", "conflicts", "already_mapped", "failed")
    }
    missing = report.get("missing_from_file") or {}
    total["missing"] = sum(missing.values()) if isinstance(missing, dict) else 0
    return total


def measure(db: Database, earlier: Path, later: Path, workdir: Path, env: dict) -> list[dict]:
    env = dict(env, DENTALPIN_VAR_DIR=str(workdir / f"var-{db.name}"))
    env["DATABASE_URL"] = db.url(workdir, "cutover", 1)  # type: ignore[arg-type]
    if db.server is not None:
        fresh_postgres_db(env["DATABASE_URL"])
    run(manage("migrate", "--noinput"), env)
    run(manage("create_clinic", "bench", "--name", "Bench"), env)
    steps = []
    for name, path in zip(STEPS, (earlier, later, later), strict=True):
        report = workdir / f"report-{db.name}-{len(steps)}.json"
        wall, rss, _ = run(
            manage("import_dpmf", str(path), "--clinic", "bench", "--report-json", str(report)),
            env,
        )
        data = json.loads(report.read_text())
        steps.append(
            {
                "step": name,
                "engine_s": data["elapsed_s"],
                "wall_s": wall,
                "rss": rss,
                **figures(data),
            }
        )
    return steps


def print_table(label: str, steps: list[dict], note: str, patients: int, summary: str) -> None:
    print(f"\ncutover speed on {label}, {patients} patients ({os.cpu_count()} cores){note}")
    print(f"later export: {summary}\n")
    header = (
        f"{'step':<17} {'engine s':>9} {'wall s':>8} {'RSS MB':>7} {'in file':>8} {'created':>8} "
        f"{'updated':>8} {'conflicts':>9} {'mapped':>8} {'failed':>7} {'missing':>8}"
    )
    print(header)
    print("-" * len(header))
    for s in steps:
        print(
            f"{s['step']:<17} {s['engine_s']:>9.1f} {s['wall_s']:>8.1f} {s['rss']:>7} "
            f"{s['in_file']:>8} {s['created']:>8} {s['updated']:>8} {s['conflicts']:>9} "
            f"{s['already_mapped']:>8} {s['failed']:>7} {s['missing']:>8}"
        )
    first, cutover, rerun = steps
    print(
        f"\ncutover / first import: {cutover['engine_s'] / first['engine_s']:.2f} "
        f"(target <= 0.33); first import / unchanged re-run: "
        f"{first['engine_s'] / rerun['engine_s']:.1f}x (target >= 5x); "
        f"peak RSS cutover {cutover['rss'] - first['rss']:+d} MB, re-run "
        f"{rerun['rss'] - first['rss']:+d} MB against the first import"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--changed", default="5%")
    parser.add_argument("--new", default="0.5%")
    parser.add_argument("--removed", default="0.5%")
    add_databases_option(parser)
    parser.add_argument("--keep", help="work in this directory and keep it (else a temporary one)")
    args = parser.parse_args()
    if args.patients < 1:
        parser.error("--patients must be at least 1")
    env, names = bench_env(), database_names(parser, args.databases)
    shares = {"changed": args.changed, "new": args.new, "removed": args.removed}
    results = {}
    with ExitStack() as stack:
        workdir = stack.enter_context(work_dir(args.keep, "dentalpin-cutover-"))
        databases = [open_database(name, env, stack) for name in names]
        earlier, later, summary = make_files(args.patients, workdir, env, shares)
        for db in databases:
            results[db.label] = measure(db, earlier, later, workdir, env)
    for label, steps in results.items():
        print_table(label, steps, where(workdir, bool(args.keep)), args.patients, summary)
    print(f"\n{TARGETS}")


if __name__ == "__main__":
    main()
