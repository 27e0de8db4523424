"""The warnings CSV opens right in Excel: UTF-8 mark, the locale's separator, or the one asked."""

import csv
import io

import pytest

from dentalpin_import.models import ImportJob, ImportWarning

pytestmark = pytest.mark.django_db
MESSAGE = "Año de nacimiento inválido; revise la ficha, número 1,5"


@pytest.fixture
def job(clinic):
    job = ImportJob.objects.create(clinic=clinic, status="succeeded")
    ImportWarning.objects.create(
        job=job, clinic=clinic, entity_type="patient", source_id="P-ñ", code="x", message=MESSAGE
    )
    ImportWarning.objects.create(
        job=job,
        clinic=clinic,
        entity_type="debt",
        source_id="D-7",
        code="debt.skipped_anulado",
        severity="info",
        message="Debt of 120.00 voided in the old system: left out by rule.",
        params={"amount": "120.00"},
    )
    return job


def rows(response, delimiter):
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def test_in_english_the_columns_are_split_by_commas(staff_client, job):
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, row, debt = rows(response, ",")
    assert header == [
        "record kind (code)",
        "source id",
        "source key",
        "severity",
        "code",
        "message (English)",
        "record kind",
        "record",
        "what happened",
    ]
    assert row[1] == "P-ñ" and row[5] == MESSAGE
    assert debt[6] == "debt" and debt[8] == debt[5]


def test_in_spanish_the_columns_are_split_by_semicolons(staff_client, job):
    staff_client.cookies["django_language"] = "es"
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv")
    header, row, debt = rows(response, ";")
    assert header == [
        "tipo de registro (código)",
        "id de origen",
        "clave de origen",
        "gravedad",
        "código",
        "mensaje (en inglés)",
        "tipo de registro",
        "registro",
        "qué pasó",
    ]
    assert row[1] == "P-ñ"
    assert row[5] == row[8] == MESSAGE  # a message without a known code is shown as stored
    # Each warning as the Spanish page says it, its code and English text kept for support.
    assert debt[:2] == ["debt", "D-7"] and debt[4] == "debt.skipped_anulado"
    assert debt[5] == "Debt of 120.00 voided in the old system: left out by rule."
    assert debt[6] == "deuda"
    assert debt[8] == "Deuda de 120.00 anulada en el sistema anterior: excluida por regla."


@pytest.mark.parametrize(("asked", "delimiter"), [("comma", ","), ("semicolon", ";")])
def test_a_link_may_ask_for_either_separator(staff_client, job, asked, delimiter):
    staff_client.cookies["django_language"] = "es"
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv", {"sep": asked})
    header, row, _ = rows(response, delimiter)
    assert len(header) == len(row) == 9
