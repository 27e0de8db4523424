"""While an undo runs, other commands say so plainly rather than offering to cancel it."""

import threading

import pytest
from django.db import connections
from django.utils import translation

from dentalpin_import.jobs import liveness
from dentalpin_import.models import ImportJob
from dentalpin_import.web.refusals import translate_refusal
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.commands.test_crash_recovery import command

pytestmark = pytest.mark.django_db


def test_cancel_import_says_an_undo_is_waited_for_not_cancelled(clinic):
    undoing = ImportJob.objects.create(clinic=clinic, status="undoing", original_name="x.dpm")
    status, message = command("cancel_import", str(undoing.pk))
    assert status == 2
    assert message == (
        f"job {undoing.pk} is being undone: an undo is not cancelled, it deletes everything or "
        "nothing; wait for it to end (python manage.py import_jobs shows it)"
    )
    assert ImportJob.objects.get(pk=undoing.pk).status == "undoing"


@pytest.mark.django_db(transaction=True)
def test_an_import_during_an_undo_is_told_to_wait_for_the_undo(clinic, tmp_path):
    undoing = ImportJob.objects.create(clinic=clinic, status="undoing", original_name="x.dpm")
    held, done = threading.Event(), threading.Event()

    def undo_worker():  # another thread of work holds the clinic's lock, as the undo does
        try:
            with liveness.holding(clinic, undoing):
                held.set()
                done.wait(60)
        finally:
            connections.close_all()

    worker = threading.Thread(target=undo_worker)
    worker.start()
    try:
        assert held.wait(30)
        status, out, _ = run_import(b.small_clinic(tmp_path), clinic.slug)
    finally:
        done.set()
        worker.join(30)
    assert status == 2
    line = f"an import of this clinic is being undone (job {undoing.pk}); wait for the undo to end"
    assert line in out and "cancel_import" not in out


def test_the_pages_say_it_in_spanish(clinic):
    undoing = ImportJob.objects.create(clinic=clinic, status="undoing", original_name="x.dpm")
    with translation.override("es"):
        shown = translate_refusal(str(liveness.ClinicBusy(undoing)))
    assert shown.startswith("se está deshaciendo una importación de esta clínica")
    assert str(undoing.pk) in shown
