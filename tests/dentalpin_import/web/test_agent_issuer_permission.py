"""A sync-agent token uploads only while the person who issued it may upload in the job's clinic.

The endpoint checks `binary_write` of a signed-in session; a token used to be checked
for its issuer's membership and active account only, so an issuer moved to a role
without the permission left a token that kept uploading until it expired. It now
stops at once, with the refusal a deactivated issuer's token gets; a token issued
from the command line has no issuer and goes on.
"""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from clinics.models import Membership
from dentalpin_import.models import AgentToken, FileStaging
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import PDF, PNG, post, sha
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


job = test_binaries.job  # an imported clinic whose file lists documents


@pytest.fixture
def issuer(clinic):
    user = UserFactory(username="issuer")
    MembershipFactory(user=user, clinic=clinic, role="admin")  # the role that may upload
    return user


def listing(client, job, token):
    return client.get(
        f"/import/jobs/{job.pk}/binaries", headers={"Authorization": f"Bearer {token}"}
    )


def command_line_token(job) -> str:
    out = io.StringIO()
    call_command("issue_agent_token", str(job.pk), stdout=out)
    return out.getvalue().strip()


def test_a_token_stops_when_its_issuer_is_moved_to_a_role_that_may_not_upload(
    client, job, clinic, issuer
):
    token = AgentToken.issue(job=job, user=issuer)[1]
    assert post(client, job, PNG, token=token).status_code == 201
    Membership.objects.filter(user=issuer, clinic=clinic).update(role="receptionist")
    refused = listing(client, job, token)
    assert refused.status_code == 401
    error = refused.json()["error"]
    assert "no longer allowed to upload" in error and "issue_agent_token" in error
    assert post(client, job, PDF, token=token).status_code == 401
    assert FileStaging.objects.get(sha256=sha(PDF)).status == "pending"
    # Issued from the command line: no person behind it, nothing to lose.
    assert post(client, job, PDF, token=command_line_token(job)).status_code == 201


def test_a_token_stops_when_the_permission_given_on_the_membership_is_taken_back(
    client, job, clinic, issuer
):
    upload = Permission.objects.get(codename="binary_write")
    membership = Membership.objects.get(user=issuer, clinic=clinic)
    membership.role = "dentist"
    membership.save()
    membership.permissions.add(upload)
    token = AgentToken.issue(job=job, user=issuer)[1]
    assert listing(client, job, token).status_code == 200
    membership.permissions.remove(upload)
    assert listing(client, job, token).status_code == 401
    assert post(client, job, PNG, token=token).status_code == 401


def test_upload_permission_held_elsewhere_does_not_keep_a_token_working(
    client, job, clinic, other_clinic, issuer
):
    """As for a session: only what the membership of the job's clinic grants counts."""
    upload = Permission.objects.get(codename="binary_write")
    token = AgentToken.issue(job=job, user=issuer)[1]
    MembershipFactory(user=issuer, clinic=other_clinic, role="admin").permissions.add(upload)
    issuer.user_permissions.add(upload)
    Membership.objects.filter(user=issuer, clinic=clinic).update(role="assistant")
    assert listing(client, job, token).status_code == 401


def test_a_superusers_token_works_while_they_are_a_member_of_the_clinic(client, job, clinic):
    root = UserFactory(username="root", is_superuser=True)
    membership = MembershipFactory(user=root, clinic=clinic, role="receptionist")
    token = AgentToken.issue(job=job, user=root)[1]
    assert post(client, job, PNG, token=token).status_code == 201
    membership.delete()
    assert listing(client, job, token).status_code == 401
