"""SQL that bypasses the ORM has one home, and mappers never touch the connection.

Every module of the project (migrations and tests aside) is read as a syntax
tree. Only the SQL modules of the engine may open a cursor, execute on one,
COPY, call `.raw()` or use `RawSQL`; a mapper may not import the connection at
all. The reader's and the sample writer's `conn.execute` on a DPMF file's own
SQLite connection is not the application's database and is left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dentalpin_import", "clinics")
SQL_HOMES = {
    "dentalpin_import/loader/sql.py",
    "dentalpin_import/loader/sql_postgres.py",
    "dentalpin_import/loader/sql_sqlite.py",
}
MAPPERS = "dentalpin_import/mapping/"
EXECUTE = {"execute", "executemany", "executescript"}


def project_modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def _names(node: ast.AST) -> list[str]:
    """The names and attributes an expression is made of: `connections[a].x` -> x, connections."""
    return [
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    ]


def _is_copy_statement(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.lstrip().upper().startswith("COPY")
    if isinstance(first, ast.JoinedStr) and first.values:
        head = first.values[0]
        return isinstance(head, ast.Constant) and str(head.value).lstrip().upper().startswith(
            "COPY"
        )
    return False


def raw_sql_uses(source: str) -> list[str]:
    """What in `source` bypasses the ORM, one description per use."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if (isinstance(node, ast.Name) and node.id == "RawSQL") or (
            isinstance(node, ast.Attribute) and node.attr == "RawSQL"
        ):
            found.append(f"line {line}: RawSQL")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, _names(node.func.value)
        on_cursor = any("cursor" in name for name in receiver)
        on_database = any(name in ("connection", "connections") for name in receiver)
        if method == "cursor":
            found.append(f"line {line}: .cursor()")
        elif method in EXECUTE and (on_cursor or on_database):
            found.append(f"line {line}: .{method}() on a cursor")
        elif method == "copy" and (on_cursor or _is_copy_statement(node)):
            found.append(f"line {line}: COPY")
        elif method == "raw":
            found.append(f"line {line}: .raw()")
    return found


def connection_imports(source: str) -> list[str]:
    """Imports of Django's connection objects in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("django.db", "django"):
            names = {alias.name for alias in node.names}
            if names & {"connection", "connections", "db"}:
                found.append(f"line {node.lineno}: from {node.module} import {sorted(names)}")
        elif isinstance(node, ast.Import) and any(a.name == "django.db" for a in node.names):
            found.append(f"line {node.lineno}: import django.db")
    return found


def test_only_the_sql_modules_bypass_the_orm():
    offenders = {}
    for path in project_modules():
        name = path.relative_to(ROOT).as_posix()
        if name not in SQL_HOMES and (uses := raw_sql_uses(path.read_text(encoding="utf-8"))):
            offenders[name] = uses
    assert offenders == {}, "move these statements to dentalpin_import/loader/sql*.py"


def test_mappers_never_import_the_connection():
    offenders = {}
    for path in project_modules():
        name = path.relative_to(ROOT).as_posix()
        imports = connection_imports(path.read_text(encoding="utf-8"))
        if name.startswith(MAPPERS) and imports:
            offenders[name] = imports
    assert offenders == {}


def test_the_sql_homes_exist_and_hold_sql():
    # The check must not pass because it looks at nothing.
    for name in SQL_HOMES:
        assert raw_sql_uses((ROOT / name).read_text(encoding="utf-8")), name
    assert len(project_modules()) > 100


def test_each_way_of_bypassing_the_orm_is_found():
    source = """
from django.db import connection, connections
from django.db.models.expressions import RawSQL
def f(model, rows):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.executemany("INSERT INTO t VALUES (%s)", rows)
        with cursor.cursor.copy("COPY t (a) FROM STDIN") as copy:
            copy.write_row(rows[0])
    connections["default"].connection.execute("PRAGMA x")
    model.objects.raw("SELECT * FROM t")
    model.objects.annotate(n=RawSQL("1", []))
"""
    found = raw_sql_uses(source)
    assert [use.split(": ", 1)[1] for use in found].count(".cursor()") == 1
    for kind in (
        ".execute() on a cursor",
        ".executemany() on a cursor",
        "COPY",
        ".raw()",
        "RawSQL",
    ):
        assert any(use.endswith(kind) for use in found), (kind, found)
    # A DPMF file's own SQLite connection and a dictionary's copy are not the database.
    assert raw_sql_uses("rows = conn.execute('SELECT 1')\nd = {}.copy()\n") == []
    assert connection_imports(source) and not connection_imports("from django.db import models")
