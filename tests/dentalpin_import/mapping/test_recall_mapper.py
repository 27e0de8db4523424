"""Recalls: status from the call's outcome, reason and result from the catalogue."""

import datetime as dt

from clinics.models import CatalogItem, Patient, Professional, Recall


def test_a_recall_keeps_its_dates_texts_reason_and_result(care, mapped):
    done = mapped(Recall, "recall", 1)
    assert done.patient == mapped(Patient, "patient", 1)
    assert done.professional == mapped(Professional, "professional", 1)
    assert done.due_on == dt.date(2026, 9, 1)
    assert done.last_contact_at == dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)
    assert (done.status, done.comments, done.observations) == (
        "done",
        "Revisión anual",
        "Prefiere tardes",
    )
    assert done.reason == mapped(CatalogItem, "catalog_item", "reason-1")
    assert done.result == mapped(CatalogItem, "catalog_item", "result-1")


def test_the_status_follows_attendance_booking_and_the_last_call(care, mapped):
    assert mapped(Recall, "recall", 2).status == "done"  # status code 1
    assert mapped(Recall, "recall", 3).status == "scheduled"
    by_raw_date = mapped(Recall, "recall", 4)
    assert by_raw_date.status == "no_answer"
    assert by_raw_date.last_contact_at == dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
    pending = mapped(Recall, "recall", 5)
    assert (pending.status, pending.reason, pending.due_on) == ("pending", None, None)


def test_recalls_without_a_known_patient_or_reason_are_reported(care, warned):
    assert warned("recall") == {
        "recall.unmapped_reason": ["5"],
        "recall.unreadable_value": ["5"],
        "recall.missing_patient": ["6"],
        "recall.unmapped_patient": ["7"],
    }
    assert Recall.objects.count() == 5
