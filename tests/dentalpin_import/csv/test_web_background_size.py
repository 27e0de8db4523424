"""Whether a sheet is read in the background goes by what the reader reads, not by the upload.

A workbook is a zip: a few kilobytes of it may unpack to megabytes of cells,
which take as long to read as a CSV of that size. The decision
(`services.submit_sheet_for_validation`) takes the unpacked size from the zip's
directory, without unpacking anything; a directory that cannot be read or told
the truth sends the sheet to the background, where the reader refuses it.
"""

import struct
import tracemalloc
import zipfile

import pytest

from dentalpin_import.jobs import dispatch, services
from dentalpin_import.models import ImportJob
from dentalpin_import.reader import workbooks
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_source import read_sheet
from tests.dentalpin_import.csv import workbooks as w
from tests.dentalpin_import.csv.sheets import PATIENT_HEADER, patient
from tests.dentalpin_import.csv.test_web_background import deferred, upload  # noqa: F401

MIB = 1024**2


def packed_workbook(path, rows: int):
    """A patients workbook whose long, repetitive addresses pack to a small fraction."""
    lines = [PATIENT_HEADER] + [
        patient(f"P{i:04d}", "Ana", f"Gil {i}", **{"Street_Address": f"{i} " + "Mayor " * 700})
        for i in range(rows)
    ]
    return w.xlsx(path, {"Pacientes": lines})


def understated(path, member: str, size: int):
    """Rewrite the zip's directory (and local header) to say `member` unpacks to `size`."""
    data, name = bytearray(path.read_bytes()), member.encode()
    headers = ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30))  # (size, name) at
    for signature, size_at, length_at, name_at in headers:
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + length_at)[0]
            if bytes(data[at + name_at : at + name_at + length]) == name:
                struct.pack_into("<I", data, at + size_at, size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.django_db(transaction=True)
def test_a_small_workbook_that_unpacks_large_is_read_in_the_background(
    staff_client,
    tmp_path,
    settings,
    deferred,  # noqa: F811 (the fixture)
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = MIB
    path = packed_workbook(tmp_path / "pacientes.xlsx", rows=300)
    assert path.stat().st_size < MIB // 10 and workbooks.read_size(path) > MIB
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/" and deferred == [(str(job.pk), None)]
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "validated" and job.meta["row_preview"]["rows"] == 300
    assert "Start the import" in staff_client.get(response.url).content.decode()


@pytest.mark.django_db
def test_a_small_ordinary_workbook_is_read_in_the_request(
    staff_client,
    tmp_path,
    settings,
    deferred,  # noqa: F811 (the fixture)
):
    path = packed_workbook(tmp_path / "pacientes.xlsx", rows=3)
    settings.CSV_BACKGROUND_VALIDATE_BYTES = workbooks.read_size(path)  # not above: at once
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert deferred == [] and job.status == "validated"
    page = staff_client.get(response.url).content.decode()
    assert "Start the import" in page and "Checking the sheet" not in page


def damaged(tmp_path):
    good = packed_workbook(tmp_path / "good.xlsx", rows=3).read_bytes()
    path = tmp_path / "libro.xlsx"
    path.write_bytes(good[: len(good) // 2])  # no directory left
    return path


@pytest.mark.django_db(transaction=True)
def test_a_damaged_workbook_goes_to_the_background_and_is_refused_as_before(
    staff_client,
    tmp_path,
    settings,
    deferred,  # noqa: F811 (the fixture)
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = MIB
    path = damaged(tmp_path)
    assert workbooks.read_size(path) is None
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert deferred == [(str(job.pk), None)]
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == workbooks.MSG_UNREADABLE.format(
        reason=workbooks.NOT_A_WORKBOOK
    )
    assert not services.staging_dir(job).joinpath("upload.bin").exists()
    page = staff_client.get(response.url).content.decode()
    assert "The sheet was refused; nothing was written." in page
    assert "the workbook cannot be read (a zip archive, damaged" in page
    staff_client.cookies["django_language"] = "es"
    page = staff_client.get(response.url).content.decode()
    assert "un archivo zip dañado o que no es un libro de Excel" in page


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lie", ["told", "untold"])
def test_a_workbook_whose_directory_understates_its_sheet_is_refused_not_crashed(
    staff_client,
    tmp_path,
    settings,
    deferred,  # noqa: F811 (the fixture)
    lie,
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 2 * MIB  # the whole workbook: read at once
    path = packed_workbook(tmp_path / "pacientes.xlsx", rows=300)
    with zipfile.ZipFile(path) as archive:
        packed = archive.getinfo(SHEET).compress_size
    # Less than it packs to is a lie the directory gives away; more is not, but is no truth.
    understated(path, SHEET, 1000 if lie == "told" else 2 * packed)
    assert (workbooks.read_size(path) is None) == (lie == "told")
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert deferred == ([(str(job.pk), None)] if lie == "told" else [])
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("the workbook cannot be read (")
    assert "larger than its declared uncompressed size" in job.error
    page = staff_client.get(response.url).content.decode()
    assert "The sheet was refused; nothing was written." in page
    assert "open it in its spreadsheet program and save it again" in page


@pytest.mark.parametrize(
    "garbage",
    [
        b"PK\x03\x04",
        b"PK\x03\x04" + b"\0" * 200 + b"PK\x05\x06" + b"\xff" * 18,
        # A directory of one member where there is none.
        b"PK\x03\x04" + b"\0" * 60 + b"PK\x05\x06" + struct.pack("<4H2IH", 0, 0, 1, 1, 46, 4, 0),
    ],
)
def test_a_directory_that_cannot_be_read_leaves_the_size_unknown(tmp_path, garbage):
    path = tmp_path / "x.xlsx"
    path.write_bytes(garbage)
    assert workbooks.read_size(path) is None


def test_a_csv_and_an_old_excel_file_are_read_as_they_are(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("LegacyPatientID,First Name\nP1,Ana\n")
    old = w.xls(tmp_path / "p.xls", {"Hoja": [["LegacyPatientID"], ["P1"]]})
    assert workbooks.read_size(csv) == csv.stat().st_size
    assert workbooks.read_size(old) == old.stat().st_size


def test_an_opendocument_mimetype_that_unpacks_huge_is_not_read_whole(tmp_path):
    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w") as member:
            member.write(workbooks.ODS_MIMETYPE)
            for _ in range(64):
                member.write(b"\0" * MIB)
    assert path.stat().st_size < MIB
    tracemalloc.start()
    try:
        assert workbooks.kind_of(path) == "zip"  # not an OpenDocument: refused as damaged
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB


def test_the_reader_refuses_a_sheet_longer_than_its_directory_says(tmp_path):
    path = understated(packed_workbook(tmp_path / "p.xlsx", rows=30), SHEET, 900)
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == workbooks.UNREADABLE_WORKBOOK
    assert "save it again, or save the sheet as CSV" in str(refused.value)


def test_a_zip_of_many_empty_members_counts_at_least_its_own_size(tmp_path, monkeypatch):
    """Thousands of empty members add up to nothing unpacked, yet cost their directory to read:
    such a file is never taken as smaller than it is, and a file already larger than the
    limit is sent to the background without its directory being parsed."""
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(5000):
            archive.writestr(f"x/{i:06d}", b"")
    on_disk = path.stat().st_size
    assert workbooks.read_size(path) == on_disk

    def parsed(*args, **kwargs):
        raise AssertionError("the directory of a file above the limit was parsed")

    monkeypatch.setattr(workbooks.zipfile, "ZipFile", parsed)
    assert workbooks.read_size(path, beyond=on_disk - 1) == on_disk
