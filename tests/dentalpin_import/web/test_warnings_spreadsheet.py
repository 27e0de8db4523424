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
    return job


def rows(response, delimiter):
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def test_in_english_the_columns_are_split_by_commas(staff_client, job):
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, row = rows(response, ",")
    assert header[0] == "entity_type" and len(header) == 6
    assert row[1] == "P-ñ" and row[5] == MESSAGE


def test_in_spanish_the_columns_are_split_by_semicolons(staff_client, job):
    staff_client.cookies["django_language"] = "es"
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv")
    header, row = rows(response, ";")
    assert len(header) == 6 and len(row) == 6
    assert row[1] == "P-ñ"
    assert row[5] == MESSAGE  # a message without a known code is shown as stored


@pytest.mark.parametrize(("asked", "delimiter"), [("comma", ","), ("semicolon", ";")])
def test_a_link_may_ask_for_either_separator(staff_client, job, asked, delimiter):
    staff_client.cookies["django_language"] = "es"
    response = staff_client.get(f"/import/jobs/{job.pk}/warnings.csv", {"sep": asked})
    header, row = rows(response, delimiter)
    assert len(header) == len(row) == 6
