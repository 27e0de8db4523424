"""English and Spanish: a language switch, a complete compiled catalog, Spanish pages."""

import ast
import contextlib
import gettext
import importlib
import os
import pkgutil
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext_lazy

from dentalpin_import import reader
from dentalpin_import.jobs import diskfull, liveness, rewrap, undo
from dentalpin_import.models import ImportJob
from dentalpin_import.reader import csv_sheets, sheet_headers, workbooks
from dentalpin_import.reader import errors as E
from dentalpin_import.reader.sheet_specs import SHEETS
from dentalpin_import.web import refusals
from dentalpin_import.web.refusals import PLACEHOLDER, translate_refusal
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import step, upload

LOCALE = Path(__file__).resolve().parents[3] / "locale" / "es" / "LC_MESSAGES"


def catalog(where: Path = LOCALE) -> dict[str, str]:
    """The .po file's msgid → msgstr (single-line entries, as makemessages --no-wrap writes)."""
    text = (where / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    pairs = re.findall(r'^msgid (".*")\nmsgstr (".*")$', text, flags=re.M)
    return {ast.literal_eval(k): ast.literal_eval(v) for k, v in pairs if k != '""'}


PLURAL = re.compile(r'^msgid (".*")\nmsgid_plural (".*")\n((?:msgstr\[\d\] ".*"\n?)+)', re.M)
FORM = re.compile(r'^msgstr\[(\d)\] (".*")$', re.M)


def plurals(where: Path = LOCALE) -> dict[str, tuple[str, list[str]]]:
    """The .po file's plural entries: msgid → (msgid_plural, [msgstr[0], msgstr[1], …])."""
    text = (where / "django.po").read_text(encoding="utf-8")
    entries = {}
    for singular, plural, forms in PLURAL.findall(text):
        found = sorted((int(i), ast.literal_eval(v)) for i, v in FORM.findall(forms))
        entries[ast.literal_eval(singular)] = (ast.literal_eval(plural), [v for _, v in found])
    return entries


def test_every_plural_has_each_spanish_form_and_the_mo_counts_right():
    """Spanish has three plural forms here (1; a million; the rest): a missing one breaks msgfmt."""
    header = (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n", 1)[0]
    forms = int(re.search(r"nplurals=(\d+)", header).group(1))
    entries = plurals()
    assert len(entries) > 40
    incomplete = [
        k for k, (_, v) in entries.items() if len(v) != forms or not all(x.strip() for x in v)
    ]
    assert incomplete == []
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for singular, (plural, translated) in entries.items():
        assert compiled.ngettext(singular, plural, 1) == translated[0], singular
        assert compiled.ngettext(singular, plural, 3) == translated[-1], singular
    with translation.override("es"):
        assert translation.ngettext("%(n)s kind", "%(n)s kinds", 1) == "%(n)s tipo"
        assert translation.ngettext("%(n)s kind", "%(n)s kinds", 12) == "%(n)s tipos"


def test_every_message_is_translated_and_the_committed_mo_matches_the_po():
    entries = catalog()
    assert len(entries) > 150
    untranslated = [k for k, v in entries.items() if not v.strip()]
    assert untranslated == []
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [k for k, v in entries.items() if compiled.gettext(k) != v]
    assert stale == [], "run: python manage.py compilemessages -l es"


def refusal_templates() -> set[str]:
    """Every refusal template of the reader, undo, liveness, staged copies, full disks (`MSG_*`)."""
    return {
        value
        for module in (E, csv_sheets, sheet_headers, workbooks, undo, liveness, diskfull, rewrap)
        for name, value in vars(module).items()
        if name.startswith("MSG_") and isinstance(value, str)
    }


def test_every_message_of_every_reader_module_is_a_template_the_pages_translate():
    """A refusal line any reader module may raise, today's modules and tomorrow's alike."""
    untranslated = []
    for found in pkgutil.iter_modules(reader.__path__):
        module = importlib.import_module(f"{reader.__name__}.{found.name}")
        for name, value in vars(module).items():
            if name.startswith("MSG_") and isinstance(value, str):
                if value not in refusals.TEMPLATES:
                    untranslated.append(f"{found.name}.{name}")
    assert untranslated == []


def test_every_refusal_has_a_template_the_pages_translate():
    assert refusal_templates() == set(refusals.TEMPLATES)
    assert {s.label for s in SHEETS.values()} <= set(refusals.WORDS)
    with translation.override("es"):
        for template in refusals.TEMPLATES + refusals.WORDS:
            spanish = translation.gettext(template)
            assert spanish != template, template
            # The values are put back by name: the translation must keep every one.
            assert sorted(PLACEHOLDER.findall(spanish)) == sorted(PLACEHOLDER.findall(template))


def test_reader_lines_with_values_are_translated_with_their_values_kept():
    mismatch = E.MSG_HASH_MISMATCH.format(declared="ab" * 32, computed="cd" * 32)
    envelope = E.MSG_BAD_ENVELOPE.format(detail=E.MSG_ENV_NOT_BASE64.format(name="salt"))
    columns = csv_sheets.MSG_MISSING.format(label="Medications", missing="Drug Name, Frequency")
    with translation.override("es"):
        assert translate_refusal(mismatch) == (
            f"el hash de integridad no coincide: declarado {'ab' * 32}, calculado {'cd' * 32}; "
            "los registros se cambiaron después de la exportación: pida una nueva exportación"
        )
        assert translate_refusal(envelope) == (
            "sobre de cifrado no válido (salt no es base64 válido): pida una nueva exportación"
        )
        assert translate_refusal(E.MSG_VERSION.format(version="(missing)")) == (
            "la versión de formato (ausente) no está admitida (este importador lee 0.x): "
            "actualice el importador o pida una exportación en formato 0.x"
        )
        assert translate_refusal(columns) == (
            "a la hoja «Medicación» le faltan columnas obligatorias: Drug Name, Frequency "
            "(la cabecera se lee de la primera fila que no está vacía)"
        )
        assert translate_refusal(E.MSG_DECRYPT_FAILED).startswith("frase de paso incorrecta: ")
        assert translate_refusal("something no template knows") == "something no template knows"
        # A passed check's detail is a lazy translation: it goes through the same filter.
        assert translate_refusal(gettext_lazy("the passphrase is right")) == (
            "la frase de paso es correcta"
        )
    with translation.override("en"):
        assert translate_refusal(mismatch) == mismatch


@pytest.mark.django_db
def test_the_top_bar_switches_to_spanish_and_the_wizard_speaks_it(staff_client, tmp_path):
    page = staff_client.get("/import/").content.decode()
    assert 'action="/i18n/setlang/"' in page and '<option value="es" lang="es"' in page
    assert "Imports into Clínica Alba" in page
    switched = staff_client.post("/i18n/setlang/", {"language": "es", "next": "/import/"})
    assert switched.status_code == 302
    page = staff_client.get("/import/").content.decode()
    assert '<html lang="es">' in page and "Importaciones en Clínica Alba" in page
    assert "Nueva importación" in page and "Cerrar sesión" in page
    form = staff_client.get("/import/new/").content.decode()
    assert '<label for="id_file">Archivo DPMF</label>' in form
    assert '<label for="id_passphrase">Frase de paso</label>' in form
    assert "Solo para archivos cifrados. Se usa una vez y nunca se guarda." in form
    response = upload(staff_client, b.small_clinic(tmp_path, layer="enc"), "mala")
    page = staff_client.get(response.url).content.decode()
    assert "La frase de paso no abre este archivo." in page
    assert "Escríbala de nuevo tal como se la dieron" in page
    words = " ".join(page.split())
    assert "Es una exportación DPMF: sí" in words and "Se abre con la frase de paso: no" in words
    assert "El archivo está completo: sin comprobar (falló una comprobación anterior)" in words
    assert "Paso 2 de 5." in page and "Detalles técnicos" in page
    assert "Intentarlo de nuevo" in page


@pytest.mark.django_db
def test_a_browser_asking_for_spanish_gets_spanish_preview_and_errors(staff_client, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    page = staff_client.get(
        f"/import/jobs/{job.pk}/preview/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Clínica de destino: <strong>Clínica Alba</strong>" in page
    assert "Importar los datos legales Verifactu" in page and "Vista previa" in page
    bad = tmp_path / "notas.txt"
    bad.write_text("hola")
    with open(bad, "rb") as fh:
        page = staff_client.post(
            "/import/new/", {"file": fh}, HTTP_ACCEPT_LANGUAGE="es"
        ).content.decode()
    assert '<span class="error" role="alert">Elija una exportación DPMF' in page


@pytest.mark.django_db
def test_a_tampered_file_is_refused_in_spanish_with_both_hashes(staff_client, tmp_path):
    path = b.small_clinic(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE patient SET payload = replace(payload, 'a', 'e')")
    conn.close()
    response = upload(staff_client, path)
    page = staff_client.get(response.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    job = ImportJob.objects.get()
    assert job.error.startswith("integrity hash mismatch: declared ")
    declared, computed = re.findall(r"[0-9a-f]{64}", job.error)
    assert f"el hash de integridad no coincide: declarado {declared}, calculado {computed}" in page
    assert "integrity hash mismatch" not in page


@pytest.mark.django_db
def test_a_refused_sheet_and_the_sheet_choices_are_in_spanish(staff_client, tmp_path):
    form = staff_client.get("/import/sheets/new/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<option value="medications">Medicación</option>' in form
    sheet = tmp_path / "m.csv"
    sheet.write_text("PatientID,Drug Name\nP1,Ibuprofeno\n", encoding="utf-8")
    with open(sheet, "rb") as fh:
        response = staff_client.post(
            "/import/sheets/new/", {"file": fh, "sheet": "medications"}, HTTP_ACCEPT_LANGUAGE="es"
        )
    # Missing columns wait for staff on the column step, in Spanish.
    page = staff_client.get(response.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Qué es cada columna" in page and "No usar esta columna" in page
    assert "Campos obligatorios para los que no se reconoció ningún encabezado" in page
    assert "Which column is which" not in page


@pytest.mark.skipif(
    shutil.which("xgettext") is None and not os.environ.get("CI"),
    reason="gettext is not installed (apt-get install gettext); CI installs it",
)
def test_every_string_the_code_marks_for_translation_is_in_the_catalog(tmp_path, settings):
    # makemessages writes next to the sources it reads: run it on a copy.
    root = LOCALE.parents[2]
    for name in ("clinics", "dentalpin_import", "templates"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    po = tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    shutil.copy(LOCALE / "django.po", po)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    with contextlib.chdir(tmp_path):
        call_command("makemessages", locale=["es"], no_wrap=True, verbosity=0)
    marked = {*catalog(po.parent), *plurals(po.parent)}
    known = {*catalog(), *plurals()}
    assert sorted(marked - known) == [], "run makemessages, then translate"
    assert sorted(known - marked) == [], "strings no longer used: run makemessages"


@pytest.mark.django_db
def test_the_phase_log_counts_in_the_right_grammatical_number(staff_client, clinic, staff_user):
    job = ImportJob.objects.create(
        clinic=clinic,
        created_by=staff_user,
        original_name="f.dpm",
        status="succeeded",
        phase_log=[
            {"at": "2026-12-06T10:00:00", "phase": "level 1", "processed": 1, "errors": 1},
            {
                "at": "2026-12-06T10:00:01",
                "phase": "level 2 patients and payers",
                "processed": 3,
                "errors": 0,
            },
            {"at": "2026-12-06T10:00:02", "phase": "reconciliation", "processed": 0, "errors": 0},
        ],
    )
    page = staff_client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "registros, nivel 1: 1 registro, 1 error</li>" in page
    assert "2. pacientes y pagadores: 3 registros, 0 errores</li>" in page
    assert "cifras comprobadas contra el archivo: 0 registros, 0 errores</li>" in page
    assert "level 2" not in page and "reconciliation:" not in page
    # Two buttons of the top bar, each saying what it changes.
    assert "Cambiar de clínica" in page and "Cambiar de idioma" in page
    english = staff_client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    assert "records, level 1: 1 record, 1 error</li>" in english.decode()
    assert "2. patients and payers: 3 records, 0 errors</li>" in english.decode()
