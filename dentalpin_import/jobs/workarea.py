"""Private work folders for a file's decrypted copy, locked by the process using them.

Reading an encrypted or compressed file writes its plaintext under
DPMF_STAGING_DIR. Each reading gets a folder `work/<random>/` holding a
`.lock` file that its process keeps `flock`ed: when the process ends, however
it ends, the lock goes with it, and `sweep_import_uploads` removes the folders
nobody holds (a killed import's decrypted patient database) while leaving
those of live imports alone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

LOCK_NAME = ".lock"
# A folder without its lock file is being made, or its maker died making it.
UNLOCKED_GRACE_S = 3600


def root() -> Path:
    return Path(settings.DPMF_STAGING_DIR) / "work"


@contextmanager
def work_folder() -> Iterator[Path]:
    """A fresh 0700 folder under DPMF_STAGING_DIR/work, held until the block ends, then removed."""
    root().mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="w-", dir=root()))
    fd = None
    try:
        os.chmod(folder, 0o700)
        # Locked before it gets its name, so `.lock` is never seen unlocked while alive.
        fd, tmp_name = tempfile.mkstemp(prefix=".lock-", dir=folder)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(tmp_name, folder / LOCK_NAME)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if fd is not None:
            os.close(fd)


def abandoned() -> list[Path]:
    """Work folders whose process has ended (their lock is free), oldest first."""
    found = []
    base = root()
    for folder in sorted(base.iterdir(), key=_mtime) if base.is_dir() else []:
        if folder.is_dir() and not in_use(folder):
            found.append(folder)
    return found


def in_use(folder: Path) -> bool:
    """Whether a live process holds `folder` (or may be making it right now)."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return time.time() - _mtime(folder) < UNLOCKED_GRACE_S
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
