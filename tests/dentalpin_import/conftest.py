"""Fixtures for every importer test."""

import pytest
from django.conf import settings
from django.core.cache import cache, caches


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, django_db_blocker):
    """Each test starts with no wrong agent tokens counted against 127.0.0.1.

    The counts live in a cache that outlives a test: without this, the bad
    tokens earlier tests send on purpose would throttle later ones. A database
    cache is rolled back with a test, except after one that commits.
    """
    cache.clear()
    yield
    cache.clear()
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        with django_db_blocker.unblock():
            caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")].clear()
