"""Rows typed by the helper process import exactly as rows typed in the importer, and a
helper that fails, falls behind or is left running never costs a row."""

import logging
import os
import pickle
import resource
import select
import signal
import sqlite3
from pathlib import Path

import pytest

from dentalpin_import.loader import runner as runner_module
from dentalpin_import.mapping.base import Defer
from dentalpin_import.mapping.registry import MAPPERS
from dentalpin_import.mapping.treatments import AppliedTreatmentMapper
from dentalpin_import.reader import typed_ahead, typed_stream
from dentalpin_import.reader.care_records import SourceAppliedTreatment, planned_payload
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.integrity import compute_hash
from dentalpin_import.reader.records import SourcePatient
from dentalpin_import.reader.typed_ahead import Planned, TypedAhead, TypedChunk
from dentalpin_import.reader.typed_stream import (
    Unreadable,
    Waiting,
    field_names,
    pack,
    type_rows,
    unpack,
)
from dentalpin_import.reader.values import Payload
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.jobs.test_cancel import cancelled_after_the_patients
from tests.dentalpin_import.loader.test_memory import fingerprint

pytestmark = pytest.mark.slow  # the typing helper is a process of its own


def waiting_for_the_helper(self) -> bool:
    """`TypedAhead._readable` that waits: every chunk the helper types is used (no race)."""
    ready, _, _ = select.select([self.proc.stdout], [], [], 30)
    return bool(ready)


@pytest.fixture
def helper_runs(monkeypatch, settings):
    """Every run starts the helper, waits for it, and its row counts are kept."""
    settings.DPMF_TYPING_PROCESS = True
    settings.DPMF_TYPING_PROCESS_MIN_ROWS = 0
    settings.DPMF_CHUNK_SIZE = 25
    monkeypatch.setattr(TypedAhead, "_readable", waiting_for_the_helper)
    runs = []
    finish = TypedAhead.finish

    def keep(self):
        runs.append(dict(self.delivered, planned=list(self.order), proc=self.proc))
        finish(self)

    monkeypatch.setattr(TypedAhead, "finish", keep)
    return runs


def sample_with_unreadable_rows(tmp_path):
    """A 40-patient sample in which two payloads are JSON but not objects (hash kept right)."""
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=11, layer="raw")
    with sqlite3.connect(sample.path) as conn:
        conn.execute("UPDATE patient SET payload = '[1,2]' WHERE rowid = 3")
        conn.execute("UPDATE appointment SET payload = '\"oops\"' WHERE rowid = 7")
        types = [r[0] for r in conn.execute("SELECT entity_type FROM _entities")]
        conn.execute(
            "UPDATE _meta SET value = ? WHERE key = 'integrity_hash'",
            [compute_hash(conn, types, None)],
        )
    return Path(sample.path)


def imported_without_the_helper(path, clinic, settings):
    settings.DPMF_TYPING_PROCESS = False
    status, out, report = run_import(path, clinic.slug, report=path.with_suffix(".plain.json"))
    assert status == 0, out
    settings.DPMF_TYPING_PROCESS = True
    return report


def same_report(a, b) -> bool:
    keys = ("status", "warnings", "entities", "reconciliation")
    return {k: a[k] for k in keys} == {k: b[k] for k in keys}


@pytest.mark.django_db
def test_rows_typed_by_the_helper_import_as_rows_typed_here(
    tmp_path, clinic, other_clinic, settings, helper_runs
):
    path = sample_with_unreadable_rows(tmp_path)
    here = imported_without_the_helper(path, clinic, settings)
    status, out, helped = run_import(path, other_clinic.slug, report=tmp_path / "h.json")
    assert status == 0, out
    run = helper_runs[-1]
    assert "patient" in run["planned"] and "appointment" in run["planned"]
    assert run["typed"] > 1000  # every planned type came typed from the helper
    assert same_report(here, helped)
    shape = fingerprint(clinic)
    assert shape["warnings"][("patient", "payload.decode_error")] == 1
    assert shape["warnings"][("appointment", "payload.decode_error")] == 1
    assert fingerprint(other_clinic) == shape
    assert run["proc"] is None or run["proc"].poll() is not None  # reaped


@pytest.mark.django_db
def test_a_helper_that_fails_partway_leaves_the_rest_to_the_importer(
    tmp_path, clinic, other_clinic, settings, helper_runs, monkeypatch, caplog
):
    path = sample_with_unreadable_rows(tmp_path)
    here = imported_without_the_helper(path, clinic, settings)
    plan = runner_module.Runner.typing_plan

    def plan_with_a_type_the_helper_refuses(self, order):
        planned = plan(self, order)
        # The helper refuses a class outside the reader when it reaches that type.
        return [p._replace(record=dict) if p.entity_type == "appointment" else p for p in planned]

    monkeypatch.setattr(runner_module.Runner, "typing_plan", plan_with_a_type_the_helper_refuses)
    with caplog.at_level(logging.WARNING, logger="dentalpin_import.reader.typed_ahead"):
        status, out, helped = run_import(path, other_clinic.slug, report=tmp_path / "h.json")
    assert status == 0, out
    run = helper_runs[-1]
    assert run["typed"] > 0 and run["read here"] > 0
    assert "builtins.dict is not part of the reader" in caplog.text
    assert same_report(here, helped)
    assert fingerprint(other_clinic) == fingerprint(clinic)


@pytest.mark.django_db
def test_chunks_this_process_read_while_the_helper_started_are_not_delivered_twice(
    tmp_path, clinic, settings
):
    sample = generate_sample(tmp_path / "s.dpm", patients=60, seed=2, layer="raw")
    with open_dpmf(sample.path) as container:
        expected = [
            r.canonical_uuid for c in container.iter_rows("patient", chunk_size=10) for r in c
        ]
        rows = TypedAhead(container, 10, [Planned("patient", SourcePatient)])
        calls = []

        def late_helper(self):
            calls.append(1)
            return len(calls) > 2 and waiting_for_the_helper(self)

        rows._readable = late_helper.__get__(rows)
        chunks = list(rows.chunks("patient"))
        rows.finish()
    kinds = [type(c) for c in chunks]
    assert kinds[:2] == [list, list] and set(kinds[2:]) == {TypedChunk}
    assert [r.canonical_uuid for c in chunks for r in c] == expected
    assert all(isinstance(r, SourcePatient) for c in chunks[2:] for r in c)
    assert rows.peak_rss_kb and rows.proc is None


@pytest.mark.django_db
def test_a_rerun_starts_no_helper_and_a_small_file_neither(tmp_path, clinic, settings, helper_runs):
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=5, layer="raw")
    assert run_import(sample.path, clinic.slug)[0] == 0
    assert len(helper_runs) == 1
    assert helper_runs[0]["planned"] and helper_runs[0]["typed"] > 0
    assert run_import(sample.path, clinic.slug)[0] == 0
    assert len(helper_runs) == 1  # every type is mapped already: the file is read as it is
    settings.DPMF_TYPING_PROCESS_MIN_ROWS = 10**9
    other = generate_sample(tmp_path / "o.dpm", patients=30, seed=6, layer="raw")
    assert run_import(other.path, clinic.slug)[0] == 0
    assert len(helper_runs) == 1


@pytest.mark.django_db
def test_a_cancelled_run_stops_its_helper(tmp_path, clinic, settings, monkeypatch):
    settings.DPMF_TYPING_PROCESS_MIN_ROWS = 0
    settings.DPMF_CHUNK_SIZE = 10
    # A one-page pipe: the helper is still writing the later types when the run stops.
    monkeypatch.setattr(typed_ahead, "PIPE_BYTES", 4096)
    started = []
    start = TypedAhead._start

    def keep(self, planned):
        started.append(start(self, planned))
        return started[-1]

    monkeypatch.setattr(TypedAhead, "_start", keep)
    job = cancelled_after_the_patients(tmp_path, clinic)
    assert job.status == "cancelled"
    [proc] = started
    assert proc.returncode == -signal.SIGKILL  # stopped and reaped, not left typing


def test_unreadable_rows_come_back_with_the_warning_they_earn(tmp_path):
    class Refusing(SourcePatient):
        @classmethod
        def from_row(cls, row):
            if row.source_id == "2":
                raise ValueError("no such thing")
            return super().from_row(row)

    sample = generate_sample(tmp_path / "s.dpm", patients=3, seed=1, layer="raw")
    with sqlite3.connect(sample.path) as conn:
        conn.execute("UPDATE patient SET payload = '5' WHERE source_id = '1'")
    with open_dpmf(sample.path, verify=False) as container:
        [rows] = list(container.iter_rows("patient", chunk_size=10))
        items = dict(zip([r.source_id for r in rows], type_rows(Refusing, rows), strict=True))
    assert items["1"].code == "payload.decode_error" and "not a JSON object" in items["1"].message
    assert items["2"] == Unreadable(
        items["2"].canonical_uuid,
        "2",
        "row.failed",
        "This row could not be read (ValueError); the rest of the import went on.",
    )
    assert isinstance(items["3"], SourcePatient)


def test_a_wait_check_that_trips_on_a_row_makes_that_row_unreadable_not_the_helper_fail(
    tmp_path,
):
    sample = generate_sample(tmp_path / "s.dpm", patients=3, seed=1, layer="raw")

    def waits(payload):
        if payload.text("given_name").startswith(first_name):
            raise KeyError("a wait check that trips")
        return False

    with open_dpmf(sample.path, verify=False) as container:
        [rows] = list(container.iter_rows("patient", chunk_size=10))
        first_name = rows[0].payload["given_name"]
        items = type_rows(SourcePatient, rows, waits)
    assert items[0] == Unreadable(
        rows[0].canonical_uuid,
        rows[0].source_id,
        "row.failed",
        "This row could not be read (KeyError); the rest of the import went on.",
    )
    assert all(isinstance(item, SourcePatient) for item in items[1:])


@pytest.mark.django_db
def test_the_helper_works_in_a_process_holding_more_than_1024_descriptors(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this system allows too few open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = []  # a long-lived web server's sockets and files, say
    try:
        with open(os.devnull) as null:
            while len(held) < 1100:
                held.append(os.dup(null.fileno()))
        sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=2, layer="raw")
        with open_dpmf(sample.path) as container:
            rows = TypedAhead(container, 10, [Planned("patient", SourcePatient)])
            assert rows.proc.stdout.fileno() > 1024
            delivered = [r.source_id for c in rows.chunks("patient") for r in c]
            rows.finish()
        assert len(delivered) == len(set(delivered)) == 40
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.django_db
def test_a_helper_that_cannot_start_leaves_the_typing_to_the_importer(
    tmp_path, clinic, settings, monkeypatch, caplog
):
    settings.DPMF_TYPING_PROCESS_MIN_ROWS = 0
    settings.DPMF_CHUNK_SIZE = 10
    monkeypatch.setattr(typed_ahead.sys, "executable", str(tmp_path / "python3-gone"))
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=5, layer="raw")
    with caplog.at_level(logging.WARNING, logger="dentalpin_import.reader.typed_ahead"):
        status, out, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert "could not start the typing process" in caplog.text
    assert report["entities"]["patient"]["created"] == 30


def test_records_cross_the_pipe_as_values_and_come_back_equal(tmp_path):
    sample = generate_sample(tmp_path / "s.dpm", patients=20, seed=4, layer="raw")
    with open_dpmf(sample.path, verify=False) as container:
        for entity_type in ("patient", "applied_treatment", "payment", "budget_line"):
            cls = MAPPERS[entity_type].record
            [rows] = list(container.iter_rows(entity_type, chunk_size=1000))
            items = type_rows(cls, rows)
            items[1] = Unreadable(items[1].canonical_uuid, "x", "row.failed", "boom")
            items[2] = Waiting(items[2].canonical_uuid)
            frame = pickle.loads(pickle.dumps(pack(cls, items), protocol=5))
            back = unpack(cls, field_names(cls), frame)
            assert back == items
            assert [type(i) for i in back] == [type(i) for i in items]
            assert back[0].raw == items[0].raw and back[0].problems == items[0].problems
    with pytest.raises(ValueError, match="other fields"):
        unpack(SourcePatient, field_names(SourcePatient)[::-1], [])


@pytest.mark.django_db
def test_a_helper_of_other_code_gives_way_to_the_importer(
    tmp_path, clinic, other_clinic, settings, helper_runs, monkeypatch, caplog
):
    """Records whose fields differ between the two processes are never rebuilt wrongly."""
    path = sample_with_unreadable_rows(tmp_path)
    here = imported_without_the_helper(path, clinic, settings)
    names = typed_stream.field_names
    monkeypatch.setattr(
        typed_stream,
        "field_names",
        lambda cls: names(cls)[::-1] if cls is SourcePatient else names(cls),
    )
    with caplog.at_level(logging.WARNING, logger="dentalpin_import.reader.typed_ahead"):
        status, out, helped = run_import(path, other_clinic.slug, report=tmp_path / "h.json")
    assert status == 0, out
    assert "SourcePatient has other fields in the typing process" in caplog.text
    assert helper_runs[-1]["read here"] >= 40  # the patients, and every row after them
    assert same_report(here, helped)
    assert fingerprint(other_clinic) == fingerprint(clinic)


@pytest.mark.django_db
def test_the_helper_holds_planned_treatments_back_for_the_final_pass(
    tmp_path, clinic, other_clinic, settings, helper_runs, monkeypatch
):
    """Planned treatments are mapped once, in the final pass, as they are without the helper."""
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=3, layer="raw")
    path = Path(sample.path)
    with open_dpmf(path, verify=False) as container:
        planned = sum(
            planned_payload(Payload(row.payload))
            for rows in container.iter_rows("applied_treatment", chunk_size=1000)
            for row in rows
        )
    assert planned > 10
    here = imported_without_the_helper(path, clinic, settings)
    deferred = []
    map_row = AppliedTreatmentMapper.map

    def counting(self, record, ctx):
        try:
            return map_row(self, record, ctx)
        except Defer:
            deferred.append(record.canonical_uuid)
            raise

    monkeypatch.setattr(AppliedTreatmentMapper, "map", counting)
    typed_here = []
    from_row = SourceAppliedTreatment.from_row.__func__

    def typing_here(cls, row):
        typed_here.append(row.canonical_uuid)
        return from_row(cls, row)

    monkeypatch.setattr(SourceAppliedTreatment, "from_row", classmethod(typing_here))
    status, out, helped = run_import(path, other_clinic.slug, report=tmp_path / "h.json")
    assert status == 0, out
    assert "applied_treatment" in helper_runs[-1]["planned"]
    assert deferred == []  # none was typed, sent and mapped only to be put off
    # The final pass came typed from the helper too: not one treatment was typed here.
    assert typed_here == []
    assert same_report(here, helped)
    assert fingerprint(other_clinic) == fingerprint(clinic)


@pytest.mark.django_db
def test_a_helper_gone_before_the_final_pass_leaves_its_rows_to_the_importer(
    tmp_path, clinic, other_clinic, settings, helper_runs, monkeypatch, caplog
):
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=3, layer="raw")
    path = Path(sample.path)
    here = imported_without_the_helper(path, clinic, settings)
    final_chunks = TypedAhead.final_chunks

    def helper_lost_before_its_final_rows(self, entity_type, keys, **kwargs):
        if entity_type == "applied_treatment" and self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            while os.read(self.proc.stdout.fileno(), 1 << 16):
                pass  # what it had sent after the type's end is lost with it
        return final_chunks(self, entity_type, keys, **kwargs)

    monkeypatch.setattr(TypedAhead, "final_chunks", helper_lost_before_its_final_rows)
    with caplog.at_level(logging.WARNING, logger="dentalpin_import.reader.typed_ahead"):
        status, out, helped = run_import(path, other_clinic.slug, report=tmp_path / "h.json")
    assert status == 0, out
    assert "the typing process stopped" in caplog.text
    assert helper_runs[-1]["read here"] > 0
    assert same_report(here, helped)
    assert fingerprint(other_clinic) == fingerprint(clinic)
