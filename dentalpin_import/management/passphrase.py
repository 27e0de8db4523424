"""How commands obtain a passphrase: a file, an environment variable, or a prompt. Never argv."""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import CommandError

from dentalpin_import.reader.crypto import hidden

REFUSED = 2


def read_passphrase(*, file: str | None, env: str | None, needed: bool) -> str | None:
    """Return the passphrase, or None when the file is not encrypted and none was given.

    A passphrase file may end with one newline (as editors write it); that one
    newline is not part of the passphrase. Anything else is used exactly, bytes
    that are not UTF-8 included (kept as they are for the key derivation).
    """
    if file:
        try:
            with open(file, encoding="utf-8", errors="surrogateescape") as fh:
                value = fh.read()
        except OSError as exc:
            raise CommandError(
                f"cannot read passphrase file {file}: {exc.strerror}", returncode=REFUSED
            ) from None
        value = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
        return hidden(value)
    if env:
        value = os.environ.get(env)
        if not value:
            raise CommandError(f"environment variable {env} is empty or unset", returncode=REFUSED)
        return hidden(value)
    if not needed:
        return None
    if sys.stdin is not None and sys.stdin.isatty():
        return hidden(getpass.getpass("Passphrase: "))
    raise CommandError(
        "the file is encrypted: give --passphrase-file PATH or --passphrase-env VAR",
        returncode=REFUSED,
    )
