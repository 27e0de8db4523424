"""The binary upload endpoint: sha256 matching, tokens, sniffing, storage, idempotency."""

import datetime as dt
import hashlib
import io
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scope

from clinics.models import Document
from dentalpin_import.binaries import archive, receive, store
from dentalpin_import.models import AgentToken, FileStaging, ImportJob
from dentalpin_import.sample.generator import pdf_bytes, png_bytes
from dentalpin_import.sample.writer import FileRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

PNG = png_bytes(7)
PDF = pdf_bytes(3)
EXE = b"MZ\x90\x00" + b"\x00" * 200
ORPHAN = png_bytes(99)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files():
    return [
        FileRow(
            b.uid("file", 1),
            "patient_document",
            b.uid("patient_document", 1),
            "Pacientes\\1\\rx 1.png",
            len(PNG),
            sha(PNG),
            "image/png",
        ),
        FileRow(
            b.uid("file", 2),
            "consent",
            b.uid("consent", 1),
            "../../etc/consent.pdf",
            len(PDF),
            sha(PDF),
            "application/pdf",
        ),
        FileRow(
            b.uid("file", 3),
            "patient_document",
            b.uid("patient_document", 1),
            "Pacientes/1/fake.pdf",
            len(EXE),
            sha(EXE),
            "application/pdf",
        ),
        FileRow(
            b.uid("file", 4),
            "patient_document",
            b.uid("patient_document", 404),
            "Pacientes/404/rx.png",
            len(ORPHAN),
            sha(ORPHAN),
            "image/png",
        ),
    ]


@pytest.fixture
def job(tmp_path, clinic):
    path = b.build(tmp_path, b.small_clinic_rows(), files=files())
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


@pytest.fixture
def token(job):
    return AgentToken.issue(job=job)[1]


def post(client, job, data: bytes, claimed=None, token=None, name="x.bin"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        f"/import/jobs/{job.pk}/binaries",
        {"file": upload, "sha256": claimed or sha(data)},
        headers=headers,
    )


@pytest.mark.django_db
def test_a_binary_becomes_a_document_on_its_patient_byte_for_byte(client, job, token, clinic):
    response = post(client, job, PNG, token=token)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "received"
    with scope(clinic=clinic):
        document = Document.objects.get(pk=body["document_id"])
        assert document.title == "Ortopantomografía" and document.status == "stored"
        assert document.mime_type == "image/png" and document.sha256 == sha(PNG)
        with document.file.open("rb") as stored:
            assert stored.read() == PNG
        assert document.file.name.startswith(f"clinics/{clinic.pk}/patients/{document.patient_id}/")
        assert "Pacientes" not in document.file.name and document.thumbnail
    staged = FileStaging.objects.get(sha256=sha(PNG))
    assert staged.status == "received" and staged.document_id == document.pk


@pytest.mark.django_db
def test_a_second_upload_returns_the_same_document(client, job, token):
    first = post(client, job, PNG, token=token).json()
    again = post(client, job, PNG, token=token)
    assert again.status_code == 200
    assert again.json()["status"] == "already_received"
    assert again.json()["document_id"] == first["document_id"]


@pytest.mark.django_db
def test_a_lying_sha256_is_refused_and_nothing_is_kept(client, job, token, clinic):
    response = post(client, job, PNG, claimed=sha(PDF), token=token)
    assert response.status_code == 400 and response.json()["error"] == "sha256 mismatch"
    with scope(clinic=clinic):
        assert not Document.objects.exclude(file="").exists()
    assert FileStaging.objects.get(sha256=sha(PDF)).status == "pending"


@pytest.mark.django_db
def test_unknown_sha256_and_unmapped_owner_mean_retry_later_while_the_job_runs(client, job, token):
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    unknown = post(client, job, b"%PDF-1.4 never listed", token=token)
    assert unknown.status_code == 404 and unknown.json()["retry"] is True
    orphan = post(client, job, ORPHAN, token=token)
    assert orphan.status_code == 404 and "not imported yet" in orphan.json()["error"]
    assert FileStaging.objects.get(sha256=sha(ORPHAN)).status == "pending"


@pytest.mark.django_db
def test_a_finished_job_gives_a_final_answer_for_an_owner_never_imported(client, job, token):
    assert job.status in ("succeeded", "problems")
    orphan = post(client, job, ORPHAN, token=token)
    assert orphan.status_code == 422
    body = orphan.json()
    assert body["final"] is True and body["reason"] == "owner_not_imported"
    assert "was not imported by this job" in body["error"] and "retry" not in body
    staged = FileStaging.objects.get(sha256=sha(ORPHAN))
    assert staged.status == "rejected" and "not imported" in staged.reason
    # Asked again, the same final answer (nothing is stored).
    assert post(client, job, ORPHAN, token=token).status_code == 422
    unknown = post(client, job, b"%PDF-1.4 never listed", token=token)
    assert unknown.status_code == 422 and unknown.json()["reason"] == "not_expected"


@pytest.mark.django_db
def test_a_file_of_another_parent_resolves_to_its_patient(client, job, token, clinic):
    response = post(client, job, PDF, token=token)
    assert response.status_code == 201
    with scope(clinic=clinic):
        document = Document.objects.get(pk=response.json()["document_id"])
        assert document.kind == "consent" and document.patient.given_name == "Paciente1"
        assert document.title == "consent.pdf" and ".." not in document.file.name


@pytest.mark.django_db
def test_a_disguised_executable_is_refused(client, job, token):
    response = post(client, job, EXE, token=token, name="scan.pdf")
    assert response.status_code == 415 and "executable" in response.json()["error"]
    staged = FileStaging.objects.get(sha256=sha(EXE))
    assert staged.status == "rejected" and "executable" in staged.reason


@pytest.mark.django_db
def test_content_that_contradicts_the_declared_type_is_refused(client, tmp_path, clinic):
    rows = b.small_clinic_rows()
    lying = [
        FileRow(
            b.uid("file", 9),
            "patient_document",
            b.uid("patient_document", 1),
            "x.pdf",
            len(PNG),
            sha(PNG),
            "application/pdf",
        )
    ]
    _, _, report = run_import(
        b.build(tmp_path, rows, files=lying, name="lying"), clinic.slug, report=tmp_path / "l.json"
    )
    job = ImportJob.objects.get(pk=report["job_id"])
    response = post(client, job, PNG, token=AgentToken.issue(job=job)[1])
    assert (
        response.status_code == 415
        and "image/png but the file says application/pdf" in (response.json()["error"])
    )


@pytest.mark.django_db
@override_settings(DPMF_MAX_BINARY_BYTES=64)
def test_an_oversized_upload_is_refused(client, job, token):
    response = post(client, job, PNG + b"\x00" * 100, token=token)
    assert response.status_code == 413
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_tokens_are_hashed_scoped_to_their_job_and_revocable(
    client, job, token, tmp_path, other_clinic
):
    assert not AgentToken.objects.filter(digest=token).exists()
    _, _, report = run_import(
        b.small_clinic(tmp_path, name="other"), other_clinic.slug, report=tmp_path / "o.json"
    )
    other_job = ImportJob.objects.get(pk=report["job_id"])
    other_token = AgentToken.issue(job=other_job)[1]
    assert post(client, job, PNG, token=other_token).status_code == 403
    assert post(client, job, PNG, token="dpa_made-up").status_code == 401
    row = AgentToken.objects.get(job=job)
    row.revoke()
    assert post(client, job, PNG, token=token).status_code == 401
    expired_row, expired = AgentToken.issue(job=job)
    AgentToken.objects.filter(pk=expired_row.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert post(client, job, PNG, token=expired).status_code == 401


@pytest.mark.django_db
def test_staff_sessions_need_membership_and_permission(client, job, staff_user, other_staff_user):
    client.force_login(other_staff_user)
    assert post(client, job, PNG).status_code == 404
    client.force_login(staff_user)
    assert post(client, job, PNG).status_code == 201


@pytest.mark.django_db
def test_the_agent_can_list_what_is_still_expected(client, job, token):
    post(client, job, PNG, token=token)
    listing = client.get(
        f"/import/jobs/{job.pk}/binaries?status=pending",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert {f["sha256"] for f in listing["files"]} == {sha(PDF), sha(EXE), sha(ORPHAN)}


@pytest.mark.django_db
def test_an_interrupted_upload_leaves_no_partial_document(job, token, clinic, rf):
    from dentalpin_import.web.agent import binaries

    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n{sha(PNG)}'
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode() + PNG
    cut = body[: len(body) - 20]  # the connection dropped before the end
    request = rf.generic(
        "POST",
        f"/import/jobs/{job.pk}/binaries",
        cut,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    request.META["CONTENT_LENGTH"] = str(len(body) + 40)
    response = binaries(request, job.pk)
    assert response.status_code == 400
    with scope(clinic=clinic):
        assert not Document.objects.exclude(file="").exists()
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_issue_agent_token_prints_a_fresh_working_token(client, job, capsys):
    out = io.StringIO()
    call_command("issue_agent_token", str(job.pk), stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("dpa_") and AgentToken.find(token).job == job
    assert post(client, job, PNG, token=token).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ["cancelled", "undone"])
def test_a_token_of_a_job_cancelled_or_undone_uploads_nothing(client, job, ending):
    token = AgentToken.issue(job=job)[1]
    ImportJob.objects.filter(pk=job.pk).update(status=ending)
    assert post(client, job, PNG, token=token).status_code == 401
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"


@pytest.mark.django_db
def test_a_token_stops_when_its_issuer_leaves_the_clinic(client, job, clinic):
    from clinics.models import Membership
    from tests.factories.clinics import MembershipFactory, UserFactory

    issuer = UserFactory(username="issuer")
    MembershipFactory(user=issuer, clinic=clinic)
    token = AgentToken.issue(job=job, user=issuer)[1]
    unattended = AgentToken.issue(job=job)[1]  # issued from the command line: no person
    Membership.objects.filter(user=issuer, clinic=clinic).delete()
    assert post(client, job, PNG, token=token).status_code == 401
    assert post(client, job, PNG, token=unattended).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("gone", ["account deleted", "account deactivated"])
def test_a_token_stops_when_its_issuer_may_no_longer_act(client, job, clinic, gone):
    from tests.factories.clinics import MembershipFactory, UserFactory

    issuer = UserFactory(username="issuer")
    MembershipFactory(user=issuer, clinic=clinic)
    token = AgentToken.issue(job=job, user=issuer)[1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/import/jobs/{job.pk}/binaries", headers=headers).status_code == 200
    if gone == "account deleted":
        issuer.delete()  # the token's created_by becomes empty, as a command line's was
    else:
        issuer.is_active = False
        issuer.save()
    listing = client.get(f"/import/jobs/{job.pk}/binaries", headers=headers)
    assert listing.status_code == 401 and "issue_agent_token" in listing.json()["error"]
    assert post(client, job, PNG, token=token).status_code == 401
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"
    # A token issued from the command line has no issuer to lose: it goes on working.
    out = io.StringIO()
    call_command("issue_agent_token", str(job.pk), stdout=out)
    assert post(client, job, PNG, token=out.getvalue().strip()).status_code == 201


def stored_copies(root, data: bytes) -> int:
    """Files under the storage folder `root` holding exactly `data`."""
    return sum(1 for f in Path(root).rglob("*") if f.is_file() and f.read_bytes() == data)


@pytest.mark.django_db
def test_bytes_another_request_stored_meanwhile_are_already_received(
    job, clinic, settings, tmp_path, monkeypatch
):
    # Two requests with the same file: the later one checked it while the first was storing
    # it, and reaches the storing step once the first is done.
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "consent.pdf"
    path.write_bytes(PDF)
    upload = archive.Member("consent.pdf", path=path, size=len(PDF), sha256=sha(PDF))
    real_store, first = store.store, []

    def the_other_request_first(*args):
        monkeypatch.setattr(store, "store", real_store)
        first.append(receive.receive(job=job, user=None, upload=upload, sha256=sha(PDF)))
        return real_store(*args)

    monkeypatch.setattr(store, "store", the_other_request_first)
    with scope(clinic=clinic):
        late = receive.receive(job=job, user=None, upload=upload, sha256=sha(PDF))
        assert first[0].outcome == "received"
        assert late.outcome == "already_received"
        assert late.document_id == first[0].document_id
        assert list(Document.objects.filter(sha256=sha(PDF)).values_list("pk", flat=True)) == [
            first[0].document_id
        ]
    staged = FileStaging.objects.get(sha256=sha(PDF))
    assert staged.status == "received" and staged.document_id == first[0].document_id
    assert stored_copies(settings.MEDIA_ROOT, PDF) == 1  # the later request's copy is gone


@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_of_one_file_store_one_document(job, token, clinic, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    parallel = 6
    start, answers = threading.Barrier(parallel), []

    def upload():
        try:
            start.wait()
            answers.append(post(Client(), job, PDF, token=token))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200] * (parallel - 1) + [201]
    bodies = [a.json() for a in answers]
    assert {b["status"] for b in bodies if b["status"] != "received"} == {"already_received"}
    with scope(clinic=clinic):
        [document] = Document.objects.filter(sha256=sha(PDF))
    assert {b["document_id"] for b in bodies} == {document.pk}
    assert FileStaging.objects.get(sha256=sha(PDF)).document_id == document.pk
    assert stored_copies(settings.MEDIA_ROOT, PDF) == 1


@pytest.mark.django_db
def test_a_session_uploads_only_with_the_permission_of_the_jobs_clinic(
    client, job, clinic, other_clinic, staff_user
):
    from django.contrib.auth.models import Permission

    from tests.factories.clinics import MembershipFactory

    upload = Permission.objects.get(codename="binary_write")
    staff_user.memberships.filter(clinic=clinic).update(role="dentist")
    elsewhere = MembershipFactory(user=staff_user, clinic=other_clinic, role="dentist")
    elsewhere.permissions.add(upload)  # granted in the other clinic
    staff_user.user_permissions.add(upload)  # and on the account: neither counts here
    client.force_login(staff_user)
    assert post(client, job, PNG).status_code == 403
    staff_user.memberships.get(clinic=clinic).permissions.add(upload)
    assert post(client, job, PNG).status_code == 201
