"""Fixtures for every importer test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no wrong agent tokens counted against 127.0.0.1.

    The counts live in the cache, which outlives a test: without this, the bad
    tokens that earlier tests send on purpose would throttle later ones.
    """
    cache.clear()
    yield
    cache.clear()
