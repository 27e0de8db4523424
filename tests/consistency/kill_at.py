"""Run `import_dpmf` and die by SIGKILL at a chosen call: a crash at a known place.

    python -m tests.consistency.kill_at --target MODULE:NAME --nth N [--when before|after]
        [--during-type TYPE] -- FILE --clinic SLUG [import_dpmf options]

The function or method MODULE:NAME (e.g. `dentalpin_import.loader.runner:Runner.commit`)
is replaced by a wrapper that, on its N-th call (counting only calls made while
the runner imports entity type TYPE, when given), sends SIGKILL to its own
process before or after the real call. Nothing is cleaned up: no `finally`, no
`atexit`, no rollback but the database's own, as when a machine loses power.

Exit statuses other than death by SIGKILL: `VANISHED` when the name no longer
exists in the engine (the test names it, so whoever renamed it knows which kill
point to move), `NOT_REACHED` when the import ended without the N-th call.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import os
import signal
import sys

VANISHED = 3
NOT_REACHED = 4
REACHED = "kill point reached:"
# The runner's method that imports one entity type: it tells which type is running.
RUN_TYPE = "dentalpin_import.loader.runner:Runner.run_type"


def resolve(target: str):
    """Return (owner, attribute name, the attribute as stored) for MODULE:A.B; exit if gone."""
    module_name, _, qualname = target.partition(":")
    try:
        owner = importlib.import_module(module_name)
        *path, name = qualname.split(".")
        for part in path:
            owner = getattr(owner, part)
        stored = inspect.getattr_static(owner, name)
    except (ImportError, AttributeError, ValueError) as exc:
        print(
            f"kill point {target} no longer exists in the engine ({exc}); "
            "choose another function in tests/consistency/test_kill_anywhere.py",
            file=sys.stderr,
            flush=True,
        )
        sys.exit(VANISHED)
    return owner, name, stored


def die(target: str, call: int, when: str) -> None:
    print(f"{REACHED} {when} call {call} of {target}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(target: str, nth: int, when: str, during_type: str | None, running: dict) -> dict:
    """Wrap `target` so that its `nth` counted call kills this process; return the call count."""
    owner, name, stored = resolve(target)
    kind = type(stored) if isinstance(stored, staticmethod | classmethod) else None
    original = stored.__func__ if kind else stored
    seen = {"calls": 0}

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if during_type is not None and running.get("type") != during_type:
            return original(*args, **kwargs)
        seen["calls"] += 1
        if seen["calls"] == nth and when == "before":
            die(target, nth, when)
        result = original(*args, **kwargs)
        if seen["calls"] == nth and when == "after":
            die(target, nth, when)
        return result

    setattr(owner, name, kind(wrapper) if kind else wrapper)
    return seen


def track_running_type(running: dict) -> None:
    """Keep `running["type"]` set to the entity type the runner is importing."""
    owner, name, original = resolve(RUN_TYPE)

    @functools.wraps(original)
    def run_type(self, entity_type, *args, **kwargs):
        running["type"] = entity_type
        try:
            return original(self, entity_type, *args, **kwargs)
        finally:
            running["type"] = None

    setattr(owner, name, run_type)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--nth", type=int, default=1)
    parser.add_argument("--when", choices=("before", "after"), default="before")
    parser.add_argument("--during-type")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    command = opts.command[1:] if opts.command[:1] == ["--"] else opts.command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    running: dict = {"type": None}
    if opts.during_type:
        track_running_type(running)
    seen = install(opts.target, opts.nth, opts.when, opts.during_type, running)
    execute_from_command_line(["manage.py", "import_dpmf", *command])
    where = f" while importing {opts.during_type}" if opts.during_type else ""
    print(
        f"kill point never reached: {opts.target} was called {seen['calls']} times{where}, "
        f"not {opts.nth}",
        file=sys.stderr,
    )
    return NOT_REACHED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
