"""PostgreSQL's planner gets statistics of the mappings a run has just written, and only then.

Without them it takes a freshly filled table for a handful of rows, and the
second passes (budget lines linked through the mappings) ran for minutes at
10,000 patients instead of a fraction of a second.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dentalpin_import.loader import sql, sql_postgres
from dentalpin_import.models import EntityMapping
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"
)
MAPPINGS = EntityMapping._meta.db_table


def analyzed(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]


def planner_rows(table: str) -> float:
    return sql.fetch("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])[0][0]


@pytest.fixture(autouse=True)
def small_tables_count(monkeypatch):
    # A small sample writes fewer rows than make a misestimate costly in a real import.
    monkeypatch.setattr(sql, "ANALYZE_MIN_ROWS", 500)


@pytest.mark.django_db
def test_a_first_import_analyzes_the_mappings_and_a_rerun_does_not(tmp_path, clinic):
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=3, binaries=False)
    with CaptureQueriesContext(connection) as first:
        assert run_import(sample.path, clinic.slug)[0] == 0
    [statement] = analyzed(first.captured_queries)
    assert f'"{MAPPINGS}"' in statement
    # Counted before the second passes, which add a few mappings of their own.
    assert EntityMapping.objects.count() > 1000
    assert planner_rows(MAPPINGS) == pytest.approx(EntityMapping.objects.count(), rel=0.05)
    with CaptureQueriesContext(connection) as again:
        assert run_import(sample.path, clinic.slug)[0] == 0
    assert analyzed(again.captured_queries) == []


@pytest.mark.django_db
def test_only_a_table_grown_by_a_share_of_its_rows_is_analyzed(tmp_path, clinic):
    assert sql.refresh_statistics({MAPPINGS: sql.ANALYZE_MIN_ROWS - 1}) == []  # a few rows
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=3, binaries=False)
    assert run_import(sample.path, clinic.slug)[0] == 0
    counted = planner_rows(MAPPINGS)
    assert sql_postgres.analyze_grown({MAPPINGS: int(counted / 2)}, growth=1.0) == []
    assert sql_postgres.analyze_grown({MAPPINGS: int(counted)}, growth=1.0) == [MAPPINGS]
    assert sql_postgres.analyze_grown({"no_such_table": 1}, growth=1.0) == []
