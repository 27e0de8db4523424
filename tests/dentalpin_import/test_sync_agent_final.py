"""A finished job's final answer: the agent stops retrying at once and says what it could not do."""

import subprocess
import sys
import time
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings

from dentalpin_import.models import FileStaging
from dentalpin_import.sync_agent.__main__ import Progress, main
from tests.dentalpin_import import test_sync_agent
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import ORPHAN, PNG

# The job of test_binaries' file (one document's owner is not in it), and a token file.
job, token_file = test_binaries.job, test_sync_agent.token_file


@pytest.fixture
def folder(tmp_path):
    """The clinic's document folder: the radiograph of patient 1, and one of a patient the
    file does not have (its document is never imported)."""
    root = tmp_path / "docs"
    (root / "Pacientes" / "1").mkdir(parents=True)
    (root / "Pacientes" / "404").mkdir(parents=True)
    (root / "Pacientes" / "1" / "rx 1.png").write_bytes(PNG)
    (root / "Pacientes" / "404" / "rx.png").write_bytes(ORPHAN)
    return root


def arguments(live_server, job, token_file, folder):
    return [
        "--server",
        live_server.url,
        "--job",
        str(job.pk),
        "--token-file",
        str(token_file),
        "--root",
        str(folder),
        "--state",
        str(token_file.with_name("state.json")),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_agent_ends_within_seconds_when_an_owner_was_never_imported(
    live_server, job, token_file, folder, capsys
):
    began = time.monotonic()
    # The default --max-wait (15 minutes) is left as it is: the final answer ends it.
    code = main(arguments(live_server, job, token_file, folder))
    assert time.monotonic() - began < 20
    out = capsys.readouterr().out
    assert "not taken by the finished import 1" in out
    assert "Pacientes/404/rx.png: its owner (patient_document " in out
    assert code == 1  # something expected was not delivered
    orphan = FileStaging.objects.get(job=job, relative_path="Pacientes/404/rx.png")
    assert orphan.status == "rejected" and "was not imported" in orphan.reason
    assert FileStaging.objects.get(job=job, relative_path="Pacientes/1/rx 1.png").status == (
        "received"
    )


def test_off_a_terminal_progress_is_a_few_plain_lines_not_one_per_file():
    out = StringIO()
    progress = Progress(out, interactive=False)
    for done in range(1, 401):
        progress(Counter(uploaded=done), done, 400)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert 10 <= len(lines) <= 12  # every tenth of the files, and the last
    assert lines[-1].endswith("400/400 files done: uploaded 400")


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    out = StringIO()
    progress = Progress(out, interactive=True)
    for done in range(1, 4):
        progress(Counter(uploaded=done), done, 3)
    progress.close()
    assert out.getvalue().count("\r") == 3 and out.getvalue().count("\n") == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_shipped_agent_as_a_process_logs_plain_lines_and_a_summary(
    live_server, job, token_file, folder
):
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "dentalpin_import.sync_agent"]
        + arguments(live_server, job, token_file, folder),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(settings.BASE_DIR),
    )
    assert time.monotonic() - began < 60
    assert done.returncode == 1, done.stderr
    assert "\r" not in done.stderr and "files done:" in done.stderr
    assert "summary: uploaded 1," in done.stdout
    assert "not taken by the finished import 1" in done.stdout
