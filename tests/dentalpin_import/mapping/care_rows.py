"""A small clinic file exercising catalogues, schedules, budgets, treatments and recalls.

Every awkward case the mappers must report is in here once: dangling
references, blank names, zero dates, unreadable times, a budget number
collision, administrative entries, shadow and stale planned treatments.
"""

from __future__ import annotations

import datetime as dt

from tests import dpmf_builder as b
from tests.dpmf_builder import row, uid

GHOST = "0bad0bad-0000-5000-8000-000000000000"


def years_ago(years: float) -> str:
    return (dt.date.today() - dt.timedelta(days=int(years * 365.25))).isoformat()


def catalogue_rows():
    def item(sid, kind, name, code=""):
        return row("catalog_item", sid, kind=kind, name=name, code=code)

    return [
        item("chair-1", "chair", "Gabinete 1", "G1"),
        item("chair-2", "chair", ""),
        item("chair-3", "chair", "Gabinete de cirugía maxilofacial e implantología avanzada"),
        item("chair-4", "chair", "GABINETE EXISTENTE"),
        item("pay-1", "payment_method", "Tarjeta", "3"),
        item("reason-1", "recall_reason", "Revisión anual", "RA"),
        item("result-1", "recall_result", "", "R1"),
        row("catalog_item", "blank", kind="", name="", code=""),
        row(
            "treatment_catalog_item",
            1,
            raw={"IdTipoODG": 22, "Codigo": "T001"},
            short_name="OBT",
            description="Obturación composite",
            code="T001",
            reference_price="60.005",
            vat_percent="21",
            duration_minutes=30,
            deactivated=False,
        ),
        row("treatment_catalog_item", 2, raw={"IdTipoOdg": 38}, name="Limpieza", code="T002"),
        row("treatment_catalog_item", 3, code="T003", deactivated=True),
        row("treatment_catalog_item", 4, short_name="ENDODONCIA", reference_price="180"),
        row(
            "treatment_catalog_variant",
            1,
            treatment_uuid=uid("treatment_catalog_item", 1),
            tariff_code="GEN",
            code="T001-GEN",
            unit_price="55.50",
        ),
        row("treatment_catalog_variant", 2, treatment_uuid=GHOST, unit_price="1.00"),
        row(
            "treatment_phase_template",
            1,
            treatment_uuid=uid("treatment_catalog_item", 1),
            phase_number=1,
            description="Fase única",
            percent_to_bill="100",
        ),
        row("treatment_phase_template", 2, description="Sin tratamiento"),
    ]


def schedule_rows():
    return [
        row(
            "work_calendar",
            1,
            professional_uuid=uid("professional", 1),
            center_uuid=uid("center", 1),
            name="Mañanas",
            valid_from="2024-01-01",
            valid_to="1899-12-30",
        ),
        row("work_calendar", 2, professional_uuid=GHOST),
        row("work_calendar_day", "1-1", calendar_uuid=uid("work_calendar", 1), weekday=1),
        row(
            "work_calendar_day",
            "1-7",
            calendar_uuid=uid("work_calendar", 1),
            weekday=7,
            is_working_day=False,
        ),
        row("work_calendar_day", "bad", calendar_uuid=uid("work_calendar", 1), weekday=9),
        row("work_calendar_day", "ghost", calendar_uuid=GHOST, weekday=2),
        row(
            "work_calendar_shift",
            1,
            calendar_day_uuid=uid("work_calendar_day", "1-1"),
            start_time="09:00:00",
            end_time="14:00:00",
            chair_uuid=uid("catalog_item", "chair-1"),
        ),
        row(
            "work_calendar_shift",
            "badtime",
            calendar_day_uuid=uid("work_calendar_day", "1-1"),
            start_time="9h",
            end_time="14:00:00",
        ),
        row(
            "work_calendar_shift",
            "wrongchair",
            calendar_day_uuid=uid("work_calendar_day", "1-1"),
            start_time="16:00",
            end_time="20:00",
            chair_uuid=uid("catalog_item", "pay-1"),  # a payment method, not a chair
        ),
        row(
            "appointment_recurrence",
            1,
            patient_uuid=uid("patient", 1),
            professional_uuid=uid("professional", 1),
            rule="FREQ=MONTHLY;COUNT=6",
            starts_on="2026-01-10",
            ends_on="2026-06-10",
            duration_minutes=30,
        ),
        row("appointment_recurrence", 2, patient_uuid=GHOST, rule="CADA MES"),
        b.appointment(
            1,
            1,
            1,
            chair_uuid=uid("catalog_item", "chair-1"),
            recurrence_uuid=uid("appointment_recurrence", 1),
            notes="Traer radiografía",
        ),
        b.appointment(2, 2, 1, chair_uuid=GHOST, recurrence_uuid=GHOST),
    ]


def budget_rows():
    def budget(sid, **kw):
        base = dict(
            patient_uuid=uid("patient", 1),
            professional_uuid=uid("professional", 1),
            elaborated_by_user_uuid=uid("user", 1),
            number=1,
            title="Plan de tratamiento",
            quote_date="2025-09-01",
        )
        return row("budget", sid, **{**base, **kw})

    return [
        budget(1, notes="Financiación en 3 meses", status_code=9),
        budget(2, patient_uuid=uid("patient", 2), title="T" * 250),
        budget(
            3,
            number=5,
            accepted_date="2025-09-10",
            rejected_date="2025-09-12",
            rejection_observations="Prefiere pensarlo",
        ),
        budget(4, patient_uuid=None),
        budget(5, patient_uuid=GHOST),
        row(
            "budget_line",
            1,
            budget_uuid=uid("budget", 1),
            treatment_uuid=uid("treatment_catalog_item", 1),
            treatment_variant_uuid=uid("treatment_catalog_variant", 1),
            applied_treatment_uuid=uid("applied_treatment", "done"),
            unit_amount="60.005",
            units="2.7",
            discount_percent="10",
            teeth=[16, 17],
            notes="Piezas 16 y 17",
            order_within_budget=1,
        ),
        row(
            "budget_line",
            2,
            budget_uuid=uid("budget", 1),
            treatment_variant_uuid=uid("treatment_catalog_variant", 1),
            applied_treatment_uuid=uid("applied_treatment", "missed"),
            unit_amount="55.50",
            units="1",
            discount_amount="5.00",
            discount_percent="50",
            order_within_budget=2,
        ),
        row(
            "budget_line",
            3,
            budget_uuid=uid("budget", 1),
            treatment_uuid=GHOST,
            applied_treatment_uuid=GHOST,
            unit_amount="10",
            units="0",
            notes="Línea suelta",
        ),
        row("budget_line", 4, budget_uuid=GHOST, unit_amount="10"),
        row("budget_line", 5, budget_uuid=uid("budget", 2), unit_amount="100.00", units="1"),
    ]


def treatment_rows():
    def treatment(sid, raw=None, **kw):
        base = dict(
            patient_uuid=uid("patient", 1),
            professional_uuid=uid("professional", 1),
            treatment_variant_uuid=uid("treatment_catalog_variant", 1),
            units=1,
        )
        raw = {"IdTipoOdg": 22, "IdTto": 1} if raw is None else raw
        return row("applied_treatment", sid, raw=raw, **{**base, **kw})

    long_notes = "Paciente decide posponer el tratamiento hasta después del verano"
    return [
        treatment(
            "done",
            client_uuid=uid("client", 1),
            user_uuid=uid("user", 1),
            budget_line_uuid=uid("budget_line", 1),
            status_code=5,
            start_date="2025-10-01",
            end_date="2025-10-02",
            amount="60.005",
            notes="Obturación oclusal sin incidencias",
            teeth=[16, 17],
        ),
        treatment(
            "missed",
            raw={"IdTipoOdg": 10},
            treatment_variant_uuid=None,
            start_date="2025-10-03",
            amount="15.00",
            notes="No acudió",
        ),
        treatment(
            "hygiene",
            raw={"IdTipoOdg": 38},
            treatment_variant_uuid=None,
            status_code=6,
            start_date="2025-10-04",
            amount="49.995",
            teeth=[],
        ),
        treatment(
            "shadow",
            budget_line_uuid=uid("budget_line", 1),
            status_code=3,
            start_date="2025-09-20",
            teeth=[16, 17],
        ),
        treatment("old", status_code=3, start_date="2015-01-01", teeth=[26]),
        treatment("talk", status_code=3, start_date=years_ago(3), notes=long_notes, teeth=[36]),
        treatment("fresh", status_code=3, start_date=years_ago(0.1), amount="80.00", teeth=[46]),
        treatment("odd", raw={"IdTipoOdg": 99}, status_code=2, start_date="2025-10-05"),
        treatment("ghostvariant", treatment_variant_uuid=GHOST, status_code=5),
        treatment("nopatient", patient_uuid=None),
        row(
            "applied_treatment_phase",
            1,
            applied_treatment_uuid=uid("applied_treatment", "done"),
            professional_uuid=uid("professional", 1),
            phase_number=1,
            status_code=1,
            percent_to_bill="50",
            notes="Primera fase",
        ),
        row(
            "applied_treatment_phase",
            2,
            applied_treatment_uuid=uid("applied_treatment", "fresh"),
            phase_number=2,
            status_code=1,
        ),
        row(
            "applied_treatment_phase",
            3,
            applied_treatment_uuid=uid("applied_treatment", "fresh"),
            phase_number=3,
            executed_on="2026-01-02",
        ),
        row(
            "applied_treatment_phase", 4, applied_treatment_uuid=uid("applied_treatment", "missed")
        ),
        row("applied_treatment_phase", 5, applied_treatment_uuid=GHOST),
        row("applied_treatment_phase", 6),
    ]


def recall_rows():
    def recall(sid, raw=None, **kw):
        base = dict(patient_uuid=uid("patient", 1), scheduled_date="2026-09-01")
        return row("recall", sid, raw=raw, **{**base, **kw})

    return [
        recall(
            1,
            professional_uuid=uid("professional", 1),
            attended=True,
            contact_date="2026-05-04T10:00:00+00:00",
            comments="Revisión anual",
            observations="Prefiere tardes",
            reason_uuid=uid("catalog_item", "reason-1"),
            result_uuid=uid("catalog_item", "result-1"),
        ),
        recall(2, status_code=1),
        recall(3, scheduled=True),
        recall(4, raw={"FechaContacto": "2026-04-01T09:00:00+00:00"}),
        recall(5, reason_uuid=GHOST, scheduled_date="1899-12-30"),
        recall(6, patient_uuid=None),
        recall(7, patient_uuid=GHOST),
    ]


def care_clinic_rows():
    return [
        row(
            "center",
            1,
            name="Centro Sol",
            legal_name="Sol Dental SL",
            tax_id="B99999999",
            address_street="Calle Mayor 1",
            address_postal_code="28001",
            city="Madrid",
            phone="910000000",
            email="info@sol.test",
        ),
        row("center", 2, name="Centro Luna", phone="920000000"),
        b.professional(1),
        row("user", 1, given_name="Rosa", family_name="Pérez", email="rosa@clinic.test"),
        b.client(1),
        b.patient(1, client_sid=1),
        b.patient(2),
        *catalogue_rows(),
        *schedule_rows(),
        *budget_rows(),
        *treatment_rows(),
        *recall_rows(),
    ]
