"""What one request may make the web process do: bytes written to disk, pixels decoded."""

import io
import logging
import struct
import tempfile
import zlib

import pytest
from django.test import Client, override_settings
from django_scopes import scope
from PIL import ImageFile

from clinics.models import Document
from dentalpin_import.binaries import store
from dentalpin_import.models import FileStaging, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import PNG, sha

# The endpoint's own fixtures: a small imported job with files expected, and its token.
job, token = test_binaries.job, test_binaries.token

# --- The cap counts every file of a request together --------------------------------


def named(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


@pytest.fixture
def written_temp_files(monkeypatch):
    """The bytes each upload temp file received, by file (however the request ended)."""
    written: list[int] = []
    real = tempfile.NamedTemporaryFile

    class Counting:
        def __init__(self, *args, **kwargs):
            self.inner = real(*args, **kwargs)
            written.append(0)
            self.index = len(written) - 1

        def write(self, data):
            written[self.index] += len(data)
            return self.inner.write(data)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr("django.core.files.uploadedfile.tempfile.NamedTemporaryFile", Counting)
    return written


@pytest.mark.django_db
def test_many_files_each_under_the_cap_are_refused_together(client, job, token, written_temp_files):
    cap = len(PNG) * 3
    extra = {f"extra{n}": named(b"\x00" * (len(PNG) * 2), f"pad{n}.bin") for n in range(20)}
    with override_settings(DPMF_MAX_BINARY_BYTES=cap):
        response = client.post(
            f"/import/jobs/{job.pk}/binaries",
            {"sha256": sha(PNG), "file": named(PNG, "x.png"), **extra},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 413
    assert "request larger than" in response.json()["error"]
    assert sum(written_temp_files) <= cap  # 21 files were sent; the rest was never written
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"
    with scope(clinic=job.clinic):
        assert not Document.objects.exclude(file="").exists()


@pytest.mark.django_db
def test_the_wizard_refuses_a_request_over_the_cap_with_413(staff_client, tmp_path):
    dpmf = b.small_clinic(tmp_path).read_bytes()
    padding = {f"pad{n}": named(b"\x00" * len(dpmf), f"pad{n}.bin") for n in range(5)}
    with override_settings(DPMF_MAX_UPLOAD_BYTES=len(dpmf) * 2):
        response = staff_client.post(
            "/import/new/", {"file": named(dpmf, "clinic.dpm"), "passphrase": "", **padding}
        )
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_the_sheet_cap_holds_although_the_csrf_check_reads_the_body_first(staff_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    strict.get("/import/sheets/new/")
    csrf = strict.cookies["csrftoken"].value
    sheet = b"LegacyPatientID,FirstName,LastName\n" + b"1,Ana,Ruiz\n" * 200
    with override_settings(CSV_MAX_SHEET_BYTES=1000):
        response = strict.post(
            "/import/sheets/new/",
            {"csrfmiddlewaretoken": csrf, "file": named(sheet, "patients.csv")},
        )
    assert response.status_code == 413 and "CSV_MAX_SHEET_BYTES" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_cap_before_every_other_field_is_a_413_not_an_error(staff_client):
    # The cap stops the body inside the file: the passphrase field after it is never read.
    with override_settings(DPMF_MAX_UPLOAD_BYTES=1000):
        response = staff_client.post(
            "/import/new/", {"file": named(b"\x00" * 5000, "big.dpm"), "passphrase": "x"}
        )
    page = response.content.decode()
    assert response.status_code == 413 and "DPMF_MAX_UPLOAD_BYTES" in page
    assert "This field is required" not in page


# --- Thumbnails are made only of images of a sensible size ---------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels, with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def decoded(monkeypatch):
    """Images whose pixels were decoded (ImageFile.load), by size."""
    sizes = []
    real = ImageFile.ImageFile.load

    def load(self):
        sizes.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


def test_an_image_claiming_huge_dimensions_is_never_decoded(tmp_path, decoded, caplog):
    # 9,000 x 9,000 is under Pillow's own bomb limit: only our cap stands in the way.
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(9000, 9000))
    with caplog.at_level(logging.WARNING, logger=store.log.name):
        assert store._thumbnail(str(path), "image/png") is None
    assert decoded == []
    assert "9000 x 9000" in caplog.text and "the file itself is stored" in caplog.text


def test_an_ordinary_photo_still_gets_its_thumbnail(tmp_path, decoded):
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.new("RGB", (3000, 2000), "white").save(path)
    thumb = store._thumbnail(str(path), "image/png")
    assert thumb is not None and decoded
    with Image.open(io.BytesIO(thumb.read())) as small:
        assert max(small.size) == 256
