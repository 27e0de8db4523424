"""Pre-flight check: what in the file will not import cleanly, before anything is written.

Five kinds of problem, counted with SQL inside the (read-only) container:
references to rows that are neither in the file nor already in the clinic,
required fields that are empty, source ids that appear twice, canonical ids
shared by several rows, and rows without a canonical id (which no keyed read
reaches). A payload that is not JSON is never given to a JSON function, and
an error of the container is a refusal (`ReadError`), not a crash: this runs
before anything is written. Examples are source ids, never payload values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dentalpin_import.loader.row_errors import usable_key
from dentalpin_import.models import EntityMapping
from dentalpin_import.reader.batches import IN_LIST, batched

EXAMPLES = 10
ID_LENGTH = 80  # EntityMapping.canonical_uuid

# Cross-entity references of FORMAT.md §8: type → {payload key: referenced type}.
REFERENCES: dict[str, dict[str, str]] = {
    "treatment_catalog_variant": {"treatment_uuid": "treatment_catalog_item"},
    "treatment_phase_template": {"treatment_uuid": "treatment_catalog_item"},
    "patient_client_link": {"patient_uuid": "patient", "client_uuid": "client"},
    "work_calendar": {"professional_uuid": "professional"},
    "work_calendar_day": {"calendar_uuid": "work_calendar"},
    "work_calendar_shift": {"calendar_day_uuid": "work_calendar_day", "chair_uuid": "catalog_item"},
    "appointment_recurrence": {"patient_uuid": "patient", "professional_uuid": "professional"},
    "budget": {"patient_uuid": "patient", "professional_uuid": "professional"},
    "budget_line": {
        "budget_uuid": "budget",
        "treatment_uuid": "treatment_catalog_item",
        "treatment_variant_uuid": "treatment_catalog_variant",
        "applied_treatment_uuid": "applied_treatment",
    },
    "appointment": {
        "patient_uuid": "patient",
        "professional_uuid": "professional",
        "chair_uuid": "catalog_item",
        "recurrence_uuid": "appointment_recurrence",
    },
    "applied_treatment": {
        "patient_uuid": "patient",
        "professional_uuid": "professional",
        "treatment_variant_uuid": "treatment_catalog_variant",
        "budget_line_uuid": "budget_line",
    },
    "applied_treatment_phase": {"applied_treatment_uuid": "applied_treatment"},
    "patient_alert": {"patient_uuid": "patient"},
    "recall": {
        "patient_uuid": "patient",
        "reason_uuid": "catalog_item",
        "result_uuid": "catalog_item",
    },
    "consent": {"patient_uuid": "patient"},
    "pharmacological_history": {"patient_uuid": "patient"},
    "prescription": {"patient_uuid": "patient"},
    "prescription_item": {"prescription_uuid": "prescription"},
    "communication": {"patient_uuid": "patient", "client_uuid": "client"},
    "debt": {"patient_uuid": "patient", "applied_treatment_uuid": "applied_treatment"},
    "payment": {"client_uuid": "client", "related_payment_uuid": "payment"},
    "debt_payment_application": {"debt_uuid": "debt", "payment_uuid": "payment"},
    "fiscal_document": {"client_uuid": "client", "patient_uuid": "patient"},
    "fiscal_document_line": {"document_uuid": "fiscal_document"},
    "patient_document": {"patient_uuid": "patient"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "treatment_catalog_variant": ("treatment_uuid",),
    "work_calendar_day": ("calendar_uuid", "weekday"),
    "work_calendar_shift": ("calendar_day_uuid", "start_time", "end_time"),
    "patient_client_link": ("patient_uuid", "client_uuid"),
    "budget": ("patient_uuid",),
    "budget_line": ("budget_uuid",),
    "appointment": ("patient_uuid", "professional_uuid", "scheduled_date"),
    "applied_treatment": ("patient_uuid",),
    "applied_treatment_phase": ("applied_treatment_uuid",),
    "patient_alert": ("patient_uuid", "text"),
    "recall": ("patient_uuid",),
    "consent": ("patient_uuid",),
    "pharmacological_history": ("patient_uuid", "drug_description"),
    "prescription": ("patient_uuid",),
    "prescription_item": ("prescription_uuid",),
    "debt": ("patient_uuid",),
    "payment": ("amount",),
    "debt_payment_application": ("debt_uuid", "payment_uuid"),
    "fiscal_document_line": ("document_uuid",),
    "patient_document": ("patient_uuid",),
}


@dataclass
class Problem:
    kind: str  # dangling_reference, missing_field, duplicate_source_id, *_canonical_id
    entity_type: str
    field: str
    target: str
    count: int
    examples: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        if self.kind == "dangling_reference":
            return (
                f"{self.count} {self.entity_type} rows point at a {self.target} that is "
                f"not in the file ({self.field})"
            )
        if self.kind == "missing_field":
            return f"{self.count} {self.entity_type} rows have no {self.field}"
        if self.kind == "duplicate_canonical_id":
            return f"{self.count} {self.entity_type} canonical ids are shared by more than one row"
        if self.kind == "missing_canonical_id":
            return f"{self.count} {self.entity_type} rows have no usable canonical id"
        return f"{self.count} {self.entity_type} source ids appear more than once"


def _query(container, sql, params=(), table=None):
    return container.query(sql, params, table=table)


def _example(value) -> str:
    """A source id for the examples: text, without NUL, and short."""
    return str(value).replace("\x00", "")[:80]


def _field(key: str) -> str:
    """`payload`'s value at `key`, as SQL; NULL when the payload is not a JSON text."""
    return (
        "CASE WHEN typeof(payload) = 'text' AND json_valid(payload) "
        f"THEN json_extract(payload, '$.{key}') END"
    )


def _dangling(container, types, entity_type, key, target, ctx) -> Problem | None:
    target_clause = (
        f'AND NOT EXISTS (SELECT 1 FROM "{target}" p WHERE p.canonical_uuid = r)'
        if target in types
        else ""
    )
    rows = _query(
        container,
        f"""
        SELECT source_id, r FROM (
            SELECT source_id, lower({_field(key)}) AS r FROM "{entity_type}")
        WHERE r IS NOT NULL AND r <> '' {target_clause}""",
        table=entity_type,
    )
    if rows and ctx is not None:
        # Only what could be a mapped id is looked up: PostgreSQL refuses a NUL in a query.
        candidates = sorted({r for _, r in rows if "\x00" not in r and len(r) <= ID_LENGTH})
        mapped = EntityMapping.objects.filter(
            clinic=ctx["clinic"], source_system=ctx["source_system"], entity_type=target
        )
        known = set()
        for keys in batched(candidates, IN_LIST):
            known.update(
                mapped.filter(canonical_uuid__in=keys).values_list("canonical_uuid", flat=True)
            )
        rows = [(sid, r) for sid, r in rows if r not in known]
    if not rows:
        return None
    return Problem(
        "dangling_reference",
        entity_type,
        key,
        target,
        len(rows),
        [_example(sid) for sid, _ in rows[:EXAMPLES]],
    )


def _missing(container, entity_type, key) -> Problem | None:
    rows = _query(
        container,
        f"""
        SELECT source_id FROM (SELECT source_id, {_field(key)} AS v FROM "{entity_type}")
        WHERE v IS NULL OR trim(v) = ''""",
        table=entity_type,
    )
    if not rows:
        return None
    return Problem(
        "missing_field",
        entity_type,
        key,
        "",
        len(rows),
        [_example(r[0]) for r in rows[:EXAMPLES]],
    )


def _duplicates(container, entity_type) -> Problem | None:
    rows = _query(
        container,
        f"""
        SELECT source_id, COUNT(*) FROM "{entity_type}"
        GROUP BY source_system, source_id HAVING COUNT(*) > 1""",
        table=entity_type,
    )
    if not rows:
        return None
    return Problem(
        "duplicate_source_id",
        entity_type,
        "source_id",
        "",
        len(rows),
        [_example(r[0]) for r in rows[:EXAMPLES]],
    )


def _shared_canonical_ids(container, entity_type) -> Problem | None:
    """Canonical ids on more than one row: one id maps to one clinic row, so rows are lost."""
    # The key index alone answers which ids repeat; only their rows are read.
    shared = _query(
        container,
        f'SELECT canonical_uuid FROM "{entity_type}" '
        "WHERE canonical_uuid > '' GROUP BY canonical_uuid HAVING COUNT(*) > 1",
        table=entity_type,
    )
    if not shared:
        return None
    keys = [r[0] for r in shared[:EXAMPLES]]
    rows = _query(
        container,
        f'SELECT source_id FROM "{entity_type}" WHERE canonical_uuid IN '
        f"({', '.join('?' * len(keys))}) ORDER BY canonical_uuid",
        keys,
        table=entity_type,
    )
    examples = list(dict.fromkeys(_example(r[0]) for r in rows))
    return Problem(
        "duplicate_canonical_id",
        entity_type,
        "canonical_uuid",
        "",
        len(shared),
        examples[:EXAMPLES],
    )


def _missing_canonical_ids(container, entity_type) -> Problem | None:
    """Rows whose canonical id the import cannot use: none (`keyless_source_ids`), too long or
    not printable."""
    rows = container.keyless_source_ids(entity_type)
    examples = [_example(source_id) for source_id in rows[:EXAMPLES]]
    # Ids the import reads but cannot use (too long, not printable): they fail there too.
    unusable = [
        key
        for keys in container.iter_keys(entity_type, chunk_size=5000)
        for key in keys
        if not usable_key(key)
    ]
    if unusable and len(examples) < EXAMPLES:
        marks = ", ".join(["?"] * min(len(unusable), EXAMPLES))
        found = _query(
            container,
            f'SELECT source_id FROM "{entity_type}" WHERE canonical_uuid IN ({marks})',
            unusable[:EXAMPLES],
            table=entity_type,
        )
        examples += [_example(r[0]) for r in found][: EXAMPLES - len(examples)]
    if not rows and not unusable:
        return None
    return Problem(
        "missing_canonical_id",
        entity_type,
        "canonical_uuid",
        "",
        len(rows) + len(unusable),
        examples,
    )


def preflight(container, *, clinic=None) -> list[Problem]:
    """Return the file's problems, each with a count and up to ten example source ids.

    With `clinic`, references to rows an earlier import already brought in
    count as resolvable.
    """
    types = {t.entity_type for t in container.entity_types}
    ctx = {"clinic": clinic, "source_system": container.source_system} if clinic else None
    problems = []
    for entity_type in sorted(types):
        problems.append(_missing_canonical_ids(container, entity_type))
        problems.append(_shared_canonical_ids(container, entity_type))
        problems.append(_duplicates(container, entity_type))
        for key in REQUIRED.get(entity_type, ()):
            problems.append(_missing(container, entity_type, key))
        for key, target in REFERENCES.get(entity_type, {}).items():
            problems.append(_dangling(container, types, entity_type, key, target, ctx))
    return [p for p in problems if p is not None]


def as_json(problems: list[Problem]) -> list[dict]:
    return [{**asdict(p), "text": p.text} for p in problems]
