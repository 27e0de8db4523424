"""A run that dies at any point and is run again ends exactly where an uninterrupted one does.

The process is not killed here (tests/dentalpin_import/consistency does that for
real); a BaseException that run_job does not catch stands for the kill: the open
commit group is rolled back, the job row stays `running`, nothing else is tidied.
"""

from collections import Counter

import pytest
from django_scopes import scope

from clinics.models import Budget, Clinic
from dentalpin_import.jobs import services
from dentalpin_import.loader import runner
from dentalpin_import.mapping.appointments import AppointmentMapper
from dentalpin_import.mapping.budgets import BudgetLineMapper
from dentalpin_import.mapping.centres import CenterMapper
from dentalpin_import.mapping.clients import PatientClientLinkMapper
from dentalpin_import.models import ImportJob, ImportWarning
from dentalpin_import.sample.generator import generate_sample


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so no failure handling runs."""


def kill_on_call(monkeypatch, owner, name, n=1):
    """Make `owner.name` die on its n-th call."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Killed(f"killed in {owner.__name__}.{name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, dying)


def run(job):
    with services.open_job_file(job=job) as container:
        if job.status == "uploaded":
            services.validate_job(job=job, container=container)
        return services.run_job(job=job, container=container)


def new_job(path, clinic):
    return services.create_job(clinic=clinic, path=path)


def content(clinic):
    """What staff would see of the import: budgets, the clinic record, the job's warnings."""
    job = ImportJob.objects.filter(clinic=clinic).order_by("-created_at").first()
    with scope(clinic=clinic):
        budgets = Counter(
            Budget.objects.values_list("number", "status", "subtotal", "tax_total", "total")
        )
    record = Clinic.objects.filter(pk=clinic.pk).values("address", "phone", "centre_details")[0]
    warnings = Counter(
        ImportWarning.objects.filter(job=job).values_list(
            "entity_type", "code", "source_id", "canonical_uuid", "severity"
        )
    )
    report = services.report(job)
    for key in ("job_id", "clinic", "elapsed_s"):
        report.pop(key)
    return {"budgets": budgets, "clinic": record, "warnings": warnings, "report": report}


@pytest.fixture
def sample(tmp_path):
    return generate_sample(tmp_path / "s.dpm", patients=25, seed=11, layer="raw").path


@pytest.fixture(autouse=True)
def some_rows_fail(monkeypatch):
    """Every fourth appointment fails (no mapping, one warning): a run after a crash maps
    those rows again and must not store their warnings twice."""
    original = AppointmentMapper.map

    def map_or_fail(self, record, ctx):
        if int(record.canonical_uuid.replace("-", ""), 16) % 4 == 0:
            raise ValueError("this row cannot be imported")
        return original(self, record, ctx)

    monkeypatch.setattr(AppointmentMapper, "map", map_or_fail)


@pytest.fixture
def expected(sample, clinic):
    run(new_job(sample, clinic))
    return content(clinic)


def dies(job, owner, name, n=1):
    with pytest.MonkeyPatch.context() as patch:
        kill_on_call(patch, owner, name, n)
        with pytest.raises(Killed):
            run(job)
    job.refresh_from_db()
    assert job.status == "running"  # as a killed process leaves it
    return job


def found_dead(job):
    """What the next command does on finding the job's process gone (jobs.liveness)."""
    job.transition_to("interrupted", error="the import stopped unexpectedly")


KILL_POINTS = [
    pytest.param(runner.Runner, "commit", 3, id="mid-level commit"),
    pytest.param(runner.Runner, "phase", 4, id="start of a later level"),
    pytest.param(BudgetLineMapper, "finish", 1, id="budget totals pass"),
    pytest.param(PatientClientLinkMapper, "finish", 1, id="payer pass"),
    pytest.param(CenterMapper, "finish", 1, id="centre pass"),
    pytest.param(runner, "reconcile", 1, id="reconciliation"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("owner,name,n", KILL_POINTS)
def test_running_the_killed_job_again_ends_as_an_uninterrupted_run(
    sample, expected, other_clinic, monkeypatch, settings, owner, name, n
):
    settings.DPMF_CHUNK_SIZE = 20
    settings.DPMF_COMMIT_ROWS = 20  # commits inside levels, so a kill falls between them
    job = new_job(sample, other_clinic)
    found_dead(dies(job, owner, name, n))
    run(job)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert content(other_clinic) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("owner,name,n", KILL_POINTS)
def test_a_new_job_after_a_dead_one_leaves_the_same_clinic(
    sample, expected, other_clinic, monkeypatch, settings, owner, name, n
):
    """A job that died `running` still gets its budgets totalled and its centre applied."""
    settings.DPMF_CHUNK_SIZE = 20
    settings.DPMF_COMMIT_ROWS = 20
    dies(new_job(sample, other_clinic), owner, name, n)
    run(new_job(sample, other_clinic))
    got = content(other_clinic)
    assert got["budgets"] == expected["budgets"]
    assert got["clinic"] == expected["clinic"]
    # Every warning once in the clinic, whichever of the two jobs holds it.
    assert clinic_warnings(other_clinic) == expected["warnings"]


def clinic_warnings(clinic):
    return Counter(
        ImportWarning.objects.filter(clinic=clinic).values_list(
            "entity_type", "code", "source_id", "canonical_uuid", "severity"
        )
    )


@pytest.mark.django_db
def test_the_kill_points_reach_the_passes_they_name(sample, clinic, monkeypatch):
    """The passes above have work to do in this sample, so their kill points mean something."""
    got = content(clinic) if run(new_job(sample, clinic)) else None
    assert any(total for *_, total in got["budgets"])
    assert got["clinic"]["centre_details"]
    assert got["report"]["entities"]["patient_client_link"]["created"]
    assert got["report"]["entities"]["appointment"]["failed"] > 2


@pytest.mark.django_db
@pytest.mark.parametrize("again", ["the same job", "a new job"])
def test_a_sheet_run_killed_before_its_pass_still_gives_the_linked_patient_its_legacy_id(
    clinic, tmp_path, again
):
    from clinics.models import Patient
    from dentalpin_import.mapping.sheet_people import SheetPatientMapper
    from tests.dentalpin_import.csv.sheets import VALID_NHS, patients_rows, write

    with scope(clinic=clinic):
        known = Patient.objects.create(
            clinic=clinic,
            given_name="José",
            family_name="Muñoz",
            national_id=VALID_NHS.replace(" ", ""),
        )
    path = write(tmp_path / "p.csv", patients_rows())

    def sheet_job():
        job = services.create_job(
            clinic=clinic, path=path, source_kind="csv", options={"sheet": "", "encoding": ""}
        )
        with services.open_sheet_file(job=job) as sheet:
            services.validate_job(job=job, container=sheet)
        return job

    def run_sheet(job):
        with services.open_sheet_file(job=job) as sheet:
            services.run_job(job=job, container=sheet)

    job = sheet_job()
    with pytest.MonkeyPatch.context() as patch:
        kill_on_call(patch, SheetPatientMapper, "finish")
        with pytest.raises(Killed):
            run_sheet(job)
    known.refresh_from_db()
    assert known.legacy_id == ""  # the pass that fills it was taken back with the kill
    if again == "the same job":
        job.refresh_from_db()
        found_dead(job)
        run_sheet(job)
    else:
        run_sheet(sheet_job())
    known.refresh_from_db()
    assert known.legacy_id == "P001"


@pytest.mark.django_db
def test_a_run_whose_clinic_lock_session_ends_stops_and_fails_saying_so(
    sample, clinic, monkeypatch
):
    """Another import of the clinic could start once the lock is gone: this one must stop."""
    from django.db import connection

    from dentalpin_import.jobs import liveness, locks

    if connection.vendor != "postgresql":
        pytest.skip("a flock cannot be taken away from its process; an advisory lock's session can")
    monkeypatch.setattr(locks, "CHECK_EVERY_S", 0)
    job = new_job(sample, clinic)

    def end_the_lock_session(entry):
        if entry["phase"].startswith("level 1"):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    [locks.APP_NAME + str(job.pk)],
                )

    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        with pytest.raises(locks.LockLost):
            services.run_job(job=job, container=container, on_phase=end_the_lock_session)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == liveness.MSG_LOCK_LOST
