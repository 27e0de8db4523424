"""Length-prefixed pickle frames between the importer and the processes it starts
(the typing helper).

Only between this program's own processes, over their pipes: a frame is
never read from anywhere else.
"""

from __future__ import annotations

import os
import pickle
import select


def frame_output():
    """This process's stdout, kept for frames; whatever is printed by accident goes to stderr."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return out


def frame_bytes(frame) -> bytes:
    data = pickle.dumps(frame, protocol=5)
    return len(data).to_bytes(8, "big") + data


def write_frame(out, frame) -> None:
    out.write(frame_bytes(frame))
    out.flush()


def read_exactly(fd: int, size: int, *, chunk: int = 1 << 20) -> bytes:
    """`size` bytes from the descriptor, waiting for them; EOFError if it ends first."""
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, chunk))
        if not part:
            raise EOFError("the other process ended its output early")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_frame(fd: int):
    size = int.from_bytes(read_exactly(fd, 8), "big")
    return pickle.loads(read_exactly(fd, size))


def read_tuple(fd: int) -> tuple:
    """The next frame, which must be a non-empty tuple (ValueError otherwise)."""
    frame = read_frame(fd)
    if not isinstance(frame, tuple) or not frame:
        raise ValueError("a frame that is not a tuple")
    return frame


def readable(fd: int, timeout_s: float = 0) -> bool:
    """True when the descriptor has data (or its end) to read within `timeout_s`."""
    # poll(), not select(): a long-lived server may hold descriptors above select's 1024.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(int(timeout_s * 1000)))
