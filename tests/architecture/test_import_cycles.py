"""The project's modules import each other without a cycle, and tasks are found by name.

Every import counts, at module level or inside a function: an import moved
into a function still makes a cycle, it only hides it until run time. Imports
under `if TYPE_CHECKING:` never run and are left out.
"""

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("clinics", "config", "dentalpin_import")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules `path` imports (the module itself and its packages left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.add(candidate if candidate in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    # A package's own __init__ is empty glue here; importing a module imports its
    # packages first, which is no cycle of the project's code.
    return {
        target
        for target in targets
        if target in modules and target != name and not name.startswith(target + ".")
    }


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_modules(path, name, modules) for name, path in modules.items()}


def test_the_project_has_no_import_cycle():
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as error:
        cycle = " -> ".join(error.args[1])
        pytest.fail(f"import cycle between the project's modules: {cycle}")


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    # The check itself, on two modules that import each other, one from inside a function.
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def later():\n    import a\n")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    graph = {name: imported_modules(path, name, modules) for name, path in modules.items()}
    with pytest.raises(CycleError):
        TopologicalSorter(graph).prepare()


def test_the_engine_and_the_job_layer_never_import_the_task_module():
    graph = import_graph()
    assert [name for name, edges in graph.items() if "dentalpin_import.tasks" in edges] == []


@pytest.mark.slow  # a second Python process
def test_a_fresh_process_finds_the_run_task_by_name_without_importing_it():
    # What `make run` does without a broker: the web process starts a run on a
    # thread through the task's name, in a process that never imported tasks.py.
    code = (
        "import sys, django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "django.setup()\n"
        "from dentalpin_import.jobs import dispatch, services\n"
        "assert 'dentalpin_import.tasks' not in sys.modules\n"
        "for name in (dispatch.RUN_TASK, dispatch.VALIDATE_TASK, dispatch.UNDO_TASK):\n"
        "    print(dispatch._task(name).name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "dentalpin_import.run_import_job",
        "dentalpin_import.validate_import_upload",
        "dentalpin_import.undo_import_job",
    ]
