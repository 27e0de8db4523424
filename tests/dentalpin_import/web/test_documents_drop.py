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
