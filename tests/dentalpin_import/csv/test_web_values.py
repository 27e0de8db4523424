"""A Spanish sheet's values in the browser: the row by row preview names the unknown and the
ambiguous cells with the accepted values in the page's language, and its verdicts are the run's."""

import io

import pytest
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.jobs import dispatch
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.csv.sheets import write

ROWS = [
    ["Nº historia", "Nombre", "Apellidos", "Fecha de nacimiento", "Sexo"],
    ["H-1", "Lucía", "Pérez", "1985-07-14", "Mujer"],
    ["H-2", "Marcos", "Ruiz", "1990-01-31", "Varón"],
    ["H-3", "Pilar", "Soto", "1974-05-06", "M"],
    ["H-4", "Eva", "Mora", "1993-04-03", "Quizás"],
    ["", "Sin", "Número", "1993-04-03", "F"],
]


def upload(client, path):
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return client.post("/import/sheets/new/", {"file": data})


@pytest.mark.django_db(transaction=True)
def test_spanish_values_in_the_preview_and_the_run(staff_client, clinic, tmp_path):
    upload(staff_client, write(tmp_path / "pacientes.csv", ROWS))
    job = ImportJob.objects.get()
    totals = job.meta["row_preview"]["totals"]
    assert totals == {"new": 2, "warning": 2, "update": 0, "unchanged": 0, "refused": 1}
    url = f"/import/sheets/{job.pk}/rows/?verdict=warning"
    spanish = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<mark>Quizás</mark>" in spanish and "<mark>M</mark>" in spanish
    assert "no es uno de los valores admitidos: HOMBRE, MUJER, DESCONOCIDO" in spanish
    assert "puede ser Mujer o Masculino: escriba la palabra" in spanish
    english = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is not one of the accepted values: MALE, FEMALE, UNKNOWN" in english

    staff_client.post(f"/import/sheets/{job.pk}/confirm/", {})
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    counts = job.counters["csv_patient"]
    assert counts["created"] == totals["new"] + totals["warning"]
    with scopes_disabled():
        sexes = dict(Patient.objects.filter(clinic=clinic).values_list("legacy_id", "sex"))
    assert sexes == {"H-1": "female", "H-2": "male", "H-3": "", "H-4": ""}
