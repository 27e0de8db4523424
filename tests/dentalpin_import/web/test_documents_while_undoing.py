"""While an undo deletes an import's rows, no document may land on them; afterwards it may again."""

import pytest

from dentalpin_import.models import AgentToken, FileStaging, ImportJob
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import PNG, post, sha
from tests.dentalpin_import.web.test_documents_drop import drop

job = test_binaries.job  # an imported clinic whose file lists documents


def _set_status(job, status):
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    job.refresh_from_db()


@pytest.mark.django_db
def test_the_agent_is_asked_to_retry_later_and_nothing_is_stored(client, job):
    token = AgentToken.issue(job=job)[1]
    _set_status(job, "undoing")
    answer = post(client, job, PNG, token=token)
    assert answer.status_code == 409 and answer.json()["retry"] is True
    assert "undo of this import is under way" in answer.json()["error"]
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"
    _set_status(job, "succeeded")  # the undo was refused: the job takes files again
    assert post(client, job, PNG, token=token).status_code == 201


@pytest.mark.django_db
def test_staff_dropping_a_document_are_told_why_in_their_language(staff_client, job):
    _set_status(job, "undoing")
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "data-documents-drop" not in page
    answer = drop(staff_client, job, PNG, "rx.png")
    assert answer.status_code == 409 and "If the undo is refused" in answer.json()["error"]
    staff_client.cookies["django_language"] = "es"
    spanish = drop(staff_client, job, PNG, "rx.png").json()["error"]
    assert spanish.startswith("Se está deshaciendo esta importación")
    assert FileStaging.objects.get(sha256=sha(PNG)).status == "pending"
