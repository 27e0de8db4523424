"""Undo on the job page: asked in the request, run in the background, followed live, recovered.

The in-process thread stands for the worker (no broker is set): `held` keeps it
from deleting until the test lets it, so the page can be seen mid-undo.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import import tasks
from dentalpin_import.jobs import dispatch, liveness, locks, undo, undoing
from dentalpin_import.models import AuditEntry, ImportJob, JobStatus
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.live import processes
from tests.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
started = pytest.fixture(processes, name="started")
UNDO_LATER = dispatch.undo_later  # as it is, before a test stops it


@pytest.fixture
def imported(tmp_path, clinic):
    status, out, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


@pytest.fixture
def held(monkeypatch):
    """The background undo, once started, waits here before it plans and deletes."""
    gate = threading.Event()
    real = undo._delete

    def waiting(job, *, force):
        assert gate.wait(60), "the test never let the undo go on"
        return real(job, force=force)

    monkeypatch.setattr(undo, "_delete", waiting)
    yield gate
    gate.set()
    dispatch.wait_for_background_jobs()


@pytest.fixture
def no_worker(monkeypatch):
    """Asks are recorded, and nothing runs them (a broker nobody reads, a dead web process)."""
    monkeypatch.setattr(dispatch, "undo_later", lambda job: None)


def patients(clinic) -> int:
    with scope(clinic=clinic):
        return Patient.objects.count()


def undo_url(job) -> str:
    return f"/import/jobs/{job.pk}/undo/"


def record_of(job) -> dict:
    return ImportJob.objects.get(pk=job.pk).undo


def audited(job) -> list[str]:
    entries = AuditEntry.objects.filter(job=job, action="undo").order_by("at", "id")
    return list(entries.values_list("outcome", flat=True))


def page(client, job, language="en") -> str:
    return client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


@contextmanager
def import_running(clinic):
    """Another import of `clinic` running in this thread, holding the clinic's lock."""
    other = ImportJob.objects.create(clinic=clinic, status=JobStatus.QUEUED, original_name="b")
    with liveness.holding(clinic, other):
        other.transition_to(JobStatus.RUNNING, started_at=timezone.now())
        yield other
        other.transition_to(JobStatus.SUCCEEDED, finished_at=timezone.now())


def test_confirming_hands_the_undo_to_the_background_and_the_page_follows_it(
    staff_client, clinic, imported, held
):
    rows = undo.plan_undo(imported).total_rows
    answer = staff_client.post(undo_url(imported), {"confirm": "yes"})
    assert (answer.status_code, answer.url) == (302, f"/import/jobs/{imported.pk}/")
    wait_until(lambda: record_of(imported).get("started_at"), what="the undo to start")

    during = page(staff_client, imported)
    assert 'Status: <strong class="status">Undo under way</strong>' in during
    assert "This import is being undone." in during and "Working out which rows to delete" in during
    assert "Asked by alice at " in during
    assert "if it stops half-way, the clinic stays as it was" in during
    assert "Undo this import…" not in during  # no second undo offered meanwhile
    assert f'hx-get="/import/jobs/{imported.pk}/progress/"' in during  # it polls
    assert "Deshaciendo" in page(staff_client, imported, "es")
    progress = f"/import/jobs/{imported.pk}/progress/"
    poll = staff_client.get(progress, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in poll and "This import is being undone." in poll.content.decode()
    assert patients(clinic) == 3

    held.set()
    dispatch.wait_for_background_jobs()
    assert staff_client.get(progress, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    after = page(staff_client, imported)
    assert f"Undone: {rows} clinic rows created by this import were deleted." in after
    spanish = f"Deshecho: se han borrado {rows} filas de la clínica creadas por esta importación."
    assert spanish in page(staff_client, imported, "es")
    assert patients(clinic) == 0
    imported.refresh_from_db()
    assert imported.status == "undone" and imported.undo["rows"] == rows
    assert audited(imported) == ["asked", "undone"]
    asked = AuditEntry.objects.get(job=imported, outcome="asked")
    assert asked.user.username == "alice" and asked.details == {"forced": False}


def test_a_row_edited_after_the_confirmation_page_is_refused_on_the_job_page(
    staff_client, clinic, imported
):
    confirm = staff_client.get(undo_url(imported)).content.decode()
    assert 'name="force"' not in confirm  # nothing edited when the page was read
    with scope(clinic=clinic):
        patient = Patient.objects.order_by("pk").first()
        Patient.objects.filter(pk=patient.pk).update(
            updated_at=patient.updated_at + timedelta(minutes=5), notes="edited meanwhile"
        )
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    dispatch.wait_for_background_jobs()

    english = page(staff_client, imported)
    with scope(clinic=clinic):
        patient = Patient.objects.get(pk=patient.pk)
    assert (
        f"The undo was refused: 1 rows were edited after the import (“{patient}" in english
        and "to delete them anyway, use --force (on the page: “Delete edited rows too”)" in english
    )
    assert "every row of the import is still in the clinic" in english
    assert f'href="{undo_url(imported)}"' in english  # the way back to the force box
    assert "clinics_patient#" not in english
    spanish = page(staff_client, imported, "es")
    assert "Se ha rechazado deshacer: 1 filas se editaron después de la importación" in spanish
    assert "«Borrar también las filas editadas»" in spanish
    imported.refresh_from_db()
    assert imported.status == "succeeded" and patients(clinic) == 3
    assert audited(imported) == ["asked", "refused"]

    assert 'name="force"' in staff_client.get(undo_url(imported)).content.decode()
    staff_client.post(undo_url(imported), {"confirm": "yes", "force": "on"})
    dispatch.wait_for_background_jobs()
    assert patients(clinic) == 0 and audited(imported)[-1] == "undone"


def test_a_double_submit_or_a_second_tab_starts_one_undo(staff_client, clinic, imported, held):
    first = staff_client.post(undo_url(imported), {"confirm": "yes"})
    second = staff_client.post(undo_url(imported), {"confirm": "yes", "force": "on"})
    assert second.url == first.url == f"/import/jobs/{imported.pk}/"
    shown = page(staff_client, imported)
    assert f"The undo was refused: an undo of job {imported.pk} is already under way" in shown
    other_tab = staff_client.get(undo_url(imported)).content.decode()
    assert "is already under way" in other_tab and 'name="confirm"' not in other_tab
    held.set()
    dispatch.wait_for_background_jobs()
    assert audited(imported) == ["asked", "undone"]
    assert record_of(imported)["force"] is False  # the second ask changed nothing


def test_a_crash_in_the_background_is_told_on_the_job_page_and_deletes_nothing(
    staff_client, clinic, imported, monkeypatch
):
    def crash(job, tables):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(undo, "restore", crash)  # the first write of the undo's transaction
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    dispatch.wait_for_background_jobs()
    shown = page(staff_client, imported)
    assert (
        "The undo did not finish: the undo stopped on an unexpected error; nothing was deleted: "
        "ask for it again"
    ) in shown
    assert "RuntimeError" not in shown and "database went away" not in shown
    assert "No se terminó de deshacer: deshacer se detuvo por un error inesperado" in page(
        staff_client, imported, "es"
    )
    imported.refresh_from_db()
    assert imported.status == "succeeded" and patients(clinic) == 3
    assert audited(imported) == ["asked", "failed"]
    monkeypatch.undo()
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    dispatch.wait_for_background_jobs()
    assert patients(clinic) == 0


def test_two_asks_at_the_same_instant_let_one_through(clinic, imported):
    # Both requests read the job as succeeded; the conditional update lets one move it.
    one, two = ImportJob.objects.get(pk=imported.pk), ImportJob.objects.get(pk=imported.pk)
    assert undoing.ask(one, force=False) is True
    assert undoing.ask(two, force=True) is False
    assert record_of(imported)["ask"] == one.undo["ask"]


def test_an_undo_whose_process_died_ends_on_the_page_and_can_be_asked_again(
    staff_client, clinic, imported, no_worker, monkeypatch
):
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    # As a worker leaves it when it dies mid-undo: started, and the clinic's lock free.
    record = dict(record_of(imported), started_at=timezone.now().isoformat(), phase="deleting")
    ImportJob.objects.filter(pk=imported.pk).update(undo=record)

    shown = page(staff_client, imported)
    assert (
        "The undo did not finish: the undo stopped before it finished (its process ended); "
        "nothing was deleted: ask for it again"
    ) in shown
    assert "deshacer se detuvo antes de terminar" in page(staff_client, imported, "es")
    imported.refresh_from_db()
    assert imported.status == "succeeded" and imported.undo["outcome"] == "stopped"
    assert audited(imported) == ["asked", "stopped"]

    monkeypatch.setattr(dispatch, "undo_later", UNDO_LATER)  # a worker again
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    dispatch.wait_for_background_jobs()
    assert patients(clinic) == 0 and audited(imported)[-1] == "undone"


def test_an_undo_no_worker_took_ends_after_the_start_limit(
    staff_client, clinic, imported, no_worker
):
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    assert "Waiting for the server to start it" in page(staff_client, imported)
    late = timezone.now() - undoing.START_LIMIT - timedelta(seconds=1)
    record = dict(record_of(imported), asked_at=late.isoformat())
    ImportJob.objects.filter(pk=imported.pk).update(undo=record)
    staff_client.get("/import/")  # the list notices it too
    imported.refresh_from_db()
    assert imported.status == "succeeded" and imported.undo["outcome"] == "not started"
    assert "the undo did not start within 10 minutes" in page(staff_client, imported)
    # A message the broker hands out late finds nothing to run.
    assert undo.undo_asked(job=imported) is None
    assert patients(clinic) == 3


def test_a_live_undo_is_not_taken_for_dead(staff_client, clinic, imported, no_worker):
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    imported.refresh_from_db()
    with liveness.holding(clinic, imported):  # as the worker holds it while it undoes
        assert undoing.start(imported)
        assert "This import is being undone." in page(staff_client, imported)
        assert undo.recover_dead(clinic=clinic) == 0
        with pytest.raises(undo.UndoRefused, match="already under way"):
            undo.undo_job(job=imported)
    assert ImportJob.objects.get(pk=imported.pk).status == "undoing"


def test_an_import_of_the_clinic_running_refuses_the_undo_at_once_or_in_the_background(
    staff_client, clinic, imported, no_worker
):
    with import_running(clinic) as other:
        refused = staff_client.post(undo_url(imported), {"confirm": "yes"}).content.decode()
        assert f"another import of this clinic is still running (job {other.pk}, running)" in (
            refused
        )
        assert ImportJob.objects.get(pk=imported.pk).status == "succeeded"
    # Asked while the clinic was free; the import started before a worker took the undo.
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    with import_running(clinic):
        worker = threading.Thread(target=tasks.execute_undo, args=(str(imported.pk),))
        worker.start()
        worker.join(60)
    shown = page(staff_client, imported)
    assert "The undo was refused: another import of this clinic is still running" in shown
    assert ImportJob.objects.get(pk=imported.pk).status == "succeeded" and patients(clinic) == 3


def test_the_task_is_found_by_name_and_gets_the_job_id_alone(
    staff_client, clinic, imported, monkeypatch
):
    task = dispatch._task(dispatch.UNDO_TASK)
    assert task.name == tasks.undo_import_job.name == "dentalpin_import.undo_import_job"
    sent = []
    monkeypatch.setattr(task, "delay", lambda *args, **kwargs: sent.append((args, kwargs)))
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        staff_client.post(undo_url(imported), {"confirm": "yes", "force": "on"})
    assert sent == [((str(imported.pk),), {})]
    assert patients(clinic) == 3  # nothing ran in the web process
    tasks.undo_import_job(str(imported.pk))  # as the worker runs it: by the id alone
    assert patients(clinic) == 0 and record_of(imported)["force"] is True


KILLED_MID_UNDO = """
import os, signal, sys, django
django.setup()
from dentalpin_import.jobs import undo
from dentalpin_import.models import ImportJob

class DiesBeforeCommit:
    @staticmethod
    def reinstate(job, tables):
        # Every row and mapping of the job deleted, inside the undo's transaction.
        print("deleted, not committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

undo.retired = DiesBeforeCommit
undo.undo_asked(job=ImportJob.objects.select_related("clinic").get(pk=sys.argv[1]))
"""


def test_a_worker_killed_mid_undo_deletes_nothing_and_the_undo_can_be_asked_again(
    started, staff_client, clinic, imported, monkeypatch
):
    monkeypatch.setattr(dispatch, "undo_later", lambda job: None)
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    worker = started.python(["-c", KILLED_MID_UNDO, str(imported.pk)])
    wait_until(lambda: not worker.alive(), what="the worker to die mid-undo")
    assert "deleted, not committed" in worker.output()
    wait_until(lambda: locks.holder(clinic.pk) is None, what="the lock to be free")
    assert patients(clinic) == 3  # its transaction rolled back
    assert ImportJob.objects.get(pk=imported.pk).status == "undoing"  # nobody said otherwise

    assert "the undo stopped before it finished (its process ended)" in page(staff_client, imported)
    assert ImportJob.objects.get(pk=imported.pk).status == "succeeded"
    monkeypatch.setattr(dispatch, "undo_later", UNDO_LATER)
    staff_client.post(undo_url(imported), {"confirm": "yes"})
    dispatch.wait_for_background_jobs()
    assert patients(clinic) == 0 and audited(imported) == ["asked", "stopped", "asked", "undone"]
