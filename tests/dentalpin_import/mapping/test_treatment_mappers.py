"""Applied treatments (status, teeth, money, notes, administrative entries, plans) and phases."""

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_scopes import scope

from clinics.models import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    BudgetLine,
    Client,
    ClinicalNote,
    Patient,
    Professional,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentStatus,
)
from dentalpin_import.mapping.treatments import AppliedTreatmentMapper, status_of
from dentalpin_import.reader.care_records import SourceAppliedTreatment
from dentalpin_import.reader.rows import SourceRow
from dentalpin_import.reader.values import Payload
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.mapping.care_rows import years_ago


def test_a_performed_treatment_keeps_teeth_amount_links_and_an_encrypted_note(care, mapped):
    done = mapped(AppliedTreatment, "applied_treatment", "done")
    assert done.patient == mapped(Patient, "patient", 1)
    assert done.professional == mapped(Professional, "professional", 1)
    assert done.author == mapped(Professional, "user", 1)
    assert done.payer == mapped(Client, "client", 1)
    assert done.variant == mapped(TreatmentCatalogVariant, "treatment_catalog_variant", 1)
    assert done.catalog_item == mapped(TreatmentCatalogItem, "treatment_catalog_item", 1)
    assert done.budget_line == mapped(BudgetLine, "budget_line", 1)
    assert (done.description, done.status, done.status_code) == ("OBT", "performed", 5)
    assert (done.started_on, done.finished_on) == (dt.date(2025, 10, 1), dt.date(2025, 10, 2))
    assert done.amount == Decimal("60.005") and isinstance(done.amount, Decimal)
    assert (done.units, done.scope, done.teeth) == (1, "teeth", [16, 17])
    assert (done.odontogram_type, done.source_treatment_code) == (22, "1")
    note = done.note
    assert (note.kind, note.note_type, note.text) == (
        "clinical",
        "dental_progress",
        "Obturación oclusal sin incidencias",
    )
    assert note.patient == done.patient and note.author == done.professional
    assert note.written_at == dt.datetime(2025, 10, 2, 12, tzinfo=ZoneInfo("Europe/Madrid"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM clinics_clinicalnote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert "incidencias" not in stored  # encrypted at rest


def test_whole_mouth_work_stays_a_treatment_and_free_text_entries_keep_their_type(
    care, mapped, warned
):
    hygiene = mapped(AppliedTreatment, "applied_treatment", "hygiene")
    assert (hygiene.description, hygiene.status, hygiene.scope, hygiene.teeth) == (
        "Higiene",
        "performed",
        "whole_mouth",
        [],
    )
    assert hygiene.amount == Decimal("49.995") and hygiene.variant is None and hygiene.note is None
    ghost = mapped(AppliedTreatment, "applied_treatment", "ghostvariant")
    assert ghost.variant is None and ghost.description == "Obturación"
    odd = mapped(AppliedTreatment, "applied_treatment", "odd")
    assert (odd.status, odd.odontogram_type, odd.description) == ("unclear", 22, "OBT")
    codes = warned("applied_treatment")
    assert codes["applied_treatment.unmapped_variant"] == ["ghostvariant"]
    assert codes["applied_treatment.unmapped_tipo_odg"] == ["odd"]
    assert codes["applied_treatment.no_patient"] == ["nopatient"]


def test_an_administrative_entry_becomes_an_administrative_note(care, mapped, warned):
    note = mapped(ClinicalNote, "applied_treatment", "missed")
    assert note.kind == "administrative" and note.patient == mapped(Patient, "patient", 1)
    assert note.text == "Falta a cita:\nNo acudió\nImporte de origen: 15.00"
    assert note.written_at == dt.datetime(2025, 10, 3, 12, tzinfo=ZoneInfo("Europe/Madrid"))
    assert warned("applied_treatment")["applied_treatment.non_clinical_entry"] == ["missed"]


def test_a_planned_duplicate_of_later_work_maps_to_that_work(care, mapped, warned):
    done = mapped(AppliedTreatment, "applied_treatment", "done")
    assert mapped(AppliedTreatment, "applied_treatment", "shadow") == done
    assert warned("applied_treatment")["applied_treatment.shadow_planned"] == ["shadow"]


def test_stale_plans_are_taken_as_performed_and_fresh_ones_stay_planned(care, mapped, warned):
    old = mapped(AppliedTreatment, "applied_treatment", "old")
    assert (old.status, old.status_code, old.started_on) == ("performed", 3, dt.date(2015, 1, 1))
    talk = mapped(AppliedTreatment, "applied_treatment", "talk")
    assert talk.status == "performed" and talk.started_on.isoformat() == years_ago(3)
    fresh = mapped(AppliedTreatment, "applied_treatment", "fresh")
    assert (fresh.status, fresh.amount, fresh.teeth) == ("planned", Decimal("80.00"), [46])
    codes = warned("applied_treatment")
    assert codes["applied_treatment.completed_by_age"] == ["old"]
    assert codes["applied_treatment.completed_by_notes"] == ["talk"]


def test_phases_inherit_completion_and_bill_their_share_of_the_price(care, mapped, warned):
    first = mapped(AppliedTreatmentPhase, "applied_treatment_phase", 1)
    assert first.treatment == mapped(AppliedTreatment, "applied_treatment", "done")
    assert first.professional == mapped(Professional, "professional", 1)
    # Gesdén leaves the phase at 1 although its treatment is done.
    assert (first.phase_number, first.status, first.status_code) == (1, "performed", 1)
    assert (first.percent_to_bill, first.amount) == (Decimal("50"), Decimal("30.00"))
    assert first.notes == "Primera fase"
    waiting = mapped(AppliedTreatmentPhase, "applied_treatment_phase", 2)
    assert (waiting.status, waiting.amount, waiting.phase_number) == ("planned", None, 2)
    executed = mapped(AppliedTreatmentPhase, "applied_treatment_phase", 3)
    assert (executed.status, executed.executed_on) == ("performed", dt.date(2026, 1, 2))
    assert warned("applied_treatment_phase") == {
        "phase.non_clinical_parent": ["4"],
        "phase.unmapped_parent": ["5"],
        "phase.no_parent": ["6"],
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"status_code": 3},
        {"status_code": "3", "start_date": "2025-01-01"},
        {"status_code": 3, "end_date": "2025-02-01"},
        {"status_code": 3, "end_date": "1899-12-30"},  # a placeholder: no end date
        {"status_code": 3, "end_date": "no date"},
        {"status_code": 5},
        {"status_code": 2},
        {"status_code": None},
        {},
    ],
)
def test_a_row_waits_for_the_final_pass_exactly_when_it_is_planned(payload):
    row = SourceRow(
        "applied_treatment", "u1", "1", "gesden", json.dumps(payload), "{}", "2026-01-01"
    )
    record = SourceAppliedTreatment.from_row(row)
    planned = status_of(record) == TreatmentStatus.PLANNED
    assert AppliedTreatmentMapper().waits(Payload(row.payload)) is planned


def test_planned_rows_are_read_and_typed_once(care_file, clinic, monkeypatch, mapped, warned):
    typed = Counter()
    real = SourceAppliedTreatment.from_row.__func__

    def counting(cls, row):
        typed[row.canonical_uuid] += 1
        return real(cls, row)

    monkeypatch.setattr(SourceAppliedTreatment, "from_row", classmethod(counting))
    assert run_import(care_file, clinic.slug)[0] == 0
    planned = [b.uid("applied_treatment", sid) for sid in ("shadow", "old", "talk", "fresh")]
    assert all(typed[key] == 1 for key in planned)
    assert max(typed.values()) == 1
    with scope(clinic=clinic):
        # Still mapped in the final pass, after every performed row.
        assert mapped(AppliedTreatment, "applied_treatment", "shadow") == mapped(
            AppliedTreatment, "applied_treatment", "done"
        )
        assert warned("applied_treatment")["applied_treatment.shadow_planned"] == ["shadow"]
