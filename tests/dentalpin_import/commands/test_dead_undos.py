"""The commands an operator runs from cron or to look around end undos nobody runs any more."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dentalpin_import.jobs import undoing
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.commands.test_crash_recovery import command
from tests.dentalpin_import.web.test_undo_in_background import (  # noqa: F401 (fixtures)
    imported,
    no_worker,
    record_of,
    undo_url,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _asked_long_ago(staff_client, job):
    staff_client.post(undo_url(job), {"confirm": "yes"})
    late = timezone.now() - undoing.START_LIMIT - timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(undo=dict(record_of(job), asked_at=late.isoformat()))
    assert ImportJob.objects.get(pk=job.pk).status == "undoing"


def test_import_jobs_lists_a_lost_undo_as_ended(staff_client, imported, no_worker):  # noqa: F811
    _asked_long_ago(staff_client, imported)
    status, out = command("import_jobs", "--status", "succeeded")
    assert status == 0 and str(imported.pk) in out
    assert ImportJob.objects.get(pk=imported.pk).undo["outcome"] == "not started"


def test_the_sweep_ends_a_lost_undo_and_says_so(staff_client, imported, no_worker):  # noqa: F811
    _asked_long_ago(staff_client, imported)
    status, out = command("sweep_import_uploads")
    assert status == 0
    assert "ended 1 undos that no worker runs any more: ask them again" in out
    assert ImportJob.objects.get(pk=imported.pk).status == "succeeded"
    assert "ended" not in command("sweep_import_uploads")[1].splitlines()[0]
