"""Each hostile input meets a fresh world: its own staging folder, no rate-limit counts."""

import pytest
from django.core.cache import cache

from tests.adversarial.world import World

# Small enough that a bomb is stopped in a moment, large enough for every honest file here.
MAX_UNPACKED = 8 * 1024 * 1024


@pytest.fixture(autouse=True)
def _private_folders(settings, tmp_path):
    """Staging and upload temp folders of this test alone, so what is left there is its own."""
    settings.DPMF_STAGING_DIR = tmp_path / "staging"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    (tmp_path / "upload-tmp").mkdir()
    settings.DPMF_MAX_UNPACKED_BYTES = MAX_UNPACKED


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The local cache outlives a test (the rate-limit counts live in the database's cache
    table and axes' attempts in its tables, both rolled back with the test)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(clinic, other_clinic, staff_user, other_staff_user, tmp_path, settings, monkeypatch):
    return World(
        clinic=clinic,
        other_clinic=other_clinic,
        alice=staff_user,
        bob=other_staff_user,
        tmp_path=tmp_path,
        settings=settings,
        monkeypatch=monkeypatch,
    )
