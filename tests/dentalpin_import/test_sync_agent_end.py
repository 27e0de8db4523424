"""The real agent against a live server once its job has nothing left: a clean end, no token."""

from pathlib import Path

import pytest

from dentalpin_import.models import AgentToken, FileStaging
from dentalpin_import.sample.generator import png_bytes
from tests.dentalpin_import import test_sync_agent
from tests.dentalpin_import.test_sync_agent import agent

# A sample clinic imported, and a token file for its job.
sample, job, token_file = test_sync_agent.sample, test_sync_agent.job, test_sync_agent.token_file


@pytest.fixture
def every_file(sample):
    """The sample's folder with the file it leaves out put back: the agent can send all."""
    Path(sample.binaries_dir, "Pacientes/7/rx_7.png").write_bytes(png_bytes(7))
    return sample


@pytest.mark.django_db(transaction=True)
def test_the_agent_ends_cleanly_when_its_last_upload_spends_the_token(
    live_server, job, token_file, every_file, capsys
):
    token = token_file.read_text().strip()
    assert job.status in ("succeeded", "problems")
    assert agent(live_server, job, token_file, every_file, "--parallel", "8") == 0
    assert not FileStaging.objects.filter(job=job, status="pending").exclude(sha256="").exists()
    assert AgentToken.find(token) is None  # finished, nothing left: it uploads nothing more
    capsys.readouterr()

    # Run again from scratch (no resume file): the list it asks for is empty.
    token_file.with_name("agent-state.json").unlink()
    assert agent(live_server, job, token_file, every_file) == 0
    out = capsys.readouterr().out
    assert "uploaded 0" in out and "refused by server 0" in out

    # With the export's own list, every file it posts is "already there".
    assert agent(live_server, job, token_file, every_file, "--dpmf", every_file.path) == 0
    out = capsys.readouterr().out
    assert f"already there {every_file.binaries + 1}" in out and "refused by server 0" in out
