"""Keep an uploaded file readable by background workers without ever storing its passphrase.

While validating, the passphrase exists only in the web process's memory. The
validated SQLite content is then compressed and encrypted again (AES-256-GCM,
streamed) under a key the server holds (`DPMF_REWRAP_KEY`, its own secret: never
derived from `SECRET_KEY` outside development mode, config/security.py), the
original upload is deleted, and a worker later unwraps the copy into a private
temporary directory. See docs/security.md.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.security import check_rewrap_key
from dentalpin_import.reader.compression import Decompressor, compress_stream

MAGIC = b"DPMR1"
NONCE = 12
TAG = 16
CHUNK = 1 << 20


# What the job says when its copy cannot be read (pages translate it: web/refusals.py).
MSG_NOT_A_COPY = (
    "the server's copy of this file is not one the importer made: upload the file again "
    "(what was already imported stays)"
)
MSG_DAMAGED = (
    "the staging copy is damaged or was made with another server key (DPMF_REWRAP_KEY): "
    "upload the file again (what was already imported stays)"
)


class RewrapError(Exception):
    """The re-wrapped copy cannot be read (another server key, or damaged)."""


def server_key() -> bytes:
    """The 32-byte key of `DPMF_REWRAP_KEY`; ImproperlyConfigured when it is unset or malformed."""
    configured = getattr(settings, "DPMF_REWRAP_KEY", "")
    if not configured:
        raise ImproperlyConfigured("DPMF_REWRAP_KEY is not set: no key for staged uploads")
    return check_rewrap_key(configured)


def rewrap(sqlite_path: Path, out_path: Path) -> None:
    """Write `sqlite_path` compressed and encrypted under the server key to `out_path`."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    nonce = os.urandom(NONCE)
    encryptor = Cipher(algorithms.AES(server_key()), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(MAGIC)
    tmp = out_path.with_suffix(".partial")
    with tempfile.TemporaryFile(dir=out_path.parent) as packed:
        with open(sqlite_path, "rb") as src:
            compress_stream(src, packed)
        packed.seek(0)
        with open(tmp, "wb") as dst:
            dst.write(MAGIC + nonce)
            while block := packed.read(CHUNK):
                dst.write(encryptor.update(block))
            dst.write(encryptor.finalize() + encryptor.tag)
    os.chmod(tmp, 0o600)
    os.replace(tmp, out_path)


@contextmanager
def unwrapped(path: Path, tmp_dir: str | None = None):
    """Yield the path of the plain SQLite copy, in a private directory wiped afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="dpmr-", dir=tmp_dir))
    os.chmod(workdir, 0o700)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                raise RewrapError(MSG_NOT_A_COPY)
            nonce = fh.read(NONCE)
            fh.seek(size - TAG)
            tag = fh.read(TAG)
            decryptor = Cipher(algorithms.AES(server_key()), modes.GCM(nonce, tag)).decryptor()
            decryptor.authenticate_additional_data(MAGIC)
            target = workdir / "container.sqlite3"
            with open(target, "wb") as out:
                unpack = Decompressor(out.write)
                fh.seek(len(MAGIC) + NONCE)
                remaining = size - len(MAGIC) - NONCE - TAG
                while remaining > 0:
                    block = fh.read(min(CHUNK, remaining))
                    remaining -= len(block)
                    unpack.feed(decryptor.update(block))
                try:
                    decryptor.finalize()
                except InvalidTag:
                    raise RewrapError(MSG_DAMAGED) from None
                unpack.close()
        yield target
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
