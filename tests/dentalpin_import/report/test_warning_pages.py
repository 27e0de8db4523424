"""The report, warnings and undo pages in staff's words, in English and Spanish."""

import re

import pytest
from django.utils import translation
from django.utils.formats import number_format

from dentalpin_import.models import ImportJob, ImportWarning
from dentalpin_import.web.reconciliation_words import reconciliation_for_people
from dentalpin_import.web.report_words import headline
from dentalpin_import.web.warning_lines import warning_text
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b|\bclinics_[a-z]+\b")


@pytest.fixture
def job(tmp_path, clinic):
    _, _, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json")
    return ImportJob.objects.get(pk=report["job_id"])


def visible(html: str) -> str:
    """The text a reader sees: no scripts, tags or attribute values."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    # Commands to type (the sync agent's) are code on purpose.
    html = re.sub(r"<(code|pre)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def code_names(text: str) -> list[str]:
    commands = ("issue_agent_token",)  # a command an administrator types, named as typed
    return [w for w in CODE_NAME.findall(text) if w not in commands]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_report_warnings_and_undo_pages_name_no_code(staff_client, job, lang):
    pages = [f"/import/jobs/{job.pk}/{url}" for url in ("", "warnings/", "undo/")]
    for url in [*pages, "/import/"]:
        page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
        text = visible(page.content.decode())
        assert code_names(text) == [], url


@pytest.mark.django_db
def test_the_headline_says_what_came_in_and_what_needs_attention(staff_client, job):
    page = visible(staff_client.get(f"/import/jobs/{job.pk}/").content.decode())
    assert (
        "3 patients, 2 appointments and 16 other records imported; 3 records need attention."
        in page
    )
    spanish = visible(
        staff_client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    )
    assert (
        "Importados: 3 pacientes, 2 citas y 16 registros más; 3 registros necesitan atención."
        in spanish
    )


@pytest.mark.django_db
def test_the_headline_counts_left_out_and_failed_rows_in_the_right_number(job):
    figures = {
        "patient": {"in_file": 301, "created": 300, "failed": 1},
        "appointment": {"in_file": 4120, "created": 4120},
        "debt": {"in_file": 90, "created": 5, "skipped": 85},
    }
    with translation.override("en"):
        assert headline(job, figures, 3) == (
            "300 patients, 4,120 appointments and 5 other records imported; 85 debts left out "
            "by rule; 1 record could not be imported; 3 records need attention."
        )
        one = {"patient": {"in_file": 1, "created": 1}}
        assert headline(job, one, 0) == "1 patient imported; nothing needs attention."
        apart = {"debt": {"in_file": 90, "created": 5, "ruled_out": 84, "skipped": 1}}
        assert headline(job, apart, 0) == (
            "5 debts imported; 84 debts left out by rule; 1 record left out for a problem; "
            "nothing needs attention."
        )
        again = {"patient": {"in_file": 1, "already_mapped": 1}}
        assert headline(job, again, 0).startswith("Nothing new: 1 record was imported before")
    with translation.override("es"):
        grouped = number_format(4120, force_grouping=True)  # as Spanish groups digits
        assert headline(job, figures, 1) == (
            f"Importados: 300 pacientes, {grouped} citas y 5 registros más; excluidos por regla: "
            "85 deudas; 1 registro no se pudo importar; 1 registro necesita atención."
        )
    job.dry_run = True
    with translation.override("en"):
        assert headline(job, one, 0).startswith("1 patient would be imported")


@pytest.mark.django_db
def test_each_figure_links_to_its_warnings_and_the_link_filters_them(staff_client, job):
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    link = f"/import/jobs/{job.pk}/warnings/?type=payment"
    assert f'href="{link}"' in page
    filtered = visible(staff_client.get(link).content.decode())
    assert "split over 2 patients" in filtered and "The file names its clinic" not in filtered
    attention = visible(
        staff_client.get(f"/import/jobs/{job.pk}/warnings/?severity=attention").content.decode()
    )
    assert "for information" not in attention.split("What happened")[1]


@pytest.mark.django_db
def test_a_warning_is_shown_in_spanish_from_its_values_and_names_its_record(staff_client, job):
    warning = ImportWarning.objects.get(job=job, code="tenant.label_ignored")
    assert warning.params == {"label": "fake-clinic", "clinic": "Clínica Alba"}
    with translation.override("es"):
        assert warning_text(warning) == (
            "El archivo nombra su clínica «fake-clinic»; se importó en Clínica Alba como se "
            "pidió, nunca en una clínica que nombre el archivo."
        )
    page = visible(
        staff_client.get(
            f"/import/jobs/{job.pk}/warnings/?type=payment", HTTP_ACCEPT_LANGUAGE="es"
        ).content.decode()
    )
    # The payment is named by its patient and date, next to its id in the old system.
    assert re.search(r"pago Paciente\d \S+ · pago del \d\d/\d\d/\d{4} \d+ aviso", page), page


@pytest.mark.django_db
def test_an_old_warning_without_values_keeps_its_stored_message(job):
    old = ImportWarning(job=job, clinic=job.clinic, code="budget.no_date", message="as stored")
    with translation.override("es"):
        assert warning_text(old) == "as stored"
        old.params = {}  # a new row whose text needs a value it lacks: still the message
        assert warning_text(old) == "as stored"
        old.params = {"year": 2024}
        assert warning_text(old) == "Presupuesto sin fecha: numerado en 2024."


def test_the_verdict_matches_its_rows_and_each_mismatch_is_explained():
    reconciliation = {
        "adds_up": True,  # every row counted: the old verdict said "yes" here
        "orphans": {},
        "money": {
            "payments": {
                "file": "100.00",
                "clinic": "90.00",
                "not_imported": "0.00",
                "matches": False,
            },
            "debts": {"file": "50.00", "clinic": "20.00", "not_imported": "30.00", "matches": True},
        },
        "derived": {},
    }
    counters = {"payment": {"in_file": 2, "created": 2}}
    with translation.override("en"):
        found = reconciliation_for_people(reconciliation, counters)
    assert found["adds_up"] is False and len(found["reasons"]) == 1
    payments, debts = found["money"]
    assert "The clinic holds 10.00 less than the file" in payments.explanation
    assert debts.explanation.startswith("30.00 of it belongs to debts that were not imported")
    with translation.override("es"):
        found = reconciliation_for_people(reconciliation, counters)
    assert "La clínica tiene 10,00 menos que el archivo" in found["money"][0].explanation
    counters["payment"]["in_file"] = 3
    with translation.override("en"):
        found = reconciliation_for_people(reconciliation, counters)
    assert any("1 row of the file is not accounted for" in r for r in found["reasons"])
