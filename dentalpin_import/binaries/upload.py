"""An upload handler that streams to a temporary file and hashes while it writes."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.urls import Resolver404, resolve

# The most one request may send, by where it goes (names of settings). Known from the
# URL because a form page's body is parsed by the CSRF check, before its view runs.
CAPS = {
    "dentalpin_import:upload": "DPMF_MAX_UPLOAD_BYTES",
    "dentalpin_import:sheet-upload": "CSV_MAX_SHEET_BYTES",
    "dentalpin_import:job-binaries": "DPMF_MAX_BINARY_BYTES",
    # Staff may drop a zip of the export's documents: each member is capped on its own.
    "dentalpin_import:job-documents": "DPMF_MAX_UPLOAD_BYTES",
}
# Any other page takes at most one document (the admin's document form).
OTHER_PAGES = "DPMF_MAX_BINARY_BYTES"


def request_cap(request) -> int:
    """The bytes of files one request to this URL may carry (`request.upload_cap` first)."""
    explicit = getattr(request, "upload_cap", None)
    if explicit:
        return explicit
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        name = ""
    return getattr(settings, CAPS.get(name, OTHER_PAGES))


def incoming_folder() -> Path:
    """The folder uploads are written to while they arrive, made private (0700) if missing."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Never holds an upload in memory; computes its sha256 and caps the whole request.

    The cap is `request_cap` (by URL, or `request.upload_cap` when a view set one
    before the body was read), and holds for all the files of one request together:
    a request of many files, each under the cap, is refused like one large file.
    Past the cap the file being written is dropped (its temp file deleted, those
    before it go at the end of the request), the rest of the body is read and
    thrown away (so the client hears the answer rather than a reset connection),
    and `request.upload_too_large` is set for the view to answer 413. The form
    fields beside the files stay under Django's DATA_UPLOAD_MAX_MEMORY_SIZE, and
    the number of files under DATA_UPLOAD_MAX_NUMBER_FILES.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Called once per request, before any file: the cap and the count are the request's.
        self.cap = request_cap(self.request)
        self.request_bytes = 0

    def new_file(self, *args, **kwargs):
        incoming_folder()  # before the temporary file is made in it
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data, start):
        self.request_bytes += len(raw_data)
        if self.request_bytes > self.cap:
            self.request.upload_too_large = True
            self.file.close()  # removes the temporary file
            raise StopUpload(connection_reset=False)
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded
