"""Memory-bounded runs: forgetting resolved keys changes nothing, the cache keeps what is looked
up, the collector is handed back, and no chunk leaves a reference cycle behind."""

import gc
import weakref
from collections import Counter

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from clinics.models import Appointment, Payment, PrescriptionItem
from dentalpin_import.models import ImportWarning
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def fingerprint(clinic) -> dict:
    """Rows per clinic table, filled links per foreign key, and warnings by code."""
    shape = {}
    with scope(clinic=clinic):
        for model in apps.get_app_config("clinics").get_models():
            if not any(f.name == "clinic" for f in model._meta.concrete_fields):
                continue
            rows = model.objects.filter(clinic=clinic)
            shape[model.__name__] = rows.count()
            for f in model._meta.concrete_fields:
                if f.is_relation and f.name != "clinic":
                    shape[f"{model.__name__}.{f.name}"] = rows.exclude(**{f.attname: None}).count()
    warnings = ImportWarning.objects.filter(clinic=clinic).values_list("entity_type", "code")
    shape["warnings"] = Counter(warnings)
    return shape


@pytest.mark.django_db
def test_forgetting_resolved_keys_changes_nothing(tmp_path, clinic, other_clinic, settings):
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=11, layer="raw")
    settings.DPMF_CHUNK_SIZE = 25
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    settings.DPMF_ID_CACHE_SIZE = 0  # forget before every chunk
    status, out, _ = run_import(sample.path, other_clinic.slug)
    assert status == 0, out
    kept, forgotten = fingerprint(clinic), fingerprint(other_clinic)
    assert kept["Patient"] == 40 and kept["AppliedTreatment"] > 0
    assert kept["AppliedTreatment.budget_line"] > 0 and kept["Payment.applied_treatment"] > 0
    assert forgotten == kept


@pytest.mark.django_db
def test_objects_frozen_for_the_run_are_handed_back_to_the_collector(tmp_path, clinic):
    sample = generate_sample(tmp_path / "s.dpm", patients=5, seed=2, layer="raw")
    before = gc.get_freeze_count()
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    # A worker running many jobs must not keep a growing set of uncollectable objects.
    assert gc.get_freeze_count() == before == 0


@pytest.mark.django_db
def test_an_import_runs_without_automatic_collection_and_hands_it_back(
    tmp_path, clinic, monkeypatch
):
    from dentalpin_import.loader import runner

    seen = []
    pipeline = runner.Runner.pipeline

    def watched(self):
        seen.append(gc.isenabled())
        pipeline(self)

    monkeypatch.setattr(runner.Runner, "pipeline", watched)
    sample = generate_sample(tmp_path / "s.dpm", patients=3, seed=2, layer="raw")
    assert gc.isenabled()
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    assert seen == [False]
    assert gc.isenabled()
    # A caller that had turned collection off keeps it off.
    gc.disable()
    try:
        status, out, _ = run_import(sample.path, clinic.slug)
        assert status == 0, out
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.django_db
def test_an_import_leaves_its_rows_to_reference_counting(tmp_path, clinic, monkeypatch):
    """With automatic collection off for the run, a reference cycle would keep a chunk's rows."""
    from dentalpin_import.loader import runner

    found = []

    class Collector:
        def __getattr__(self, name):
            return getattr(gc, name)

        def collect(self, *args):
            found.append(gc.collect(*args))
            return found[-1]

    monkeypatch.setattr(runner, "gc", Collector())
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=4, layer="raw")
    gc.collect()
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    assert len(found) >= 5  # a collection per commit, at least one per phase
    assert sum(found) == 0  # and not one object was left in a cycle


@pytest.mark.django_db
def test_a_reference_cycle_made_during_a_run_is_freed_at_the_next_commit(
    tmp_path, clinic, monkeypatch
):
    from dentalpin_import.loader import chunks, runner

    class Cyclic:
        pass

    refs, alive_at_the_end = [], []
    save = chunks.ChunkWriter.save
    pipeline = runner.Runner.pipeline

    def save_leaving_a_cycle(self, outcomes, markers):
        obj = Cyclic()
        obj.me = obj
        refs.append(weakref.ref(obj))
        save(self, outcomes, markers)

    def watched(self):
        pipeline(self)
        # Still inside the run: automatic collection is off until it ends.
        alive_at_the_end.extend(ref for ref in refs if ref() is not None)

    monkeypatch.setattr(chunks.ChunkWriter, "save", save_leaving_a_cycle)
    monkeypatch.setattr(runner.Runner, "pipeline", watched)
    sample = generate_sample(tmp_path / "s.dpm", patients=5, seed=2, layer="raw")
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    assert refs and alive_at_the_end == []


def import_counting_patient_lookups(path, clinic) -> int:
    """Import `path`; return how many reference look-ups went to the database for patient keys."""
    with CaptureQueriesContext(connection) as run:
        status, out, _ = run_import(path, clinic.slug)
    assert status == 0, out
    return sum(
        1
        for q in run.captured_queries
        if q["sql"].startswith("SELECT canonical_uuid, target_id, target_table")
        and "'patient'" in q["sql"]
    )


@pytest.mark.django_db
def test_rows_nothing_refers_to_leave_the_patients_in_the_key_cache(tmp_path, clinic, settings):
    rows = [b.professional(1)]
    for n in range(1, 41):
        rows += [b.client(n), b.patient(n, client_sid=n)]
        rows += [b.appointment(f"{n}-{k}", n, 1) for k in range(3)]
    path = b.build(tmp_path, rows, name="leaves")
    settings.DPMF_CHUNK_SIZE = 20
    # Room for the 40 clients, 40 patients and the professional, not for 120 appointments.
    settings.DPMF_ID_CACHE_SIZE = 100
    # Every appointment finds its patient among the keys the run kept.
    assert import_counting_patient_lookups(path, clinic) == 0
    with scope(clinic=clinic):
        assert Appointment.objects.filter(clinic=clinic, patient__isnull=False).count() == 120


@pytest.mark.django_db
def test_keys_no_later_type_refers_to_are_forgotten_and_leave_room(tmp_path, clinic, settings):
    rows = [b.professional(1)]
    for n in range(1, 41):
        rows += [b.client(n), b.patient(n, client_sid=n)]
        prescription = dict(
            patient_uuid=b.uid("patient", n), professional_uuid=b.uid("professional", 1)
        )
        rows += [b.row("prescription", n, **prescription, prescribed_on="2026-03-04")]
        rows += [
            b.row(
                "prescription_item",
                n,
                prescription_uuid=b.uid("prescription", n),
                drug_description="Ibuprofeno 600",
            )
        ]
        rows += [b.payment(n, n, "10.00", patient_uuid=b.uid("patient", n))]
    path = b.build(tmp_path, rows, name="forgotten")
    settings.DPMF_CHUNK_SIZE = 20
    # The professional, 40 clients, 40 patients and 40 prescriptions fill 121 of 125 places.
    # Once the prescription items are in, nothing refers to a prescription any more: the
    # payments that follow find room for their own keys beside the patients.
    settings.DPMF_ID_CACHE_SIZE = 125
    assert import_counting_patient_lookups(path, clinic) == 0
    with scope(clinic=clinic):
        assert (
            PrescriptionItem.objects.filter(clinic=clinic, prescription__isnull=False).count() == 40
        )
        assert Payment.objects.filter(clinic=clinic, patient__isnull=False).count() == 40


@pytest.mark.django_db
def test_an_import_runs_with_the_larger_page_cache_and_hands_the_connection_back(
    tmp_path, clinic, settings, monkeypatch
):
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    from dentalpin_import.loader import runner

    def cache_size():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    seen = []
    pipeline = runner.Runner.pipeline

    def watched(self):
        seen.append(cache_size())
        pipeline(self)

    monkeypatch.setattr(runner.Runner, "pipeline", watched)
    settings.DPMF_SQLITE_CACHE_MIB = 24
    before = cache_size()
    sample = generate_sample(tmp_path / "s.dpm", patients=3, seed=2, layer="raw")
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    assert seen == [-24 * 1024]  # negative: KiB, as SQLite reads it
    assert cache_size() == before != -24 * 1024


@pytest.mark.django_db
def test_sqlite_keeps_statement_journals_in_memory():
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    # Set when the connection opens: SQLite refuses to change it inside a transaction.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        assert cursor.fetchone()[0] == 2  # MEMORY
