"""Tests that start a process or a server are `slow`, so `-m "not slow"` stays a quick loop.

Fixtures that start one mark their tests by themselves (tests/conftest.py);
a test that calls `subprocess` directly must say so with the mark.
"""

import ast
from pathlib import Path

from tests.conftest import PROCESS_FIXTURES

TESTS = Path(__file__).resolve().parents[1]


def _marked_slow(decorators) -> bool:
    return any("mark.slow" in ast.unparse(d) for d in decorators)


def _starts_a_process(func: ast.FunctionDef) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "subprocess" and node.attr in ("run", "Popen", "check_call"):
                return True
    return False


def test_every_test_that_runs_a_process_itself_is_marked_slow():
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_slow = any(
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
            and "mark.slow" in ast.unparse(node.value)
            for node in tree.body
        )
        if module_slow:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                if _starts_a_process(node) and not _marked_slow(node.decorator_list):
                    unmarked.append(f"{path.relative_to(TESTS)}::{node.name}")
    assert unmarked == []


def test_the_process_fixtures_named_in_conftest_exist():
    # A renamed fixture would silently stop marking its tests slow.
    sources = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("*.py"))
    missing = [
        name
        for name in PROCESS_FIXTURES - {"live_server"}  # pytest-django's own
        if f"def {name}(" not in sources and f'name="{name}"' not in sources
    ]
    assert missing == []
