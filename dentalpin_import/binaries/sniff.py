"""What a file really is, from its first bytes; an allow-list of clinical document types."""

from __future__ import annotations

import zipfile

IMAGE = "image"
PDF = "pdf"
DICOM = "dicom"
OFFICE = "office"
TEXT = "text"

EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
SIGNATURES = (  # (offset, magic, mime)
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"BM", "image/bmp"),
    (0, b"%PDF-", "application/pdf"),
    (128, b"DICM", "application/dicom"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"),
    (0, b"{\\rtf", "application/rtf"),
)
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "image/bmp": ".bmp",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/dicom": ".dcm",
    "application/msword": ".doc",
    "application/rtf": ".rtf",
    OOXML["word/"]: ".docx",
    OOXML["xl/"]: ".xlsx",
    OOXML["ppt/"]: ".pptx",
}


# Why a file is refused: English templates, which the documents drop shows in the reader's
# language (web/documents.py lists them for the catalogue) and the agent's JSON in English.
MSG_CONTRADICTS = "the content is %(actual)s but the file says %(hint)s"


class Refused(Exception):
    """The content is not an allowed document, or not what the file said it was.

    `message` is the reason's template and `params` its values: `str()` is the
    filled English sentence; a page translates `message` first, then fills it.
    """

    def __init__(self, message: str, **params: str):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


def family(mime: str) -> str:
    if mime.startswith("image/"):
        return IMAGE
    if mime == "application/pdf":
        return PDF
    if mime in ("application/dicom", "application/dicom+json"):
        return DICOM
    if mime.startswith("text/"):
        return TEXT
    return OFFICE


def sniff(path: str) -> str:
    """Return the allowed MIME type of the file at `path`, or raise `Refused`."""
    with open(path, "rb") as fh:
        head = fh.read(160)
    if head.startswith(EXECUTABLE_MAGIC):
        raise Refused("the content is an executable program")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for offset, magic, mime in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return mime
    if head.startswith(b"PK\x03\x04"):
        return _office(path)
    raise Refused("the content is not an image, PDF, DICOM or office document")


def _office(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise Refused("the content is a damaged ZIP archive") from None
    if "[Content_Types].xml" in names:
        for prefix, mime in OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return mime
    raise Refused("the content is a ZIP archive, not an office document")


def check_hint(actual: str, hint: str | None) -> None:
    """Refuse content whose real type contradicts the MIME type the file declared."""
    if not hint or hint in ("application/octet-stream", "binary/octet-stream"):
        return
    if family(actual) != family(hint.lower()):
        raise Refused(MSG_CONTRADICTS, actual=actual, hint=hint)
