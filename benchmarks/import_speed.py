#!/usr/bin/env python
"""Import speed, validation speed and memory, next to each database's own physical limit.

Builds 1k- and 10k-patient sample files, validates each once (inspect_dpmf), then for every
database asked for imports each `--repeat` times, each into a fresh database and bracketed by
that database's physical limit, and imports the first database's clinic again as many times
(the idempotent re-run; the speed-up compares the medians). Every measured step runs in its own
process so its peak RSS is its own.

The physical limit is one row per canonical entity (uuid, type, source_id, payload): read from
the file, `json.loads`, written into one new table of a new database in one transaction. On
SQLite that is a plain `executemany` into a new file; on PostgreSQL a `COPY` into a new
database of the same server the imports go to. It is measured for as long as the import it is
compared with took, half right before the import and half right after it: one pass over a
1,000-patient file takes a third of a second, and a pass that short caught the shared machine's
bursts (its ratio moved by half from one import to the next while the imports did not).

Usage: .venv/bin/python benchmarks/import_speed.py [--sizes 1000,10000] [--repeat 3]
           [--databases sqlite,postgres] [--keep DIR] [--compare SETTING=A,B]
`--compare` measures every size and database once per value of the setting (given to the
imports' environment), in turn, and prints a table for each: a setting's gain within one run.
PostgreSQL runs on the server DATABASE_URL points at (a fresh database per import, named after
it plus the size and the repeat; with such a URL and no --databases, only PostgreSQL is run, as
before); without one, on a throw-away server started here (pg_server.py), or the run says why
it cannot and exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path

from pg_server import PostgresUnavailable, postgres_server
from server_cpu import BackendCpu
from workdir import where, work_dir

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSPHRASE = "bench-passphrase"
DATABASES = ("sqlite", "postgres")
TARGETS = (
    "targets: import >= 0.2 of the limit (both databases), re-run >= 5x faster, peak RSS "
    "< 200 MB and within 50 MB of the 1,000-patient run\n(engine times from the JSON reports; "
    "the row shows the import with the median ratio, the speed-up compares the median import "
    "with the median re-run of the first clinic)"
)


def run(args: list[str], env: dict) -> tuple[float, int, str]:
    """Run a command; return (seconds, peak RSS in MB of that process, stdout)."""
    return run_usage(args, env)[:3]


def run_usage(args: list[str], env: dict) -> tuple[float, int, str, float]:
    """`run`, and the CPU seconds (user + system) the command's process used."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{out[-3000:]}")
    return elapsed, usage.ru_maxrss // 1024, out, usage.ru_utime + usage.ru_stime


def manage(*args: str) -> list[str]:
    return [PY, "manage.py", *args]


def fresh_postgres_db(url: str) -> None:
    """Drop and create the database `url` names, through the server's `postgres` database."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def physical_limit(dpm: Path, workdir: Path) -> tuple[int, float]:
    """Entities per second of a bare read + json.loads + executemany into a new SQLite file."""
    target = workdir / "limit.sqlite3"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    src = sqlite3.connect(f"file:{dpm}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    dst.execute(
        "CREATE TABLE entity (uuid TEXT PRIMARY KEY, type TEXT, source_id TEXT, payload TEXT)"
    )
    total = 0
    types = [r[0] for r in src.execute("SELECT entity_type FROM _entities")]
    for entity_type in types:
        rows = src.execute(f'SELECT canonical_uuid, source_id, payload FROM "{entity_type}"')
        batch = []
        for uuid, source_id, payload in rows:
            data = json.loads(payload)
            batch.append((uuid, entity_type, source_id, json.dumps(data)))
            if len(batch) == 1000:
                dst.executemany("INSERT INTO entity VALUES (?, ?, ?, ?)", batch)
                total += len(batch)
                batch = []
        dst.executemany("INSERT INTO entity VALUES (?, ?, ?, ?)", batch)
        total += len(batch)
    dst.commit()
    elapsed = time.perf_counter() - started
    src.close()
    dst.close()
    return total, total / elapsed


def postgres_limit(dpm: Path, url: str) -> tuple[int, float]:
    """Entities per second of a bare read + json.loads + COPY into a table of a new database.

    The database is created before the clock starts and dropped after it stops; the table,
    the COPY and the commit are timed, in one transaction.
    """
    import psycopg

    fresh_postgres_db(url)
    started = time.perf_counter()
    src = sqlite3.connect(f"file:{dpm}?mode=ro", uri=True)
    total = 0
    with psycopg.connect(url) as dst:  # commits on the way out
        dst.execute(
            "CREATE TABLE entity (uuid TEXT PRIMARY KEY, type TEXT, source_id TEXT, payload TEXT)"
        )
        with dst.cursor().copy("COPY entity FROM STDIN") as copy:
            for (entity_type,) in src.execute("SELECT entity_type FROM _entities").fetchall():
                rows = src.execute(
                    f'SELECT canonical_uuid, source_id, payload FROM "{entity_type}"'
                )
                for uuid, source_id, payload in rows:
                    data = json.loads(payload)
                    copy.write_row((uuid, entity_type, source_id, json.dumps(data)))
                    total += 1
    elapsed = time.perf_counter() - started
    src.close()
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}"')
    return total, total / elapsed


@dataclass
class Database:
    """Where the imports and the limit of one table go: SQLite files, or a PostgreSQL server."""

    name: str
    server: str | None = None  # a PostgreSQL URL; its database name prefixes the ones made
    label: str = "SQLite"  # the table's title

    def url(self, workdir: Path, size: int, n) -> str:
        if self.server is None:
            return f"sqlite:///{workdir / f'bench-{size}-{n}.sqlite3'}"
        return f"{self.server.rstrip('/')}_bench_{size}_{n}"

    def limit_pass(self, dpm: Path, workdir: Path) -> tuple[int, float]:
        if self.server is None:
            return physical_limit(dpm, workdir)
        return postgres_limit(dpm, f"{self.server.rstrip('/')}_bench_limit")


class LimitWindow:
    """The physical limit over passes totalling a given time: entities and seconds, added up."""

    def __init__(self, one_pass: Callable[[], tuple[int, float]]):
        self.one_pass = one_pass
        self.entities, self.seconds, self.rates = 0, 0.0, []

    def measure(self, seconds: float) -> None:
        """Passes until this call has taken `seconds` (always at least one pass)."""
        spent = 0.0
        while True:
            total, rate = self.one_pass()
            self.entities += total
            self.seconds += total / rate
            spent += total / rate
            self.rates.append(rate)
            if spent >= seconds:
                return

    @property
    def rate(self) -> float:
        return self.entities / self.seconds


def make_samples(size: int, workdir: Path, env: dict) -> tuple[Path, dict]:
    """The plain sample file of `size` patients, and validation figures of its encrypted twin."""
    raw = workdir / f"sample-{size}.dpm"
    enc = workdir / f"sample-{size}.dpm.zst.enc"
    sample = ["--patients", str(size), "--seed", "5", "--no-binaries"]
    run(manage("make_sample_dpmf", str(raw), *sample), env)
    layer = ["--layer", "zstd-enc", "--passphrase-env", "BENCH_PASS"]
    run(manage("make_sample_dpmf", str(enc), *sample, *layer), env)
    secs, rss, _ = run(manage("inspect_dpmf", str(enc), "--passphrase-env", "BENCH_PASS"), env)
    return raw, {"patients": size, "mb_s": raw.stat().st_size / 1e6 / secs, "rss": rss}


def measure(
    db: Database, size: int, raw: Path, workdir: Path, env: dict, repeat: int, tag: str = ""
) -> dict:
    env = dict(env, DENTALPIN_VAR_DIR=str(workdir / f"var-{db.name}{tag}-{size}"))
    # Each repeat imports into a fresh database (a true first import), bracketed by the
    # limit, so every ratio compares runs made under the same load on this shared machine.
    imports, first_env = [], None
    expected_s = 0.0  # the last import's time: half of it is measured before the next one
    for n in range(1, repeat + 1):
        env = dict(env, DATABASE_URL=db.url(workdir, size, f"{n}{tag}"))
        if db.server is not None:
            fresh_postgres_db(env["DATABASE_URL"])
        run(manage("migrate", "--noinput"), env)
        run(manage("create_clinic", "bench", "--name", "Bench"), env)
        first_env = first_env or env
        report = workdir / f"report-{db.name}{tag}-{size}-{n}.json"
        limit = LimitWindow(lambda: db.limit_pass(raw, workdir))
        limit.measure(expected_s / 2)
        before_s = limit.seconds
        server = BackendCpu(env["DATABASE_URL"]) if db.server is not None else None
        with server.sampling() if server else nullcontext():
            _, rss, _, cpu = run_usage(
                manage("import_dpmf", str(raw), "--clinic", "bench", "--report-json", str(report)),
                env,
            )
        data = json.loads(report.read_text())
        entities = sum(c["in_file"] for c in data["entities"].values())
        expected_s = data["elapsed_s"]
        limit.measure(max(expected_s - before_s, expected_s / 2))
        rate = entities / expected_s
        imports.append(
            dict(
                import_s=expected_s,
                cpu_s=cpu,
                **({"server_cpu_s": server.seconds} if server else {}),
                rss=rss,
                import_rate=rate,
                passes=limit.rates,
                limit_rate=limit.rate,
                ratio=rate / limit.rate,
            )
        )
    # As many re-runs as first imports, each a no-op on the first database: one re-run takes
    # a fifth of a second, short enough for one burst to halve its speed-up, so medians.
    reruns = []
    for n in range(1, repeat + 1):
        again = workdir / f"report-{db.name}{tag}-{size}-rerun-{n}.json"
        run(
            manage("import_dpmf", str(raw), "--clinic", "bench", "--report-json", str(again)),
            first_env,
        )
        reruns.append(json.loads(again.read_text())["elapsed_s"])
    median = sorted(imports, key=lambda i: i["ratio"])[len(imports) // 2]
    return {
        "patients": size,
        "entities": entities,
        **median,
        "ratios": [i["ratio"] for i in imports],
        "passes": [rate for i in imports for rate in i["passes"]],
        "rss": max(i["rss"] for i in imports),
        "median_import_s": sorted(i["import_s"] for i in imports)[len(imports) // 2],
        "rerun_s": sorted(reruns)[len(reruns) // 2],
        "reruns": reruns,
    }


def print_table(label: str, results: list[dict], note: str) -> None:
    print(f"\nimport speed on {label} ({os.cpu_count()} cores){note}\n")
    header = (
        f"{'patients':>8} {'entities':>9} {'import/s':>9} {'limit/s':>9} {'ratio':>6} "
        f"{'import s':>9} {'re-run s':>9} {'speed-up':>8} {'RSS imp MB':>10}  ratios (all)"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['patients']:>8} {r['entities']:>9} {r['import_rate']:>9.0f} "
            f"{r['limit_rate']:>9.0f} {r['ratio']:>6.3f} {r['import_s']:>9.1f} "
            f"{r['rerun_s']:>9.2f} {r['median_import_s'] / r['rerun_s']:>7.1f}x "
            f"{r['rss']:>10}  {', '.join(f'{x:.3f}' for x in r['ratios'])}"
        )
    for r in results:
        reruns = ", ".join(f"{x:.3f}" for x in r["reruns"])
        print(
            f"{r['patients']} patients: re-runs {reruns} s; {len(r['passes'])} limit passes, "
            f"{min(r['passes']):.0f}-{max(r['passes']):.0f} entities/s"
        )
    for r in results:
        print(cpu_line(r))
    base = next((r for r in results if r["patients"] == 1000), None)
    for r in results:
        if base is not None and r is not base:
            print(
                f"peak RSS at {r['patients']} patients: {r['rss'] - base['rss']:+d} MB against "
                f"the 1,000-patient run (target: within 50 MB)"
            )


def cpu_line(r: dict) -> str:
    """Where the median import's time went: its own process's CPU, and its server's."""
    line = (
        f"{r['patients']} patients: the importing process used {r['cpu_s']:.1f} CPU s "
        f"(start-up included) for an import of {r['import_s']:.1f} s"
    )
    if "server_cpu_s" not in r:
        return line + " (SQLite works inside it)"
    server = r["server_cpu_s"]
    if server is None:
        return line + "; the server's CPU cannot be read from here (not on this machine)"
    # One backend serves the import's connection: even with everything else hidden behind
    # it, the import takes at least this long.
    bound = r["entities"] / server / r["limit_rate"] if server else float("inf")
    return (
        f"{line}; its PostgreSQL backends {server:.1f} CPU s: with all of the process's own "
        f"work hidden behind theirs, the ratio could reach at most {bound:.3f}"
    )


def open_database(name: str, env: dict, stack: ExitStack) -> Database:
    """`name`'s Database; for PostgreSQL the server of DATABASE_URL, else one started here."""
    if name == "sqlite":
        return Database("SQLite")
    import psycopg

    if env.get("DATABASE_URL", "").startswith("postgres"):
        url, how = env["DATABASE_URL"], "DATABASE_URL's server"
    else:
        try:
            url = stack.enter_context(postgres_server())
        except PostgresUnavailable as error:
            raise SystemExit(f"import_speed: cannot start a PostgreSQL server: {error}")
        url, how = url.rsplit("/", 1)[0] + "/dentalpin", "a throw-away server on loopback"
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres") as conn:
        version = conn.info.server_version
    label = f"PostgreSQL {version // 10000}.{version % 10000} ({how})"
    return Database("PostgreSQL", url, label)


def bench_env() -> dict:
    """The environment every benchmarked command runs in (quiet logs, the repository's keys)."""
    env = dict(os.environ, DJANGO_LOG_LEVEL="WARNING", BENCH_PASS=PASSPHRASE)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("DENTALPIN_DEV", "1")  # the repository's keys
    return env


def add_databases_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--databases",
        help="comma-separated, of: sqlite, postgres (default sqlite; postgres alone when "
        "DATABASE_URL points at PostgreSQL)",
    )


def database_names(parser: argparse.ArgumentParser, value: str | None) -> list[str]:
    """The databases `--databases` names (PostgreSQL alone when DATABASE_URL is one)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    names = (value or ("postgres" if on_postgres else "sqlite")).split(",")
    if unknown := [n for n in names if n not in DATABASES]:
        parser.error(f"unknown database {', '.join(unknown)}: choose from {', '.join(DATABASES)}")
    return names


def compared(parser: argparse.ArgumentParser, value: str | None) -> list[tuple[str, dict]]:
    """(table label suffix, environment) of each value `--compare` names; one plain run without."""
    if not value:
        return [("", {})]
    name, _, values = value.partition("=")
    if not name or not values:
        parser.error("--compare takes SETTING=A,B")
    return [(f", {name}={v}", {name: v}) for v in values.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    add_databases_option(parser)
    parser.add_argument(
        "--keep", help="work in this directory and keep it (else a temporary one, removed)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="imports per size (the median ratio is shown)"
    )
    parser.add_argument(
        "--compare",
        metavar="SETTING=A,B",
        help="measure each size and database once per value of this setting (its environment "
        "variable), e.g. DPMF_TYPING_PROCESS=1,0",
    )
    args = parser.parse_args()
    env, names = bench_env(), database_names(parser, args.databases)
    variants = compared(parser, args.compare)
    with ExitStack() as stack:
        workdir = stack.enter_context(work_dir(args.keep, "dentalpin-bench-"))
        databases = [open_database(name, env, stack) for name in names]
        results: dict[str, list[dict]] = {}
        validations = []
        for size in [int(s) for s in args.sizes.split(",")]:
            raw, validation = make_samples(size, workdir, env)
            validations.append(validation)
            for db in databases:
                for n, (label, setting) in enumerate(variants):
                    result = measure(
                        db, size, raw, workdir, dict(env, **setting), args.repeat, f"v{n}"
                    )
                    results.setdefault(f"{db.label}{label}", []).append(result)
    for label, rows in results.items():
        print_table(label, rows, where(workdir, bool(args.keep)))
    print()
    for v in validations:
        print(f"validation of {v['patients']} patients: {v['mb_s']:.1f} MB/s, RSS {v['rss']} MB")
    print(TARGETS)


if __name__ == "__main__":
    main()
