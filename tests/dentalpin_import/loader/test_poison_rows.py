"""Whatever one row holds, it fails or is cleaned alone, the same way on SQLite and PostgreSQL.

Each test builds a small real DPMF file with one poison row among good rows,
imports it with the real command, and checks: exit 0, every good row and its
dependents imported, the poison row's one warning (code and source id, no
payload text in the message), the exact stored value (the same literal on
both databases: the suite runs once on each), and that running the command
again adds no row and no warning about rows the first run imported.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django_scopes import scopes_disabled

from clinics.models import Appointment, Communication, Patient, Payment
from dentalpin_import.models import EntityMapping, ImportJob, RawEntity
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.csv import sheets
from tests.dentalpin_import.loader.poison import POISON, clinic_rows, loosened, set_payload, tamper

pytestmark = pytest.mark.django_db


def imported(tmp_path, clinic, path, name="r"):
    """Import `path`; return the report and this job's warnings as (type, source id, code)."""
    status, out, report = run_import(path, clinic.slug, report=tmp_path / f"{name}.json")
    assert status == 0, out
    job = ImportJob.objects.filter(clinic=clinic).latest("created_at")
    warnings = list(job.warnings.values_list("entity_type", "source_id", "code", "message"))
    return report, warnings


def codes(warnings) -> Counter:
    return Counter((t, s, c) for t, s, c, _ in warnings)


def poison_warnings(warnings) -> Counter:
    """The warnings about rows of source id 2 (the poison row and its dependents)."""
    return Counter((t, c) for t, s, c, _ in warnings if s == POISON)


def clinic_counts(clinic) -> dict:
    with scopes_disabled():
        return {
            "patients": Patient.objects.filter(clinic=clinic).count(),
            "appointments": Appointment.objects.filter(clinic=clinic).count(),
            "payments": Payment.objects.filter(clinic=clinic).count(),
            "mappings": EntityMapping.objects.filter(clinic=clinic).count(),
        }


def stored_patient(clinic):
    with scopes_disabled():
        mapping = EntityMapping.objects.get(
            clinic=clinic, entity_type="patient", canonical_uuid=b.uid("patient", POISON)
        )
        return Patient.objects.get(pk=mapping.target_id)


def assert_all_good_rows_imported(report, *, but_patient_2_failed=False):
    expected_patients = 3 if but_patient_2_failed else 4
    assert report["entities"]["patient"]["created"] == expected_patients
    for entity_type in ("patient_client_link", "appointment", "payment"):
        assert report["entities"][entity_type]["created"] >= expected_patients - 0, entity_type
    assert report["reconciliation"]["adds_up"] is True


def assert_again_changes_nothing(tmp_path, clinic, path, before: dict, still_failing=()):
    """The same command again: no new row, no warning but those of rows still failing."""
    report, warnings = imported(tmp_path, clinic, path, name="again")
    assert clinic_counts(clinic) == before
    assert sorted(codes(warnings)) == sorted(still_failing)
    return report


def assert_no_payload_in(warnings, *texts: str) -> None:
    for _, _, _, message in warnings:
        for text in texts:
            assert text not in message


def test_a_lone_surrogate_is_replaced_the_same_way_on_every_database(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows())
    payload = json.dumps({**b.patient(2, client_sid=2).payload, "given_name": "AnaXX"})
    tamper(path, set_payload("patient", POISON, payload.replace("XX", "\\ud800")))
    report, warnings = imported(tmp_path, clinic, path)
    assert_all_good_rows_imported(report)
    assert poison_warnings(warnings) == {("patient", "text.surrogate_replaced"): 1}
    [message] = [m for _, s, c, m in warnings if c == "text.surrogate_replaced"]
    assert "given_name" in message and "Ana" not in message
    assert stored_patient(clinic).given_name == "Ana\ufffd"
    assert_again_changes_nothing(tmp_path, clinic, path, clinic_counts(clinic))


def test_a_nul_in_a_name_is_removed_and_the_patient_keeps_its_dependents(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows({"given_name": "Ana\x00Bel"}))
    report, warnings = imported(tmp_path, clinic, path)
    assert_all_good_rows_imported(report)
    assert poison_warnings(warnings) == {("patient", "text.nul_removed"): 1}
    assert stored_patient(clinic).given_name == "AnaBel"
    with scopes_disabled():
        assert Appointment.objects.filter(patient=stored_patient(clinic)).count() == 1
    assert_no_payload_in(warnings, "AnaBel", "Ana")
    assert_again_changes_nothing(tmp_path, clinic, path, clinic_counts(clinic))


def test_a_nul_in_raw_data_kept_as_json_is_removed_too(tmp_path, clinic):
    """A type without a mapper is kept in JSON columns, and PostgreSQL's jsonb refuses a NUL."""
    rows = clinic_rows() + [
        b.row("legacy_note", 1, raw={"Nom\x00bre": "Sol\x00"}, name="Centro\x00Sol"),
        b.row("legacy_note", 2, name="Centro Luna"),
    ]
    path = b.build(tmp_path, rows)
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["legacy_note"] == {
        "in_file": 2,
        "created": 0,
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 2,
        "failed": 0,
        "skipped": 0,
    }
    with scopes_disabled():
        kept = RawEntity.objects.get(clinic=clinic, source_id="1")
    assert kept.payload["name"] == "CentroSol"
    assert kept.raw_data == {"Nombre": "Sol"}
    assert poison_warnings(warnings) == {}
    assert codes(warnings)[("legacy_note", "1", "text.nul_removed")] == 1
    [message] = [m for t, s, c, m in warnings if c == "text.nul_removed"]
    assert message == ("An invisible NUL character was removed from name, raw_source_data.Nombre.")


def test_a_name_longer_than_its_column_is_cut_alike_with_a_warning(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows({"given_name": "N" * 2000}))
    report, warnings = imported(tmp_path, clinic, path)
    assert_all_good_rows_imported(report)
    assert poison_warnings(warnings) == {("patient", "text.cut_to_length"): 1}
    [message] = [m for _, s, c, m in warnings if c == "text.cut_to_length"]
    assert "Patient.given_name" in message and "150" in message and "NNN" not in message
    assert stored_patient(clinic).given_name == "N" * 149 + "…"
    assert_again_changes_nothing(tmp_path, clinic, path, clinic_counts(clinic))


def test_a_payload_nested_5000_deep_fails_alone_and_so_do_only_its_dependents(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows())
    deep = '{"given_name": ' + "[" * 5000 + "]" * 5000 + "}"
    tamper(path, loosened("patient"), set_payload("patient", POISON, deep))
    report, warnings = imported(tmp_path, clinic, path)
    entities = report["entities"]
    assert entities["patient"]["created"] == 3 and entities["patient"]["failed"] == 1
    # The rows that refer to the failed patient fail with their own warning each.
    assert poison_warnings(warnings) == {
        ("patient", "payload.decode_error"): 1,
        ("patient_client_link", "patient_client_link.unmapped_patient"): 1,
        ("appointment", "appointment.unmapped_actor"): 1,
        ("payment", "payment.no_patient_for_client"): 1,
    }
    [message] = [m for t, s, c, m in warnings if c == "payload.decode_error"]
    assert message == "payload is nested more than 100 levels deep"
    for entity_type in ("patient_client_link", "appointment", "payment"):
        assert entities[entity_type]["created"] == 3, entity_type
    assert report["reconciliation"]["adds_up"] is True
    before = clinic_counts(clinic)
    again = assert_again_changes_nothing(
        tmp_path,
        clinic,
        path,
        before,
        # The dependents were skipped for good (their mappers' choice): only the
        # patient is tried, and fails, again.
        still_failing=[("patient", POISON, "payload.decode_error")],
    )
    assert again["entities"]["patient"]["already_mapped"] == 3


def test_raw_data_nested_too_deep_leaves_the_row_importable(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows())
    deep = '{"IdPac": 2, "x": ' + "{" * 5000 + "}" * 5000 + "}"
    tamper(
        path,
        loosened("patient"),
        ("UPDATE patient SET raw_source_data = ? WHERE source_id = ?", (deep, POISON)),
    )
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["patient"]["created"] == 4
    assert poison_warnings(warnings) == {}


@pytest.mark.parametrize("across", [False, True], ids=["one chunk", "copy in the next chunk"])
def test_a_row_twice_in_the_file_is_imported_once_and_its_copy_warned_once(
    tmp_path, clinic, settings, across
):
    # Across: a chunk ends with the first row of patient 2, its copy would start the next.
    keys = sorted(b.uid("patient", i) for i in range(1, 5))
    settings.DPMF_CHUNK_SIZE = keys.index(b.uid("patient", POISON)) + 1 if across else 1000
    path = b.build(tmp_path, clinic_rows())
    copy = (
        "INSERT INTO patient SELECT canonical_uuid, source_id, source_system, payload, "
        "raw_source_data, extracted_at FROM patient WHERE source_id = '2';"
        "UPDATE _entities SET row_count = row_count + 1 WHERE entity_type = 'patient';"
    )
    # The reader pages by key: a copy in the next page must not be skipped.
    tamper(path, loosened("patient"), (copy, ()))
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["patient"] == {
        "in_file": 5,
        "created": 4,
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 0,
        "failed": 1,
        "skipped": 0,
    }
    assert poison_warnings(warnings) == {("patient", "row.duplicate"): 1}
    [message] = [m for _, s, c, m in warnings if c == "row.duplicate"]
    assert "appears twice in the file; the first was imported" in message
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic).count() == 4
    assert report["reconciliation"]["adds_up"] is True
    again = assert_again_changes_nothing(tmp_path, clinic, path, clinic_counts(clinic))
    assert again["entities"]["patient"]["already_mapped"] == 5


@pytest.mark.parametrize(
    "entity_type, field, money",
    [("payment", "amount", "payments"), ("debt", "owed_amount", "debts")],
)
def test_money_twice_with_another_amount_is_reconciled_as_the_row_imported(
    tmp_path, clinic, entity_type, field, money
):
    # The copy says 999.00: the import keeps the first row (10.00), so must the file's total.
    debt = b.row("debt", 3, patient_uuid=b.uid("patient", 3), owed_amount="10.00")
    path = b.build(tmp_path, clinic_rows() + [debt])
    copy = (
        f"INSERT INTO {entity_type} SELECT canonical_uuid, source_id, source_system, "
        f"json_set(payload, '$.{field}', '999.00'), raw_source_data, extracted_at "
        f"FROM {entity_type} WHERE source_id = '3';"
        f"UPDATE _entities SET row_count = row_count + 1 WHERE entity_type = '{entity_type}';"
    )
    tamper(path, loosened(entity_type), (copy, ()))
    report, warnings = imported(tmp_path, clinic, path)
    assert codes(warnings)[(entity_type, "3", "row.duplicate")] == 1
    file_total = "40.00" if entity_type == "payment" else "10.00"
    assert report["reconciliation"]["money"][money] == {
        "file": file_total,
        "clinic": file_total,
        "not_imported": "0.00",
        "matches": True,
    }


def test_non_numeric_and_oversized_money_fail_only_their_payment(tmp_path, clinic):
    rows = clinic_rows(payment={"amount": "doce euros"})
    rows.append(b.payment(5, 3, "1000000000000.00"))  # 10^12: no numeric(12, 2) holds it
    path = b.build(tmp_path, rows)
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["payment"]["created"] == 3
    assert report["entities"]["payment"]["failed"] == 2
    found = codes(warnings)
    assert found[("payment", POISON, "payment.invalid_amount")] == 1
    assert found[("payment", "5", "row.value_out_of_range")] == 1
    assert report["reconciliation"]["adds_up"] is True
    assert_again_changes_nothing(
        tmp_path,
        clinic,
        path,
        clinic_counts(clinic),
        # The mapper skips an unreadable amount for good; a value no column holds
        # is tried again (a later version may hold it).
        still_failing=[("payment", "5", "row.value_out_of_range")],
    )


def test_impossible_and_absurd_dates_are_left_empty_with_a_warning(tmp_path, clinic):
    poison = {"date_of_birth": "2023-02-30", "registered_at": "0000-01-01"}
    rows = clinic_rows(poison)
    # A moment that leaves the years Python knows once in UTC: SQLite's driver could
    # not write it and PostgreSQL could not hand it back.
    rows.append(
        b.row(
            "communication",
            1,
            patient_uuid=b.uid("patient", 1),
            channel="sms",
            sent_at="9999-12-31T23:59:59-05:00",
            body="Recordatorio",
        )
    )
    path = b.build(tmp_path, rows)
    report, warnings = imported(tmp_path, clinic, path)
    assert_all_good_rows_imported(report)
    assert poison_warnings(warnings) == {("patient", "patient.unreadable_value"): 2}
    patient = stored_patient(clinic)
    assert patient.date_of_birth is None and patient.registered_on is None
    assert_no_payload_in(warnings, "2023-02-30", "0000-01-01", "9999")
    assert codes(warnings)[("communication", "1", "communication.unreadable_value")] == 1
    with scopes_disabled():
        assert Communication.objects.get(clinic=clinic).sent_at is None


def test_a_huge_integer_is_left_empty_and_the_appointment_kept(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows(appointment={"duration_minutes": 10**30}))
    report, warnings = imported(tmp_path, clinic, path)
    assert_all_good_rows_imported(report)
    assert poison_warnings(warnings) == {("appointment", "appointment.unreadable_value"): 1}
    with scopes_disabled():
        appointment = Appointment.objects.get(patient=stored_patient(clinic))
    assert appointment.duration_minutes == 30  # the mapper's default for no duration
    assert_again_changes_nothing(tmp_path, clinic, path, clinic_counts(clinic))


def test_wrong_types_in_every_kind_of_field_are_warned_field_by_field(tmp_path, clinic):
    poison = {
        "given_name": ["Ana"],  # text
        "date_of_birth": 7,  # date
        "deceased": "quizá",  # boolean
        "national_id": {"dni": 1},  # text
    }
    wrong = {
        "appointment": {"duration_minutes": "mucho", "scheduled_time": 930},
        "payment": {"amount": True, "paid_on": ["2026-03-05"]},
    }
    path = b.build(tmp_path, clinic_rows(poison, **wrong))
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["patient"]["created"] == 4
    assert report["entities"]["appointment"]["failed"] == 1  # 930 is no time of day
    assert poison_warnings(warnings) == {
        ("patient", "patient.unreadable_value"): 4,
        ("appointment", "appointment.unparseable_datetime"): 1,
        ("payment", "payment.invalid_amount"): 1,
    }
    assert stored_patient(clinic).given_name == "Sin nombre"
    assert_no_payload_in(warnings, "quizá", "Ana", "dni")
    assert report["reconciliation"]["adds_up"] is True


def test_a_row_whose_id_is_unusable_fails_alone(tmp_path, clinic):
    path = b.build(tmp_path, clinic_rows())
    tamper(
        path,
        loosened("patient"),
        ("UPDATE patient SET canonical_uuid = ? WHERE source_id = ?", ("x" * 90, POISON)),
    )
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["patient"]["created"] == 3
    assert poison_warnings(warnings)[("patient", "row.bad_key")] == 1
    assert report["reconciliation"]["adds_up"] is True


def test_a_csv_sheet_follows_the_same_text_rules(tmp_path, clinic):
    """A NUL in a cell (a UTF-16 sheet can hold one) and an over-long name, as in a DPMF file."""
    rows = sheets.patients_rows()
    rows[2][1] = "Zo\x00ë"  # P002's first name
    rows[1][2] = "M" * 2000  # P001's last name
    path = sheets.write(tmp_path / "p.csv", rows, encoding="utf-16", delimiter="\t")
    status, out, report = sheets.run("import_patients", path, clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    assert report["entities"]["csv_patient"]["created"] == 2
    job = ImportJob.objects.get(clinic=clinic)
    found = list(job.warnings.values_list("source_id", "code", "message"))
    nul = "An invisible NUL character was removed from First Name."
    assert ("P002", "text.nul_removed", nul) in found
    assert sorted((s, c) for s, c, _ in found if c.startswith("text.")) == [
        ("P001", "text.cut_to_length"),
        ("P002", "text.nul_removed"),
    ]
    with scopes_disabled():
        assert Patient.objects.get(clinic=clinic, legacy_id="P002").given_name == "Zoë"
        assert Patient.objects.get(clinic=clinic, legacy_id="P001").family_name == "M" * 149 + "…"


def test_a_number_with_a_billion_digit_exponent_is_left_empty_at_once(tmp_path, clinic):
    """int() of Decimal("1e999999999") would run for hours: a budget's units never get there."""
    budget = b.row(
        "budget",
        1,
        patient_uuid=b.uid("patient", 1),
        number="1e999999999",
        title="Plan",
        quote_date="2026-01-10",
    )
    lines = [
        b.row("budget_line", sid, budget_uuid=b.uid("budget", 1), unit_amount="50.00", units=u)
        for sid, u in ((1, "1"), (POISON, "1e999999999"))
    ]
    path = b.build(tmp_path, clinic_rows() + [budget, *lines])
    report, warnings = imported(tmp_path, clinic, path)
    assert report["entities"]["budget"]["created"] == 1
    assert report["entities"]["budget_line"]["created"] == 2
    found = codes(warnings)
    assert found[("budget", "1", "budget.unreadable_value")] == 1
    assert found[("budget_line", POISON, "budget_line.unreadable_value")] == 1
    assert report["reconciliation"]["adds_up"] is True
