"""The members of a zip dropped on the job page, one by one, each hashed as it is unpacked.

A zip of the export's files is read member by member: each is streamed into a
private temporary file while its sha256 is computed, handed to the caller, and
deleted before the next one is unpacked. Nothing of a member's name ever
becomes a path. What a hostile archive could do is refused before a byte of
it is unpacked:

- too many members (`MAX_MEMBERS`, nested archives' members counted too);
- a member larger than one document may be (`DPMF_MAX_BINARY_BYTES`), or
  members adding up to more than `DPMF_MAX_UNPACKED_BYTES`;
- a member that unpacks to more than `MAX_RATIO` times its packed size (a zip
  bomb: documents never compress that well);
- a name that would leave the folder (`..`, an absolute path, a drive letter),
  a symbolic link, an encrypted member, a member compressed with a method
  Python cannot unpack (Deflate64, zstd, PPMd…: `READABLE_METHODS`);
- archives inside archives deeper than `MAX_DEPTH`.

Refusals are in the language of the request that dropped the archive, and say
what to do. The sizes a member declares are checked first; while it is
unpacked the bytes really written are counted too, so a header that lies stops
at the cap. A member that fails while it is unpacked (damaged data, a method
or an encryption zipfile does not know) is refused alone: the members before
and after it carry on.
"""

from __future__ import annotations

import hashlib
import lzma
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_MEMBERS = 20_000
MAX_DEPTH = 2  # a zip inside the dropped zip is opened; one inside that is not
MAX_RATIO = 100
RATIO_FROM_BYTES = 1 << 20  # small members (a text note) may compress better
BLOCK = 1 << 20
MSG_TOO_DEEP = gettext_lazy(
    "it is an archive inside an archive inside an archive: unpack it on the computer and drop "
    "its files"
)
# The compression methods zipfile unpacks. Windows makes Deflate64 (9) of large files, and
# some tools zstd (93), xz (95) or PPMd (98): a member packed so is refused with a way out.
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
METHOD_NAMES = {9: "Deflate64", 93: "zstd", 95: "xz", 97: "WavPack", 98: "PPMd"}
AES = 99  # WinZip's AES encryption, written as a compression method
MSG_METHOD = gettext_lazy(
    "it is compressed with a method this importer cannot read (%(method)s): make the archive "
    "again with ordinary zip compression"
)
MSG_UNREADABLE = gettext_lazy(
    "it is packed in a way this importer cannot read (%(error)s): make the archive again with "
    "ordinary zip compression and no password"
)
MSG_PASSWORD = gettext_lazy("it is password-protected: make the archive again without a password")
MSG_DAMAGED = gettext_lazy(
    "it cannot be unpacked (%(error)s): copy the archive again, or make it again"
)


class ArchiveRefused(Exception):
    """The whole archive is refused: nothing of it was handed over."""


@dataclass
class Member:
    """One file of the archive: its name (a label only), and, when it was unpacked, the file."""

    name: str
    path: Path | None = None
    size: int = 0
    sha256: str = ""
    refused: str = ""  # why this member was not unpacked

    def temporary_file_path(self) -> str:  # what binaries.store reads an upload through
        return str(self.path)


def is_archive(path: str | Path) -> bool:
    """A zip that is not an office document (a .docx is a zip too, and may be expected)."""
    with open(path, "rb") as fh:
        if fh.read(4) not in ZIP_MAGIC:
            return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "[Content_Types].xml" not in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True  # damaged: said so when it is opened as an archive


def walk(
    path: str | Path,
    *,
    is_expected: Callable[[str], bool],
    depth: int = 1,
    budget: list[int] | None = None,
) -> Iterator[Member]:
    """Yield every file of the zip at `path`, opening the archives inside it up to `MAX_DEPTH`.

    Each unpacked file lives until the next one is asked for. Raises
    `ArchiveRefused` (before anything is yielded) for an archive that is not a
    readable zip, has too many members or would unpack to too much. A member
    refused on its own (an unsafe name, a link, too large, nested too deep, an
    inner archive refused) is yielded with `refused` set and no file. An inner
    zip whose sha256 `is_expected` is a document, not an archive to open.
    `budget` is [members left, bytes left], shared with the nested archives.
    """
    budget = budget if budget is not None else [MAX_MEMBERS, settings.DPMF_MAX_UNPACKED_BYTES]
    for member in _members(path, budget):
        if member.path is None or is_expected(member.sha256) or not is_archive(member.path):
            yield member
            continue
        if depth >= MAX_DEPTH:
            yield Member(member.name, refused=str(MSG_TOO_DEEP))
            continue
        try:
            for inner in walk(member.path, is_expected=is_expected, depth=depth + 1, budget=budget):
                inner.name = f"{member.name}/{inner.name}"
                yield inner
        except ArchiveRefused as exc:
            yield Member(member.name, refused=str(exc))


def _members(path: str | Path, budget: list[int]) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(
            _("the zip archive cannot be read (%(error)s)") % {"error": exc}
        ) from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        _check_whole(infos, budget)
        with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
            for n, info in enumerate(infos):
                refused = _member_refusal(info)
                if refused:
                    yield Member(info.filename, refused=refused)
                    continue
                target = Path(folder) / f"member-{n}"
                try:
                    member = _unpack(archive, info, target)
                except UNPACK_ERRORS as exc:
                    target.unlink(missing_ok=True)
                    yield Member(info.filename, refused=_unpack_refusal(exc))
                    continue
                yield member
                target.unlink(missing_ok=True)


def _check_whole(infos, budget: list[int]) -> None:
    budget[0] -= len(infos)
    if budget[0] < 0:
        raise ArchiveRefused(
            _("the archive has more than %(limit)s files: drop it in smaller parts")
            % {"limit": f"{MAX_MEMBERS:,}"}
        )
    declared = sum(i.file_size for i in infos)
    budget[1] -= declared
    if budget[1] < 0:
        raise ArchiveRefused(
            _(
                "the archive would unpack to more than %(limit)s bytes "
                "(DPMF_MAX_UNPACKED_BYTES): drop it in smaller parts"
            )
            % {"limit": f"{settings.DPMF_MAX_UNPACKED_BYTES:,}"}
        )
    for info in infos:
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ArchiveRefused(
                _(
                    "%(name)s would unpack to %(size)s bytes from %(packed)s: that is a zip "
                    "bomb, not an export's documents"
                )
                % {
                    "name": info.filename,
                    "size": f"{info.file_size:,}",
                    "packed": f"{info.compress_size:,}",
                }
            )


def _member_refusal(info: zipfile.ZipInfo) -> str:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        return _("its name leads out of the folder")
    if stat.S_ISLNK(info.external_attr >> 16):
        return _("it is a symbolic link, not a file")
    if info.flag_bits & 0x1 or info.compress_type == AES:
        return str(MSG_PASSWORD)
    if info.compress_type not in READABLE_METHODS:
        method = info.compress_type
        name = METHOD_NAMES.get(method) or zipfile.compressor_names.get(method) or f"#{method}"
        return str(MSG_METHOD) % {"method": name}
    if info.file_size > settings.DPMF_MAX_BINARY_BYTES:
        return _("it is larger than %(limit)s bytes (DPMF_MAX_BINARY_BYTES)") % {
            "limit": f"{settings.DPMF_MAX_BINARY_BYTES:,}"
        }
    return ""


# What unpacking one member may raise: a damaged member (zipfile's own errors, a broken
# deflate, bzip2 or LZMA stream, a cut file) or one packed in a way zipfile cannot read
# (NotImplementedError: strong encryption, patched data; RuntimeError: a password needed, a
# decompressor missing from this Python).
UNPACK_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def _unpack_refusal(exc: Exception) -> str:
    """Why a member that failed while it was unpacked is refused, and what to do."""
    if isinstance(exc, NotImplementedError | RuntimeError):
        if "encrypted" in str(exc):
            return str(MSG_PASSWORD)
        return str(MSG_UNREADABLE) % {"error": exc}
    return str(MSG_DAMAGED) % {"error": exc}


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> Member:
    """Stream one member into `target`, hashing it; stop at the size it declared."""
    digest, written = hashlib.sha256(), 0
    with archive.open(info) as source, open(target, "wb") as out:
        target.chmod(0o600)
        while block := source.read(BLOCK):
            written += len(block)
            if written > info.file_size:  # zipfile stops there too; never trust one check
                raise ValueError(_("it holds more than its header says"))
            digest.update(block)
            out.write(block)
    return Member(info.filename, path=target, size=written, sha256=digest.hexdigest())
