"""The agent endpoint's limits: spent tokens, the selected clinic, wrong-token throttling."""

import io

import pytest
from django.core.management import call_command
from django_scopes import scope

from clinics.middleware import SESSION_KEY
from clinics.models import Document
from dentalpin_import.models import AgentToken, FileStaging, ImportJob
from dentalpin_import.web.agent import TOKEN_FAILURES_RATE
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import PDF, PNG, post, sha
from tests.factories.clinics import MembershipFactory, UserFactory

FAILURES_ALLOWED = int(TOKEN_FAILURES_RATE.split("/")[0])
# The endpoint's own fixtures: a small imported job with files expected, and its token.
job, token = test_binaries.job, test_binaries.token


def listing(client, job, token, query="?status=pending"):
    return client.get(
        f"/import/jobs/{job.pk}/binaries{query}", headers={"Authorization": f"Bearer {token}"}
    )


def receive_everything(job):
    FileStaging.objects.filter(job=job).update(status="received")


# --- A token stops when its job is finished and nothing is left to upload -------------


@pytest.mark.django_db
@pytest.mark.parametrize("finished", ["succeeded", "problems", "failed"])
def test_a_token_of_a_finished_job_with_nothing_left_uploads_nothing(client, job, finished):
    token = AgentToken.issue(job=job)[1]
    ImportJob.objects.filter(pk=job.pk).update(status=finished)
    FileStaging.objects.filter(job=job).exclude(sha256=sha(PNG)).update(status="received")
    assert AgentToken.find(token) is not None  # one file still expected: the token works
    assert post(client, job, PNG, token=token).status_code == 201
    assert AgentToken.find(token) is None  # that was the last one: spent
    refused = post(client, job, b"%PDF-1.4 another file", token=token)
    assert refused.status_code == 410 and "nothing left to upload" in refused.json()["error"]
    assert FileStaging.objects.filter(job=job, sha256=sha(b"%PDF-1.4 another file")).count() == 0


@pytest.mark.django_db
def test_the_agents_last_calls_hear_nothing_left_rather_than_a_bad_token(client, job, token):
    receive_everything(job)
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded")
    for query in ("?status=pending", "?status=received", ""):
        response = listing(client, job, token, query)
        assert response.status_code == 200
        # Nothing, not even the names of the files received: the token has no more use.
        assert response.json()["files"] == [] and response.json()["finished"] is True
    again = post(client, job, PNG, token=token)
    assert again.status_code == 200 and again.json() == {"status": "already_received"}


@pytest.mark.django_db
@pytest.mark.parametrize("running", ["queued", "running", "interrupted"])
def test_a_job_not_finished_keeps_its_token_even_with_nothing_expected_yet(
    client, job, token, running
):
    # Before the run stages the files, nothing is expected, and the agent may be early.
    receive_everything(job)
    ImportJob.objects.filter(pk=job.pk).update(status=running)
    assert AgentToken.find(token) is not None
    assert listing(client, job, token).json().get("finished") is None


@pytest.mark.django_db
def test_a_spent_token_is_still_refused_on_another_job(client, job, token, tmp_path, clinic):
    receive_everything(job)
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded")
    other = ImportJob.objects.create(clinic=clinic, original_name="other.dpm")
    assert listing(client, other, token).status_code == 403


# --- A session reaches only the jobs of the clinic it has selected -------------------


@pytest.mark.django_db
def test_a_member_of_two_clinics_reaches_a_job_only_with_its_clinic_selected(
    client, job, clinic, other_clinic
):
    both = UserFactory(username="carmen")
    MembershipFactory(user=both, clinic=clinic)
    MembershipFactory(user=both, clinic=other_clinic)
    client.force_login(both)
    session = client.session
    session[SESSION_KEY] = other_clinic.pk  # Bosque selected; the job is Alba's
    session.save()
    refused = post(client, job, PNG)
    assert refused.status_code == 404 and "selected clinic" in refused.json()["error"]
    assert client.get(f"/import/jobs/{job.pk}/binaries").status_code == 404
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"
    with scope(clinic=clinic):
        assert not Document.objects.exclude(file="").exists()
    session = client.session
    session[SESSION_KEY] = clinic.pk
    session.save()
    assert post(client, job, PNG).status_code == 201


# --- Wrong tokens from one address are throttled; a good one is not -----------------


def from_address(client, address):
    client.defaults["REMOTE_ADDR"] = address
    return client


@pytest.mark.django_db
def test_an_address_sending_wrong_tokens_is_refused_for_a_while(client, job, token):
    from_address(client, "203.0.113.7")
    revoked_row, revoked = AgentToken.issue(job=job)
    revoked_row.revoke()
    for n in range(FAILURES_ALLOWED):
        guess = revoked if n % 2 else f"dpa_guess-{n}"
        assert post(client, job, PNG, token=guess).status_code == 401
    throttled = post(client, job, PNG, token="dpa_one-more-guess")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0 and "wait" in throttled.json()["error"]
    # While refused, even a good token is: a guess that happens to be right tells nothing.
    assert post(client, job, PNG, token=token).status_code == 429
    assert listing(client, job, token).status_code == 429
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"
    # Another address is not affected.
    assert post(from_address(client, "198.51.100.4"), job, PNG, token=token).status_code == 201


@pytest.mark.django_db
def test_a_token_of_another_job_counts_as_a_wrong_token(client, job, tmp_path, clinic):
    other = ImportJob.objects.create(clinic=clinic, original_name="other.dpm")
    others = AgentToken.issue(job=other)[1]
    for _ in range(FAILURES_ALLOWED):
        assert post(client, job, PNG, token=others).status_code == 403
    assert post(client, job, PNG, token=others).status_code == 429


@pytest.mark.django_db
def test_a_good_token_is_never_throttled(client, job, token):
    for _ in range(FAILURES_ALLOWED * 3):
        assert listing(client, job, token).status_code == 200
    assert post(client, job, PNG, token=token).status_code == 201
    for _ in range(FAILURES_ALLOWED * 2):
        assert post(client, job, PNG, token=token).status_code == 200  # already received
    assert post(client, job, PDF, token=token).status_code == 201


@pytest.mark.django_db
def test_revoking_every_token_of_a_job_revokes_a_spent_one_too(client, job, token):
    receive_everything(job)
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded")
    call_command("issue_agent_token", str(job.pk), "--revoke-all", stdout=io.StringIO())
    assert listing(client, job, token).status_code == 401
