#!/usr/bin/env python
"""CSV sheet import speed and memory: the four sheets, then the same sheets again (a no-op).

Writes a patient sheet (Windows-1252, semicolons, a checked DNI each) of N patients plus two
staff, and notes (two per patient, over two lines each), background and medication sheets, then
imports each into a fresh SQLite database with the sheet commands and imports them again. Every
step runs in its own process so its peak RSS is its own; engine times come from the JSON reports.
`--sizes 10000,100000` runs each size in turn and says whether peak memory stays flat (the issue's
figures: 100,000 patients and 200,000 notes, >= 15,000 rows/s, < 200 MB).

Usage: .venv/bin/python benchmarks/csv_speed.py [--patients 10000 | --sizes 10000,100000]
       [--sheets patients,notes] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from workdir import work_dir

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SHEETS = ("import_patients", "import_clinical_background", "import_clinical_notes",
          "import_medications")  # fmt: skip


def write(path: Path, rows: list[list[str]], encoding: str, delimiter: str) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def dni(i: int) -> str:
    """A valid Spanish DNI, different for each i."""
    number = 10_000_000 + i
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def build(workdir: Path, n: int) -> dict[str, Path]:
    people = [["LegacyPatientID", "First Name", "Last Name", "Date of Birth", "Email Address",
               "Gender", "City", "DNI", "Role"]]  # fmt: skip
    people += [[f"P{i}", "José", f"Muñoz Peña {i}", "1980-02-03", f"p{i}@example.test", "MALE",
                "Cádiz", dni(i), ""] for i in range(n)]  # fmt: skip
    people += [["S1", "Ana", "Núñez", "", "ana@example.test", "", "", "", "CLINICIAN"],
               ["S2", "Iñaki", "Goñi", "", "", "", "", "", "RECEPTIONIST"]]  # fmt: skip
    notes = [["PatientID", "Consultation Date", "Clinical Note Text", "Practitioner ID"]]
    notes += [[f"P{i // 2}", f"2024-01-{1 + i % 28:02d} 10:00",
               f"Revisión {i}: sin dolor.\nSe pauta control en 6 meses.", "S1"]
              for i in range(2 * n)]  # fmt: skip
    background = [["PatientID", "Name", "Type", "OnsetDate", "Severity"]]
    background += [[f"P{i}", "Penicilina", "ALLERGY", "2001-01-01", "SEVERE"] for i in range(n)]
    meds = [["PatientID", "Drug Name", "Dosage / Strength", "Frequency / Instructions",
             "Prescription Date", "Practitioner ID"]]  # fmt: skip
    meds += [[f"P{i}", "Amoxicilina", "500 mg", "cada 8 h", "2024-02-01", "S1"] for i in range(n)]
    write(workdir / "patients.csv", people, "cp1252", ";")
    write(workdir / "background.csv", background, "utf-8", ",")
    write(workdir / "notes.csv", notes, "utf-8-sig", ",")
    write(workdir / "meds.csv", meds, "utf-16", "\t")
    return sheet_paths(workdir)


def sheet_paths(workdir: Path) -> dict[str, Path]:
    return {
        "import_patients": workdir / "patients.csv",
        "import_clinical_background": workdir / "background.csv",
        "import_clinical_notes": workdir / "notes.csv",
        "import_medications": workdir / "meds.csv",
    }


def run(args: list[str], env: dict) -> tuple[float, int, float]:
    """Run a command; return (seconds, peak RSS in MB, CPU seconds of that process).

    CPU seconds say what the wall clock cannot on a busy machine: the whole
    command's own work (start-up, reading, importing, report).
    """
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out[-3000:]}")
    return time.perf_counter() - started, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--sizes", help="comma-separated patient counts, run one after another")
    parser.add_argument(
        "--sheets",
        help="only these sheets, comma-separated: patients, background, notes, medications "
        "(the patient sheet is imported first whatever is chosen: the others name its patients)",
    )
    parser.add_argument(
        "--keep", metavar="DIR", help="work in this directory and keep it (else a temporary one)"
    )
    parser.add_argument("--write-only", metavar="DIR", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.write_only:  # the sheets are written by a child process (see measure_sheets)
        build(Path(opts.write_only), opts.patients)
        return
    sizes = [int(s) for s in opts.sizes.split(",")] if opts.sizes else [opts.patients]
    peaks = {}
    for size in sizes:
        opts.patients = size
        print(f"\n{size:,} patients, {2 * size:,} notes")
        with work_dir(opts.keep, "csv-bench-") as workdir:
            peaks[size] = measure_sheets(opts, workdir)
    if len(sizes) > 1:
        low, high = peaks[min(sizes)], peaks[max(sizes)]
        print(f"\npeak RSS {low} MB at {min(sizes):,} patients, {high} MB at {max(sizes):,} "
              f"({high - low:+} MB)")  # fmt: skip


def measure_sheets(opts, workdir: Path) -> int:
    """Import the four sheets twice; print a table; return the highest peak RSS (MB)."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("DENTALPIN_DEV", "1")  # the repository's keys
    (workdir / "bench.sqlite3").unlink(missing_ok=True)
    run([PY, "manage.py", "migrate", "-v0"], env)
    run([PY, "manage.py", "create_clinic", "bench", "--name", "Bench"], env)
    # Written by another process: this one stays small, and the peak RSS a child
    # reports (which counts what it was forked from) is the import's own.
    subprocess.run(
        [PY, __file__, "--patients", str(opts.patients), "--write-only", str(workdir)], check=True
    )
    sheets = sheet_paths(workdir)
    wanted = set(opts.sheets.split(",")) if opts.sheets else None
    chosen = [c for c in SHEETS if wanted is None or c.split("_")[-1] in wanted]
    if chosen and chosen[0] != "import_patients":  # the other sheets need its patients
        run([PY, "manage.py", "import_patients", "-f", str(sheets["import_patients"]),
             "-c", "bench"], env)  # fmt: skip
    peak = 0
    print("| sheet | rows | import rows/s | import s | re-run s | wall import | CPU import "
          "| peak RSS |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for command in chosen:
        timings = []
        for attempt in ("first", "again"):
            report = workdir / f"{command}-{attempt}.json"
            args = [PY, "manage.py", command, "-f", str(sheets[command]), "-c", "bench",
                    "--report-json", str(report)]  # fmt: skip
            wall, rss, cpu = run(args, env)
            data = json.loads(report.read_text())
            rows = sum(c["in_file"] for c in data["entities"].values())
            created = sum(c["created"] for c in data["entities"].values())
            timings.append((wall, rss, cpu, data["elapsed_s"], rows, created))
        (wall, rss, cpu, engine, rows, created), (_, _, _, again, _, recreated) = timings
        assert created == rows and recreated == 0, (command, created, rows, recreated)
        print(f"| {command} | {rows:,} | {rows / engine:,.0f} | {engine:.1f} | {again:.1f} "
              f"| {wall:.1f} s | {cpu:.1f} s | {rss} MB |")  # fmt: skip
        peak = max(peak, rss)
    return peak


if __name__ == "__main__":
    main()
