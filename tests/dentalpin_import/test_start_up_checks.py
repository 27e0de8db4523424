"""`manage.py check --database` and `migrate` refuse an SQLite that imports would fail on."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from dentalpin_import.checks import MIN_SQLITE_VARIABLES

needs_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="a limit of SQLite builds")


def check() -> str:
    out = io.StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_database_the_suite_runs_on_passes():
    assert "no issues" in check()


@needs_sqlite
@pytest.mark.django_db
def test_an_sqlite_build_with_small_statements_is_refused_before_any_import(old_sqlite_limits):
    with pytest.raises(SystemCheckError) as refused:
        check()
    text = str(refused.value)
    assert "dentalpin_import.E001" in text
    assert f"at most 999 values in one statement; imports need {MIN_SQLITE_VARIABLES:,}" in text
    assert "SQLite 3.32 or later" in text


@needs_sqlite
@pytest.mark.django_db
def test_the_smallest_limit_imports_need_passes(sqlite_variable_limit):
    sqlite_variable_limit(MIN_SQLITE_VARIABLES)
    assert "no issues" in check()
