"""Every mapper in the registry has unit tests here, so a new mapper cannot arrive without them."""

import ast
from pathlib import Path

from dentalpin_import.mapping.registry import MAPPERS

HERE = Path(__file__).parent
# The harness methods that run a mapper; their first argument names its entity type.
RUNS_A_MAPPER = {"map", "map_all", "map_sheet", "map_records"}


def mapped_types(source: str) -> set[str]:
    """The entity types some code runs through the harness by name."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNS_A_MAPPER
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_every_registered_mapper_is_run_by_some_unit_test_module():
    covered = set()
    for path in HERE.glob("test_*.py"):
        covered |= mapped_types(path.read_text(encoding="utf-8"))
    missing = sorted(set(MAPPERS) - covered)
    assert not missing, f"mappers without unit tests in {HERE.name}/: {missing}"
    assert covered <= set(MAPPERS), f"not registered: {sorted(covered - set(MAPPERS))}"


def test_only_a_harness_call_counts_not_a_type_named_in_passing():
    # A key built for a payload names a type without testing its mapper.
    source = (
        'h.map("patient", b.patient(1), client_uuid=b.uid("client", 1))\n'
        'h.map_sheet("csv_staff", rows)\n'
    )
    assert mapped_types(source) == {"patient", "csv_staff"}
