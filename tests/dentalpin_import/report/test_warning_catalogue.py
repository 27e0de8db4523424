"""Every warning code the engine can write has a text in English and Spanish."""

import ast
import re
from pathlib import Path

from django.utils import translation

from dentalpin_import.mapping.professionals import ProfessionalMapper
from dentalpin_import.reader import sheet_values
from dentalpin_import.warning_texts import FAMILIES, TEXTS
from dentalpin_import.web.warning_lines import template_for

ROOT = Path(__file__).resolve().parents[3] / "dentalpin_import"
WRITERS = {"MappingWarning", "note", "Note", "row_warning", "_file_warning", "fail", "warning"}
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _entity_of(tree: ast.Module) -> dict[int, str]:
    """Line → the `entity` of the class around it (for `f"{self.entity}.no_drug_name"`)."""
    found = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for item in cls.body:
            if isinstance(item, ast.Assign) and getattr(item.targets[0], "id", "") == "entity":
                for line in range(cls.lineno, cls.end_lineno + 1):
                    found[line] = ast.literal_eval(item.value)
    return found


def _code_of(node, entity: str | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and ast.unparse(node) == "self.entity":
        return entity
    if isinstance(node, ast.JoinedStr) and entity:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            elif ast.unparse(value.value) == "self.entity":
                parts.append(entity)
            else:
                return None
        return "".join(parts)
    return None


def codes_in_source() -> set[str]:
    """Literal codes passed to the warning writers, `require(...)` combinations and constants."""
    codes = set()
    for path in ROOT.rglob("*.py"):
        if "sample" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        entities = _entity_of(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                value = node.value.value
                name = getattr(node.targets[0], "id", "")
                if isinstance(value, str) and CODE.match(value) and name.isupper():
                    codes.add(value)
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            keywords = {k.arg: k.value for k in node.keywords}
            entity = entities.get(node.lineno)
            if name == "require":
                code, what = (_code_of(keywords.get(k), entity) for k in ("code", "what"))
                if code and what:
                    codes |= {f"{code}.no_{what}", f"{code}.unmapped_{what}"}
            elif name in WRITERS and node.args:
                code = _code_of(node.args[0], entity) or _code_of(keywords.get("code"), entity)
                if code and CODE.match(code):
                    codes.add(code)
            elif name == "optional_link" and "code" in keywords:
                codes.add(_code_of(keywords["code"], entity))
    files = (".dpmr", ".bin")  # file names, not codes
    return {
        c
        for c in codes
        if c and not c.startswith(("dentalpin_import.", "clinics.")) and not c.endswith(files)
    }


def every_code() -> set[str]:
    found = codes_in_source()
    found |= {
        f"csv.{value}"
        for name, value in vars(sheet_values).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z_]+", value)
    }
    reasons = re.findall(r'return "([a-z_]+)"', Path(ROOT / "mapping/professionals.py").read_text())
    assert ProfessionalMapper.entity == "professional" and reasons
    found |= {f"professional.filtered.{r}" for r in reasons}
    return found


def has_text(code: str) -> bool:
    variants = [k for k in TEXTS if k.startswith(code + "#")]
    return (
        bool(variants)
        or template_for(code, {}) is not None
        or template_for(code, {"variant": "kept"}) is not None
    )


def test_every_code_the_engine_writes_has_a_text():
    codes = every_code()
    assert {"debt.skipped_anulado", "row.duplicate", "budget.no_patient", "csv.bad_date"} <= codes
    assert len(codes) > 90
    assert sorted(c for c in codes if not has_text(c)) == []


def test_every_text_is_translated_and_keeps_its_values():
    placeholder = re.compile(r"%\((\w+)\)s")
    texts = list(TEXTS.values()) + [text for _, _, text in FAMILIES]
    for text in texts:
        with translation.override("en"):
            english = str(text)
        with translation.override("es"):
            spanish = str(text)
        assert spanish != english, english
        assert sorted(placeholder.findall(spanish)) == sorted(placeholder.findall(english))
