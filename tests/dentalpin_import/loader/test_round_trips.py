"""No entity type costs a database round trip per row: N rows or 4N rows of it, the same queries.

Each type's queries are counted from the moment the runner starts the type to
the end of its turn, and again for its second pass; a COPY, or a block of
SQLite's multi-row INSERTs, counts as one query (`loader.sql`). The 4N file is
a small clinic eight times over, the N file twice, with every key renamed per
copy, so every type, masters and rows kept raw included, has exactly four
times its rows. Sheet
types (`csv_*`) are counted the same way on sheets of N and 4N rows.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dentalpin_import.loader import runner
from dentalpin_import.mapping.registry import MAPPERS
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.writer import EntityRow, FileRow, WarningRow, write_dpmf
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.csv import sheets

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RAW_TYPE = "referral_letter"  # no mapper knows it: its rows are kept raw
SHEET_TYPES = {t for t in MAPPERS if t.startswith("csv_")}


@pytest.fixture(autouse=True)
def whole_types(settings, monkeypatch):
    """One chunk per type and commits only at phase ends: nothing depends on a clock."""
    settings.DPMF_CHUNK_SIZE = 1000
    settings.DPMF_COMMIT_ROWS = 10**9
    settings.DPMF_COMMIT_SECONDS = 10.0**9
    monkeypatch.setattr(runner, "PROGRESS_EVERY_S", 10.0**9)


@contextmanager
def queries_per_type(monkeypatch):
    """{entity type: queries of its turn, "finish " + type: queries of its second pass}."""
    counts: Counter = Counter()

    def counted(method, name):
        def wrapper(self, *args):
            before = len(connection.queries_log)
            try:
                return method(self, *args)
            finally:
                counts[name(args)] += len(connection.queries_log) - before

        return wrapper

    with monkeypatch.context() as patch, CaptureQueriesContext(connection) as everything:
        patch.setattr(runner.Runner, "run_type", counted(runner.Runner.run_type, lambda a: a[0]))
        patch.setattr(
            runner.Runner,
            "finish",
            counted(runner.Runner.finish, lambda a: "finish " + a[0].entity),
        )
        yield counts
    counts["whole run"] = len(everything.captured_queries)


def sample_rows(tmp_path):
    """The rows, files and warnings of a small generated clinic, plus rows of a type kept raw."""
    path = generate_sample(tmp_path / "n.dpm", patients=3, seed=11, binaries=False).path
    conn = sqlite3.connect(path)
    types = [t for (t,) in conn.execute("SELECT entity_type FROM _entities")]
    rows = [
        EntityRow(t, sid, json.loads(payload), json.loads(raw), key)
        for t in types
        for key, sid, payload, raw in conn.execute(
            f'SELECT canonical_uuid, source_id, payload, raw_source_data FROM "{t}"'
        )
    ]
    rows += [
        EntityRow(RAW_TYPE, str(n), {"text": f"carta {n}"}, {}, str(uuid.uuid4())) for n in range(5)
    ]
    files = [FileRow(*r) for r in conn.execute("SELECT * FROM _files")]
    notes = conn.execute(
        "SELECT severity, code, message, entity_type, source_id, raw_data FROM _warnings"
    )
    warnings = [WarningRow(*r) for r in notes]
    conn.close()
    return rows, files, warnings


def copies(rows, files, warnings, times: int):
    """The clinic `times` over, each copy's keys renamed wherever the file names them."""
    keys = {r.canonical_uuid for r in rows} | {f.canonical_uuid for f in files}
    out_rows, out_files = [], []
    for copy in range(times):

        def rename(text: str, copy=copy) -> str:
            if copy == 0:
                return text
            return UUID.sub(
                lambda m: (
                    str(uuid.uuid5(uuid.NAMESPACE_URL, f"{m[0]}/{copy}")) if m[0] in keys else m[0]
                ),
                text,
            )

        def renamed(value, rename=rename):
            return json.loads(rename(json.dumps(value)))

        out_rows += [
            EntityRow(
                r.entity_type,
                r.source_id,
                renamed(r.payload),
                renamed(r.raw_source_data),
                rename(r.canonical_uuid),
            )
            for r in rows
        ]
        out_files += [
            replace(
                f,
                canonical_uuid=rename(f.canonical_uuid),
                parent_canonical_uuid=rename(f.parent_canonical_uuid),
                relative_path=f"{copy}/{f.relative_path}",
            )
            for f in files
        ]
    return out_rows, out_files, list(warnings) * times


def imported(path, clinic, monkeypatch) -> Counter:
    with queries_per_type(monkeypatch) as counts:
        status, out, _ = run_import(path, clinic.slug)
    assert status == 0, out
    return counts


def assert_same_counts(small: Counter, large: Counter, types) -> None:
    assert set(types) <= set(small), f"types never run: {set(types) - set(small)}"
    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert grew == {}, "queries that grew with the rows (N rows, 4N rows)"


@pytest.mark.django_db
def test_every_type_of_a_file_costs_the_same_queries_for_n_and_4n_rows(
    tmp_path, clinic, other_clinic, monkeypatch
):
    # Two copies for N: a type of one row (the centre) may say so once, not per row.
    sample = sample_rows(tmp_path)
    one, four = tmp_path / "one.dpm", tmp_path / "four.dpm"
    rows, files, warnings = copies(*sample, 2)
    write_dpmf(one, rows=rows, files=files, warnings=warnings)
    many = copies(*sample, 8)
    write_dpmf(four, rows=many[0], files=many[1], warnings=many[2])
    in_file = Counter(r.entity_type for r in rows)
    assert Counter(r.entity_type for r in many[0]) == {t: 4 * n for t, n in in_file.items()}
    file_types = [t for t in MAPPERS if t not in SHEET_TYPES]
    assert set(file_types) <= set(in_file), "the sample lacks a type of the registry"

    small = imported(one, clinic, monkeypatch)
    large = imported(four, other_clinic, monkeypatch)

    assert_same_counts(small, large, [*file_types, RAW_TYPE, "whole run"])
    # What is counted is the import itself: 4N rows were written, four times the N.
    assert large[RAW_TYPE] > 0 and small["patient"] > 0


def sheet_files(tmp_path, n: int, name: str) -> list[tuple[str, object]]:
    """Each sheet command with its sheet: N staff and N patients, N rows of every other sheet."""
    people = [sheets.PATIENT_HEADER]
    people += [
        sheets.patient(f"S{i}", "Ana", f"Núñez {i}", born="", role="CLINICIAN") for i in range(n)
    ]
    people += [sheets.patient(f"P{i}", "Ana", f"Gil {i}", email=f"p{i}@ex.test") for i in range(n)]
    background = [[f"P{i}", "Penicilina", "Allergy", "2001-01-01", "", "", ""] for i in range(n)]
    notes = [[f"P{i}", "2024-01-01", f"nota {i}", f"S{i}", "", "", ""] for i in range(n)]
    drugs = [
        [f"P{i}", "Amoxicilina", "500 mg", "8 h", "2024-01-02", "", "", f"S{i}"] for i in range(n)
    ]
    return [
        ("import_patients", people),
        ("import_clinical_background", [sheets.BACKGROUND_HEADER, *background]),
        ("import_clinical_notes", [sheets.NOTES_HEADER, *notes]),
        ("import_medications", [sheets.MEDICATION_HEADER, *drugs]),
    ]


@pytest.mark.django_db
def test_every_sheet_type_costs_the_same_queries_for_n_and_4n_rows(
    tmp_path, clinic, other_clinic, monkeypatch
):
    counts = []
    for target, n in ((clinic, 6), (other_clinic, 24)):
        with queries_per_type(monkeypatch) as per_type:
            for command, rows in sheet_files(tmp_path, n, target.slug):
                path = sheets.write(tmp_path / f"{target.slug}-{command}.csv", rows)
                status, out, _ = sheets.run(command, path, target.slug)
                assert status == 0, out
        counts.append(per_type)
    assert_same_counts(*counts, [*SHEET_TYPES, "whole run"])
