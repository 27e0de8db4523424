"""A value the import cannot keep as given is changed or left empty with a warning, never failing
the import nor changing silently; the same on SQLite and PostgreSQL (the suite runs on each), and
a second run of the same file adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from clinics.models import Appointment, Budget, Clinic, Communication, Invoice
from dentalpin_import.models import EntityMapping, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.loader.poison import clinic_rows, loosened, set_payload, tamper

pytestmark = pytest.mark.django_db
D = Decimal


def imported_twice(tmp_path, clinic, path) -> list[tuple]:
    """Import `path` twice; return the first run's warnings as (type, source id, code, params).

    The second run must end well too and add no warning.
    """
    found = []
    for _ in range(2):
        status, out, _ = run_import(path, clinic.slug)
        assert status == 0, out
        job = ImportJob.objects.filter(clinic=clinic).latest("created_at")
        warnings = job.warnings.exclude(code="tenant.label_ignored")
        found.append(list(warnings.values_list("entity_type", "source_id", "code", "params")))
    assert found[1] == [], "the second run warned again"
    return found[0]


def row_of(model, entity_type: str, source_id):
    with scopes_disabled():
        mapping = EntityMapping.objects.get(
            entity_type=entity_type, canonical_uuid=b.uid(entity_type, source_id)
        )
        return model.objects.get(pk=int(mapping.target_id))


def test_a_nan_in_a_centre_is_left_empty_with_a_warning_on_the_centre(tmp_path, clinic):
    path = b.build(tmp_path, [*clinic_rows(), b.row("center", 1, name="Centro", score="XX")])
    payload = json.dumps({"name": "Centro", "tax_id": "B1", "score": "XX", "n": "YY"})
    payload = payload.replace('"XX"', "NaN").replace('"YY"', "1e400")
    tamper(path, loosened("center"), set_payload("center", "1", payload))

    warnings = imported_twice(tmp_path, clinic, path)

    details = Clinic.objects.get(pk=clinic.pk).centre_details[b.uid("center", 1)]
    assert details == {"name": "Centro", "tax_id": "B1", "score": None, "n": None}
    assert [(t, s, c, p["field"]) for t, s, c, p in warnings] == [
        ("center", "1", "center.unreadable_value", "score"),
        ("center", "1", "center.unreadable_value", "n"),
    ]


def test_a_budget_whose_lines_add_up_past_its_totals_keeps_the_files(tmp_path, clinic):
    line = dict(treatment_uuid=b.uid("treatment_catalog_item", 1), units="10")
    rows = [
        *clinic_rows(),
        b.row("treatment_catalog_item", 1, short_name="Implante", reference_price="100.00"),
        b.row("budget", 1, patient_uuid=b.uid("patient", 1), number=1, quote_date="2026-01-10"),
        b.row("budget", 2, patient_uuid=b.uid("patient", 3), number=7, quote_date="2026-01-10"),
    ]
    for sid, budget, price in ((1, 1, "900000000.00"), (2, 1, "900000000.00"), (3, 2, "6.00")):
        line["budget_uuid"] = b.uid("budget", budget)
        rows.append(b.row("budget_line", sid, unit_amount=price, **line))
    path = b.build(tmp_path, rows)

    warnings = imported_twice(tmp_path, clinic, path)

    large, small = row_of(Budget, "budget", 1), row_of(Budget, "budget", 2)
    assert (large.subtotal, large.total) == (D("0.00"), D("0.00"))  # the file gave none
    assert (small.subtotal, small.total) == (D("60.00"), D("60.00"))
    assert warnings == [
        ("budget_line", "", "budget_line.sum_too_large", {"number": large.number}),
    ]


def test_rounded_invoice_totals_and_a_total_of_1_comma_234_are_said(tmp_path, clinic):
    head = dict(client_uuid=b.uid("client", 1), series="A", year=2026, document_date="2026-03-06")
    rows = [
        *clinic_rows(),
        b.row("fiscal_document", 1, number=1, subtotal="82.645", tax_total="17.355", **head),
        b.row("fiscal_document", 2, number=2, subtotal="1,234", tax_total="0", **head),
    ]
    path = b.build(tmp_path, rows)

    warnings = imported_twice(tmp_path, clinic, path)

    one, two = row_of(Invoice, "fiscal_document", 1), row_of(Invoice, "fiscal_document", 2)
    assert (one.subtotal, one.tax_total) == (D("82.65"), D("17.36"))
    assert two.subtotal == D("0.00")
    said = {(s, c, p.get("field")) for _, s, c, p in warnings if c != "fiscal_document.no_total"}
    assert said == {
        ("1", "number.rounded", "Invoice.subtotal"),
        ("1", "number.rounded", "Invoice.tax_total"),
        ("2", "fiscal_document.unreadable_value", "subtotal"),
    }


def test_times_not_read_as_given_are_said(tmp_path, clinic):
    message = dict(patient_uuid=b.uid("patient", 1), channel="sms", body="hola")
    rows = clinic_rows(appointment={"scheduled_time": "09:30:00+05:00", "duration_minutes": 45.9})
    rows += [
        b.row("communication", 1, sent_at="2026-03-05T25:61:00+00:00", **message),
        b.row("communication", 2, sent_at="2026-03-05T10:00:00+25:00", **message),
    ]
    path = b.build(tmp_path, rows)

    warnings = imported_twice(tmp_path, clinic, path)

    with scopes_disabled():
        assert set(Communication.objects.values_list("sent_at", flat=True)) == {None}
    visit = row_of(Appointment, "appointment", 2)
    assert visit.duration_minutes == 46
    assert visit.starts_at == dt.datetime(2026, 3, 4, 8, 30, tzinfo=dt.UTC)  # 09:30 in Madrid
    assert sorted((t, s, c) for t, s, c, _ in warnings) == [
        ("appointment", "2", "appointment.offset_ignored"),
        ("appointment", "2", "number.rounded"),
        ("communication", "1", "communication.unreadable_value"),
        ("communication", "2", "communication.unreadable_value"),
    ]


def test_a_nan_in_a_key_the_importer_does_not_read_keeps_the_row_and_says_so(tmp_path, clinic):
    row = b.row("communication", 1, patient_uuid=b.uid("patient", 1), body="hola", spare="XX")
    path = b.build(tmp_path, [*clinic_rows(), row])
    payload = json.dumps(row.payload).replace('"XX"', "Infinity")
    tamper(path, loosened("communication"), set_payload("communication", "1", payload))

    warnings = imported_twice(tmp_path, clinic, path)

    communication = row_of(Communication, "communication", 1)
    assert communication.body == "hola" and communication.source_extra["spare"] is None
    said = [(t, s, c, p.get("field")) for t, s, c, p in warnings if t == "communication"]
    assert said == [("communication", "1", "communication.unreadable_value", "spare")]
