"""The zstd layer (FORMAT.md §4): streaming, multi-frame, truncation-aware, size-capped."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import zstandard

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.errors import ReadError

MAGIC = b"\x28\xb5\x2f\xfd"
# RFC 8878 §3.1.1.2: no block regenerates more than this, whatever its type.
BLOCK_MAX = 128 * 1024
_DICT_ID_SIZE = (0, 1, 2, 4)
_FRAME, _BLOCK, _CHECKSUM = "frame", "block", "checksum"


def _corrupt(detail: str) -> ReadError:
    return ReadError(E.BAD_COMPRESSION, E.MSG_CORRUPT_ZSTD.format(detail=detail))


def _header_size(descriptor: int) -> int:
    """Bytes of a frame header (magic included) from its descriptor byte (RFC 8878 §3.1.1.1)."""
    single_segment = descriptor >> 5 & 1
    content_size = (single_segment, 2, 4, 8)[descriptor >> 6]
    return 5 + (0 if single_segment else 1) + _DICT_ID_SIZE[descriptor & 3] + content_size


def _declared_size(header: bytes) -> int | None:
    """The frame's declared content size, or None when the frame does not say."""
    descriptor = header[4]
    field = (descriptor >> 5 & 1, 2, 4, 8)[descriptor >> 6]
    if not field:
        return None
    value = int.from_bytes(header[len(header) - field :], "little")
    return value + 256 if field == 2 else value


class Decompressor:
    """Feed compressed bytes in, get plaintext out; call `close()` to check completeness.

    python-zstandard's streaming helpers return a truncated frame's partial
    output silently and give out everything one call decodes at once (a small
    bomb is gigabytes). So frames are walked here, header and block by block:
    a frame's declared size is checked against the cap before any of it is
    decoded, each block (at most 128 KiB once decoded) is handed to the decoder
    whole, so the cap is checked at least every 128 KiB, and input that ends
    inside a frame is truncation, while a bad header or block is corruption.
    """

    def __init__(self, out: Callable[[bytes], None], max_bytes: int | None = None):
        self.out = out
        self.max_bytes = max_bytes
        self.produced = 0
        self.frames = 0
        self.pending = bytearray()
        self.state = _FRAME
        self.obj = None
        self.checksum = False
        self.frame_declared: int | None = None
        self.frame_produced = 0

    @property
    def in_frame(self) -> bool:
        return self.state != _FRAME or bool(self.pending)

    def feed(self, data: bytes) -> None:
        self.pending += data
        pos = 0
        while (step := self._step(pos)) is not None:
            pos = step
        del self.pending[:pos]

    def _step(self, pos: int) -> int | None:
        """Take one frame header, block or checksum at `pos`; None when more input is needed."""
        buf, avail = self.pending, len(self.pending) - pos
        if self.state == _FRAME:
            if avail < 5:
                if avail and buf[pos : pos + avail] != MAGIC[:avail]:
                    raise ReadError(E.BAD_COMPRESSION, E.MSG_TRAILING_ZSTD)
                return None
            if buf[pos : pos + 4] != MAGIC:
                raise ReadError(E.BAD_COMPRESSION, E.MSG_TRAILING_ZSTD)
            size = _header_size(buf[pos + 4])
            if avail < size:
                return None
            self._start_frame(bytes(buf[pos : pos + size]))
            return pos + size
        if self.state == _BLOCK:
            if avail < 3:
                return None
            value = int.from_bytes(buf[pos : pos + 3], "little")
            last, kind, size = value & 1, value >> 1 & 3, value >> 3
            if kind == 3:
                raise _corrupt(E.MSG_ZSTD_BLOCK_TYPE)
            if size > BLOCK_MAX:
                raise _corrupt(E.MSG_ZSTD_BLOCK_SIZE)
            end = pos + 3 + (1 if kind == 1 else size)
            if len(buf) < end:
                return None
            self._decode(bytes(buf[pos:end]))
            if last:
                self.state = _CHECKSUM if self.checksum else _FRAME
                if not self.checksum:
                    self._end_frame()
            return end
        if avail < 4:
            return None
        self._decode(bytes(buf[pos : pos + 4]))
        self.state = _FRAME
        self._end_frame()
        return pos + 4

    def _start_frame(self, header: bytes) -> None:
        descriptor = header[4]
        if descriptor & 0x08:
            raise _corrupt(E.MSG_ZSTD_RESERVED)
        declared = _declared_size(header)
        if declared is not None and self.max_bytes is not None:
            if self.produced + declared > self.max_bytes:
                raise ReadError(
                    E.TOO_LARGE,
                    E.MSG_TOO_LARGE_DECLARED.format(
                        size=self.produced + declared, limit=self.max_bytes
                    ),
                )
        self.frame_declared, self.frame_produced = declared, 0
        self.checksum = bool(descriptor & 0x04)
        self.obj = zstandard.ZstdDecompressor().decompressobj()
        self._decode(header)
        self.state = _BLOCK

    def _end_frame(self) -> None:
        if not self.obj.eof or self.obj.unused_data:
            raise _corrupt(E.MSG_ZSTD_FRAME_END)
        if self.frame_declared is not None and self.frame_produced != self.frame_declared:
            raise _corrupt(E.MSG_ZSTD_SIZE)
        self.frames += 1

    def _decode(self, data: bytes) -> None:
        try:
            chunk = self.obj.decompress(data)
        except zstandard.ZstdError as exc:
            raise _corrupt(str(exc)) from None
        if not chunk:
            return
        self.produced += len(chunk)
        self.frame_produced += len(chunk)
        if self.max_bytes is not None and self.produced > self.max_bytes:
            raise ReadError(E.TOO_LARGE, E.MSG_TOO_LARGE.format(limit=self.max_bytes))
        if self.frame_declared is not None and self.frame_produced > self.frame_declared:
            raise _corrupt(E.MSG_ZSTD_SIZE)
        self.out(chunk)

    def close(self) -> None:
        if self.in_frame or self.frames == 0:
            raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_ZSTD)


def compress_stream(src: BinaryIO, dst: BinaryIO, level: int = 3) -> None:
    """Write `src` as a zstd stream without a declared content size (like dental-bridge)."""
    compressor = zstandard.ZstdCompressor(level=level, write_checksum=True)
    with compressor.stream_writer(dst, closefd=False) as writer:
        while block := src.read(1 << 20):
            writer.write(block)
