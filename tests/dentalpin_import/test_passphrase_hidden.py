"""A passphrase never shows in an error page or an error report, whichever frame holds it."""

import sys

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from dentalpin_import.jobs import services
from dentalpin_import.management.passphrase import read_passphrase
from dentalpin_import.reader import unpack
from dentalpin_import.reader.crypto import Secret, hidden
from tests import dpmf_builder as b

PASSPHRASE = b.PASSPHRASE


def broken_key_derivation(passphrase, salt):
    raise RuntimeError("the key derivation broke")


@pytest.mark.django_db
def test_an_unexpected_error_while_decrypting_shows_no_passphrase(
    tmp_path, clinic, monkeypatch, settings
):
    settings.DEBUG = True  # the debug page `make run` shows
    path = b.small_clinic(tmp_path, layer="enc")
    job = services.create_job(clinic=clinic, path=path)
    monkeypatch.setattr(unpack, "derive_key", broken_key_derivation)
    try:
        with services.open_job_file(job=job, passphrase=PASSPHRASE):
            pass
    except RuntimeError:
        info = sys.exc_info()
    else:
        pytest.fail("the broken key derivation was not reached")
    reporter = ExceptionReporter(RequestFactory().get("/"), *info)
    page = reporter.get_traceback_html()  # the debug page, every frame's variables listed
    assert "broken_key_derivation" in page  # the frames holding it are on the page
    assert PASSPHRASE not in page
    assert "<pre>&#x27;********&#x27;</pre>" in page  # where it was, as stars


def test_a_hidden_passphrase_is_the_same_text_but_prints_as_stars(tmp_path):
    secret = hidden(PASSPHRASE)
    assert isinstance(secret, Secret) and secret == PASSPHRASE
    assert secret.encode() == PASSPHRASE.encode()
    assert PASSPHRASE not in repr(secret) and PASSPHRASE not in repr([secret])
    assert hidden(None) is None
    source = tmp_path / "pass.txt"
    source.write_text(PASSPHRASE + "\n")
    assert repr(read_passphrase(file=str(source), env=None, needed=True)) == "'********'"
