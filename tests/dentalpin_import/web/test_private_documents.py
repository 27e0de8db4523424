"""Patient documents the agent uploads are readable by the service's account only."""

import os
import stat
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from clinics.models import Document
from dentalpin_import.models import AgentToken
from tests.dentalpin_import.web.test_binaries import PNG, job, post  # noqa: F401 (fixture)


@pytest.mark.django_db
def test_a_stored_document_and_its_folders_are_private(client, job, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    old = os.umask(0o022)  # a service's usual umask: world-readable by default
    try:
        token = AgentToken.issue(job=job)[1]
        assert post(client, job, PNG, token=token).status_code == 201
    finally:
        os.umask(old)
    with scopes_disabled():
        doc = Document.objects.get()
    root = Path(settings.MEDIA_ROOT)
    files = [root / doc.file.name] + ([root / doc.thumbnail.name] if doc.thumbnail else [])
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        for folder in path.relative_to(root).parents:
            if folder != Path("."):
                assert stat.S_IMODE((root / folder).stat().st_mode) == 0o700, folder
