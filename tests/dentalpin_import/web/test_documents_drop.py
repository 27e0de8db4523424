"""Documents dropped on the job page: matched by sha256 like the agent's, zips opened with care."""

import hashlib
import io
import stat
import zipfile

import pytest
from django.test import override_settings
from django_scopes import scope

from clinics.models import Document
from dentalpin_import.binaries import archive
from dentalpin_import.models import FileStaging, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import EXE, ORPHAN, PDF, PNG, files
from tests.factories.clinics import MembershipFactory, UserFactory

job = test_binaries.job  # the clinic imported from test_binaries' file, with its documents


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def drop(client, job, data: bytes, name: str, **extra):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(f"/import/jobs/{job.pk}/documents", {"file": upload}, **extra)


def zipped(members, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as z:
        for name, data in members:
            if isinstance(name, zipfile.ZipInfo):
                z.writestr(name, data)
            else:
                z.writestr(name, data)
    return out.getvalue()


def said_encrypted(data: bytes, name: bytes) -> bytes:
    """The zip with one member marked password-protected (zipfile only writes plain ones)."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")  # the first entry of the central directory
    while at != -1:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name:
            data[at + 8] |= 0x1  # the central directory's general purpose flags
        at = data.find(b"PK\x01\x02", at + 46)
    return bytes(data)


def outcomes(response) -> dict[str, str]:
    assert response.status_code == 200, response.content
    return {r["name"]: r["outcome"] for r in response.json()["results"]}


@pytest.mark.django_db
def test_a_dropped_file_is_matched_by_its_content_whatever_its_name(staff_client, job, clinic):
    answer = drop(staff_client, job, PNG, "whatever.bin")
    assert outcomes(answer) == {"whatever.bin": "matched"}
    assert "Matched" in answer.json()["results"][0]["message"]
    assert answer.json()["binaries"]["received"] == 1
    # The page's figures line, worded for the page to put in place without a reload.
    assert answer.json()["binaries_html"].startswith('<p id="binaries">1 received of ')
    staged = FileStaging.objects.get(sha256=sha(PNG))
    assert staged.status == "received"
    with scope(clinic=clinic):
        assert Document.objects.get(pk=staged.document_id).patient_id == staged.patient_id
    assert outcomes(drop(staff_client, job, PNG, "again.png")) == {"again.png": "already"}
    assert outcomes(drop(staff_client, job, b"%PDF-1.4 x", "n.pdf")) == {"n.pdf": "unknown"}
    assert outcomes(drop(staff_client, job, EXE, "fake.pdf")) == {"fake.pdf": "rejected"}
    assert outcomes(drop(staff_client, job, ORPHAN, "rx.png")) == {"rx.png": "rejected"}


@pytest.mark.django_db
def test_the_results_speak_the_readers_language(staff_client, job):
    answer = drop(staff_client, job, PNG, "rx.png", HTTP_ACCEPT_LANGUAGE="es")
    assert answer.json()["results"][0]["message"].startswith("Reconocido")
    answer = drop(staff_client, job, EXE, "fake.pdf", HTTP_ACCEPT_LANGUAGE="es")
    assert "programa ejecutable" in answer.json()["results"][0]["message"]


@pytest.mark.django_db
def test_a_zip_of_the_exports_files_matches_each_member(staff_client, job):
    data = zipped(
        [("Pacientes/1/rx 1.png", PNG), ("Pacientes/1/consent.pdf", PDF), ("notes.txt", b"hi")]
    )
    got = outcomes(drop(staff_client, job, data, "export.zip"))
    assert got == {
        "export.zip: Pacientes/1/rx 1.png": "matched",
        "export.zip: Pacientes/1/consent.pdf": "matched",
        "export.zip: notes.txt": "unknown",
    }
    assert FileStaging.objects.filter(job=job, status="received").count() == 2


@pytest.mark.django_db
def test_a_zip_inside_the_zip_is_opened_but_not_deeper(staff_client, job):
    inner = zipped([("rx.png", PNG)])
    deepest = zipped([("deep.zip", zipped([("c.pdf", PDF)]))])
    data = zipped([("inner.zip", inner), ("nest.zip", deepest)])
    got = outcomes(drop(staff_client, job, data, "all.zip"))
    assert got["all.zip: inner.zip/rx.png"] == "matched"
    assert got["all.zip: nest.zip/deep.zip"] == "rejected"
    assert FileStaging.objects.get(sha256=sha(PDF)).status == "pending"


@pytest.mark.django_db
def test_hostile_members_are_refused_one_by_one(staff_client, job):
    link = zipfile.ZipInfo("link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = zipped(
        [
            ("../../etc/rx.png", PNG),
            ("/abs/rx.png", PNG),
            ("C:/win/rx.png", PNG),
            (link, b"/etc/passwd"),
            ("locked.png", PNG),
            ("ok/consent.pdf", PDF),
        ]
    )
    answer = drop(staff_client, job, said_encrypted(data, b"locked.png"), "evil.zip")
    results = {r["name"]: r for r in answer.json()["results"]}
    for name in ("../../etc/rx.png", "/abs/rx.png", "C:/win/rx.png"):
        assert results[f"evil.zip: {name}"]["outcome"] == "rejected"
        assert "out of the folder" in results[f"evil.zip: {name}"]["message"]
    assert "symbolic link" in results["evil.zip: link.png"]["message"]
    assert "password-protected" in results["evil.zip: locked.png"]["message"]
    assert results["evil.zip: ok/consent.pdf"]["outcome"] == "matched"
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_before_anything_is_unpacked(staff_client, job):
    bomb = zipped([("rx.png", PNG), ("zeros.bin", b"\0" * (20 << 20))])
    answer = drop(staff_client, job, bomb, "bomb.zip")
    [result] = answer.json()["results"]
    assert result["outcome"] == "rejected" and "zip bomb" in result["message"]
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_too_many_members_or_too_many_bytes_refuse_the_archive(staff_client, job, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    data = zipped([(f"f{n}.txt", b"x") for n in range(4)])
    [result] = drop(staff_client, job, data, "many.zip").json()["results"]
    assert "more than 3 files" in result["message"]
    with override_settings(DPMF_MAX_UNPACKED_BYTES=10):
        data = zipped([("rx.png", PNG)], compression=zipfile.ZIP_STORED)
        [result] = drop(staff_client, job, data, "big.zip").json()["results"]
        assert "DPMF_MAX_UNPACKED_BYTES" in result["message"]
    with override_settings(DPMF_MAX_BINARY_BYTES=10):
        got = drop(staff_client, job, zipped([("rx.png", PNG)]), "one.zip").json()["results"]
        assert "DPMF_MAX_BINARY_BYTES" in got[0]["message"]


@pytest.mark.django_db
def test_a_damaged_zip_and_a_lying_header_are_refused(staff_client, job):
    data = bytearray(zipped([("rx.png", PNG)], compression=zipfile.ZIP_STORED))
    data[-30:] = b"\0" * 30  # the central directory is gone
    [result] = drop(staff_client, job, bytes(data), "cut.zip").json()["results"]
    assert result["outcome"] == "rejected"
    lying = bytearray(zipped([("rx.png", PNG)], compression=zipfile.ZIP_STORED))
    at = lying.index(PNG) + 10
    lying[at] ^= 0xFF  # the bytes no longer match the CRC the header gives
    [result] = drop(staff_client, job, bytes(lying), "crc.zip").json()["results"]
    assert result["outcome"] == "rejected" and "cannot be unpacked" in result["message"]
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_only_staff_who_may_upload_documents_in_this_clinic(client, job, clinic, other_staff_user):
    client.force_login(other_staff_user)
    assert drop(client, job, PNG, "rx.png").status_code == 404
    reader = UserFactory(username="reader")
    MembershipFactory(user=reader, clinic=clinic, role="receptionist")
    client.force_login(reader)
    assert drop(client, job, PNG, "rx.png").status_code in (403, 404)
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_a_dry_run_takes_no_documents(staff_client, tmp_path, clinic):
    path = b.build(tmp_path, b.small_clinic_rows(), files=files())
    _, _, report = run_import(path, clinic.slug, "--dry-run", report=tmp_path / "d.json")
    rehearsal = ImportJob.objects.get(pk=report["job_id"])
    answer = drop(staff_client, rehearsal, PNG, "rx.png")
    assert answer.status_code == 409 and "dry run" in answer.json()["error"]


@pytest.mark.django_db
def test_the_job_page_offers_the_drop_zone_and_the_agents_command(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "data-documents-drop" in page and f"/import/jobs/{job.pk}/documents" in page
    assert f"--job {job.pk} --token-file token.txt" in page and "Copy the command" in page
    assert "documents are still waiting" in page
    spanish = staff_client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    spanish = spanish.content.decode()
    assert "Documentos (radiografías, PDF)" in spanish and "Copiar la orden" in spanish
    assert "Suelte aquí ficheros, una carpeta o un zip" in spanish


@pytest.mark.django_db
def test_while_queued_the_page_shows_what_the_preview_listed(staff_client, job):
    FileStaging.objects.filter(job=job).delete()
    listed = {"total": 400, "with_sha256": 399, "without_sha256": 1}
    meta = dict(job.meta, preview={"files": listed})
    ImportJob.objects.filter(pk=job.pk).update(status="queued", meta=meta)
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "The file lists 400 documents" in page
    assert "0 received of 0 expected" not in page
    assert "once the import has finished" in page.lower()
    assert "data-documents-drop" not in page  # nothing to match against before the run
    polled = staff_client.get(f"/import/jobs/{job.pk}/progress/").content.decode()
    assert "The file lists 400 documents" in polled


@pytest.mark.django_db
@override_settings(DPMF_MAX_UPLOAD_BYTES=1000)
def test_a_drop_over_the_request_cap_is_a_413_with_the_cap_in_words(staff_client, job):
    answer = drop(staff_client, job, b"%PDF-1.4 " + b"x" * 5000, "big.pdf")
    assert answer.status_code == 413 and "DPMF_MAX_UPLOAD_BYTES" in answer.json()["error"]
    assert "1,000 bytes" in answer.json()["error"]


@pytest.mark.django_db
def test_the_figures_line_a_drop_answers_with_is_in_the_pages_language(staff_client, job):
    staff_client.cookies["django_language"] = "es"
    answer = drop(staff_client, job, PNG, "rx.png").json()
    # Worded so that one document reads right as well ("1 recibidos" did not).
    assert answer["binaries_html"].startswith('<p id="binaries">Documentos recibidos: 1 de ')
    assert "received of" not in answer["binaries_html"]


def packed_with(data: bytes, name: bytes, *, method: int | None = None, flags: int = 0) -> bytes:
    """The zip with member `name` said to be packed with `method`, or with more flag bits.

    zipfile writes only methods it can read: the headers are rewritten afterwards (the
    local one and the central directory's), as another tool would have written them.
    """
    data = bytearray(data)
    # (signature, offset of the name's length, of the name, of the method, of the flags)
    for magic, length_at, name_at, method_at, flags_at in (
        (b"PK\x03\x04", 26, 30, 8, 6),
        (b"PK\x01\x02", 28, 46, 10, 8),
    ):
        at = data.find(magic)
        while at != -1:
            length = int.from_bytes(data[at + length_at : at + length_at + 2], "little")
            if data[at + name_at : at + name_at + length] == name:
                if method is not None:
                    data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
                data[at + flags_at] |= flags
            at = data.find(magic, at + 4)
    return bytes(data)


def with_note(**packing) -> bytes:
    """An export's two documents with a note between them, the note packed as asked."""
    members = [("a/rx.png", PNG), ("b/notes.txt", b"hello " * 20), ("c/consent.pdf", PDF)]
    return packed_with(zipped(members), b"b/notes.txt", **packing)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, name", [(9, "Deflate64"), (93, "zstd"), (98, "PPMd"), (97, "WavPack"), (77, "#77")]
)
def test_a_member_packed_with_a_method_python_cannot_read_is_refused_alone(
    staff_client, job, method, name
):
    answer = drop(staff_client, job, with_note(method=method), "export.zip")
    results = {r["name"]: r for r in answer.json()["results"]}
    note = results["export.zip: b/notes.txt"]
    assert note["outcome"] == "rejected"
    assert note["message"] == (
        f"Rejected: it is compressed with a method this importer cannot read ({name}): "
        "make the archive again with ordinary zip compression."
    )
    # The members before and after it are taken.
    assert results["export.zip: a/rx.png"]["outcome"] == "matched"
    assert results["export.zip: c/consent.pdf"]["outcome"] == "matched"
    assert FileStaging.objects.filter(job=job, status="received").count() == 2


@pytest.mark.django_db
def test_a_zip_inside_the_zip_packed_with_deflate64_is_refused_member_by_member(staff_client, job):
    inner = packed_with(zipped([("x.txt", b"abc" * 10)]), b"x.txt", method=9)
    data = zipped([("rx.png", PNG), ("inner.zip", inner)])
    results = {r["name"]: r for r in drop(staff_client, job, data, "outer.zip").json()["results"]}
    assert results["outer.zip: rx.png"]["outcome"] == "matched"
    refused = results["outer.zip: inner.zip/x.txt"]
    assert refused["outcome"] == "rejected" and "(Deflate64)" in refused["message"]


@pytest.mark.django_db
def test_members_zipfile_fails_on_while_unpacking_are_refused_with_what_to_do(staff_client, job):
    # Strong encryption (flag bit 6) and patched data (bit 5): zipfile raises NotImplementedError.
    for flag in (0x40, 0x20):
        results = drop(staff_client, job, with_note(flags=flag), "export.zip").json()["results"]
        note = {r["name"]: r for r in results}["export.zip: b/notes.txt"]
        assert note["outcome"] == "rejected"
        assert "cannot read" in note["message"] and "make the archive again" in note["message"]
    # A broken deflate stream (an invalid block type): zlib.error, not a CRC mismatch.
    data = bytearray(with_note())
    header = data.index(b"b/notes.txt") - 30
    data[header + 30 + len(b"b/notes.txt")] = 0x07  # final block, reserved block type 3
    results = {
        r["name"]: r for r in drop(staff_client, job, bytes(data), "cut.zip").json()["results"]
    }
    note = results["cut.zip: b/notes.txt"]
    assert note["outcome"] == "rejected" and "cannot be unpacked" in note["message"]
    assert "copy the archive again" in note["message"]
    assert results["cut.zip: c/consent.pdf"]["outcome"] in ("matched", "already")


@pytest.mark.django_db
def test_a_refusal_with_values_is_wholly_in_the_readers_language(staff_client, job):
    # The export said the consent is an image: the content (a PDF) contradicts it.
    FileStaging.objects.filter(job=job, sha256=sha(PDF)).update(mime_hint="image/png")
    answer = drop(staff_client, job, PDF, "consent.pdf", HTTP_ACCEPT_LANGUAGE="es")
    [result] = answer.json()["results"]
    assert result["outcome"] == "rejected"
    assert result["message"] == (
        "Rechazado: el contenido es application/pdf, pero el fichero dice ser image/png."
    )
    answer = drop(staff_client, job, PDF, "consent.pdf")
    assert answer.json()["results"][0]["message"] == (
        "Rejected: the content is application/pdf but the file says image/png."
    )
    answer = drop(staff_client, job, with_note(method=9), "e.zip", HTTP_ACCEPT_LANGUAGE="es")
    note = {r["name"]: r for r in answer.json()["results"]}["e.zip: b/notes.txt"]
    assert note["message"] == (
        "Rechazado: está comprimido con un método que este importador no sabe leer (Deflate64): "
        "vuelva a crear el archivo comprimido con la compresión zip normal."
    )
