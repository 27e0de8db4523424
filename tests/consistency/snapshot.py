"""A clinic's whole content as plain data that two databases, or two runs, can compare.

`snapshot(clinic)` reads every table that holds rows of the clinic (every model
with a foreign key to `Clinic`, the importer's mappings, raw entities, warnings
and staged files included) and the clinic row itself. Each row becomes a dict
of its field values in a form that does not depend on the database or on the
ids it handed out:

- surrogate ids are left out, and every foreign key becomes the natural key of
  the row it points at: the source key (`entity_type:canonical_uuid`) of the
  entity mapping that points at that row (the smallest when several do), or
  for a row no mapping points at, a digest of its own content;
- values the clock sets (`created_at`, `updated_at`, heartbeats, the job a row
  belongs to) are left out; decimals are written without trailing zeros, times
  in UTC, JSON with its keys sorted; encrypted text is read decrypted;
- warning messages and raw data that name a row by its id name it by its
  natural key instead, and the clinic's slug becomes `<clinic>`.

Rows are sorted, so a table compares as a multiset. `differences(a, b)` says
in words which tables differ, by how many rows, and shows the first rows that
differ field by field. The snapshot is JSON-serialisable: a process on another
database prints it (`tests/consistency/dump_snapshot.py`) for this one to compare.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django_scopes import scopes_disabled

from clinics.models import Clinic

# Who did what and when, not what the clinic holds: the job's report stands for them.
LEFT_OUT = {
    "dentalpin_import.ImportJob",
    "dentalpin_import.AuditEntry",
    "dentalpin_import.AgentToken",
    # What the importer wrote, sealed a chunk at a time: how rows fall into chunks is
    # no part of the clinic's content (the rows themselves are compared).
    "dentalpin_import.WrittenBatch",
}
CLOCK_FIELDS = {
    "heartbeat_at",
    "received_at",
    "last_used_at",
    "started_at",
    "finished_at",
    "expires_at",
    "revoked_at",
    "row_updated_at",  # a clinic row's updated_at, kept for undo
}
CLINIC_ROW_LEFT_OUT = {"id", "slug", "name", "created_at"}
MAPPING = "dentalpin_import.EntityMapping"
# What a cutover records about one clinic row, which it names by table and id.
CLINIC_ROW_RECORDS = {
    "dentalpin_import.ImportConflict",
    "dentalpin_import.RowUpdate",
    "dentalpin_import.MissingRecord",
}
WARNING = "dentalpin_import.ImportWarning"
CLINIC = "clinics.Clinic"
# Warning messages that name a row by its id ("client #8 pays for 2 patients").
NAMED_BY_ID = {
    "budget line": "clinics.BudgetLine",
    "client": "clinics.Client",
    "payment": "clinics.Payment",
    "performed treatment": "clinics.AppliedTreatment",
    "chair": "clinics.Chair",
    "catalogue item": "clinics.CatalogItem",
}
ID_IN_MESSAGE = re.compile(r"\b(" + "|".join(NAMED_BY_ID) + r") #(\d+)")
REPORT_LEFT_OUT = ("job_id", "elapsed_s", "clinic")
ROW_CHARS = 600  # of a row shown whole in a difference
REPORT_LINES = 20  # figures of the report shown


def clinic_models() -> list[tuple[type[models.Model], str]]:
    """(model, name of its clinic foreign key) for every table that holds a clinic's rows."""
    found = []
    for model in apps.get_models():
        if model._meta.label in LEFT_OUT:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Clinic:
                found.append((model, f.name))
                break
    return sorted(found, key=lambda pair: pair[0]._meta.label)


def plain(value):
    """`value` as JSON-ready data that reads the same whichever database it came from."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    return value


def canonical(row) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class NaturalKeys:
    """The natural key of each row: the source key mapped to it, else a digest of its content."""

    def __init__(self, clinic: Clinic, rows: dict, mappings: list[dict]):
        self.clinic = clinic
        self.rows = rows  # {model: {pk: {attname: value}}}
        self.by_table = {m._meta.db_table: m for m in rows}
        self.user_model = get_user_model()
        self.mapped: dict[tuple, str] = {}
        for m in mappings:
            model = self.model_of_table(m["target_table"])
            if model is None:
                continue
            try:
                pk = model._meta.pk.to_python(m["target_id"])
            except Exception:  # a target id that is not an id at all: shown as it is
                continue
            key = f"{m['entity_type']}:{m['canonical_uuid']}"
            if (model, pk) not in self.mapped or key < self.mapped[(model, pk)]:
                self.mapped[(model, pk)] = key
        self.memo: dict[tuple, str] = {}

    def model_of_table(self, table: str):
        if table == Clinic._meta.db_table:
            return Clinic
        return self.by_table.get(table)

    def of(self, model, pk) -> str:
        """The natural key of `model` row `pk` as seen from this clinic."""
        if pk is None:
            return None
        if model is Clinic:
            return "<clinic>" if pk == self.clinic.pk else "<another clinic>"
        if model is self.user_model:
            username = model._base_manager.filter(pk=pk).values_list("username", flat=True)
            return f"user:{username.first() or '<missing>'}"
        if model not in self.rows:
            return f"<{model._meta.label} row>"
        if pk not in self.rows[model]:
            with scopes_disabled():
                elsewhere = model._base_manager.filter(pk=pk).exists()
            return f"<{model._meta.label} of {'another clinic' if elsewhere else 'nobody'}>"
        if (model, pk) in self.mapped:
            return self.mapped[(model, pk)]
        if (model, pk) not in self.memo:
            self.memo[(model, pk)] = "<cycle>"  # a row whose content leads back to itself
            content = canonical(self.content(model, self.rows[model][pk]))
            self.memo[(model, pk)] = "~" + hashlib.sha256(content.encode()).hexdigest()[:16]
        return self.memo[(model, pk)]

    def content(self, model, row: dict) -> dict:
        """The row's comparable fields: no id, no clock, foreign keys as natural keys."""
        out = {}
        for f in model._meta.concrete_fields:
            if f.primary_key or f.name in CLOCK_FIELDS:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                continue
            value = row[f.attname]
            if f.is_relation:
                target = f.related_model
                if target is Clinic and f.name == "clinic":
                    continue
                if target._meta.label in LEFT_OUT:
                    continue  # the job a row came from: compared through the report
                out[f.name] = self.of(target, value)
            else:
                out[f.name] = plain(value)
        return out


def load_rows(clinic: Clinic) -> dict:
    """{model: {pk: {attname: value}}} of every table holding the clinic's rows."""
    rows = {}
    with scopes_disabled():
        for model, fk in clinic_models():
            names = [f.attname for f in model._meta.concrete_fields]
            found = model._base_manager.filter(**{fk: clinic}).values(*names)
            rows[model] = {r[model._meta.pk.attname]: r for r in found}
    return rows


def snapshot(clinic: Clinic) -> dict:
    """The clinic's whole content, table by table, and its last import's report."""
    rows = load_rows(clinic)
    mapping_model = apps.get_model(MAPPING)
    keys = NaturalKeys(clinic, rows, list(rows[mapping_model].values()))
    tables = {}
    for model, table_rows in rows.items():
        label = model._meta.label
        if label == MAPPING:
            shaped = [mapping_row(keys, r) for r in table_rows.values()]
        elif label == WARNING:
            shaped = [warning_row(keys, clinic, r) for r in table_rows.values()]
        elif label in CLINIC_ROW_RECORDS:
            shaped = [clinic_row_record(keys, model, r) for r in table_rows.values()]
        else:
            shaped = [
                {"_key": keys.of(model, pk), **keys.content(model, r)}
                for pk, r in table_rows.items()
            ]
        tables[label] = sorted(shaped, key=canonical)
    clinic_row = Clinic.objects.filter(pk=clinic.pk).values().get()
    tables[CLINIC] = [{k: plain(v) for k, v in clinic_row.items() if k not in CLINIC_ROW_LEFT_OUT}]
    return {"tables": tables, "report": last_report(clinic)}


def target_key(keys: NaturalKeys, row: dict) -> str:
    """The natural key of the clinic row a record names by `target_table` and `target_id`."""
    model = keys.model_of_table(row["target_table"])
    if model is None:  # a skip marker or another table outside the clinic's rows
        return f"{row['target_table']}#{row['target_id']}"
    try:
        return keys.of(model, model._meta.pk.to_python(row["target_id"]))
    except Exception:
        return f"<not an id: {row['target_id']!r}>"


def mapping_row(keys: NaturalKeys, row: dict) -> dict:
    """A mapping with the natural key of the row it points at instead of that row's id."""
    return {
        "source_system": row["source_system"],
        "entity_type": row["entity_type"],
        "canonical_uuid": row["canonical_uuid"],
        "target_table": row["target_table"],
        "target": target_key(keys, row),
        "created_row": row["created_row"],
    }


def clinic_row_record(keys: NaturalKeys, model, row: dict) -> dict:
    """A cutover's record of one clinic row (a conflict, a before-image, a row missing from
    the file) with ids as natural keys: the target row, the mapping, and in the values the
    rows the target's foreign keys point at."""
    target_model = keys.model_of_table(row["target_table"])
    relations = {
        f.attname: f.related_model
        for f in (target_model._meta.concrete_fields if target_model else ())
        if f.is_relation
    }

    def named(attname, value):
        related = relations.get(attname)
        return keys.of(related, value) if related is not None and value is not None else value

    out = keys.content(model, {**row, "target_id": target_key(keys, row)})
    if "field" in row:  # a conflict: three values of one field, as JSON text
        for name in ("value_at_import", "clinic_value", "file_value"):
            value = json.loads(row[name]) if row[name] else None
            out[name] = named(row["field"], value)
    for name in ("before", "after"):  # a before-image: {field: value} as JSON text
        if name in row:
            values = json.loads(row[name]) if row[name] else {}
            out[name] = {k: named(k, v) for k, v in sorted(values.items())}
    if row.get("removed"):  # a whole row a later file removed, with its mapping (reshape.py)
        image = json.loads(row["before"]) if row["before"] else {}
        gone = image.get("mapping") or {}
        whole = image.get("row")
        out["before"] = {
            "row": keys.content(target_model, whole) if target_model and whole else whole,
            "mapping": f"{gone.get('entity_type')}:{gone.get('canonical_uuid')}",
        }
    if "mapping_id" in row:
        mapping = keys.rows[apps.get_model(MAPPING)].get(row["mapping_id"])
        out["mapping_id"] = mapping and f"{mapping['entity_type']}:{mapping['canonical_uuid']}"
        # Which sealed batch held the mapping's values: chunking, not content (LEFT_OUT).
        out["mapping_written"] = bool(row["mapping_written"])
    return out


def warning_row(keys: NaturalKeys, clinic: Clinic, row: dict) -> dict:
    """A warning's words and data, naming rows by natural key and the clinic as `<clinic>`."""

    def named(match: re.Match) -> str:
        model = apps.get_model(NAMED_BY_ID[match.group(1)])
        return f"{match.group(1)} #{keys.of(model, int(match.group(2)))}"

    message = ID_IN_MESSAGE.sub(named, row["message"])
    message = message.replace(f"'{clinic.slug}'", "'<clinic>'")
    return {
        "entity_type": row["entity_type"],
        "code": row["code"],
        "source_id": row["source_id"],
        "canonical_uuid": row["canonical_uuid"],
        "severity": row["severity"],
        "message": message,
        "raw_data": raw_data_keys(keys, plain(row["raw_data"])),
    }


def raw_data_keys(keys: NaturalKeys, data):
    """Raw data whose keys name a clinic table (`{"budget_line": 56}`) name the row by key."""
    if not isinstance(data, dict):
        return data
    by_name = {m._meta.model_name: m for m in keys.rows}
    out = {}
    for name, value in data.items():
        model = by_name.get(name.replace("_", ""))
        if model is not None and isinstance(value, int) and not isinstance(value, bool):
            value = keys.of(model, value)
        out[name] = value
    return out


def last_report(clinic: Clinic) -> dict | None:
    """The report of the clinic's last real (not dry-run) import, without ids and timings."""
    from dentalpin_import.jobs import services
    from dentalpin_import.models import ImportJob

    job = ImportJob.objects.filter(clinic=clinic, dry_run=False).order_by("-created_at").first()
    if job is None:
        return None
    report = services.report(job)
    for key in REPORT_LEFT_OUT:
        report.pop(key, None)
    report["reconciliation_in_full"] = job.reconciliation
    return plain(report)


def differences(a: dict, b: dict, *, names=("A", "B"), limit: int = 5) -> list[str]:
    """Lines saying how snapshot `b` differs from `a`; empty when they are the same."""
    lines = []
    ta, tb = a["tables"], b["tables"]
    for table in sorted(set(ta) | set(tb)):
        ra, rb = ta.get(table, []), tb.get(table, [])
        if ra != rb:
            lines.extend(table_differences(table, ra, rb, names, limit))
    report = value_differences("report", a.get("report"), b.get("report"), names)
    lines.extend(report[:REPORT_LINES])
    if len(report) > REPORT_LINES:
        lines.append(f"... and {len(report) - REPORT_LINES} more differences in the report")
    return lines


def table_differences(table: str, ra: list, rb: list, names, limit: int) -> list[str]:
    na, nb = names
    only_a = Counter(map(canonical, ra)) - Counter(map(canonical, rb))
    only_b = Counter(map(canonical, rb)) - Counter(map(canonical, ra))
    lines = [
        f"{table}: {len(ra)} rows in {na}, {len(rb)} in {nb}; "
        f"{sum(only_a.values())} only in {na}, {sum(only_b.values())} only in {nb}"
    ]
    left = [json.loads(r) for r in only_a.elements()]
    right_by_key: dict[str, list] = {}
    for r in (json.loads(r) for r in only_b.elements()):
        right_by_key.setdefault(row_key(r), []).append(r)
    pairs, unmatched_left = [], []
    for r in left:
        twins = right_by_key.get(row_key(r))
        if twins:
            pairs.append((r, twins.pop(0)))
        else:
            unmatched_left.append(r)
    leftover_right = [r for rows in right_by_key.values() for r in rows]
    for r, other in pairs[:limit]:
        changed = [
            f"{f}: {na}={r.get(f)!r} {nb}={other.get(f)!r}"
            for f in sorted(set(r) | set(other))
            if r.get(f) != other.get(f)
        ]
        lines.append(f"  row {row_key(r)}: " + "; ".join(changed))
    if len(pairs) > limit:
        lines.append(f"  ... and {len(pairs) - limit} more rows that differ")
    for label, rows in ((f"only in {na}", unmatched_left), (f"only in {nb}", leftover_right)):
        for r in rows[:limit]:
            text = canonical(r)
            lines.append(f"  {label}: {text if len(text) <= ROW_CHARS else text[:ROW_CHARS] + '…'}")
        if len(rows) > limit:
            lines.append(f"  ... and {len(rows) - limit} more {label}")
    return lines


def row_key(row: dict) -> str:
    """What pairs two versions of a row: its natural key, or a mapping's or warning's identity."""
    if "_key" in row:
        return row["_key"]
    if "target" in row:  # an entity mapping
        return f"{row['entity_type']}:{row['canonical_uuid']}"
    return f"{row.get('entity_type')}:{row.get('code')}:{row.get('source_id')}"


def value_differences(path: str, a, b, names) -> list[str]:
    """Lines for each place nested data `a` and `b` differ."""
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        lines = []
        for k in sorted(set(a) | set(b), key=str):
            lines.extend(value_differences(f"{path}.{k}", a.get(k), b.get(k), names))
        return lines
    return [f"{path}: {names[0]}={a!r} {names[1]}={b!r}"]


def assert_same_content(a: dict, b: dict, *, names=("A", "B"), what: str = "") -> None:
    """Fail with a readable list of differences unless snapshots `a` and `b` agree."""
    found = differences(a, b, names=names)
    if found:
        head = f"{what}: " if what else ""
        raise AssertionError(
            f"{head}{names[1]} differs from {names[0]} in {len(found)} places:\n" + "\n".join(found)
        )
