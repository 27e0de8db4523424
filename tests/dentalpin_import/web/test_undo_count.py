"""The undo page of a large import counts in the background; a small one's counts in the request.

Above UNDO_BACKGROUND_COUNT_MAPPINGS the page says it is counting and polls its
own address until the figures are on the job; then it is the same confirmation
as a small import's. The in-process thread stands for the worker (no broker).
"""

import re
import threading
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import import tasks
from dentalpin_import.jobs import dispatch, undo_count
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.web import test_undo_in_background
from tests.dentalpin_import.web.test_undo_in_background import patients, undo_url

pytestmark = pytest.mark.django_db(transaction=True)
COUNTING = "Counting the rows this undo would delete…"
imported = test_undo_in_background.imported  # an imported small clinic


@pytest.fixture
def large(settings):
    """Every import counts as large: its undo page counts in the background."""
    settings.UNDO_BACKGROUND_COUNT_MAPPINGS = 1


@pytest.fixture
def asked(monkeypatch):
    """The counts asked of the worker, which runs them (a list of job ids)."""
    calls, real = [], dispatch.count_undo_later
    monkeypatch.setattr(
        dispatch, "count_undo_later", lambda job: (calls.append(str(job.pk)), real(job))
    )
    return calls


@pytest.fixture
def held(monkeypatch):
    """The background count, once started, waits here until the test lets it go on."""
    gate, real = threading.Event(), undo_count.count_asked

    def waiting(job):
        assert gate.wait(60), "the test never let the count go on"
        return real(job)

    monkeypatch.setattr(undo_count, "count_asked", waiting)
    yield gate
    gate.set()
    dispatch.wait_for_background_jobs()


def confirmation(page: str) -> str:
    """The figures of a confirmation page: its table of kinds and the line after it."""
    return re.search(r'<table class="undo">.*?</p>', page, re.S).group(0)


def get(client, job, language="en", **headers):
    return client.get(undo_url(job), HTTP_ACCEPT_LANGUAGE=language, headers=headers)


def test_a_small_import_is_counted_in_the_request_as_before(staff_client, imported, asked):
    page = get(staff_client, imported).content.decode()
    assert 'data-table="clinics_patient">3<' in page and "Undo this import" in page
    assert COUNTING not in page and asked == []
    assert ImportJob.objects.get(pk=imported.pk).undo_count == {}


def test_a_large_import_is_counted_in_the_background_then_confirmed_the_same(
    staff_client, clinic, imported, asked, held, settings
):
    small = confirmation(get(staff_client, imported).content.decode())
    settings.UNDO_BACKGROUND_COUNT_MAPPINGS = 1

    first = get(staff_client, imported).content.decode()
    assert COUNTING in first and "Undo this import" not in first
    assert f'hx-get="{undo_url(imported)}"' in first and 'http-equiv="refresh"' in first
    # A reload, another tab, in Spanish: the same count, not a second one.
    spanish = get(staff_client, imported, "es").content.decode()
    assert "Contando las filas que borraría deshacer…" in spanish
    assert "Las cifras aparecen solas en esta página" in spanish
    poll = get(staff_client, imported, HX_Request="true")
    assert poll.status_code == 200 and COUNTING in poll.content.decode()
    assert "<html" not in poll.content.decode()
    staff_client.get(undo_url(imported) + "?again=1")  # "count again" of an old page
    assert asked == [str(imported.pk)]

    held.set()
    dispatch.wait_for_background_jobs()
    poll = get(staff_client, imported, HX_Request="true")
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    page = get(staff_client, imported).content.decode()
    assert COUNTING not in page and "Undo this import" in page
    assert confirmation(page) == small  # the same figures as counted in the request
    assert asked == [str(imported.pk)] and patients(clinic) == 3


def test_the_count_is_not_trusted_when_the_undo_is_confirmed(staff_client, clinic, imported, large):
    get(staff_client, imported)
    dispatch.wait_for_background_jobs()
    page = get(staff_client, imported).content.decode()
    assert "Undo this import" in page and 'name="force"' not in page  # nothing edited yet
    with scope(clinic=clinic):
        patient = Patient.objects.first()
        Patient.objects.filter(pk=patient.pk).update(
            updated_at=patient.updated_at + timedelta(minutes=5), notes="edited"
        )
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    dispatch.wait_for_background_jobs()
    assert patients(clinic) == 3  # the undo planned again and found the edit
    job_page = staff_client.get(f"/import/jobs/{imported.pk}/").content.decode()
    assert "The undo was refused" in job_page and "were edited after the import" in job_page
    # The page counts again (an undo ended since the count), and lists the edited row.
    get(staff_client, imported)
    dispatch.wait_for_background_jobs()
    assert 'name="force"' in get(staff_client, imported).content.decode()


def test_a_count_no_worker_started_says_so_and_is_asked_again_on_request(
    staff_client, imported, large, monkeypatch
):
    asked = []
    monkeypatch.setattr(dispatch, "count_undo_later", lambda job: asked.append(job.pk))
    assert COUNTING in get(staff_client, imported).content.decode()
    record = ImportJob.objects.get(pk=imported.pk).undo_count
    late = timezone.now() - timedelta(minutes=11)
    ImportJob.objects.filter(pk=imported.pk).update(
        undo_count=dict(record, asked_at=late.isoformat())
    )
    poll = get(staff_client, imported, HX_Request="true")
    assert poll.status_code == 204  # the page reloads itself, and says why
    page = get(staff_client, imported).content.decode()
    assert "stopped before it finished" in page and "hx-get" not in page
    assert 'href="' + undo_url(imported) + '?again=1"' in page and len(asked) == 1
    spanish = get(staff_client, imported, "es").content.decode()
    assert "se detuvo antes de terminar" in spanish and "Volver a contar" in spanish
    assert COUNTING in staff_client.get(undo_url(imported) + "?again=1").content.decode()
    assert len(asked) == 2


def test_a_count_that_crashed_says_so_and_waits_for_staff(
    staff_client, imported, large, asked, monkeypatch
):
    def broken(job):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(undo_count, "plan_undo", broken)
    monkeypatch.setattr("dentalpin_import.jobs.undo.plan_undo", broken)
    get(staff_client, imported)
    dispatch.wait_for_background_jobs()
    page = get(staff_client, imported).content.decode()
    assert "stopped on an unexpected error" in page and "tell your support" in page
    assert len(asked) == 1  # not asked again by itself: a reload would only crash again
    monkeypatch.undo()
    monkeypatch.setattr(undo_count, "count_asked", undo_count.count_asked)
    staff_client.get(undo_url(imported) + "?again=1")
    dispatch.wait_for_background_jobs()
    assert "Undo this import" in get(staff_client, imported).content.decode()


def test_figures_counted_long_ago_are_counted_again(staff_client, imported, large, asked):
    get(staff_client, imported)
    dispatch.wait_for_background_jobs()
    assert "Undo this import" in get(staff_client, imported).content.decode()
    record = ImportJob.objects.get(pk=imported.pk).undo_count
    old = timezone.now() - undo_count.FRESH - timedelta(seconds=1)
    ImportJob.objects.filter(pk=imported.pk).update(undo_count=dict(record, at=old.isoformat()))
    assert COUNTING in get(staff_client, imported).content.decode()
    assert len(asked) == 2


def test_the_task_is_found_by_name_and_gets_the_job_id_alone(
    staff_client, imported, large, monkeypatch
):
    task = dispatch._task(dispatch.COUNT_UNDO_TASK)
    assert task.name == tasks.count_undo_job.name == "dentalpin_import.count_undo_job"
    sent = []
    monkeypatch.setattr(task, "delay", lambda *args, **kwargs: sent.append((args, kwargs)))
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        get(staff_client, imported)
        get(staff_client, imported)  # a reload: still the one count
    assert sent == [((str(imported.pk),), {})]
    tasks.count_undo_job(str(imported.pk))  # as the worker runs it: by the id alone
    tasks.count_undo_job(str(imported.pk))  # delivered twice: counted once, kept
    record = ImportJob.objects.get(pk=imported.pk).undo_count
    assert record["state"] == "ready" and record["figures"]["total_rows"] > 0
    assert "Undo this import" in get(staff_client, imported).content.decode()
