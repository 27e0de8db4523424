"""An alert of the file that is also a line of its patient's notes became one clinic row
shared by two source rows; a later file changing one of them splits it (issue 27)."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import MedicalAlert, Patient
from dentalpin_import.jobs.cutover_rehearsal import OVERWRITTEN
from dentalpin_import.jobs.undo import undo_job
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    EntityMapping,
    ImportConflict,
    ImportJob,
    RowUpdate,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.cutover.test_reshape import (
    ADMINISTRATIVE,
    MEDICAL,
    alert_rows,
    figures,
    mapping,
    rows,
    run,
)

LATEX = "Alérgico al látex"
ANTICOAGULANT = "Toma Sintrom"


def derived(clinic):
    return EntityMapping.objects.get(
        clinic=clinic, entity_type="patient" + EXTRA_SUFFIX, canonical_uuid__endswith=":1"
    )


def as_it_is(m: EntityMapping) -> tuple:
    m.refresh_from_db()
    return m.pk, m.target_table, m.target_id, m.created_row, m.job_id, m.source_digest, m.written


@pytest.fixture
def shared(tmp_path, clinic):
    """The first import: the alert and the line of the notes are one clinic alert."""
    run(tmp_path, clinic, "first", notes=MEDICAL)
    linked = mapping(clinic, "patient_alert", "1")
    assert linked.target_id == derived(clinic).target_id and not linked.created_row
    assert alert_rows(clinic)[0] == [MEDICAL]
    return linked


@pytest.mark.django_db(transaction=True)
def test_a_changed_alert_sharing_a_row_with_the_notes_gets_its_own_row(tmp_path, clinic, shared):
    before = as_it_is(shared)
    later = run(tmp_path, clinic, "later", notes=MEDICAL, alert_text=LATEX)
    assert figures(later, "patient_alert") == (1, 0, 0)
    assert later["entities"]["patient_alert"]["created"] == 0
    assert alert_rows(clinic)[0] == sorted([MEDICAL, LATEX])
    assert not ImportConflict.objects.filter(job_id=later["job_id"]).exists()
    assert derived(clinic).target_id == shared.target_id  # the notes keep their alert
    own = mapping(clinic, "patient_alert", "1")
    assert own.target_id != shared.target_id and own.created_row
    with scopes_disabled():
        assert MedicalAlert.objects.get(pk=int(own.target_id)).text == LATEX
    again = run(tmp_path, clinic, "again", notes=MEDICAL, alert_text=LATEX)
    assert figures(again, "patient_alert") == (0, 0, 1)

    undo_job(job=ImportJob.objects.get(pk=again["job_id"]))
    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    assert alert_rows(clinic)[0] == [MEDICAL]
    assert as_it_is(shared) == before  # linked to the shared row again, as it was


@pytest.mark.django_db(transaction=True)
def test_a_shared_alert_turned_note_leaves_the_notes_alert_alone(tmp_path, clinic, shared):
    later = run(tmp_path, clinic, "later", notes=MEDICAL, alert_text="Llamar antes de la cita")
    assert figures(later, "patient_alert") == (1, 0, 0)
    assert alert_rows(clinic) == ([MEDICAL], ["Llamar antes de la cita"])
    assert derived(clinic).target_id == shared.target_id


@pytest.mark.django_db(transaction=True)
def test_a_shared_alert_staff_edited_is_a_conflict_and_keeps_its_links(tmp_path, clinic, shared):
    before = as_it_is(shared)
    with scopes_disabled():
        alert = MedicalAlert.objects.get(pk=int(shared.target_id))
        alert.flagged = True  # staff edited it
        alert.save()
    later = run(tmp_path, clinic, "later", notes=MEDICAL, alert_text=LATEX)
    assert figures(later, "patient_alert") == (0, 1, 0)
    assert alert_rows(clinic)[0] == [MEDICAL]
    assert ImportConflict.objects.filter(job_id=later["job_id"]).exists()
    assert as_it_is(shared)[:4] == before[:4]


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_predicts_the_split_and_writes_nothing(tmp_path, clinic, shared):
    changes = dict(notes=MEDICAL, alert_text=ANTICOAGULANT)
    rehearsal = run(tmp_path, clinic, "rehearsal", "--dry-run", **changes)
    assert alert_rows(clinic)[0] == [MEDICAL]
    job = ImportJob.objects.get(pk=rehearsal["job_id"])
    assert "patient_alert" not in (job.options.get(OVERWRITTEN) or {})  # nothing overwritten
    real = run(tmp_path, clinic, "real", **changes)
    for entity_type in ("patient", "patient_alert"):
        assert rehearsal["entities"][entity_type] == real["entities"][entity_type]
    assert figures(real, "patient_alert") == (1, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_notes_line_gone_hands_the_row_over_to_the_alert_the_file_still_has(
    tmp_path, clinic, shared
):
    creator = derived(clinic)
    linked_before, creator_before = as_it_is(shared), as_it_is(creator)
    rehearsal = run(tmp_path, clinic, "rehearsal", "--dry-run", notes="Sin antecedentes")
    assert as_it_is(shared) == linked_before and as_it_is(creator) == creator_before
    later = run(tmp_path, clinic, "later", notes="Sin antecedentes")
    for entity_type in ("patient", "patient_alert"):
        assert rehearsal["entities"][entity_type] == later["entities"][entity_type]
    assert figures(later, "patient")[:2] == (1, 0)  # the notes changed, nothing in conflict
    assert figures(later, "patient_alert") == (0, 0, 1)
    assert not ImportConflict.objects.filter(job_id=later["job_id"]).exists()
    assert alert_rows(clinic)[0] == [MEDICAL]
    assert not EntityMapping.objects.filter(pk=creator.pk).exists()  # the notes say no more
    owner = as_it_is(shared)  # the file's alert owns the row its creator wrote
    assert owner[:4] == (shared.pk, "clinics_medicalalert", creator.target_id, True)
    assert owner[4] == creator.job_id and owner[6]
    again = run(tmp_path, clinic, "again", notes="Sin antecedentes")
    assert figures(again, "patient")[:2] == figures(again, "patient_alert")[:2] == (0, 0)
    assert not RowUpdate.objects.filter(job_id=again["job_id"]).exists()

    undo_job(job=ImportJob.objects.get(pk=again["job_id"]))
    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    assert alert_rows(clinic)[0] == [MEDICAL]
    assert as_it_is(shared) == linked_before  # linked again, as it was
    assert as_it_is(creator) == creator_before  # and the notes' line its creator again


@pytest.mark.django_db(transaction=True)
def test_an_alert_handed_over_is_merged_field_by_field_by_a_later_file(tmp_path, clinic, shared):
    run(tmp_path, clinic, "later", notes="Sin antecedentes")
    latest = run(tmp_path, clinic, "latest", notes="Sin antecedentes", alert_text=LATEX)
    assert figures(latest, "patient_alert") == (1, 0, 0)
    assert not ImportConflict.objects.filter(job_id=latest["job_id"]).exists()
    assert alert_rows(clinic)[0] == [LATEX]
    assert mapping(clinic, "patient_alert", "1").target_id == shared.target_id  # the same row


@pytest.mark.django_db(transaction=True)
def test_a_notes_line_gone_from_a_shared_alert_staff_edited_is_a_conflict(tmp_path, clinic, shared):
    creator = derived(clinic)
    linked_before, creator_before = as_it_is(shared), as_it_is(creator)
    with scopes_disabled():
        alert = MedicalAlert.objects.get(pk=int(shared.target_id))
        alert.flagged = True  # staff edited it
        alert.save()
    later = run(tmp_path, clinic, "later", notes="Sin antecedentes")
    assert alert_rows(clinic)[0] == [MEDICAL]  # the file's alert is still there
    assert figures(later, "patient_alert") == (0, 0, 1)
    assert figures(later, "patient")[1] == 1  # the notes' alert, listed rather than removed
    conflict = ImportConflict.objects.get(job_id=later["job_id"])
    assert conflict.field == "__further_rows__"
    assert as_it_is(shared) == linked_before
    assert as_it_is(creator)[:5] == creator_before[:5]


@pytest.mark.django_db(transaction=True)
def test_a_notes_line_and_its_alert_both_gone_keep_the_row(tmp_path, clinic, shared):
    found = [r for r in rows(notes="Sin antecedentes") if r.entity_type != "patient_alert"]
    other = b.row("patient_alert", 2, patient_uuid=b.uid("patient", 2), text=ANTICOAGULANT)
    path = b.build(tmp_path, [*found, other], name="both gone")
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "both gone.json")
    assert status == 0, out
    assert alert_rows(clinic)[0] == [MEDICAL]  # never removed while linked: staff decide
    with scopes_disabled():
        assert MedicalAlert.objects.filter(pk=int(shared.target_id)).exists()
    assert report["missing_from_file"].get("patient_alert") == 1
    assert EntityMapping.objects.filter(pk=derived(clinic).pk, created_row=True).exists()


@pytest.mark.django_db(transaction=True)
def test_an_alert_staff_wrote_that_the_file_linked_to_is_never_removed(tmp_path, clinic):
    path = b.build(tmp_path, b.small_clinic_rows(), name="no alert")
    assert run_import(path, clinic.slug, report=tmp_path / "no alert.json")[0] == 0
    with scopes_disabled():
        patient = Patient.objects.get(pk=int(mapping(clinic, "patient", "1").target_id))
        staffs = MedicalAlert.objects.create(
            clinic=clinic, patient=patient, kind="allergy", name="Penicilina", text=MEDICAL
        )
    run(tmp_path, clinic, "linked")  # the file's alert is the one staff wrote
    assert mapping(clinic, "patient_alert", "1").target_id == str(staffs.pk)
    taken = run(tmp_path, clinic, "taken", "--on-conflict", "take-file", alert_text=ADMINISTRATIVE)
    assert figures(taken, "patient_alert") == (0, 1, 0)
    with scopes_disabled():
        assert MedicalAlert.objects.filter(pk=staffs.pk).exists()
