#!/usr/bin/env python
"""Undo speed and memory: the undo page's dry run, and the undo the background runs.

Imports a sample clinic of `--patients` patients into a fresh database, then, each step in
its own process (so its peak RSS is its own): `undo_import --dry-run` (the plan alone), the
job's undo page as a member of the clinic opens it (the same plan, plus the page), and
`undo_import` (the undo itself, what the background task runs). Each dry run is measured
`--repeat` times (the median is shown); the shared machine's bursts move them by a second.
The Django start-up (about 2 s and 80 MB) is in every figure. It never asserts a time.

Usage: .venv/bin/python benchmarks/undo_speed.py [--patients 10000] [--repeat 3]
           [--databases sqlite,postgres] [--keep DIR]
PostgreSQL runs as in import_speed.py: the server DATABASE_URL points at, else a throw-away one.
"""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path

from import_speed import (
    PY,
    add_databases_option,
    bench_env,
    database_names,
    fresh_postgres_db,
    manage,
    open_database,
    run,
)
from workdir import where, work_dir

# The undo page, opened by a member of the clinic with the right to undo, in one process.
OPEN_PAGE = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get(username="bench-admin"))
page = client.get(f"/import/jobs/{sys.argv[1]}/undo/", HTTP_HOST="localhost")
assert page.status_code == 200 and b"Undo this import" in page.content, page.status_code
"""


def prepare(patients: int, url: str, workdir: Path, env: dict) -> tuple[dict, str]:
    """A fresh database holding one imported sample clinic; (its environment, the job id)."""
    sample = workdir / f"sample-{patients}.dpm"
    if not sample.exists():
        args = ["--patients", str(patients), "--seed", "5", "--no-binaries"]
        run(manage("make_sample_dpmf", str(sample), *args), env)
    env = dict(env, DATABASE_URL=url)
    if url.startswith("postgres"):
        fresh_postgres_db(url)
    run(manage("migrate", "--noinput"), env)
    run(manage("create_clinic", "bench", "--name", "Bench"), env)
    permissions = ["--permission", "dentalpin_import.job_execute"]
    permissions += ["--permission", "dentalpin_import.job_read"]
    run(manage("add_clinic_member", "bench", "bench-admin", "--role", "admin", *permissions), env)
    report = workdir / "report.json"
    run(manage("import_dpmf", str(sample), "--clinic", "bench", "--report-json", str(report)), env)
    return env, json.loads(report.read_text())["job_id"]


def median_of(repeat: int, args: list[str], env: dict) -> tuple[float, int]:
    runs = sorted(run(args, env)[:2] for _ in range(repeat))
    return runs[len(runs) // 2]


def measure(name: str, url: str, patients: int, repeat: int, workdir: Path, env: dict) -> dict:
    env, job = prepare(patients, url, workdir, env)
    dry = median_of(repeat, manage("undo_import", job, "--dry-run"), env)
    # Counted in the request whatever the job's size: what the page costs below the threshold
    # (above it the request only asks for a background count).
    in_request = dict(env, UNDO_BACKGROUND_COUNT_MAPPINGS=str(10**12))
    page = median_of(repeat, [PY, "-c", OPEN_PAGE, job], in_request)
    secs, rss, out = run(manage("undo_import", job), env)
    return {"database": name, "dry": dry, "page": page, "undo": (secs, rss), "said": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    add_databases_option(parser)
    parser.add_argument("--keep", help="work in this directory and keep it")
    args = parser.parse_args()
    env, names = bench_env(), database_names(parser, args.databases)
    with ExitStack() as stack:
        workdir = stack.enter_context(work_dir(args.keep, "undo-speed-"))
        results = []
        for name in names:
            db = open_database(name, env, stack)
            url = db.url(workdir, args.patients, "undo")
            results.append(measure(db.label, url, args.patients, args.repeat, workdir, env))
    print(f"\nundo of a {args.patients:,}-patient import{where(workdir, bool(args.keep))}\n")
    print(f"{'database':<40} {'step':<28} {'seconds':>8} {'peak RSS MB':>12}")
    for r in results:
        for step, (secs, rss) in (
            ("dry run (undo_import)", r["dry"]),
            ("undo page (GET, in request)", r["page"]),
            ("undo (undo_import)", r["undo"]),
        ):
            print(f"{r['database']:<40} {step:<28} {secs:>8.1f} {rss:>12}")
        print(f"  {r['said'].splitlines()[0]}")


if __name__ == "__main__":
    main()
