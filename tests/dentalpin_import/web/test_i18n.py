"""English and Spanish: a language switch, a complete compiled catalog, Spanish pages."""

import ast
import gettext
import re
from pathlib import Path

import pytest

from dentalpin_import.jobs import validation
from dentalpin_import.models import ImportJob
from dentalpin_import.reader import errors as E
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import step, upload

LOCALE = Path(__file__).resolve().parents[3] / "locale" / "es" / "LC_MESSAGES"


def catalog() -> dict[str, str]:
    """The .po file's msgid → msgstr (single-line entries, as makemessages --no-wrap writes)."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    pairs = re.findall(r'^msgid (".*")\nmsgstr (".*")$', text, flags=re.M)
    return {ast.literal_eval(k): ast.literal_eval(v) for k, v in pairs if k != '""'}


def test_every_message_is_translated_and_the_committed_mo_matches_the_po():
    entries = catalog()
    assert len(entries) > 150
    untranslated = [k for k, v in entries.items() if not v.strip()]
    assert untranslated == []
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [k for k, v in entries.items() if compiled.gettext(k) != v]
    assert stale == [], "run: python manage.py compilemessages -l es"


def test_the_reader_messages_the_pages_translate_are_the_readers_own():
    assert {E.MSG_DECRYPT_FAILED, E.MSG_PASSPHRASE_REQUIRED, E.MSG_HASH_MISSING} <= set(
        validation.READER_MESSAGES
    )


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
    assert "el descifrado ha fallado: frase de paso incorrecta o archivo dañado" in page
    words = " ".join(page.split())
    assert "bytes mágicos: correcto" in words and "descifrado: fallido" in words
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
