"""Pages asked for in Spanish leave Spanish active in the test's thread (the locale middleware
activates the request's language and nothing takes it back): later tests would read Spanish."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def language_taken_back():
    yield
    translation.deactivate()
