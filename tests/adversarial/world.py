"""The clinics, people, jobs and tokens a hostile input is aimed at, and what it may not change.

Alba is the attacked clinic: Alice is its administrator, Rita a member who may only
read imports. Bob administers Bosque, another clinic. Jobs and tokens are made on
first use, so a case pays only for what it attacks (`Case.needs` makes them before
the "before" picture is taken).
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client
from django_scopes import scopes_disabled

from clinics.models import Membership, Role
from dentalpin_import.models import AgentToken, AuditEntry, ImportJob, JobStatus
from dentalpin_import.sample.writer import FileRow
from tests import dpmf_builder as b
from tests.adversarial import hostile as H
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.web.helpers import step, upload
from tests.factories.clinics import MembershipFactory, UserFactory

# Rows that record an attempt rather than a clinic's data: a refused upload leaves its
# failed job and its audit line, which is how staff learn of it.
RECORDS_OF_ATTEMPTS = (ImportJob, AuditEntry)
STARTED = (JobStatus.VALIDATED, JobStatus.PREVIEWED, JobStatus.QUEUED, JobStatus.RUNNING)
STARTED += (JobStatus.SUCCEEDED, JobStatus.PROBLEMS)


@dataclass
class Answer:
    """What the attacker got back: the status and the text (HTML entities decoded)."""

    status: int
    text: str
    headers: dict = field(default_factory=dict)

    @property
    def words(self) -> str:
        """The text without markup, spaces collapsed: what a person reads on the page."""
        return " ".join(
            re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", self.text, flags=re.S).split()
        )

    @classmethod
    def of(cls, response) -> Answer:
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        text = html.unescape(body.decode("utf-8", errors="replace"))
        return cls(response.status_code, text, dict(response.headers))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What the imported job's `_files` expects, each disguised: (bytes, declared path, declared type).
DISGUISED = {
    "png as pdf": (H.PNG, "Pacientes/1/informe.pdf", "application/pdf"),
    "exe as pdf": (H.EXE, "Pacientes/1/factura.pdf", "application/pdf"),
    "html as png": (H.HTML, "Pacientes/1/rx.png", "image/png"),
    "script as pdf": (H.SCRIPT, "Pacientes/1/nota.pdf", "application/pdf"),
    "zip as docx": (
        H.ZIP,
        "Pacientes/1/carta.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


def disguised_files() -> list[FileRow]:
    return [
        FileRow(
            b.uid("file", 100 + i),
            "patient_document",
            b.uid("patient_document", 1),
            path,
            len(data),
            sha(data),
            mime,
        )
        for i, (data, path, mime) in enumerate(DISGUISED.values())
    ]


class World:
    def __init__(self, *, clinic, other_clinic, alice, bob, tmp_path: Path, settings, monkeypatch):
        self.clinic, self.other_clinic = clinic, other_clinic
        self.alice, self.bob = alice, bob
        self.tmp = tmp_path
        self.settings, self.monkeypatch = settings, monkeypatch

    @cached_property
    def plain(self) -> bytes:
        """The small clinic's SQLite bytes: what the hostile containers are made from."""
        folder = self.tmp / "plain"
        folder.mkdir()
        return b.small_clinic(folder).read_bytes()

    # --- people ---------------------------------------------------------------------------------

    def client_of(self, user=None) -> Client:
        # A crash is an answer too (500), so the case fails on its status and the rest runs.
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        return client

    @cached_property
    def rita(self):
        """A member of Alba who may look at imports and nothing more."""
        user = UserFactory(username="rita")
        member = MembershipFactory(user=user, clinic=self.clinic, role=Role.DENTIST)
        member.permissions.add(Permission.objects.get(codename="job_read"))
        return user

    @cached_property
    def mallory(self):
        """A member of Alba who may add and change patients and memberships there."""
        user = UserFactory(username="mallory")
        member = MembershipFactory(user=user, clinic=self.clinic, role=Role.RECEPTIONIST)
        codenames = [
            f"{action}_{model}"
            for action in ("view", "add", "change")
            for model in ("patient", "membership", "appointment")
        ]
        member.permissions.add(
            *Permission.objects.filter(content_type__app_label="clinics", codename__in=codenames)
        )
        return user

    # --- jobs -----------------------------------------------------------------------------------

    def upload_file(self, client, data: bytes, name: str, passphrase: str = "") -> Answer:
        """Upload `data` under `name` in the wizard and return the page the browser lands on."""
        path = self.tmp / "uploads-out" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        response = upload(client, path, passphrase=passphrase)
        if response.status_code != 302:
            return Answer.of(response)
        return Answer.of(client.get(response.url))

    def upload_sheet(self, client, data: bytes, name: str = "patients.csv") -> Answer:
        sheet = io.BytesIO(data)
        sheet.name = name
        response = client.post("/import/sheets/new/", {"file": sheet, "sheet": "", "encoding": ""})
        if response.status_code != 302:
            return Answer.of(response)
        return Answer.of(client.get(response.url))

    @cached_property
    def validated_job(self) -> ImportJob:
        before = set(ImportJob.objects.values_list("pk", flat=True))
        self.upload_file(self.client_of(self.alice), self.plain, "alba.dpm")
        job = ImportJob.objects.exclude(pk__in=before).get()
        assert job.status == JobStatus.VALIDATED, job.error
        return job

    @cached_property
    def previewed_job(self) -> ImportJob:
        job = self.validated_job
        client = self.client_of(self.alice)
        step(client, job, "validate")
        step(client, job, "preview")
        job.refresh_from_db()
        assert job.status == JobStatus.PREVIEWED
        return job

    @cached_property
    def imported_job(self) -> ImportJob:
        """Alba's small clinic imported whole, its `_files` all disguised binaries."""
        path = b.build(self.tmp, b.small_clinic_rows(), name="imported", files=disguised_files())
        status, out, report = run_import(path, self.clinic.slug, report=self.tmp / "report.json")
        assert status == 0, out
        return ImportJob.objects.get(pk=report["job_id"])

    @cached_property
    def interrupted_job(self) -> ImportJob:
        return ImportJob.objects.create(
            clinic=self.clinic, created_by=self.alice, status=JobStatus.INTERRUPTED
        )

    @cached_property
    def sheet_job(self) -> ImportJob:
        before = set(ImportJob.objects.values_list("pk", flat=True))
        self.upload_sheet(self.client_of(self.alice), H.sheet("P1,Ana,Ibáñez,1980-01-02,"))
        job = ImportJob.objects.exclude(pk__in=before).get()
        assert job.status == JobStatus.VALIDATED, job.error
        return job

    @cached_property
    def token(self) -> str:
        return AgentToken.issue(job=self.imported_job, user=self.alice)[1]

    def job_for(self, url_name: str) -> ImportJob:
        """The job of Alba a URL of this name is best aimed at."""
        if url_name.startswith("sheet-"):
            return self.sheet_job
        if url_name in ("job-wizard", "job-validate", "job-preview", "job-confirm"):
            return self.previewed_job
        return self.imported_job

    # --- what may not change --------------------------------------------------------------------

    def snapshot(self) -> dict:
        """Every row of the clinics and the importer (clinic by clinic where rows have one),
        memberships with their roles, and each existing job's status and tokens."""
        picture = {}
        with scopes_disabled():
            for model in apps.get_models(include_auto_created=True):
                if model._meta.app_label not in ("clinics", "dentalpin_import", "auth"):
                    continue
                if model in RECORDS_OF_ATTEMPTS:
                    continue
                rows = model._base_manager.all()
                names = {f.name for f in model._meta.concrete_fields}
                if "clinic" in names:
                    picture[model._meta.label] = sorted(rows.values_list("pk", "clinic_id"))
                else:
                    picture[model._meta.label] = rows.count()
            picture["roles"] = sorted(
                Membership.objects.values_list("user_id", "clinic_id", "role")
            )
            picture["jobs"] = dict(ImportJob.objects.values_list("pk", "status"))
            picture["tokens"] = sorted(
                AgentToken.objects.values_list("pk", "revoked_at", "expires_at")
            )
        return picture

    def changes(self, before: dict) -> dict:
        """What differs from `before`, leaving out jobs a refusal created and left failed."""
        after = self.snapshot()
        new_jobs = {pk: s for pk, s in after["jobs"].items() if pk not in before["jobs"]}
        after["jobs"] = {pk: s for pk, s in after["jobs"].items() if pk in before["jobs"]}
        diff = {key: (before.get(key), value) for key, value in after.items()}
        diff = {key: pair for key, pair in diff.items() if pair[0] != pair[1]}
        started = {pk: s for pk, s in new_jobs.items() if s in STARTED}
        if started:
            diff["new jobs that went on"] = started
        return diff

    def plaintext_left(self) -> list[str]:
        """Files under the staging and upload folders holding a database or a sample's name."""
        found = []
        for root in (
            Path(self.settings.DPMF_STAGING_DIR),
            Path(self.settings.FILE_UPLOAD_TEMP_DIR),
        ):
            for path in sorted(root.rglob("*")) if root.exists() else ():
                if not path.is_file():
                    continue
                data = path.read_bytes()
                marks = [m for m in H.PLAINTEXT_MARKS if m in data]
                if marks:
                    found.append(f"{path.relative_to(root)}: {marks}")
        return found
