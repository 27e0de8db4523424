"""Unit tests of the applied treatment mappers: the rules of treatments.py, and their phases."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clinics.models import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    ClinicalNote,
    Patient,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
)
from dentalpin_import.mapping.registry import mapper_for
from dentalpin_import.reader.values import Payload
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.care_rows import treatment_rows, years_ago
from tests.dentalpin_import.mapping.unit.harness import GHOST, pick

pytestmark = pytest.mark.django_db
D = Decimal
MADRID = ZoneInfo("Europe/Madrid")


def treatment(sid, raw=None, **kw):
    """A filling (Gesdén type 22, catalogue id 1) of patient 1 by professional 1."""
    base = dict(
        patient_uuid=b.uid("patient", 1),
        professional_uuid=b.uid("professional", 1),
        treatment_variant_uuid=b.uid("treatment_catalog_variant", 1),
        units=1,
    )
    raw = {"IdTipoOdg": 22, "IdTto": 1} if raw is None else raw
    return b.row("applied_treatment", sid, raw=raw, **{**base, **kw})


def shared(sid):
    """Applied treatment `sid` of the care file the command tests import (care_rows.py)."""
    return pick(treatment_rows(), "applied_treatment", sid)


@pytest.fixture
def care(people):
    """`people`, with patient 1 a real row (planned rows look at its treatments), and the
    catalogue: item OBT (type 22) and its variant 1."""
    harness = people
    patient = harness.existing(Patient, given_name="Ana")
    filling = harness.existing(TreatmentCatalogItem, name="OBT", odontogram_type=22)
    variant = harness.existing(TreatmentCatalogVariant, item=filling, tariff_code="GEN")
    harness.resolved("patient", 1, patient.pk)
    harness.resolved("treatment_catalog_variant", 1, variant.pk)
    harness.resolved("budget_line", 1, 1301)
    harness.patient, harness.filling, harness.variant = patient, filling, variant
    return harness


# --- applied_treatment ----------------------------------------------------------------------


def test_a_performed_treatment_keeps_its_links_teeth_money_and_a_clinical_note(care):
    mapped = care.map(
        "applied_treatment",
        shared("done"),
    )
    done, note = mapped.rows
    assert isinstance(done, AppliedTreatment) and done.pk is None
    assert (done.patient_id, done.professional_id, done.author_id, done.payer_id) == (
        care.patient.pk,
        701,
        702,
        601,
    )
    assert (done.catalog_item, done.variant, done.budget_line_id) == (
        care.filling,
        care.variant,
        1301,
    )
    assert (done.description, done.status, done.status_code) == ("OBT", "performed", 5)
    assert (done.started_on, done.finished_on) == (dt.date(2025, 10, 1), dt.date(2025, 10, 2))
    assert done.amount == D("60.005") and isinstance(done.amount, Decimal)
    assert (done.units, done.scope, done.teeth) == (1, "teeth", [16, 17])
    assert (done.odontogram_type, done.source_treatment_code) == (22, "1")
    assert isinstance(note, ClinicalNote) and done.note is note
    assert (note.kind, note.note_type, note.text) == (
        "clinical",
        "dental_progress",
        "Obturación oclusal sin incidencias",
    )
    assert (note.patient_id, note.author_id) == (care.patient.pk, 701)
    # A date-only event at noon in the clinic's zone: its day reads the same in UTC.
    assert note.written_at == dt.datetime(2025, 10, 2, 12, tzinfo=MADRID)
    assert mapped.notes == []


def test_an_end_date_or_code_6_is_performed_and_an_unknown_code_is_kept_unclear(care):
    ended = care.map("applied_treatment", treatment(1, status_code=2, end_date="2025-01-01"))
    assert ended.row.status == "performed" and ended.rows == [ended.row]  # no notes: no note row
    coded = care.map("applied_treatment", treatment(2, status_code=6))
    assert coded.row.status == "performed"
    odd = care.map("applied_treatment", treatment(3, status_code=2))
    assert (odd.row.status, odd.row.status_code) == ("unclear", 2)


def test_whole_mouth_work_of_a_known_type_stays_a_treatment_named_by_its_type(care):
    mapped = care.map(
        "applied_treatment",
        shared("hygiene"),
    )
    hygiene = mapped.row
    assert (hygiene.description, hygiene.status, hygiene.scope, hygiene.teeth) == (
        "Higiene",
        "performed",
        "whole_mouth",
        [],
    )
    assert hygiene.variant is None and hygiene.catalog_item is None
    assert hygiene.amount == D("49.995")
    assert mapped.notes == []


def test_an_unknown_gesden_type_is_warned_and_the_catalogue_items_type_used(care):
    mapped = care.map("applied_treatment", shared("odd"))
    assert (mapped.row.odontogram_type, mapped.row.description) == (22, "OBT")
    assert mapped.row.status == "unclear"  # its code 2 says neither done nor planned
    assert mapped.note("applied_treatment.unmapped_tipo_odg").severity == "warn"


def test_a_treatment_whose_variant_is_missing_is_kept_without_a_catalogue_link(care):
    mapped = care.map("applied_treatment", shared("ghostvariant"))
    assert mapped.row.variant is None and mapped.row.description == "Obturación"
    assert mapped.codes == ["applied_treatment.unmapped_variant"]


def test_a_treatment_whose_budget_line_is_missing_is_kept_with_a_note(care):
    mapped = care.map("applied_treatment", treatment(1, budget_line_uuid=GHOST, status_code=5))
    assert mapped.row.budget_line_id is None
    assert mapped.codes == ["applied_treatment.unmapped_budget_line"]


def test_a_budget_line_key_is_never_taken_for_a_line_when_it_became_another_row(care):
    care.resolved("budget_line", 2, 1302, ClinicalNote)
    mapped = care.map(
        "applied_treatment", treatment(1, budget_line_uuid=b.uid("budget_line", 2), status_code=5)
    )
    assert mapped.row.budget_line_id is None


def test_an_administrative_entry_becomes_an_administrative_note_with_its_amount(care):
    mapped = care.map(
        "applied_treatment",
        shared("missed"),
    )
    note = mapped.row
    assert isinstance(note, ClinicalNote) and mapped.rows == [note]
    assert (note.kind, note.note_type, note.patient_id, note.author_id) == (
        "administrative",
        "other",
        care.patient.pk,
        701,
    )
    assert note.text == "Falta a cita:\nNo acudió\nImporte de origen: 15.00"
    assert note.written_at == dt.datetime(2025, 10, 3, 12, tzinfo=MADRID)
    assert mapped.note("applied_treatment.non_clinical_entry").severity == "warn"


def test_an_entry_with_neither_a_variant_nor_a_type_is_an_annotation(care):
    mapped = care.map("applied_treatment", treatment("free", raw={}, treatment_variant_uuid=None))
    assert mapped.row.text == "Anotación:" and mapped.codes == [
        "applied_treatment.non_clinical_entry"
    ]


@pytest.mark.parametrize(
    ("patient_uuid", "code"),
    [(None, "applied_treatment.no_patient"), (GHOST, "applied_treatment.unmapped_patient")],
)
def test_a_treatment_without_its_patient_is_refused(care, patient_uuid, code):
    mapped = care.map("applied_treatment", treatment(1, patient_uuid=patient_uuid, status_code=5))
    assert mapped.refused == code


def test_a_planned_treatment_waits_for_the_final_pass(care):
    row = treatment("plan", status_code=3, start_date=years_ago(0.1))
    assert care.map("applied_treatment", row).deferred
    # The runner sets such rows aside before typing them, by the same rule.
    assert mapper_for("applied_treatment").waits(Payload(row.payload))
    fresh = care.map("applied_treatment", row, final_pass=True)
    assert fresh.row.status == "planned" and fresh.notes == []


def test_a_planned_duplicate_of_later_work_maps_to_that_work(care):
    done = care.existing(
        AppliedTreatment,
        patient=care.patient,
        description="OBT",
        status="performed",
        scope="teeth",
        teeth=[17, 16],
        odontogram_type=22,
        source_treatment_code="1",
        started_on=dt.date(2025, 10, 1),
    )
    mapped = care.map(
        "applied_treatment",
        treatment("shadow", status_code=3, start_date="2025-09-20", teeth=[16, 17]),
        final_pass=True,
    )
    assert mapped.row.pk == done.pk and not mapped.row._state.adding  # linked, not created
    assert mapped.note("applied_treatment.shadow_planned").severity == "warn"


def test_performed_work_more_than_two_years_after_the_plan_is_no_twin(care):
    care.existing(
        AppliedTreatment,
        patient=care.patient,
        description="OBT",
        status="performed",
        scope="teeth",
        teeth=[26],
        odontogram_type=22,
        source_treatment_code="1",
        started_on=dt.date(2015, 1, 1) + dt.timedelta(days=731),
    )
    mapped = care.map(
        "applied_treatment",
        treatment("old", status_code=3, start_date="2015-01-01", teeth=[26]),
        final_pass=True,
    )
    assert mapped.row.pk is None


def test_stale_plans_are_taken_as_performed(care):
    old, talk = care.map_all(
        "applied_treatment",
        [
            treatment("old", status_code=3, start_date=years_ago(6), teeth=[26]),
            treatment("talk", status_code=3, start_date=years_ago(3), notes="N" * 41, teeth=[36]),
        ],
        final_pass=True,
    )
    assert (old.row.status, old.row.status_code) == ("performed", 3)
    assert old.codes == ["applied_treatment.completed_by_age"]
    assert talk.rows[0].status == "performed"
    assert talk.codes == ["applied_treatment.completed_by_notes"]


def test_a_plan_over_two_years_old_with_short_notes_stays_planned(care):
    mapped = care.map(
        "applied_treatment",
        treatment("short", status_code=3, start_date=years_ago(3), notes="N" * 40, teeth=[36]),
        final_pass=True,
    )
    assert mapped.rows[0].status == "planned" and mapped.notes == []


# --- applied_treatment_phase ----------------------------------------------------------------


@pytest.fixture
def parents(care):
    """Treatment "done" (performed, 60.005) and "fresh" (planned, no price), imported earlier."""

    def parent(sid, status, amount):
        row = care.existing(
            AppliedTreatment,
            patient=care.patient,
            description="OBT",
            status=status,
            scope="whole_mouth",
            amount=amount,
        )
        care.resolved("applied_treatment", sid, row.pk)
        return row

    return parent("done", "performed", D("60.005")), parent("fresh", "planned", None)


def phase(sid, parent_sid, **kw):
    parent = b.uid("applied_treatment", parent_sid) if parent_sid else None
    return b.row("applied_treatment_phase", sid, applied_treatment_uuid=parent, **kw)


def test_a_phase_of_performed_work_is_performed_and_bills_its_share(care, parents):
    done, _ = parents
    mapped = care.map(
        "applied_treatment_phase",
        phase(
            1,
            "done",
            professional_uuid=b.uid("professional", 1),
            phase_number=1,
            status_code=1,
            percent_to_bill="50",
            notes="Primera fase",
        ),
    )
    first = mapped.row
    assert isinstance(first, AppliedTreatmentPhase)
    assert (first.treatment_id, first.professional_id, first.phase_number) == (done.pk, 701, 1)
    # Gesdén leaves the phase's code at 1 although its treatment is done.
    assert (first.status, first.status_code) == ("performed", 1)
    # 60.005 × 50 % = 30.0025, to the cent.
    assert (first.percent_to_bill, first.amount, first.notes) == (
        D("50"),
        D("30.00"),
        "Primera fase",
    )


def test_a_phase_of_a_plan_follows_it_until_executed(care, parents):
    waiting, executed = care.map_all(
        "applied_treatment_phase",
        [
            phase(2, "fresh", phase_number=0, percent_to_bill="30"),
            phase(3, "fresh", executed_on="2026-01-02"),
        ],
    )
    assert (waiting.row.status, waiting.row.amount, waiting.row.phase_number) == (
        "planned",
        None,
        1,
    )
    assert (executed.row.status, executed.row.executed_on) == ("performed", dt.date(2026, 1, 2))


def test_a_phase_of_an_entry_that_became_a_note_is_not_imported(care, parents):
    care.resolved("applied_treatment", "missed", 1401, ClinicalNote)
    mapped = care.map("applied_treatment_phase", phase(4, "missed"))
    assert mapped.refused == "phase.non_clinical_parent"
    assert mapped.warning.severity == "info"


@pytest.mark.parametrize(
    ("parent_sid", "code"), [(None, "phase.no_parent"), ("gone", "phase.unmapped_parent")]
)
def test_a_phase_without_its_treatment_is_refused(care, parents, parent_sid, code):
    mapped = care.map("applied_treatment_phase", phase(5, parent_sid))
    assert mapped.refused == code
