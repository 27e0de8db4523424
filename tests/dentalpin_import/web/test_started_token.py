"""The page an import starts on hands a sync agent token only to someone whose token would work."""

import pytest
from django.contrib.auth.models import Permission

from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import step, upload
from tests.dentalpin_import.web.test_binaries import files
from tests.factories.clinics import MembershipFactory, UserFactory

NO_TOKEN = "You may not upload documents in this clinic, so no sync agent token was made for you"


def _start(client, tmp_path):
    upload(client, b.build(tmp_path, b.small_clinic_rows(), files=files()))
    job = ImportJob.objects.get()
    step(client, job, "validate")
    step(client, job, "preview")
    return job, step(client, job, "confirm")


@pytest.mark.django_db(transaction=True)
def test_someone_who_may_upload_documents_gets_the_token(staff_client, tmp_path):
    job, started = _start(staff_client, tmp_path)
    page = started.content.decode()
    assert 'id="agent-token"' in page and NO_TOKEN not in page
    assert job.agent_tokens.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "language,words",
    [("en", NO_TOKEN), ("es", "no puede subir documentos en esta clínica")],
)
def test_someone_who_may_not_upload_documents_is_told_whom_to_ask(
    client, clinic, tmp_path, language, words
):
    clerk = UserFactory(username="clerk")
    member = MembershipFactory(user=clerk, clinic=clinic, role="dentist")
    member.permissions.add(
        *Permission.objects.filter(codename__in=["job_read", "job_write", "job_execute"])
    )
    client.force_login(clerk)
    client.cookies["django_language"] = language
    job, started = _start(client, tmp_path)
    page = started.content.decode()
    assert started.status_code == 200
    assert 'id="agent-token"' not in page and words in page
    assert not job.agent_tokens.exists()
