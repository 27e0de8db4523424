"""The benchmarks' scratch directory, removed at the end unless the caller asked to keep it.

One `import_speed.py` run leaves about 1 GB of sample files and databases behind; run after
run in the system's temporary directory, that filled the disk.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def work_dir(keep: str | None, prefix: str) -> Iterator[Path]:
    """`keep` (created if needed, left as it is afterwards), or a new directory removed on exit.

    The new directory goes on every way out, a failed or interrupted run included.
    """
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def where(path: Path, kept: bool) -> str:
    """The header's note on the work directory: only a kept one is still there to look at."""
    return f", work dir {path}" if kept else ""
