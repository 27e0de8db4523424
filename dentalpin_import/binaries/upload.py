"""An upload handler that streams to a temporary file and hashes while it writes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Never holds an upload in memory; computes its sha256 and enforces a size cap.

    The cap is `request.upload_cap` when a view sets one, else
    `DPMF_MAX_UPLOAD_BYTES`. An upload over the cap is dropped (its temp file
    deleted) and `request.upload_too_large` is set for the view to answer 413.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()
        self.size = 0
        self.cap = getattr(self.request, "upload_cap", None) or settings.DPMF_MAX_UPLOAD_BYTES

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.cap:
            self.request.upload_too_large = True
            self.file.close()  # removes the temporary file
            raise StopUpload(connection_reset=False)
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded
