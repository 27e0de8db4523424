"""Fixtures of the command tests: real processes running commands or holding locks."""

import pytest

from tests.dentalpin_import.commands.live import processes

started = pytest.fixture(processes, name="started")
