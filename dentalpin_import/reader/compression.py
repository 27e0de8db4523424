"""The zstd layer (FORMAT.md §4): streaming, multi-frame, truncation-aware, size-capped."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import zstandard

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.errors import ReadError

MAGIC = b"\x28\xb5\x2f\xfd"
PIECE = 1 << 18


class Decompressor:
    """Feed compressed bytes in, get plaintext out; call `close()` to check completeness.

    python-zstandard's own streaming helpers return a truncated frame's partial
    output silently, so frames are followed by hand: a new decompressor starts
    on `unused_data` after each frame's end, and input that ends inside a frame
    is reported as truncation.
    """

    def __init__(self, out: Callable[[bytes], None], max_bytes: int | None = None):
        self.out = out
        self.max_bytes = max_bytes
        self.produced = 0
        self.obj = zstandard.ZstdDecompressor().decompressobj()
        self.in_frame = False

    def feed(self, data: bytes) -> None:
        for start in range(0, len(data), PIECE):
            self._feed(data[start : start + PIECE])

    def _feed(self, data: bytes) -> None:
        while data:
            try:
                chunk = self.obj.decompress(data)
            except zstandard.ZstdError as exc:
                raise ReadError(E.BAD_COMPRESSION, E.MSG_CORRUPT_ZSTD.format(detail=exc)) from None
            self.in_frame = not self.obj.eof
            self._emit(chunk)
            if self.obj.eof:
                data = self.obj.unused_data
                self.obj = zstandard.ZstdDecompressor().decompressobj()
                if data[:4] and data[:4] != MAGIC[: len(data[:4])]:
                    raise ReadError(E.BAD_COMPRESSION, E.MSG_TRAILING_ZSTD)
            else:
                data = b""

    def _emit(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.produced += len(chunk)
        if self.max_bytes is not None and self.produced > self.max_bytes:
            raise ReadError(E.TOO_LARGE, E.MSG_TOO_LARGE.format(limit=self.max_bytes))
        self.out(chunk)

    def close(self) -> None:
        if self.in_frame or self.produced == 0:
            raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_ZSTD)


def compress_stream(src: BinaryIO, dst: BinaryIO, level: int = 3) -> None:
    """Write `src` as a zstd stream without a declared content size (like dental-bridge)."""
    compressor = zstandard.ZstdCompressor(level=level, write_checksum=True)
    with compressor.stream_writer(dst, closefd=False) as writer:
        while block := src.read(1 << 20):
            writer.write(block)
