"""A full disk or a full database, told apart from other failures and said in plain words.

The message names what is full (the folder a setting points at, another
folder, or the database) and what to do; the job keeps it as its error.
"""

from __future__ import annotations

import errno
from pathlib import Path

from django.conf import settings
from django.db import connections

# Stored on the job (in English, translated by the pages like the refusals).
MSG_FOLDER_FULL = (
    "there is no space left on the disk of {setting} ({path}): free some space there, or point "
    "that setting at a folder on a larger disk, then run the import again"
)
MSG_PATH_FULL = (
    "there is no space left on the disk holding {path}: free some space there, then run the "
    "import again"
)
MSG_DATABASE_FULL = (
    "the database is full ({database}: no space left on its disk, or its size limit reached): "
    "free space for the database, then run the import again"
)
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"
PG_DISK_FULL = "53100"  # SQLSTATE disk_full: "could not extend file …"
FOLDERS = ("DPMF_STAGING_DIR", "MEDIA_ROOT")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def describe(exc: BaseException, *, folder: str = "DPMF_STAGING_DIR") -> str | None:
    """The plain message for `exc` when it means a full disk or database, else None.

    `folder` names the setting whose folder was being written when the error
    does not say which file it was writing.
    """
    for cause in _chain(exc):
        if _database_full(cause):
            return MSG_DATABASE_FULL.format(database=database_label())
        if isinstance(cause, OSError) and cause.errno in FULL_ERRNOS:
            # With two names (a copy, a move) the second is where it was writing.
            return _folder_message(cause.filename2 or cause.filename, folder)
    return None


def _database_full(exc: BaseException) -> bool:
    if getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL:
        return True
    if getattr(exc, "sqlstate", None) == PG_DISK_FULL or getattr(exc, "pgcode", None) == (
        PG_DISK_FULL
    ):
        return True
    text = str(exc)
    return "database or disk is full" in text or "could not extend file" in text


def _folder_message(filename, default: str) -> str:
    if filename:
        path = Path(str(filename if not isinstance(filename, bytes) else filename.decode()))
        for setting in FOLDERS:
            root = Path(getattr(settings, setting)).resolve()
            if path.resolve().is_relative_to(root):
                return MSG_FOLDER_FULL.format(setting=setting, path=root)
        return MSG_PATH_FULL.format(path=path.parent)
    return MSG_FOLDER_FULL.format(setting=default, path=Path(getattr(settings, default)))


def database_label() -> str:
    """The database as an operator knows it: SQLite's file, or PostgreSQL's name and host."""
    db = connections["default"].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {db['NAME']}"
    host = db.get("HOST") or "localhost"
    return f"PostgreSQL database {db['NAME']} on {host}"
