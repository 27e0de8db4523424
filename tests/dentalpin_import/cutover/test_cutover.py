"""A later export of the same clinic updates what changed in the old system, never what
staff edited in the clinic (issue 27)."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import Appointment, Patient, Payment, Professional
from dentalpin_import.jobs.undo import undo_job
from dentalpin_import.models import (
    EntityMapping,
    ImportConflict,
    ImportJob,
    ImportWarning,
    MissingRecord,
    RowUpdate,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

SUMMED = ("created", "updated", "conflicts", "already_mapped", "raw", "failed", "skipped")


def later_rows(changes):
    """The small clinic's rows, with `changes` {(type, source id): {field: value}} applied;
    a value of None removes the row."""
    rows = []
    for r in b.small_clinic_rows():
        change = changes.get((r.entity_type, r.source_id))
        if change is None and (r.entity_type, r.source_id) in changes:
            continue
        if change:
            r = b.row(r.entity_type, r.source_id, raw=r.raw_source_data, **{**r.payload, **change})
        rows.append(r)
    return rows


def imported(tmp_path, clinic, rows, name, *extra):
    path = b.build(tmp_path, rows, name=name)
    status, out, report = run_import(path, clinic.slug, *extra, report=tmp_path / f"{name}.json")
    assert status == 0, out
    for entity_type, figures in report["entities"].items():
        assert sum(figures[k] for k in SUMMED) == figures["in_file"], (entity_type, figures)
    return report, out


def mapped(clinic, model, entity_type, sid):
    target = EntityMapping.objects.get(
        clinic=clinic, entity_type=entity_type, canonical_uuid=b.uid(entity_type, sid)
    ).target_id
    with scopes_disabled():
        return model.objects.get(pk=int(target))


@pytest.fixture
def first(tmp_path, clinic):
    report, _ = imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    return report


@pytest.mark.django_db(transaction=True)
def test_a_field_changed_in_the_file_is_updated(tmp_path, clinic, first):
    report, out = imported(
        tmp_path, clinic, later_rows({("patient", "1"): {"phone": "611222333"}}), "later"
    )
    assert mapped(clinic, Patient, "patient", 1).phone == "611222333"
    patients = report["entities"]["patient"]
    assert (patients["updated"], patients["conflicts"], patients["already_mapped"]) == (1, 0, 2)
    assert "updated" in out and "conflicts" in out


@pytest.mark.django_db(transaction=True)
def test_a_value_cut_to_fit_its_column_when_a_row_is_updated_is_a_warning(tmp_path, clinic, first):
    city = "Villanueva de la Cañada " * 8  # 192 characters: the column holds 120
    report, _ = imported(tmp_path, clinic, later_rows({("patient", "1"): {"city": city}}), "later")
    assert report["entities"]["patient"]["updated"] == 1
    stored = mapped(clinic, Patient, "patient", 1).city
    assert len(stored) == 120 and stored.endswith("…")
    cut = ImportWarning.objects.filter(job_id=report["job_id"], code="text.cut_to_length")
    assert [(w.source_id, w.params["field"]) for w in cut] == [("1", "Patient.city")]


@pytest.mark.django_db(transaction=True)
def test_a_clinic_edit_is_kept_and_a_clash_is_a_conflict(tmp_path, clinic, first):
    with scopes_disabled():
        one = mapped(clinic, Patient, "patient", 1)
        one.email = "staff@clinic.test"  # edited by staff: the file never changes it
        one.phone = "699999999"  # edited by staff: the file changes it too
        one.save()
    changes = {("patient", "1"): {"phone": "611222333", "given_name": "María"}}
    report, _ = imported(tmp_path, clinic, later_rows(changes), "later")
    one = mapped(clinic, Patient, "patient", 1)
    assert one.email == "staff@clinic.test" and one.phone == "699999999"
    assert one.given_name == "María"  # changed only in the file
    assert report["entities"]["patient"]["conflicts"] == 1
    conflict = ImportConflict.objects.get(job_id=report["job_id"])
    assert (conflict.field, conflict.resolution) == ("phone", "kept_clinic")
    assert (conflict.clinic_value, conflict.file_value) == ('"699999999"', '"611222333"')
    assert conflict.value_at_import == '"600000000"' or conflict.value_at_import


@pytest.mark.django_db(transaction=True)
def test_take_file_overwrites_a_clash(tmp_path, clinic, first):
    with scopes_disabled():
        one = mapped(clinic, Patient, "patient", 1)
        one.family_name = "Editada"
        one.save()
    changes = {("patient", "1"): {"family_name": "Del Fichero"}}
    report, _ = imported(
        tmp_path, clinic, later_rows(changes), "later", "--on-conflict", "take-file"
    )
    assert mapped(clinic, Patient, "patient", 1).family_name == "Del Fichero"
    assert ImportConflict.objects.get(job_id=report["job_id"]).resolution == "took_file"


@pytest.mark.django_db(transaction=True)
def test_a_changed_reference_and_a_moved_appointment(tmp_path, clinic, first):
    changes = {
        ("appointment", "1"): {
            "professional_uuid": b.uid("professional", 2),
            "scheduled_time": "11:00:00",
        }
    }
    imported(tmp_path, clinic, later_rows(changes), "later")
    visit = mapped(clinic, Appointment, "appointment", 1)
    assert visit.professional_id == mapped(clinic, Professional, "professional", 2).pk
    assert visit.starts_at.hour in (10, 11)  # 11:00 in the clinic's zone


@pytest.mark.django_db(transaction=True)
def test_a_changed_payment_amount_still_reconciles(tmp_path, clinic, first):
    report, _ = imported(
        tmp_path, clinic, later_rows({("payment", "2"): {"amount": "95.00"}}), "later"
    )
    first_share = mapped(clinic, Payment, "payment", 2)  # client 1 pays for two patients
    with scopes_disabled():
        shares = [first_share, *Payment.objects.filter(split_of=first_share)]
    assert [str(p.amount) for p in shares] == ["47.50", "47.50"]
    assert {str(p.split_total) for p in shares} == {"95.00"}
    assert report["entities"]["payment"]["updated"] == 1
    assert report["reconciliation"]["adds_up"] is True, report["reconciliation"]


@pytest.mark.django_db(transaction=True)
def test_a_row_missing_from_the_later_file_is_kept_and_listed(tmp_path, clinic, first):
    report, out = imported(tmp_path, clinic, later_rows({("appointment", "2"): None}), "later")
    assert report["missing_from_file"] == {"appointment": 1}
    assert "missing from this file" in out
    gone = MissingRecord.objects.get(job_id=report["job_id"])
    assert gone.canonical_uuid == b.uid("appointment", 2)
    assert mapped(clinic, Appointment, "appointment", 2)  # never deleted


@pytest.mark.django_db(transaction=True)
def test_undo_of_a_cutover_restores_what_it_overwrote(tmp_path, clinic, first):
    rows = later_rows({("patient", "1"): {"phone": "611222333"}})
    rows.append(b.patient(4, client_sid=1))
    report, _ = imported(tmp_path, clinic, rows, "later")
    assert RowUpdate.objects.filter(job_id=report["job_id"]).count() == 1
    undo_job(job=ImportJob.objects.get(pk=report["job_id"]))
    assert mapped(clinic, Patient, "patient", 1).phone == "600000000"
    assert not EntityMapping.objects.filter(canonical_uuid=b.uid("patient", 4)).exists()
    # The earlier file's digest is back: importing the later file again updates again.
    again, _ = imported(tmp_path, clinic, rows, "again")
    assert again["entities"]["patient"]["updated"] == 1


@pytest.mark.django_db(transaction=True)
def test_dry_run_figures_equal_the_real_run_and_a_second_cutover_changes_nothing(
    tmp_path, clinic, first
):
    with scopes_disabled():
        one = mapped(clinic, Patient, "patient", 2)
        one.phone = "699999999"
        one.save()
    changes = {
        ("patient", "1"): {"phone": "611222333"},
        ("patient", "2"): {"phone": "622000000"},
        ("payment", "2"): {"amount": "95.00"},
        ("appointment", "2"): None,
    }
    rows = later_rows(changes)
    dry, _ = imported(tmp_path, clinic, rows, "dry", "--dry-run")
    real, _ = imported(tmp_path, clinic, rows, "real")
    assert dry["entities"] == real["entities"]
    assert dry["missing_from_file"] == real["missing_from_file"] == {"appointment": 1}
    second, _ = imported(tmp_path, clinic, rows, "second")
    for figures in second["entities"].values():
        assert figures["updated"] == figures["conflicts"] == figures["created"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_changed_refund_is_updated_and_money_still_adds_up(tmp_path, clinic, first):
    # 70 of the 100 paid: the refund's earlier 40 must not count on top of it.
    report, _ = imported(
        tmp_path, clinic, later_rows({("payment", "3"): {"amount": "-70.00"}}), "later"
    )
    refund = mapped(clinic, Payment, "payment", 3)
    assert refund.is_refund and str(refund.amount) == "70.00"
    assert refund.refund_of_id == mapped(clinic, Payment, "payment", 1).pk
    assert report["entities"]["payment"]["updated"] == 1
    assert not ImportWarning.objects.filter(job_id=report["job_id"], code="payment.refund_exceeds")
    assert report["reconciliation"]["adds_up"] is True, report["reconciliation"]
