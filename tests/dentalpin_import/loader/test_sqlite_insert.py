"""SQLite inserts: whole blocks of rows per statement, with every value in its own column."""

import sqlite3
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from dentalpin_import.loader import inserts, sql_sqlite
from dentalpin_import.models import EntityMapping, ImportJob

HEAD = "INSERT INTO t (name, n) VALUES "


@pytest.fixture
def table():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, n INTEGER)")
    statements = []  # the INSERT statements SQLite ran
    conn.set_trace_callback(lambda sql: sql.startswith("INSERT") and statements.append(sql))
    yield conn, statements
    conn.close()


def stored(conn):
    return conn.execute("SELECT id, name, n FROM t ORDER BY id").fetchall()


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 137])
def test_rows_keep_their_values_and_order_across_statement_blocks(table, count):
    conn, statements = table
    rows = [(f"fila «{i}» ñ", i if i % 7 else None) for i in range(count)]
    sql_sqlite.insert_blocks(conn.cursor(), HEAD, rows)
    assert stored(conn) == [(i + 1, name, n) for i, (name, n) in enumerate(rows)]
    # One statement per whole block of 50 rows, then one per row left over.
    assert len(statements) == count // 50 + count % 50


def test_a_low_variable_limit_gives_smaller_blocks(table, monkeypatch):
    conn, statements = table
    monkeypatch.setattr(sql_sqlite, "variable_limit", lambda conn: 7)  # three rows of two
    rows = [(str(i), i) for i in range(10)]
    sql_sqlite.insert_blocks(conn.cursor(), HEAD, rows)
    assert stored(conn) == [(i + 1, str(i), i) for i in range(10)]
    assert len(statements) == 3 + 1


def test_rows_of_another_width_are_refused_before_anything_is_written(table):
    conn, _ = table
    # Flattened, these would still fill whole statements, each value one column off.
    rows = [("a", 1), ("b", 2, "extra"), ("c",)] * 20
    with pytest.raises(ValueError, match="different widths"):
        sql_sqlite.insert_blocks(conn.cursor(), HEAD, rows)
    assert stored(conn) == []


@pytest.mark.django_db
def test_a_refused_block_raises_djangos_error_and_leaves_nothing(clinic):
    if connection.vendor != "sqlite":
        pytest.skip("the multi-row INSERTs are SQLite's path")
    with scopes_disabled():
        job = ImportJob.objects.create(clinic=clinic, original_name="x.dpm")
        columns = ("clinic", "source_system", "entity_type", "canonical_uuid")
        columns += ("target_table", "target_id", "created_row", "job", "created_at")
        keys = [str(uuid.uuid4()) for _ in range(60)]
        now = timezone.now()
        rows = [(clinic.pk, "s", "patient", k, "t", "1", True, job.pk, now) for k in keys]
        rows[55] = rows[3]  # the same source key twice, in the second block
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                inserts.insert_values(EntityMapping, columns, rows)
        assert not EntityMapping.objects.filter(clinic=clinic).exists()
        inserts.insert_values(EntityMapping, columns, rows[:55])
        assert sorted(EntityMapping.objects.values_list("canonical_uuid", flat=True)) == sorted(
            keys[:55]
        )
