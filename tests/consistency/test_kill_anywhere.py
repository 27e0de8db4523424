"""Kill an import anywhere, run the same command again: the clinic ends as after one clean run.

For each kill point, `import_dpmf` runs in another process on this test's
database (SQLite file or PostgreSQL) and dies by SIGKILL at that point
(`kill_at.py`: a chosen call, nothing cleaned up); then the very same command
runs again, to the end, and must exit 0. The clinic's content is then compared
table by table (`snapshot.py`), with its warnings and its report, with a clinic
that imported the same file in one uninterrupted run of the same command.

The kill points follow the phase log: the pre-flight check, every dependency
level (level 9 too: the sample carries a type no mapper knows, kept raw),
part-way through a level after some chunks committed (chunks of 10 rows, each
committed alone), the final passes of a type (planned treatments, refunds),
the second passes run
after every type ("binaries and file warnings": staged files, payer links,
budget links and totals), reconciliation, and the moment between the run's end
and its status being written. One kill is chosen by polling the job's phase log
from here, one file is encrypted, and one clinic is killed twice before its run
finishes.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command

from clinics.models import Clinic
from dentalpin_import.models import ImportJob
from tests.consistency import kill_at
from tests.consistency.commands import CLINIC_NAME, PASSPHRASE, Commands, import_args
from tests.consistency.samples import FUTURE_TYPE, sample_files
from tests.consistency.snapshot import assert_same_content, snapshot
from tests.processes import shared_database_url, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PATIENTS = 40
SEED = 25
# Small chunks, each committed alone: a kill part-way through a type leaves some of
# its chunks committed and one open, as a kill of a large import would.
SMALL_CHUNKS = {"DPMF_CHUNK_SIZE": "10", "DPMF_COMMIT_ROWS": "1"}
RUNNER = "dentalpin_import.loader.runner"
COMMIT = f"{RUNNER}:Runner.commit"
BUDGET_LINES_FINISH = "dentalpin_import.mapping.budgets:BudgetLineMapper.finish"
TREATMENTS_FINISH = "dentalpin_import.mapping.treatments:AppliedTreatmentMapper.finish"
CENTRE_FINISH = "dentalpin_import.mapping.centres:CenterMapper.finish"
LINKS_FINISH = "dentalpin_import.mapping.clients:PatientClientLinkMapper.finish"
LEVEL = {
    1: "level 1 identity and masters",
    2: "level 2 patients and payers",
    3: "level 3 schedules",
    3.5: "level 3.5 budgets",
    4: "level 4 clinical",
    6: "level 6 receivables",
    7: "level 7 fiscal",
    8: "level 8 documents",
    9: "level 9 unknown types (raw)",
}
BINARIES = "binaries and file warnings"
RECONCILIATION = "reconciliation"


@dataclass(frozen=True)
class Kill:
    """Die on the `nth` call of `target` (counting calls while `during` is imported)."""

    target: str
    nth: int = 1
    when: str = "before"
    during: str | None = None
    # The last line of the killed job's phase log: where in the phase log it died.
    after_phase: str = "validation"

    def args(self) -> list[str]:
        args = ["--target", self.target, "--nth", str(self.nth), "--when", self.when]
        return args + (["--during-type", self.during] if self.during else [])


@dataclass(frozen=True)
class Scenario:
    name: str
    kills: tuple[Kill, ...]
    layer: str = "raw"
    env: dict = field(default_factory=dict)


def commit(nth: int, when: str, during: str, after_phase: str) -> Kill:
    return Kill(COMMIT, nth, when, during, after_phase)


SCENARIOS = [
    Scenario(
        "before anything is imported, during the pre-flight check",
        (Kill("dentalpin_import.jobs.preflight:preflight", 1, "after", None, "validation"),),
    ),
    Scenario(
        "level 1, before the 2nd chunk of treatment catalogue items commits",
        (commit(2, "before", "treatment_catalog_item", "validation"),),
    ),
    Scenario(
        "level 2, after 2 chunks of patients committed",
        (commit(2, "after", "patient", LEVEL[1]),),
    ),
    Scenario(
        "level 3, before the first chunk of calendar days commits",
        (commit(1, "before", "work_calendar_day", LEVEL[2]),),
    ),
    Scenario(
        "level 3.5, after 5 chunks of budget lines committed",
        (commit(5, "after", "budget_line", LEVEL[3]),),
    ),
    Scenario(
        "level 4, after 8 chunks of applied treatments committed",
        (commit(8, "after", "applied_treatment", LEVEL[3.5]),),
    ),
    Scenario(
        "level 4, after 3 chunks of the applied treatments' final pass (planned ones) committed",
        (commit(20, "after", "applied_treatment", LEVEL[3.5]),),
    ),
    Scenario(
        "level 4, before the 3rd chunk of treatment phases commits",
        (commit(3, "before", "applied_treatment_phase", LEVEL[3.5]),),
    ),
    Scenario(
        "level 6, after 3 chunks of payments committed",
        (commit(3, "after", "payment", LEVEL[4]),),
    ),
    Scenario(
        "level 6, before the final pass of payments (refunds) commits",
        (commit(6, "before", "payment", LEVEL[4]),),
    ),
    Scenario(
        "level 7, before the 2nd chunk of invoices commits",
        (commit(2, "before", "fiscal_document", LEVEL[6]),),
    ),
    Scenario(
        "level 8, after 2 chunks of documents committed",
        (commit(2, "after", "patient_document", LEVEL[7]),),
    ),
    Scenario(
        "level 9 (a type no mapper knows), after 2 chunks of raw rows committed",
        (commit(2, "after", FUTURE_TYPE, LEVEL[8]),),
    ),
    Scenario(
        "binaries and file warnings, after the files were staged",
        (Kill(f"{RUNNER}:stage_files", 1, "after", None, LEVEL[9]),),
    ),
    Scenario(
        "second passes, after the centre's post-pass (the clinic's own row)",
        (Kill(CENTRE_FINISH, 1, "after", None, LEVEL[9]),),
    ),
    Scenario(
        "second passes, after the payer links' post-pass",
        (Kill(LINKS_FINISH, 1, "after", None, LEVEL[9]),),
    ),
    Scenario(
        "second passes, before the budget lines' post-pass (links, totals)",
        (Kill(BUDGET_LINES_FINISH, 1, "before", None, LEVEL[9]),),
    ),
    Scenario(
        "second passes, after the treatments' post-pass",
        (Kill(TREATMENTS_FINISH, 1, "after", None, LEVEL[9]),),
    ),
    Scenario(
        "reconciliation, before it starts",
        (Kill(f"{RUNNER}:reconcile", 1, "before", None, BINARIES),),
    ),
    Scenario(
        "reconciliation, done but not recorded",
        (Kill(f"{RUNNER}:reconcile", 1, "after", None, BINARIES),),
    ),
    Scenario(
        "after the run, before the job's status is written",
        (Kill(f"{RUNNER}:Runner.run", 1, "after", None, RECONCILIATION),),
    ),
    Scenario(
        "killed twice: level 3.5, then again in the budget lines' post-pass",
        (
            commit(5, "after", "budget_line", LEVEL[3]),
            Kill(BUDGET_LINES_FINISH, 1, "before", None, LEVEL[9]),
        ),
    ),
    Scenario(
        "encrypted file, level 4, after 4 chunks of appointments committed",
        (commit(4, "after", "appointment", LEVEL[3.5]),),
        layer="zstd-enc",
    ),
]
# {(layer, env): the snapshot of an uninterrupted import}, made once per database run.
_REFERENCE: dict = {}


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """The same sample clinic as a plain and as an encrypted file."""
    folder = tmp_path_factory.mktemp("kill-samples")
    return sample_files(folder, patients=PATIENTS, seed=SEED, passphrase=PASSPHRASE)


@pytest.fixture
def commands(tmp_path):
    return Commands(tmp_path, shared_database_url(), dict(SMALL_CHUNKS))


def new_clinic(slug: str) -> Clinic:
    call_command("create_clinic", slug, "--name", CLINIC_NAME)
    return Clinic.objects.get(slug=slug)


def reference(commands: Commands, path: str) -> dict:
    """The snapshot of one uninterrupted import of the plain file (made once, then kept)."""
    key = ("raw", tuple(sorted(commands.env_overrides.items())))
    if key not in _REFERENCE:
        clinic = new_clinic("uninterrupted")
        commands.must("import_dpmf", *import_args(path, clinic.slug, encrypted=False))
        _REFERENCE[key] = snapshot(clinic)
        assert _REFERENCE[key]["report"]["status"] == "succeeded", _REFERENCE[key]["report"]
    return _REFERENCE[key]


def die_at(commands: Commands, kill: Kill, args: list[str], clinic: Clinic) -> None:
    """Run the import in a process that must die by SIGKILL at `kill`."""
    outcome = commands.run(["-m", "tests.consistency.kill_at", *kill.args(), "--", *args])
    if outcome.status == kill_at.VANISHED:
        pytest.fail(outcome.output)
    assert outcome.status == -signal.SIGKILL, (
        f"the import was to die at {kill} but exited {outcome.status}:\n{outcome.output[-3000:]}"
    )
    assert kill_at.REACHED in outcome.output
    job = ImportJob.objects.filter(clinic=clinic).order_by("-created_at").first()
    phases = [line["phase"] for line in job.phase_log]
    assert phases and phases[-1] == kill.after_phase, (
        f"expected to die after phase {kill.after_phase!r}; the phase log has {phases}"
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_killed_import_run_again_ends_as_an_uninterrupted_one(scenario, samples, commands):
    expected = reference(commands, samples["raw"])
    commands.env_overrides.update(scenario.env)
    clinic = new_clinic("killed")
    args = import_args(samples[scenario.layer], clinic.slug, encrypted=scenario.layer != "raw")
    for kill in scenario.kills:
        die_at(commands, kill, args, clinic)
    commands.must("import_dpmf", *args)
    assert_same_content(
        expected, snapshot(clinic), names=("uninterrupted", "killed"), what=scenario.name
    )


def test_an_import_killed_when_its_phase_log_shows_a_level_ends_as_an_uninterrupted_one(
    samples, commands
):
    """The kill chosen from outside: poll the job row, SIGKILL its process group."""
    expected = reference(commands, samples["raw"])
    # One row a chunk: the run outlasts the polling by far, so the kill lands in level 4.
    commands.env_overrides.update(DPMF_CHUNK_SIZE="1")
    clinic = new_clinic("polled")
    args = import_args(samples["raw"], clinic.slug, encrypted=False)
    proc = commands.start(["manage.py", "import_dpmf", *args])
    try:

        def phases() -> list[str]:
            if not proc.alive():
                pytest.fail(f"the import ended before it could be killed:\n{proc.output()}")
            job = ImportJob.objects.filter(clinic=clinic).first()
            return [line["phase"] for line in job.phase_log] if job else []

        wait_until(lambda: LEVEL[3.5] in phases(), what="the budgets level to end")
    finally:
        proc.kill()
    assert proc.popen.returncode == -signal.SIGKILL
    job = ImportJob.objects.get(clinic=clinic)
    assert job.status == "running", f"the import ended ({job.status}) before it was killed"
    commands.must("import_dpmf", *args)
    assert_same_content(expected, snapshot(clinic), names=("uninterrupted", "killed"))
