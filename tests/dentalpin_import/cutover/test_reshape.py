"""A later file that makes a row another kind of row, or gives it another number of further
rows, replaces the rows nobody edited and lists the others (issue 27)."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, MedicalAlert, Patient, Payment
from dentalpin_import.jobs.undo import undo_job
from dentalpin_import.loader.merge import take_file_values
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    EntityMapping,
    ImportConflict,
    ImportJob,
    RowUpdate,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.cutover.test_cutover import SUMMED

MEDICAL = "Alérgico a la penicilina"
ADMINISTRATIVE = "Llamar antes de la cita"


def rows(alert_text=MEDICAL, notes="", payment_client=1):
    """The small clinic with one alert of patient 1, patient 1's notes and payment 2's payer
    (client 1 pays for the family of patients 1 and 2: two shares)."""
    found = []
    for r in b.small_clinic_rows():
        if (r.entity_type, r.source_id) == ("patient", "1") and notes:
            r = b.patient(1, client_sid=1, national_id="00000001Z", notes=notes)
        if (r.entity_type, r.source_id) == ("payment", "2"):
            r = b.payment(2, payment_client, "90.00")
        found.append(r)
    alert = b.row("patient_alert", 1, patient_uuid=b.uid("patient", 1), text=alert_text)
    return [*found, alert]


def run(tmp_path, clinic, name, *extra, **changes):
    path = b.build(tmp_path, rows(**changes), name=name)
    status, out, report = run_import(path, clinic.slug, *extra, report=tmp_path / f"{name}.json")
    assert status == 0, out
    for entity_type, figures in report["entities"].items():
        assert sum(figures[k] for k in SUMMED) == figures["in_file"], (entity_type, figures)
    return report


def alert_rows(clinic):
    with scopes_disabled():
        patient = Patient.objects.get(pk=int(mapping(clinic, "patient", "1").target_id))
        alerts = sorted(MedicalAlert.objects.filter(patient=patient).values_list("text", flat=True))
        notes = sorted(ClinicalNote.objects.filter(patient=patient).values_list("text", flat=True))
    return alerts, notes


def mapping(clinic, entity_type, sid):
    return EntityMapping.objects.get(
        clinic=clinic, entity_type=entity_type, canonical_uuid=b.uid(entity_type, sid)
    )


def shares(clinic):
    """The amounts of the rows payment 2 became (one per patient it was split over)."""
    key = b.uid("payment", 2)
    keys = [key] + [f"{key}:{i}" for i in range(1, 5)]
    mapped = EntityMapping.objects.filter(clinic=clinic, canonical_uuid__in=keys)
    with scopes_disabled():
        found = Payment.objects.filter(pk__in=[int(m.target_id) for m in mapped])
        return sorted(str(p.amount) for p in found)


def figures(report, entity_type):
    f = report["entities"][entity_type]
    return f["updated"], f["conflicts"], f["already_mapped"]


@pytest.mark.django_db(transaction=True)
def test_an_unedited_alert_turned_note_is_replaced_and_undo_puts_it_back(tmp_path, clinic):
    run(tmp_path, clinic, "first")
    old = mapping(clinic, "patient_alert", "1")
    assert alert_rows(clinic) == ([MEDICAL], [])
    later = run(tmp_path, clinic, "later", alert_text=ADMINISTRATIVE)
    assert figures(later, "patient_alert") == (1, 0, 0)
    assert alert_rows(clinic) == ([], [ADMINISTRATIVE])
    now = mapping(clinic, "patient_alert", "1")
    assert now.target_table == "clinics_clinicalnote" and str(now.job_id) == later["job_id"]
    assert not ImportConflict.objects.filter(job_id=later["job_id"]).exists()
    again = run(tmp_path, clinic, "again", alert_text=ADMINISTRATIVE)
    assert figures(again, "patient_alert") == (0, 0, 1)
    assert not RowUpdate.objects.filter(job_id=again["job_id"]).exists()
    undo_job(job=ImportJob.objects.get(pk=again["job_id"]))
    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    assert alert_rows(clinic) == ([MEDICAL], [])
    back = mapping(clinic, "patient_alert", "1")
    assert (back.pk, back.target_id, back.job_id, back.written) == (
        old.pk,
        old.target_id,
        old.job_id,
        old.written,
    )


@pytest.mark.django_db(transaction=True)
def test_a_note_turned_alert_replaces_it_and_a_third_file_finds_it_unchanged(tmp_path, clinic):
    run(tmp_path, clinic, "first", alert_text=ADMINISTRATIVE)
    later = run(tmp_path, clinic, "later")
    assert figures(later, "patient_alert") == (1, 0, 0)
    assert alert_rows(clinic) == ([MEDICAL], [])
    assert figures(run(tmp_path, clinic, "again"), "patient_alert") == (0, 0, 1)


@pytest.mark.django_db(transaction=True)
def test_an_edited_alert_stays_and_is_a_conflict_unless_the_file_is_taken(
    tmp_path, clinic, staff_user
):
    run(tmp_path, clinic, "first")
    with scopes_disabled():
        alert = MedicalAlert.objects.get(pk=int(mapping(clinic, "patient_alert", "1").target_id))
        alert.name = "Penicilina (confirmado)"  # staff edited it
        alert.save()
    later = run(tmp_path, clinic, "later", alert_text=ADMINISTRATIVE)
    assert figures(later, "patient_alert") == (0, 1, 0)
    assert alert_rows(clinic) == ([MEDICAL], [])
    conflict = ImportConflict.objects.get(job_id=later["job_id"])
    assert (conflict.field, conflict.resolution) == ("__kind__", "kept_clinic")
    assert mapping(clinic, "patient_alert", "1").target_table == "clinics_medicalalert"
    # Taking "the file's value" later has no file at hand to take a shape from: nothing moves.
    assert take_file_values(ImportConflict.objects.filter(pk=conflict.pk), staff_user) == 0
    assert alert_rows(clinic) == ([MEDICAL], [])

    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    taken = run(tmp_path, clinic, "taken", "--on-conflict", "take-file", alert_text=ADMINISTRATIVE)
    assert figures(taken, "patient_alert") == (0, 1, 0)
    assert alert_rows(clinic) == ([], [ADMINISTRATIVE])
    assert ImportConflict.objects.get(job_id=taken["job_id"]).resolution == "took_file"
    undo_job(job=ImportJob.objects.get(pk=taken["job_id"]), force=True)
    with scopes_disabled():
        back = MedicalAlert.objects.get(pk=alert.pk)
    assert back.name == "Penicilina (confirmado)"  # the staff's edit, put back too
    assert alert_rows(clinic) == ([MEDICAL], [])


@pytest.mark.django_db(transaction=True)
def test_alerts_found_in_a_patients_notes_follow_their_number_both_ways(tmp_path, clinic):
    run(tmp_path, clinic, "first", notes="Diabético")
    assert alert_rows(clinic)[0] == sorted([MEDICAL, "Diabético"])
    more = run(tmp_path, clinic, "more", notes="Diabético\nAlérgico al látex")
    assert figures(more, "patient") == (1, 0, 2)
    assert alert_rows(clinic)[0] == sorted([MEDICAL, "Diabético", "Alérgico al látex"])
    fewer = run(tmp_path, clinic, "fewer", notes="Sin antecedentes")
    assert figures(fewer, "patient") == (1, 0, 2)
    assert alert_rows(clinic)[0] == [MEDICAL]
    assert not EntityMapping.objects.filter(entity_type="patient" + EXTRA_SUFFIX).exists()
    undo_job(job=ImportJob.objects.get(pk=fewer["job_id"]))
    assert alert_rows(clinic)[0] == sorted([MEDICAL, "Diabético", "Alérgico al látex"])
    # The later undo put the patient's notes back as this job left them: no edit to force.
    undo_job(job=ImportJob.objects.get(pk=more["job_id"]))
    assert alert_rows(clinic)[0] == sorted([MEDICAL, "Diabético"])
    assert EntityMapping.objects.filter(entity_type="patient" + EXTRA_SUFFIX).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_edited_derived_alert_keeps_the_clinics_alerts(tmp_path, clinic):
    run(tmp_path, clinic, "first", notes="Diabético")
    with scopes_disabled():
        derived = MedicalAlert.objects.get(text="Diabético")
        derived.flagged = True
        derived.save()
    later = run(tmp_path, clinic, "later", notes="Sin antecedentes")
    assert figures(later, "patient")[1] == 1
    assert "Diabético" in alert_rows(clinic)[0]
    assert ImportConflict.objects.get(job_id=later["job_id"]).field == "__further_rows__"


@pytest.mark.django_db(transaction=True)
def test_a_family_payment_split_otherwise_adds_or_removes_shares(tmp_path, clinic):
    run(tmp_path, clinic, "first")
    assert len(shares(clinic)) == 2
    one = run(tmp_path, clinic, "one payer", payment_client=2)  # patient 3 alone
    assert figures(one, "payment") == (1, 0, 2)
    assert shares(clinic) == ["90.00"]
    assert one["reconciliation"]["adds_up"] is True
    two = run(tmp_path, clinic, "family again")
    assert figures(two, "payment") == (1, 0, 2)
    assert len(shares(clinic)) == 2 and two["reconciliation"]["adds_up"] is True
    undo_job(job=ImportJob.objects.get(pk=two["job_id"]))
    undo_job(job=ImportJob.objects.get(pk=one["job_id"]))  # as it left the rows: no force
    assert len(shares(clinic)) == 2


@pytest.mark.django_db(transaction=True)
def test_a_share_something_points_at_is_never_removed(tmp_path, clinic):
    run(tmp_path, clinic, "first")
    second = EntityMapping.objects.get(entity_type="payment" + EXTRA_SUFFIX)
    with scopes_disabled():
        share = Payment.objects.get(pk=int(second.target_id))
        Payment.objects.create(
            clinic=clinic,
            patient_id=share.patient_id,
            amount=share.amount,
            paid_on=share.paid_on,
            refund_of=share,
        )  # a refund staff recorded on the second share
    later = run(tmp_path, clinic, "later", payment_client=2)
    assert figures(later, "payment") == (0, 1, 2)
    assert ImportConflict.objects.get(job_id=later["job_id"]).field == "__further_rows__"
    with scopes_disabled():
        assert Payment.objects.filter(pk=share.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_predicts_the_reshaped_rows(tmp_path, clinic):
    run(tmp_path, clinic, "first", notes="Diabético")
    changes = dict(alert_text=ADMINISTRATIVE, notes="Sin antecedentes", payment_client=2)
    rehearsal = run(tmp_path, clinic, "rehearsal", "--dry-run", **changes)
    assert alert_rows(clinic) == (sorted([MEDICAL, "Diabético"]), [])
    real = run(tmp_path, clinic, "real", **changes)
    expected = {"patient": (1, 0, 2), "patient_alert": (1, 0, 0), "payment": (1, 0, 2)}
    for entity_type, wanted in expected.items():
        assert figures(rehearsal, entity_type) == figures(real, entity_type) == wanted
