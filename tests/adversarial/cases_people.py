"""Hostile people: another clinic's member, a member without rights, nobody, a bad token,
an admin post naming another clinic, a guesser."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from clinics.models import Membership, Patient, Professional, Role
from dentalpin_import.jobs import undo
from dentalpin_import.models import AgentToken, ImportJob, JobStatus
from tests import dpmf_builder as b
from tests.adversarial import hostile as H
from tests.adversarial.case import Case
from tests.adversarial.cases_files import agent_post
from tests.adversarial.world import DISGUISED, Answer, World, sha
from tests.dentalpin_import.reader import damage as D
from tests.dentalpin_import.web.helpers import step
from tests.factories.clinics import MembershipFactory, UserFactory

# --- another clinic's member, a member without rights, nobody -----------------------------------

# Every URL of /import/ that names a job, with how a browser would use it.
JOB_URLS = {
    "job-detail": "GET",
    "job-wizard": "GET",
    "job-validate": "POST",
    "job-preview": "POST",
    "job-confirm": "POST",
    "job-validation": "GET",
    "job-progress": "GET",
    "job-warnings": "GET",
    "job-warnings-csv": "GET",
    "job-cancel": "POST",
    "job-resume": "POST",
    "job-undo": "POST",
    "job-report-json": "GET",
    "job-binaries": "POST",
    "job-documents": "POST",
    "job-for-real": "POST",
    "sheet-preview": "GET",
    "sheet-confirm": "POST",
    "sheet-columns": "GET",
    "sheet-worksheet": "GET",
    "sheet-mapping": "GET",
    "sheet-rows": "GET",
    "sheet-read-again": "POST",
    "job-conflicts": "GET",
    "job-conflicts-csv": "GET",
    "job-conflicts-take": "POST",
    "job-missing": "GET",
    "job-missing-csv": "GET",
}
STEP_DATA = {
    "job-validate": "validate",
    "job-preview": "preview",
    "job-confirm": "confirm",
}


def request_job_url(w: World, client, name: str) -> Answer:
    job = w.job_for(name)
    url = reverse(f"dentalpin_import:{name}", args=[job.pk])
    if JOB_URLS[name] == "GET":
        return Answer.of(client.get(url))
    data = {"confirm": "yes", "force": "on"}
    if name in STEP_DATA:
        data[f"import_{job.pk}-current_step"] = STEP_DATA[name]
    return Answer.of(client.post(url, data))


def needs_for(name: str) -> tuple[str, ...]:
    if name.startswith("sheet-"):
        return ("sheet_job",)
    if name in ("job-wizard", *STEP_DATA):
        return ("previewed_job",)
    return ("imported_job",)


def other_clinic_case(name: str) -> Case:
    return Case(
        f"another clinic's member: {JOB_URLS[name]} {name}",
        "another clinic's member",
        lambda w: request_job_url(w, w.client_of(w.bob), name),
        (404,),
        needs=needs_for(name),
        hides=lambda w: w.job_for(name).original_name,
    )


OTHER_CLINIC = [other_clinic_case(name) for name in JOB_URLS]


def as_rita(attack: Callable[[World, object], Answer]):
    return lambda w: attack(w, w.client_of(w.rita))


def rita_starts(w: World, client) -> Answer:
    job = w.previewed_job
    return Answer.of(step(client, job, "confirm"))


def rita_sneaks_confirm(w: World, client) -> Answer:
    """The step name as formtools reads it (stripped), posted to another step's address."""
    job = w.previewed_job
    data = {f"import_{job.pk}-current_step": "confirm "}
    return Answer.of(client.post(f"/import/jobs/{job.pk}/preview/", data))


def rita_posts(name: str, job_attr: str, data: dict | None = None):
    def attack(w: World, client) -> Answer:
        job = getattr(w, job_attr)
        url = reverse(f"dentalpin_import:{name}", args=[job.pk])
        return Answer.of(client.post(url, data or {}))

    return attack


def rita_uploads_binary(w: World, client) -> Answer:
    data = DISGUISED["png as pdf"][0]
    upload_file = io.BytesIO(data)
    upload_file.name = "rx.png"
    url = f"/import/jobs/{w.imported_job.pk}/binaries"
    return Answer.of(client.post(url, {"file": upload_file, "sha256": sha(data)}))


def read_only(id: str, attack, needs=(), status=(403,)) -> Case:
    return Case(
        f"read-only member {id}",
        "member without rights",
        as_rita(attack),
        status,
        needs=("rita", *needs),
    )


WITHOUT_RIGHTS = [
    read_only(
        "uploads a file",
        lambda w, c: w.upload_file(c, w.plain, "a.dpm"),
        needs=("plain",),
    ),
    read_only("uploads a sheet", lambda w, c: w.upload_sheet(c, H.sheet("P1,A,B,1980-01-02,"))),
    read_only("starts an import", rita_starts, needs=("previewed_job",)),
    read_only("sneaks in the confirm step", rita_sneaks_confirm, needs=("previewed_job",)),
    read_only(
        "starts a sheet import", rita_posts("sheet-confirm", "sheet_job"), needs=("sheet_job",)
    ),
    read_only("cancels an import", rita_posts("job-cancel", "validated_job"), ("validated_job",)),
    read_only(
        "undoes an import",
        rita_posts("job-undo", "imported_job", {"confirm": "yes", "force": "on"}),
        ("imported_job",),
    ),
    read_only(
        "resumes an import", rita_posts("job-resume", "interrupted_job"), ("interrupted_job",)
    ),
    read_only("uploads a binary", rita_uploads_binary, ("imported_job",)),
]


def anonymous(id: str, method: str, url: Callable[[World], str], status, needs=(), data=None):
    def attack(w: World) -> Answer:
        client = w.client_of()
        if method == "GET":
            return Answer.of(client.get(url(w)))
        return Answer.of(client.post(url(w), data or {}))

    return Case(f"anonymous {id}", "anonymous client", attack, status, needs=needs)


def job_url(suffix: str, job_attr: str = "imported_job"):
    return lambda w: f"/import/jobs/{getattr(w, job_attr).pk}/{suffix}"


ANONYMOUS = [
    anonymous("opens a job", "GET", job_url(""), (302,), ("imported_job",)),
    anonymous("downloads the warnings", "GET", job_url("warnings.csv"), (302,), ("imported_job",)),
    anonymous("downloads the report", "GET", job_url("report.json"), (302,), ("imported_job",)),
    anonymous(
        "cancels an import", "POST", job_url("cancel/", "validated_job"), (302,), ("validated_job",)
    ),
    anonymous(
        "undoes an import",
        "POST",
        job_url("undo/"),
        (302,),
        ("imported_job",),
        {"confirm": "yes", "force": "on"},
    ),
    anonymous("uploads a file", "POST", lambda w: "/import/new/", (302,)),
    anonymous("asks the agent endpoint", "GET", job_url("binaries"), (401,), ("imported_job",)),
    anonymous(
        "adds a patient in the admin",
        "POST",
        lambda w: "/admin/clinics/patient/add/",
        (302,),
        data={"given_name": "X"},
    ),
]


# --- agent tokens ------------------------------------------------------------------------------


def with_token(token_of: Callable[[World], str]):
    return lambda w: agent_post(w, DISGUISED["png as pdf"][0], token=token_of(w))


def revoked(w: World) -> str:
    row, token = AgentToken.issue(job=w.imported_job, user=w.alice)
    row.revoke()
    return token


def expired(w: World) -> str:
    row, token = AgentToken.issue(job=w.imported_job, user=w.alice)
    AgentToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    return token


def of_another_clinic(w: World) -> str:
    job = ImportJob.objects.create(clinic=w.other_clinic, status=JobStatus.SUCCEEDED)
    return AgentToken.issue(job=job, user=w.bob)[1]


def of_an_undone_job(w: World) -> str:
    token = w.token
    undo.undo_job(job=w.imported_job, force=True, user=w.alice)
    return token


def of_a_former_member(w: World) -> str:
    ivan = UserFactory(username="ivan")
    member = MembershipFactory(user=ivan, clinic=w.clinic, role=Role.ADMIN)
    token = AgentToken.issue(job=w.imported_job, user=ivan)[1]
    member.delete()
    return token


def guessed_until_throttled(w: World) -> Answer:
    for i in range(20):
        agent_post(w, H.PNG, token=f"dpa_guess{i:03d}")
    return agent_post(w, DISGUISED["png as pdf"][0])  # the right token, too late


def token_case(id: str, make: Callable[[World], str], status, says="") -> Case:
    """`make` runs before the "before" picture: it is the setting, the post is the attack."""

    def attack(w: World) -> Answer:
        return with_token(lambda _w: w.prepared_token)(w)

    def prepare(w: World) -> None:
        w.prepared_token = make(w)

    return Case(
        f"agent token {id}",
        "bad or revoked token",
        attack,
        status,
        says,
        needs=("imported_job", prepare),
    )


TOKENS = [
    token_case("unknown", lambda w: "dpa_" + "A" * 43, (401,), "unknown, expired or revoked"),
    token_case("revoked", revoked, (401,), "unknown, expired or revoked"),
    token_case("expired", expired, (401,), "unknown, expired or revoked"),
    token_case("of another clinic's job", of_another_clinic, (403,), "belongs to another import"),
    token_case("of an undone job", of_an_undone_job, (401,), "unknown, expired or revoked"),
    token_case("of a former member", of_a_former_member, (401,), "unknown, expired or revoked"),
    token_case("of 10 KB", lambda w: "dpa_" + "x" * 10_000, (401,), "unknown, expired or revoked"),
    Case(
        "agent token guessed 20 times, then the right one",
        "bad or revoked token",
        guessed_until_throttled,
        (429,),
        "too many wrong agent tokens",
        needs=("imported_job", "token"),
    ),
]


# --- the admin ---------------------------------------------------------------------------------


def admin_post(client, url: str, attacked: str, **values) -> Answer:
    """POST the admin form at `url` as its page would, with `values` over its own.

    A form shown again (200) must name `attacked` among its errors: a form refused
    only for a field left out would prove nothing (597 says so).
    """
    page = client.get(url)
    if page.status_code != 200:
        return Answer.of(client.post(url, values))
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, (list, tuple)):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None and not callable(value):
            data[name] = getattr(value, "pk", value)
    for inline in page.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    data.update(values)
    response = client.post(url, {k: v for k, v in data.items() if v is not None})
    answer = Answer.of(response)
    if response.status_code == 200:
        errors = sorted(response.context["adminform"].form.errors)
        if attacked not in errors:
            return Answer(597, f"refused for another reason: errors on {errors}")
    return answer


def alba_patient(w: World) -> Patient:
    with scopes_disabled():
        return Patient.objects.create(clinic=w.clinic, given_name="Paciente de Alba")


def bosque_patient(w: World) -> Patient:
    with scopes_disabled():
        return Patient.objects.create(clinic=w.other_clinic, given_name="Paciente de Bosque")


def admin_case(id: str, attack: Callable[[World], Answer], needs=(), change=False) -> Case:
    """Refused with the form's error (200), or shut (403/404); a change page shows the
    clinic fixed, so a clinic posted there is ignored (302) and the row stays put."""
    status = (200, 302, 403, 404) if change else (200, 403, 404)
    return Case(
        f"admin {id}",
        "admin naming another clinic",
        attack,
        status,
        needs=("mallory", *needs),
    )


def as_mallory(url: Callable[[World], str], attacked: str, values: Callable[[World], dict]):
    return lambda w: admin_post(w.client_of(w.mallory), url(w), attacked, **values(w))


def alba_professional(w: World) -> Professional:
    with scopes_disabled():
        return Professional.objects.create(clinic=w.clinic, given_name="Dra. Alba")


ADMIN = [
    admin_case(
        "adds a patient to another clinic",
        as_mallory(
            lambda w: "/admin/clinics/patient/add/",
            "clinic",
            lambda w: {"clinic": w.other_clinic.pk, "given_name": "Colado"},
        ),
    ),
    admin_case(
        "moves a patient to another clinic",
        as_mallory(
            lambda w: f"/admin/clinics/patient/{w.alba_row.pk}/change/",
            "clinic",
            lambda w: {"clinic": w.other_clinic.pk},
        ),
        needs=(lambda w: setattr(w, "alba_row", alba_patient(w)),),
        change=True,
    ),
    admin_case(
        "makes herself administrator of another clinic",
        as_mallory(
            lambda w: "/admin/clinics/membership/add/",
            "clinic",
            lambda w: {"user": w.mallory.pk, "clinic": w.other_clinic.pk, "role": Role.ADMIN},
        ),
    ),
    admin_case(
        "adds another clinic's user to her clinic",
        as_mallory(
            lambda w: "/admin/clinics/membership/add/",
            "user",
            lambda w: {"user": w.bob.pk, "clinic": w.clinic.pk, "role": Role.RECEPTIONIST},
        ),
    ),
    admin_case(
        "makes herself administrator of her own clinic",
        as_mallory(
            lambda w: f"/admin/clinics/membership/{w.own_membership.pk}/change/",
            "__all__",
            lambda w: {"role": Role.ADMIN},
        ),
        needs=(
            lambda w: setattr(
                w, "own_membership", Membership.objects.get(user=w.mallory, clinic=w.clinic)
            ),
        ),
        change=True,
    ),
    admin_case(
        "books another clinic's patient",
        as_mallory(
            lambda w: "/admin/clinics/appointment/add/",
            "patient",
            lambda w: {
                "clinic": w.clinic.pk,
                "patient": w.bosque_row.pk,
                "professional": w.alba_doctor.pk,
                "starts_at_0": "2026-03-04",
                "starts_at_1": "09:30",
                "duration_minutes": 30,
                "status": "scheduled",
            },
        ),
        needs=(
            lambda w: setattr(w, "bosque_row", bosque_patient(w)),
            lambda w: setattr(w, "alba_doctor", alba_professional(w)),
        ),
    ),
]


# --- guessing ----------------------------------------------------------------------------------


def guessed_passphrases(w: World) -> Answer:
    w.settings.PASSPHRASE_FAILURE_LIMIT = 3
    client = w.client_of(w.alice)
    sealed = D.wrap(w.plain, "zstd-enc")
    for _ in range(3):
        w.upload_file(client, sealed, "a.dpm.zst.enc", passphrase="guess")
    return w.upload_file(client, sealed, "a.dpm.zst.enc", passphrase=b.PASSPHRASE)


def guessed_logins(w: World) -> Answer:
    client = w.client_of()
    for i in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": f"guess-{i}"})
    return Answer.of(
        client.post("/accounts/login/", {"username": "alice", "password": "pass-for-tests"})
    )


GUESSING = [
    Case(
        "passphrase guessed 3 times, then the right one",
        "guessing",
        guessed_passphrases,
        (429,),
        "Too many wrong passphrases",
        needs=("plain",),
    ),
    Case(
        "password guessed 5 times, then the right one",
        "guessing",
        guessed_logins,
        (429,),
        "Too many failed logins",
    ),
]
