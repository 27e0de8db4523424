"""docs/overview.md's module map names every module of the importer, and only modules that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dentalpin_import"
# The packages whose modules the map lists one by one.
LISTED = ("reader", "loader", "jobs")


def map_section() -> str:
    text = (ROOT / "docs" / "overview.md").read_text(encoding="utf-8")
    start = text.index("## Module map")
    return text[start : text.index("\n## ", start + 1)]


def rows() -> dict[str, str]:
    """Package name -> the text of its row in the map's table."""
    found = {}
    for line in map_section().splitlines():
        match = re.match(r"\| `(\w+)/`", line)
        if match:
            found[match.group(1)] = line
    return found


def test_every_module_of_the_pipeline_packages_is_on_the_map():
    table = rows()
    missing = []
    for package in LISTED:
        named = set(re.findall(r"`(\w+\.py)`", table[package]))
        modules = {p.name for p in (PACKAGE / package).glob("*.py") if p.name != "__init__.py"}
        missing += [f"{package}/{m}" for m in sorted(modules - named)]
        missing += [f"{package}/{m} (gone)" for m in sorted(named - modules)]
    assert missing == []


def test_every_package_of_the_importer_has_a_row():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() or p.is_dir()}
    packages -= {"__pycache__", "migrations", "templatetags"}
    section = map_section()
    assert [p for p in sorted(packages) if f"`{p}/`" not in section] == []
