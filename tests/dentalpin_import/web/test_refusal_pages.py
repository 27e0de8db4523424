"""A refused upload's page names the check that failed, in plain words, and the next step.

A cut file is "incomplete" at every layer, in English and Spanish, never a
wrong passphrase and never a decryption problem when nothing is encrypted; a
changed file says the passphrase is right; a wrong passphrase asks to retype it.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import upload

ENCRYPTED = ("enc", "zstd-enc")


def state(page: str, check: str) -> str:
    marker = f'data-check="{check}" data-state="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def words(page: str) -> str:
    return " ".join(page.split())


def refused_page(client, tmp_path, layer, change, language="en", passphrase=b.PASSPHRASE):
    path = b.small_clinic(tmp_path, layer=layer)
    path.write_bytes(change(path.read_bytes()))
    response = upload(client, path, passphrase if layer in ENCRYPTED else "")
    return client.get(response.url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def cut_in_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.django_db
@pytest.mark.parametrize("layer", ["raw", "zstd", "enc", "zstd-enc"])
def test_a_cut_file_is_incomplete_and_no_passphrase_is_blamed(staff_client, tmp_path, layer):
    page = refused_page(staff_client, tmp_path, layer, cut_in_half)
    assert state(page, "file_type") == "passed" and state(page, "complete") == "failed"
    if layer in ENCRYPTED:
        assert state(page, "passphrase") == "passed"  # it decrypted to the right start
    else:
        assert state(page, "passphrase") == "n/a"
    assert state(page, "contents") == "not run" and state(page, "unaltered") == "not run"
    alert = page[page.index('class="refusal" role="alert"') :].split("</div>")[0]
    assert "The file is incomplete." in alert and "Copy it again" in alert
    assert "The passphrase is not the problem." in alert
    assert "This file was refused and nothing was imported." in alert
    for blame in ("does not open this file", "wrong passphrase", "decrypt", "malformed"):
        assert blame not in page, blame
    assert 'name="retry-passphrase"' not in page and 'href="/import/new/"' in page
    # The reader's own line is there for whoever asks, folded away.
    technical = page[page.index('<details class="technical">') :]
    assert "cut short while it was copied or downloaded" in technical
    assert ImportJob.objects.get().status == "failed"


@pytest.mark.django_db
@pytest.mark.parametrize("layer", ["zstd", "zstd-enc"])
def test_in_spanish_a_cut_file_is_incompleto(staff_client, tmp_path, layer):
    page = words(refused_page(staff_client, tmp_path, layer, cut_in_half, language="es"))
    assert '<strong class="what">El archivo está incompleto.</strong>' in page
    assert "Se cortó al copiarlo, descargarlo o exportarlo." in page
    assert 'El archivo está completo: no — <span class="detail">El archivo está incompleto.' in page
    assert "(se cortó al copiarlo o descargarlo)" in page.split("Detalles técnicos")[1]
    assert "Detalles técnicos" in page and "Comprobación del archivo" in page
    for english in ("incomplete", "The file", "Technical details", "the passphrase"):
        assert english not in page, english


@pytest.mark.django_db
def test_a_changed_encrypted_file_says_the_passphrase_is_right(staff_client, tmp_path):
    def flip(data: bytes) -> bytes:
        changed = bytearray(data)
        changed[len(changed) * 2 // 3] ^= 0x08
        return bytes(changed)

    page = refused_page(staff_client, tmp_path, "enc", flip)
    assert state(page, "passphrase") == "passed" and state(page, "unaltered") == "failed"
    assert "The file was changed or damaged after it was exported." in page
    assert "The passphrase is right, so there is no need to type it again." in page
    assert 'name="retry-passphrase"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_wrong_passphrase_asks_to_retype_it_and_offers_the_field(
    staff_client, tmp_path, language
):
    page = refused_page(
        staff_client, tmp_path, "zstd-enc", lambda d: d, language=language, passphrase="otra"
    )
    assert state(page, "passphrase") == "failed" and state(page, "complete") == "not run"
    assert 'name="retry-passphrase"' in page
    if language == "en":
        assert "The passphrase does not open this file." in page
        assert "capitals, accents and spaces count" in page
    else:
        assert "La frase de paso no abre este archivo." in page
        assert "cuentan las mayúsculas, los acentos y los espacios" in page
    assert "incomplete" not in page and "incompleto" not in page


@pytest.mark.django_db
def test_a_file_of_another_kind_says_which_files_to_choose(staff_client, tmp_path):
    page = refused_page(staff_client, tmp_path, "raw", lambda d: b"PK\x03\x04" + d[4:])
    assert state(page, "file_type") == "failed"
    assert "This is not a DPMF export." in page and ".dpm.zst.enc" in page
    assert state(page, "complete") == "not run"


@pytest.mark.django_db
def test_a_server_problem_is_not_blamed_on_the_file(staff_client, clinic, staff_user, tmp_path):
    path = b.small_clinic(tmp_path)
    job = services.stage_upload(
        clinic=clinic, user=staff_user, uploaded=SimpleUploadedFile(path.name, path.read_bytes())
    )
    services.refuse_job(job=job, error="validation stopped: MemoryError")
    page = staff_client.get(f"/import/jobs/{job.pk}/validate/").content.decode()
    assert "The server could not finish checking the file." in page
    assert "The file is not to blame." in page
    assert 'data-state="failed"' not in page and state(page, "complete") == "not run"
    assert "validation stopped: MemoryError" in page.split('<details class="technical">')[1]
