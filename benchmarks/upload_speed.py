#!/usr/bin/env python
"""Binary upload speed through the sync agent, next to a plain local copy of the same bytes.

Two jobs: 1,000 small images and ten 20 MB PDFs. For each, 8 parallel agent workers upload to a
real server process (runserver, threaded); the server's peak RSS is sampled during each phase and
should stay flat as the file size grows (uploads stream to disk, never into memory).

Usage: .venv/bin/python benchmarks/upload_speed.py [--small 1000] [--large 10] [--large-mb 20]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workdir import where, work_dir  # noqa: E402

from dentalpin_import.sample.generator import png_bytes  # noqa: E402
from dentalpin_import.sample.writer import EntityRow, FileRow, canonical_uuid, write_dpmf  # noqa: E402


def uid(kind, sid):
    return canonical_uuid("gesden", kind, str(sid))


def build(workdir: Path, name: str, blobs: list[bytes], mime: str, ext: str) -> Path:
    folder = workdir / f"{name}_files"
    rows, files = [], []
    for i, blob in enumerate(blobs, 1):
        rel = f"Pacientes/{i}/doc_{i}{ext}"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(blob)
        rows += [
            EntityRow("patient", str(i), {"given_name": f"P{i}", "family_name": "Bench"}),
            EntityRow(
                "patient_document", str(i), {"patient_uuid": uid("patient", i), "title": f"doc {i}"}
            ),
        ]
        files.append(
            FileRow(
                uid("file", f"{name}-{i}"),
                "patient_document",
                uid("patient_document", i),
                rel,
                len(blob),
                hashlib.sha256(blob).hexdigest(),
                mime,
            )
        )
    path = workdir / f"{name}.dpm"
    write_dpmf(path, rows=rows, files=files)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.05)


def manage(env, *args, capture=False):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def phase(env, server, pid, path: Path, workdir: Path, name: str) -> dict:
    out = manage(
        env,
        "import_dpmf",
        str(path),
        "--clinic",
        "bench",
        "--report-json",
        str(workdir / f"{name}.json"),
    )
    job = out.split("(job ")[1].split(")")[0]
    token = workdir / f"{name}.token"
    token.write_text(manage(env, "issue_agent_token", job).strip())
    files = workdir / f"{name}_files"
    size = sum(p.stat().st_size for p in files.rglob("*") if p.is_file())
    sampler = Sampler(pid)
    sampler.start()
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dentalpin_import.sync_agent",
            "--server",
            server,
            "--job",
            job,
            "--token-file",
            str(token),
            "--root",
            str(files),
            "--parallel",
            "8",
            "--max-wait",
            "0",
            "--state",
            str(workdir / f"{name}.state.json"),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    sampler.running = False
    copy_dir = workdir / f"{name}_copy"
    began = time.perf_counter()
    shutil.copytree(files, copy_dir)
    os.sync()
    copy = time.perf_counter() - began
    count = sum(1 for p in files.rglob("*") if p.is_file())
    return {
        "name": name,
        "files": count,
        "mb": size / 1e6,
        "files_s": count / elapsed,
        "copy_files_s": count / copy,
        "upload_mbps": size / 1e6 / elapsed,
        "copy_mbps": size / 1e6 / copy,
        "peak_rss": sampler.peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10)
    parser.add_argument("--large-mb", type=int, default=20)
    parser.add_argument(
        "--keep", help="work in this directory and keep it (else a temporary one, removed)"
    )
    args = parser.parse_args()
    with work_dir(args.keep, "dentalpin-upload-") as workdir:
        measure_uploads(args, workdir)


def measure_uploads(args, workdir: Path) -> None:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DENTALPIN_VAR_DIR=str(workdir / "var"),
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_LOG_LEVEL="WARNING",
        DPMF_MAX_BINARY_BYTES=str(64 * 1024**2),
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["DENTALPIN_DEV"] = "1"  # the repository's keys, and plain HTTP (no HTTPS redirect)
    small = build(
        workdir, "small", [png_bytes(i) for i in range(1, args.small + 1)], "image/png", ".png"
    )
    large = build(
        workdir,
        "large",
        [b"%PDF-1.4\n" + os.urandom(args.large_mb * 1024**2) for _ in range(args.large)],
        "application/pdf",
        ".pdf",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "create_clinic", "bench", "--name", "Bench")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        results = [
            phase(env, url, server.pid, small, workdir, "small"),
            phase(env, url, server.pid, large, workdir, "large"),
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"\nupload speed, 8 agent workers against runserver ({os.cpu_count()} cores)"
        f"{where(workdir, bool(args.keep))}\n"
    )
    print(
        f"{'set':<6} {'files':>6} {'MB':>8} {'files/s':>8} {'copy f/s':>9} "
        f"{'upload MB/s':>12} {'copy MB/s':>10} {'ratio':>6} {'server peak RSS MB':>19}"
    )
    for r in results:
        print(
            f"{r['name']:<6} {r['files']:>6} {r['mb']:>8.1f} {r['files_s']:>8.0f} "
            f"{r['copy_files_s']:>9.0f} {r['upload_mbps']:>12.1f} {r['copy_mbps']:>10.1f} "
            f"{r['upload_mbps'] / r['copy_mbps']:>6.2f} {r['peak_rss']:>19.0f}"
        )
    growth = results[1]["peak_rss"] - results[0]["peak_rss"]
    print(
        f"\nserver peak RSS grows {growth:.0f} MB from small files to "
        f"{args.large_mb} MB files (flat = uploads are streamed, not held in memory)"
    )


if __name__ == "__main__":
    main()
