"""Command line of the sync agent (see docs/sync-agent.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path

import requests

from dentalpin_import.sync_agent import manifest
from dentalpin_import.sync_agent.upload import Outcome, file_sha256, upload

LABELS = {
    "uploaded": "uploaded",
    "already": "already there",
    "missing": "missing on disk",
    "rejected": "rejected",
    "not_imported": "not taken by the finished import",
    "gave_up": "not accepted yet",
    "fatal": "refused by server",
}


class State:
    """Which sha256 are done, kept in a JSON file so a restarted agent resumes."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.done: dict[str, str] = {}
        if path.exists():
            self.done = json.loads(path.read_text() or "{}")

    def mark(self, sha256: str, status: str) -> None:
        with self.lock:
            self.done[sha256] = status
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.done))
            os.replace(tmp, self.path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dentalpin_import.sync_agent",
        description="Upload a clinic's binaries to an import job.",
    )
    parser.add_argument("--server", required=True, help="e.g. https://dentalpin.example.com")
    parser.add_argument("--job", required=True, help="import job id")
    parser.add_argument("--token-file", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path, help="the clinic's document folder")
    parser.add_argument("--dpmf", type=Path, help="take the list from this plain .dpm file")
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument(
        "--state", type=Path, help="resume file (default: ~/.dentalpin-sync/<job>.json)"
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=900.0,
        help="seconds to keep retrying one file the server is not ready for",
    )
    parser.add_argument("--timeout", type=float, default=120.0)
    return parser.parse_args(argv)


def process(session, args, item: manifest.Expected) -> Outcome:
    try:
        path = manifest.local_path(args.root, item.relative_path)
    except manifest.UnsafePath as exc:
        return Outcome("rejected", str(exc))
    if not path.is_file():
        return Outcome("missing", item.relative_path)
    if file_sha256(path) != item.sha256:
        return Outcome(
            "rejected", f"{item.relative_path}: the file on disk differs from the export (sha256)"
        )
    url = f"{args.server}/import/jobs/{args.job}/binaries"
    outcome = upload(session, url, path, item.sha256, timeout=args.timeout, max_wait=args.max_wait)
    if outcome.status == "not_imported":
        outcome.detail = f"{item.relative_path}: {outcome.detail}"
    return outcome


class Progress:
    """A bar redrawn in place on a terminal; otherwise a plain time-stamped line now and then.

    Off a terminal (a log file, a scheduled task) a line is written when a tenth
    more of the files are done or `LOG_EVERY_S` passed, and at the end: never
    one line per file.
    """

    LOG_EVERY_S = 30.0

    def __init__(self, stream=None, *, interactive: bool | None = None):
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.logged_at, self.logged_share = time.monotonic(), -1.0

    def __call__(self, counts: Counter, done: int, total: int) -> None:
        parts = ", ".join(f"{LABELS[k]} {v}" for k, v in sorted(counts.items()) if v)
        if self.interactive:
            width = 30
            filled = int(width * done / total) if total else width
            bar = f"[{'#' * filled}{'-' * (width - filled)}]"
            self.stream.write(f"\r{bar} {done}/{total} {parts}   ")
            self.stream.flush()
            return
        share = done / total if total else 1.0
        now = time.monotonic()
        if (
            done == total
            or share >= self.logged_share + 0.1
            or now - self.logged_at >= self.LOG_EVERY_S
        ):
            stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            self.stream.write(f"{stamp} {done}/{total} files done: {parts or 'nothing yet'}\n")
            self.stream.flush()
            self.logged_at, self.logged_share = now, share

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")


def run(args) -> int:
    token = args.token_file.read_text().strip()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    args.server = args.server.rstrip("/")
    try:
        items = (
            manifest.from_dpmf(args.dpmf)
            if args.dpmf
            else manifest.from_server(session, args.server, args.job, args.timeout)
        )
    except (ValueError, OSError, requests.HTTPError) as exc:
        print(f"error: cannot get the list of files: {exc}", file=sys.stderr)
        return 2
    # Never in --root: the clinic's document folder may be read-only, and is not ours.
    state_path = args.state or Path.home() / ".dentalpin-sync" / f"{args.job}.json"
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state = State(state_path)
    todo = [i for i in items if state.done.get(i.sha256) not in ("uploaded", "already")]
    counts: Counter = Counter({"already": len(items) - len(todo)})
    problems: list[str] = []
    progress = Progress()
    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        futures = {pool.submit(process, session, args, item): item for item in todo}
        for done, future in enumerate(as_completed(futures), 1):
            item, outcome = futures[future], future.result()
            counts[outcome.status] += 1
            if outcome.status in ("uploaded", "already"):
                state.mark(item.sha256, outcome.status)
            elif outcome.detail:
                problems.append(f"{LABELS[outcome.status]}: {outcome.detail}")
            progress(counts, len(items) - len(todo) + done, len(items))
    progress.close()
    print("summary: " + ", ".join(f"{LABELS[k]} {counts[k]}" for k in LABELS))
    for line in problems:
        print(f"  {line}")
    if counts["fatal"]:
        return 2
    return 0 if counts["uploaded"] + counts["already"] == len(items) else 1


def main(argv=None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
