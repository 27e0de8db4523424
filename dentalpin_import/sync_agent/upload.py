"""Uploading one file: a streamed multipart body and retries with backoff."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

RETRY_STATUSES = {404, 409, 429, 500, 502, 503, 504}
# The server's final answer from a finished job: the file's owner was never imported,
# or the job does not expect this file (docs/sync-agent.md).
FINAL_ANSWER = 422


class MultipartFile:
    """A multipart/form-data body read from disk piece by piece, with an exact length."""

    def __init__(self, path: Path, sha256: str):
        self.boundary = uuid.uuid4().hex
        b = self.boundary
        self.head = (
            f'--{b}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n{sha256}'
            f'\r\n--{b}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="upload.bin"\r\nContent-Type: application/octet-stream'
            f"\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{b}--\r\n".encode()
        self.path = path
        self.size = path.stat().st_size
        self.fh = open(path, "rb")
        self.stage = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def read(self, n: int = -1) -> bytes:
        out = b""
        while (n < 0 or len(out) < n) and self.stage < 3:
            want = -1 if n < 0 else n - len(out)
            if self.stage == 0:
                out += self.head
                self.stage = 1
            elif self.stage == 1:
                block = self.fh.read(want if want > 0 else 1 << 20)
                if block:
                    out += block
                else:
                    self.stage = 2
            else:
                out += self.tail
                self.stage = 3
        return out

    def close(self) -> None:
        self.fh.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Outcome:
    status: str  # uploaded, already, missing, rejected, not_imported, gave_up, fatal
    detail: str = ""


def upload(
    session, url: str, path: Path, sha256: str, *, timeout: float, max_wait: float, sleep=time.sleep
) -> Outcome:
    """Upload until accepted, refused, or `max_wait` seconds of retrying have passed."""
    delay, waited = 1.0, 0.0
    while True:
        body = MultipartFile(path, sha256)
        try:
            response = session.post(
                url, data=body, timeout=timeout, headers={"Content-Type": body.content_type}
            )
            status, detail = response.status_code, _message(response)
        except OSError as exc:  # includes requests' ConnectionError and timeouts
            status, detail = None, str(exc)
        finally:
            body.close()
        if status == 201:
            return Outcome("uploaded")
        if status == 200:
            return Outcome("already")
        if status in (401, 403):
            return Outcome("fatal", detail)
        if status == FINAL_ANSWER:  # a finished job will never take this file: no retry
            return Outcome("not_imported", detail)
        if status is not None and status not in RETRY_STATUSES:
            return Outcome("rejected", f"{status}: {detail}")
        if waited >= max_wait:
            return Outcome("gave_up", f"still not accepted after {waited:.0f} s: {detail}")
        sleep(delay)
        waited += delay
        delay = min(delay * 2, 60.0)


def _message(response) -> str:
    try:
        return response.json().get("error", "")
    except ValueError:
        return response.text[:200]
