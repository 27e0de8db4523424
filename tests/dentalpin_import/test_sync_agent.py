"""The sync agent against a live server: uploads, resumes, reports what it could not do."""

import hashlib

import pytest
from django_scopes import scope

from clinics.models import Document
from dentalpin_import.models import AgentToken, FileStaging, ImportJob
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sync_agent.__main__ import main
from dentalpin_import.sync_agent.manifest import UnsafePath, local_path
from tests.dentalpin_import.commands.helpers import run_import


@pytest.fixture
def sample(tmp_path):
    return generate_sample(tmp_path / "clinic.dpm", patients=12, seed=5)


@pytest.fixture
def job(sample, clinic, tmp_path):
    status, out, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


@pytest.fixture
def token_file(job, tmp_path):
    path = tmp_path / "token"
    path.write_text(AgentToken.issue(job=job)[1] + "\n")
    return path


def agent(live_server, job, token_file, sample, *extra):
    state = token_file.with_name("agent-state.json")
    args = [
        "--server",
        live_server.url,
        "--job",
        str(job.pk),
        "--token-file",
        str(token_file),
        "--root",
        sample.binaries_dir,
        "--max-wait",
        "0",
        "--state",
        str(state),
    ]
    return main(args + list(extra))


@pytest.mark.django_db(transaction=True)
def test_the_agent_uploads_every_file_it_has_and_reports_the_rest(
    live_server, job, token_file, sample, clinic, capsys
):
    code = agent(live_server, job, token_file, sample, "--parallel", "4")
    out = capsys.readouterr().out
    received = FileStaging.objects.filter(job=job, status="received").count()
    assert received >= sample.binaries - 1  # two rows may share one sha256
    assert "missing on disk 1" in out  # one referenced file never reached the folder
    assert code == 1  # not everything expected could be delivered
    with scope(clinic=clinic):
        for document in Document.objects.exclude(file=""):
            with document.file.open("rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == document.sha256


@pytest.mark.django_db(transaction=True)
def test_a_second_run_resumes_and_uploads_nothing_twice(
    live_server, job, token_file, sample, capsys
):
    agent(live_server, job, token_file, sample)
    first = FileStaging.objects.filter(job=job, status="received").count()
    capsys.readouterr()
    agent(live_server, job, token_file, sample, "--dpmf", sample.path)
    out = capsys.readouterr().out
    assert "uploaded 0" in out and f"already there {first}" in out
    assert FileStaging.objects.filter(job=job, status="received").count() == first


@pytest.mark.django_db(transaction=True)
def test_a_file_changed_on_disk_is_rejected_not_uploaded(
    live_server, job, token_file, sample, capsys
):
    staged = FileStaging.objects.filter(job=job, status="pending").first()
    (local_path(__import__("pathlib").Path(sample.binaries_dir), staged.relative_path)).write_bytes(
        b"edited after the export"
    )
    agent(live_server, job, token_file, sample)
    out = capsys.readouterr().out
    assert "differs from the export" in out
    staged.refresh_from_db()
    assert staged.status == "pending"


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_stops_the_agent(live_server, job, token_file, sample, capsys):
    AgentToken.objects.get(job=job).revoke()
    assert agent(live_server, job, token_file, sample) == 2


@pytest.mark.parametrize(
    "path", ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\x.dll", "a/../../b", ""]
)
def test_paths_that_leave_the_root_are_refused(tmp_path, path):
    with pytest.raises(UnsafePath):
        local_path(tmp_path, path)


def test_windows_separators_and_accents_stay_inside_the_root(tmp_path):
    assert (
        local_path(tmp_path, "Pacientes\\5\\radiografía 5.png")
        == (tmp_path / "Pacientes" / "5" / "radiografía 5.png").resolve()
    )
