"""The importer's event bus, on a Django signal; events leave only after commit.

Subscribe with `migration_event.connect(handler)`; the handler receives
`name` and `payload`. A failing subscriber is logged and never breaks an
import. Nothing is sent for a dry run (it is rolled back).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)
migration_event = Signal()


def _send(events: list[tuple[str, dict]]) -> None:
    for name, payload in events:
        for receiver, result in migration_event.send_robust(
            sender=None, name=name, payload=payload
        ):
            if isinstance(result, Exception):
                log.error("event subscriber %r failed on %s: %r", receiver, name, result)


def emit(name: str, payload: dict, *, dry_run: bool = False) -> None:
    """Send one event once the current transaction commits (never for a dry run)."""
    emit_many([(name, payload)], dry_run=dry_run)


def emit_many(events: list[tuple[str, dict]], *, dry_run: bool = False) -> None:
    if dry_run or not events:
        return
    transaction.on_commit(lambda: _send(events))


def domain_events(instances, clinic_id: int) -> list[tuple[str, dict]]:
    """The domain events newly imported rows imply, with the core catalogue's payload keys.

    None while nobody subscribes: an import would otherwise build and walk one
    event per patient, appointment, invoice and payment for no one.
    """
    from clinics.models import Appointment, Invoice, Patient, Payment

    events = []
    if not migration_event.has_listeners():
        return events
    for obj in instances:
        if isinstance(obj, Patient):
            events.append(("patient.created", {"patient_id": obj.pk, "clinic_id": clinic_id}))
        elif isinstance(obj, Appointment):
            events.append(
                (
                    "appointment.scheduled",
                    {
                        "appointment_id": obj.pk,
                        "patient_id": obj.patient_id,
                        "clinic_id": clinic_id,
                    },
                )
            )
        elif isinstance(obj, Invoice):
            events.append(("invoice.created", {"invoice_id": obj.pk, "clinic_id": clinic_id}))
        elif isinstance(obj, Payment):
            events.append(
                (
                    "payment.recorded",
                    {"payment_id": obj.pk, "invoice_id": obj.invoice_id, "clinic_id": clinic_id},
                )
            )
    return events


def document_uploaded(document) -> tuple[str, dict]:
    return (
        "document.uploaded",
        {
            "document_id": document.pk,
            "patient_id": document.patient_id,
            "clinic_id": document.clinic_id,
            "title": document.title,
            "document_type": document.kind or document.mime_type,
        },
    )
