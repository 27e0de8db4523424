"""The importer's own tables carry no index another index already covers: each costs every row."""

import pytest
from django.db import connection

from dentalpin_import.models import EntityMapping, ImportJob, ImportWarning


def index_columns(model) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [c["columns"] for c in found.values() if c["index"] and not c["primary_key"]]


@pytest.mark.django_db
@pytest.mark.parametrize("model", [EntityMapping, ImportWarning])
def test_no_index_is_a_prefix_of_another(model):
    columns = index_columns(model)
    redundant = [
        short
        for short in columns
        for long in columns
        if short is not long and long[: len(short)] == short
    ]
    assert redundant == []


@pytest.mark.django_db
def test_a_jobs_warnings_are_still_found_through_an_index(clinic):
    if connection.vendor != "sqlite":
        pytest.skip("the query plan is read from SQLite")
    job = ImportJob.objects.create(clinic=clinic, original_name="a.dpm")
    sql, params = ImportWarning.objects.filter(job=job).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX" in plan and "job_id" in plan, plan
