"""The engine reads every source through one interface and never asks which kind it has."""

import ast
from pathlib import Path

from dentalpin_import.reader.container import Container
from dentalpin_import.reader.sheet_source import SheetSource

ROOT = Path(__file__).resolve().parents[2]
# What the runner and the chunk writer call on the source of a run.
READING = ("chunks", "key_chunks", "final_chunks", "rows_among", "keyless_source_ids")
SOURCE_KINDS = {"Container", "SheetSource"}


def test_every_kind_of_source_answers_what_the_runner_reads():
    for source in (Container, SheetSource):
        missing = [name for name in READING if not callable(getattr(source, name, None))]
        assert missing == [], f"{source.__name__} lacks {missing}"


def test_the_engine_never_names_a_kind_of_source():
    named = []
    for path in sorted((ROOT / "dentalpin_import" / "loader").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Name):
                names = [node.id]
            named += [f"{path.name}: {n}" for n in names if n in SOURCE_KINDS]
    assert named == []
