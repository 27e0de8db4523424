"""Tell a DPMF file's layering and unwrap it to a plain SQLite file (FORMAT.md §2-§4).

Every way the outer layers can fail ends here as a `ReadError`: a file that
cannot be read, an unpacked copy that cannot be written, corrupt or truncated
zstd, and, for an encrypted file whose seal does not verify, the likeliest
cause (wrong passphrase, truncated, or changed after encryption). A full disk
alone is left as the `OSError` it is (see `disk_full`).
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.compression import MAGIC as ZSTD_MAGIC
from dentalpin_import.reader.compression import Decompressor
from dentalpin_import.reader.crypto import MAGIC as DPME_MAGIC
from dentalpin_import.reader.crypto import decrypt_stream, derive_key, read_envelope
from dentalpin_import.reader.errors import ReadError

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER = 100
Progress = Callable[[str, int, int], None]
MAGICS = (SQLITE_MAGIC, ZSTD_MAGIC, DPME_MAGIC)
# The least an encrypted inner layer can be (§2): a SQLite file is at least one 512-byte
# page, a zstd frame at least a header and a block header. Less is a cut file whatever the
# passphrase, so it is told before a key is derived, not taken for a wrong passphrase.
MIN_INNER = {"raw": 512, "zstd": 9}


class Layering(StrEnum):
    RAW = "raw"
    ZSTD = "zstd"
    ENC = "enc"
    ZSTD_ENC = "zstd-enc"


def unreadable(exc: OSError) -> ReadError:
    """The file itself could not be read (gone, no permission, an I/O error)."""
    reason = exc.strerror or type(exc).__name__
    return ReadError(E.UNREADABLE_FILE, E.MSG_UNREADABLE_FILE.format(reason=reason))


def detect_layering(path: str | Path) -> Layering:
    """Tell the layering from the first bytes (and the clear envelope header), never the name."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(16)
            if head == SQLITE_MAGIC:
                return Layering.RAW
            if head[:4] == ZSTD_MAGIC:
                return Layering.ZSTD
            if head[:4] == DPME_MAGIC:
                env = read_envelope(fh, size)
                return Layering.ZSTD_ENC if env.inner_layout == "zstd" else Layering.ENC
    except OSError as exc:
        raise unreadable(exc) from None
    if head and any(len(head) < len(m) and m.startswith(head) for m in MAGICS):
        # The whole file is the first bytes of a DPMF file's start: it was cut short.
        raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_START)
    magic = " ".join(f"{b:02x}" for b in head[:4]) or "empty file"
    raise ReadError(E.NOT_DPMF, E.MSG_NOT_DPMF.format(magic=magic))


def sqlite_header_problem(head: bytes, size: int) -> ReadError | None:
    """What is wrong with a plain SQLite file of `size` bytes starting with `head`, if anything.

    SQLite keeps the page size and, when the header is current, the page count
    in its first 100 bytes: a file shorter than they say was cut short, which
    SQLite itself would only notice when it reaches a missing page.
    """
    page_size = int.from_bytes(head[16:18], "big") if len(head) >= 18 else 512
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return ReadError(E.CORRUPT_DATABASE, E.MSG_DB_HEADER)
    if len(head) < SQLITE_HEADER or size < page_size:
        return ReadError(E.TRUNCATED, E.MSG_TRUNCATED_DB.format(size=size, expected=page_size))
    pages = int.from_bytes(head[28:32], "big")
    if pages and head[24:28] == head[92:96] and size < pages * page_size:
        return ReadError(
            E.TRUNCATED, E.MSG_TRUNCATED_DB.format(size=size, expected=pages * page_size)
        )
    if size % page_size:
        # A database is whole pages: one that ends inside a page was cut, even when its
        # header's page count is stale (a writer that does not keep it current).
        return ReadError(E.TRUNCATED, E.MSG_TRUNCATED_PAGE)
    return None


def disk_full(exc: OSError) -> bool:
    """True for a full disk: the machine's problem, not the file's, so no refusal.

    The `OSError` goes on as it is, and the job fails naming the folder
    (`jobs/diskfull.py`), as it does for a full disk anywhere else.
    """
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


class _Sink:
    """Writes plaintext to a file, through zstd when the inner layer is compressed."""

    def __init__(self, target: Path, compressed: bool, max_bytes: int | None):
        self.target = target
        try:
            self.fh = open(target, "wb")
        except OSError as exc:
            if disk_full(exc):
                raise
            raise self._unwritable(exc) from None
        self.written = 0
        self.max_bytes = max_bytes
        self.decompressor = Decompressor(self._write, max_bytes) if compressed else None
        self.head = b""

    def _unwritable(self, exc: OSError) -> ReadError:
        reason = exc.strerror or type(exc).__name__
        return ReadError(
            E.UNPACK_FAILED,
            E.MSG_UNPACK_FAILED.format(folder=self.target.parent.parent, reason=reason),
        )

    def _write(self, data: bytes) -> None:
        try:
            self.fh.write(data)
        except OSError as exc:
            if disk_full(exc):
                raise
            raise self._unwritable(exc) from None
        self.written += len(data)

    def __call__(self, data: bytes) -> None:
        if len(self.head) < SQLITE_HEADER:
            self.head += data[: SQLITE_HEADER - len(self.head)]
        if self.decompressor is not None:
            self.decompressor.feed(data)
            return
        if self.max_bytes is not None and self.written + len(data) > self.max_bytes:
            raise ReadError(E.TOO_LARGE, E.MSG_TOO_LARGE.format(limit=self.max_bytes))
        self._write(data)

    def finish(self) -> None:
        """Check that the compressed input was complete, and flush the file."""
        if self.decompressor is not None:
            self.decompressor.close()
        try:
            self.fh.close()
        except OSError as exc:
            if disk_full(exc):
                raise
            raise self._unwritable(exc) from None


def hash_file(path: Path, progress: Progress | None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            done += len(block)
            if progress:
                progress("read", done, total)
    return digest.hexdigest()


def unwrap(
    path: Path,
    layering: Layering,
    workdir: Path,
    passphrase: str | None,
    max_bytes: int | None,
    progress: Progress | None,
) -> tuple[Path, int]:
    """Return the path of the plain SQLite file and its size, unpacking into `workdir`."""
    if layering is Layering.RAW:
        return path, path.stat().st_size
    target = workdir / "container.sqlite3"
    if layering is Layering.ZSTD:
        sink = _Sink(target, compressed=True, max_bytes=max_bytes)
        size = path.stat().st_size
        try:
            with open(path, "rb") as fh:
                done = 0
                while block := fh.read(1 << 20):
                    sink(block)
                    done += len(block)
                    if progress:
                        progress("decompress", done, size)
            sink.finish()
        finally:
            sink.fh.close()
        return target, sink.written
    if passphrase is None:
        raise ReadError(E.PASSPHRASE_REQUIRED, E.MSG_PASSPHRASE_REQUIRED)
    return _decrypt(path, target, passphrase, max_bytes, progress)


def _decrypt(
    path: Path, target: Path, passphrase: str, max_bytes: int | None, progress: Progress | None
) -> tuple[Path, int]:
    with open(path, "rb") as fh:
        env = read_envelope(fh, path.stat().st_size)
        if env.ciphertext_length < MIN_INNER[env.inner_layout]:
            raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_SHORT)
        key = derive_key(passphrase, env.salt)
        zstd = env.inner_layout == "zstd"
        sink = _Sink(target, compressed=zstd, max_bytes=max_bytes)
        report = (lambda d, t: progress("decrypt", d, t)) if progress else None
        try:
            try:
                decrypt_stream(fh, env, key, sink, report)
            except ReadError as exc:
                if exc.code == E.DECRYPT_FAILED:
                    raise _seal_broken(sink, zstd, stopped=False) from None
                if exc.code in (E.BAD_COMPRESSION, E.TOO_LARGE):
                    # Changed ciphertext decompresses to garbage before the tag is checked:
                    # check the tag first, so a damaged file is not called a bomb.
                    try:
                        decrypt_stream(fh, env, key, lambda _data: None)
                    except ReadError as tag:
                        if tag.code != E.DECRYPT_FAILED:
                            raise
                        raise _seal_broken(sink, zstd, stopped=True) from None
                raise
            sink.finish()
        finally:
            sink.fh.close()
    expected = ZSTD_MAGIC if zstd else SQLITE_MAGIC
    if not sink.head.startswith(expected):
        layer = "zstd" if zstd else "SQLite"
        raise ReadError(E.BAD_INNER_LAYER, E.MSG_BAD_INNER.format(layer=layer))
    return target, sink.written


def _bits_apart(a: bytes, b: bytes) -> int:
    return sum((x ^ y).bit_count() for x, y in zip(a, b, strict=False)) + 8 * abs(len(a) - len(b))


def _seal_broken(sink: _Sink, zstd: bool, *, stopped: bool) -> ReadError:
    """Why the GCM tag did not verify, told from what was decrypted.

    A wrong key decrypts to noise from the first byte; the right key decrypts
    every untouched byte correctly (GCM is a counter mode). So a start within
    a few bits of the inner magic means the passphrase was right and the file
    changed; and a plaintext shorter than its own header (or a zstd frame cut
    off) means it was cut short. A changed first block looks like a wrong key.
    """
    expected = ZSTD_MAGIC if zstd else SQLITE_MAGIC
    if _bits_apart(sink.head[: len(expected)], expected) > len(expected):
        return ReadError(E.DECRYPT_FAILED, E.MSG_DECRYPT_FAILED)
    if zstd:
        cut = not stopped and sink.decompressor.in_frame
    else:
        problem = sqlite_header_problem(sink.head, sink.written)
        cut = problem is not None and problem.code == E.TRUNCATED
    if cut:
        return ReadError(E.TRUNCATED, E.MSG_TRUNCATED_ENC)
    return ReadError(E.TAMPERED, E.MSG_TAMPERED)
