"""The DPME envelope: AES-256-GCM with a scrypt key, streamed (FORMAT.md §3)."""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.errors import ReadError

MAGIC = b"DPME"
TAG_SIZE = 16
MAX_HEADER = 64 * 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 131072, 8, 1
CHUNK = 1 << 20


@dataclass(frozen=True)
class Envelope:
    header_bytes: bytes  # exactly as in the file: it is the AAD
    salt: bytes
    iv: bytes
    inner_layout: str  # "raw" or "zstd"
    ciphertext_start: int
    ciphertext_length: int


def _bad(message: str) -> ReadError:
    return ReadError(E.BAD_ENVELOPE, E.MSG_BAD_ENVELOPE.format(detail=message))


def _b64(value, name: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(E.MSG_ENV_NOT_STRING.format(name=name))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(E.MSG_ENV_NOT_BASE64.format(name=name)) from None


def read_envelope(fh: BinaryIO, file_size: int) -> Envelope:
    """Parse and check the clear header in the order of §3.2, plus our stricter rules."""
    fh.seek(0)
    head = fh.read(8)
    if len(head) < 8 or head[:4] != MAGIC:
        raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_HEAD)
    (length,) = struct.unpack("<I", head[4:8])
    if length > MAX_HEADER:
        raise _bad(E.MSG_ENV_HEADER_LENGTH.format(length=length))
    if file_size < 8 + length + TAG_SIZE:
        raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_SHORT)
    header_bytes = fh.read(length)
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested beyond the stack: junk
        raise _bad(E.MSG_ENV_NOT_JSON) from None
    if not isinstance(header, dict):
        raise _bad(E.MSG_ENV_NOT_OBJECT)
    if header.get("v") != 1:
        raise _bad(E.MSG_ENV_VERSION.format(value=repr(header.get("v"))))
    if header.get("cipher") != "AES-256-GCM":
        raise _bad(E.MSG_ENV_CIPHER.format(value=repr(header.get("cipher"))))
    if header.get("kdf") != "scrypt":
        raise _bad(E.MSG_ENV_KDF.format(value=repr(header.get("kdf"))))
    if header.get("inner_layout") not in ("raw", "zstd"):
        raise _bad(E.MSG_ENV_LAYOUT.format(value=repr(header.get("inner_layout"))))
    params = header.get("kdf_params")
    if not isinstance(params, dict):
        raise _bad(E.MSG_ENV_NO_PARAMS)
    n, r, p = params.get("n", SCRYPT_N), params.get("r", SCRYPT_R), params.get("p", SCRYPT_P)
    if (n, r, p) != (SCRYPT_N, SCRYPT_R, SCRYPT_P):
        raise ReadError(E.UNSUPPORTED_KDF, E.MSG_UNSUPPORTED_KDF.format(n=n, r=r, p=p))
    salt = _b64(params.get("salt"), "salt")
    iv = _b64(header.get("iv"), "iv")
    if len(iv) < 8:
        raise _bad(E.MSG_ENV_SHORT_IV)
    if len(iv) > 128:  # AES-GCM here takes 8 to 128 bytes
        raise _bad(E.MSG_ENV_LONG_IV)
    start = 8 + length
    return Envelope(
        header_bytes, salt, iv, header["inner_layout"], start, file_size - start - TAG_SIZE
    )


class Secret(str):
    """A passphrase that shows as stars wherever it is printed by repr().

    Error pages and error reporters list the local variables of every frame of a
    traceback with repr(): a passphrase held as a Secret never appears there.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


def hidden(passphrase: str | None) -> Secret | None:
    """`passphrase` as a Secret (None stays None)."""
    return None if passphrase is None else Secret(passphrase)


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """scrypt(passphrase as typed, UTF-8) with the fixed DPMF parameters (§3.3)."""
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    # surrogateescape: a passphrase read from a file or variable that is not UTF-8
    # arrives with its bytes escaped, and those bytes are what was typed.
    return kdf.derive(passphrase.encode("utf-8", "surrogateescape"))


def decrypt_stream(
    fh: BinaryIO,
    env: Envelope,
    key: bytes,
    sink: Callable[[bytes], None],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Decrypt chunk by chunk into `sink`; raise DECRYPT_FAILED when the tag does not verify.

    What `sink` received must not be trusted until this returns.
    """
    fh.seek(env.ciphertext_start + env.ciphertext_length)
    tag = fh.read(TAG_SIZE)
    decryptor = Cipher(algorithms.AES(key), modes.GCM(env.iv, tag)).decryptor()
    decryptor.authenticate_additional_data(env.header_bytes)
    fh.seek(env.ciphertext_start)
    remaining = env.ciphertext_length
    while remaining > 0:
        block = fh.read(min(CHUNK, remaining))
        if not block:
            raise ReadError(E.TRUNCATED, E.MSG_TRUNCATED_ENC)
        remaining -= len(block)
        sink(decryptor.update(block))
        if progress:
            progress(env.ciphertext_length - remaining, env.ciphertext_length)
    try:
        sink(decryptor.finalize())
    except InvalidTag:
        raise ReadError(E.DECRYPT_FAILED, E.MSG_DECRYPT_FAILED) from None


def header_json(salt: bytes, iv: bytes, inner_layout: str) -> bytes:
    """The header a writer puts in the file, in the key order of the §3.2 example."""
    header = {
        "v": 1,
        "kdf": "scrypt",
        "kdf_params": {
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode("ascii"),
        },
        "cipher": "AES-256-GCM",
        "iv": base64.b64encode(iv).decode("ascii"),
        "inner_layout": inner_layout,
    }
    return json.dumps(header, separators=(",", ":")).encode("ascii")


def encrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    passphrase: str,
    inner_layout: str,
    *,
    salt: bytes | None = None,
    iv: bytes | None = None,
) -> None:
    """Write a DPME envelope of `src` to `dst` (fresh random salt and nonce by default)."""
    salt = salt if salt is not None else os.urandom(16)
    iv = iv if iv is not None else os.urandom(12)
    header = header_json(salt, iv, inner_layout)
    encryptor = Cipher(algorithms.AES(derive_key(passphrase, salt)), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(header)
    dst.write(MAGIC + struct.pack("<I", len(header)) + header)
    while block := src.read(CHUNK):
        dst.write(encryptor.update(block))
    dst.write(encryptor.finalize() + encryptor.tag)
