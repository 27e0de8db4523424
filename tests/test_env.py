"""Settings read from the environment: defaults, values, and a clear refusal of bad text."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_float, env_int


@pytest.mark.parametrize("read, text, value", [(env_int, " 12 ", 12), (env_float, "0.5", 0.5)])
def test_a_number_is_read_and_a_blank_or_missing_one_is_the_default(monkeypatch, read, text, value):
    monkeypatch.setenv("DPI_TEST_NUMBER", text)
    assert read("DPI_TEST_NUMBER", 7) == value
    monkeypatch.setenv("DPI_TEST_NUMBER", "  ")
    assert read("DPI_TEST_NUMBER", 7) == 7
    monkeypatch.delenv("DPI_TEST_NUMBER")
    assert read("DPI_TEST_NUMBER", 7) == 7


@pytest.mark.parametrize("read, kind", [(env_int, "an integer"), (env_float, "a number")])
def test_text_that_is_not_a_number_names_the_variable(monkeypatch, read, kind):
    monkeypatch.setenv("DPMF_COMMIT_SECONDS", "two")
    with pytest.raises(ImproperlyConfigured, match=f"DPMF_COMMIT_SECONDS='two' is not {kind}"):
        read("DPMF_COMMIT_SECONDS", 2)
