"""Record kinds, tables and clinic rows by the names staff use, in English and Spanish."""

import datetime as dt

import pytest
from django.apps import apps
from django.utils import translation
from django_scopes import scope

from clinics.models import Appointment, Patient, Professional
from dentalpin_import.mapping.registry import KNOWN_ORDER
from dentalpin_import.names import entity_label, record_name, table_label


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_known_record_kind_has_a_name_in_both_numbers(lang):
    with translation.override(lang):
        for kind in KNOWN_ORDER:
            one, many = entity_label(kind, 1), entity_label(kind, 5)
            assert "_" not in one and "_" not in many, kind
            assert one != many or kind == "", kind
    with translation.override("es"):
        assert entity_label("debt_payment_application", 3) == "pagos aplicados a deudas"
        assert entity_label("debt", 1) == "deuda"
    with translation.override("en"):
        assert entity_label("debt_payment_application", 1) == "payment applied to a debt"


def test_every_clinic_table_has_a_name_without_its_code():
    for model in apps.get_app_config("clinics").get_models():
        for lang in ("en", "es"):
            with translation.override(lang):
                label = table_label(model._meta.db_table, 2)
                assert "clinics_" not in label and "_" not in label, model
    with translation.override("es"):
        assert table_label("clinics_appliedtreatment", 2) == "tratamientos realizados"
    with translation.override("en"):
        assert table_label("clinics_appliedtreatment", 1) == "treatment done"


@translation.override("en")
def test_a_kind_from_a_newer_export_is_named_in_words_not_by_its_code():
    assert (
        entity_label("dental_chart_entry", 2) == "“dental chart entry” records (kept as they are)"
    )
    assert entity_label("patient.__skipped__", 2) == "patients"


@pytest.mark.django_db
@translation.override("en")
def test_a_patient_and_an_appointment_are_named_as_staff_find_them(clinic):
    with scope(clinic=clinic):
        patient = Patient.objects.create(
            clinic=clinic,
            given_name="Lucía",
            family_name="Pérez",
            chart_number="H-77",
            national_id="12345678Z",
        )
        doctor = Professional.objects.create(clinic=clinic, given_name="Ana")
        visit = Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            professional=doctor,
            starts_at=dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC),
        )
        assert record_name(patient) == "Lucía Pérez (chart H-77)"
        assert "12345678Z" not in record_name(patient)
        named = record_name(visit)
        assert named.startswith("Lucía Pérez (chart H-77) · appointment on ") and "2024" in named
        with translation.override("es"):
            assert record_name(visit).startswith("Lucía Pérez (historia H-77) · cita del ")
