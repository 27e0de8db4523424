"""A row the rules left out of the trial import is imported when the later file has it
valid, with the rows that followed it out; a row the clinic has that the later file leaves
out is kept and said (issue 27)."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import LedgerEntry
from dentalpin_import.jobs.undo import undo_job
from dentalpin_import.loader.changes import summarise
from dentalpin_import.loader.updates import KEPT_LEFT_OUT
from dentalpin_import.models import SKIP_SUFFIX, EntityMapping, ImportJob, ImportWarning
from dentalpin_import.reader.container import open_dpmf
from tests import dpmf_builder as b
from tests.dentalpin_import.cutover.test_cutover import imported
from tests.dentalpin_import.mapping.test_left_out_parents import applied, debt

FIGURES = ("created", "already_mapped", "skipped", "failed")


def rows(bad=None, ok=None, zero="0.00"):
    """A patient owing two debts, both paid in part by one payment; `bad` and `ok` are
    changes to the debts (d-bad is written off unless said otherwise)."""
    return [
        b.client(1),
        b.patient(1),
        b.link(1, 1, 1),
        debt("d-ok", "30.00", **(ok or {})),
        debt("d-bad", "15.00", **(bad or {"uncollectible": True})),
        debt("d-zero", zero),
        b.payment("p1", 1, "100.00"),
        applied("a-ok", "d-ok", "p1"),
        applied("a-bad", "d-bad", "p1"),
    ]


def figures(report, entity_type):
    return tuple(report["entities"][entity_type][k] for k in FIGURES)


def debts(clinic) -> list[str]:
    """The amounts of the clinic's debts the import brought."""
    mapped = EntityMapping.objects.filter(clinic=clinic, entity_type="debt")
    with scopes_disabled():
        found = LedgerEntry.objects.filter(pk__in=[int(m.target_id) for m in mapped])
        return sorted(str(a) for a in found.values_list("amount", flat=True))


def markers(clinic, entity_type) -> int:
    return EntityMapping.objects.filter(
        clinic=clinic, entity_type=entity_type + SKIP_SUFFIX
    ).count()


@pytest.mark.django_db(transaction=True)
def test_a_debt_written_off_in_the_trial_and_owed_later_is_imported_with_its_application(
    tmp_path, clinic
):
    first, _ = imported(tmp_path, clinic, rows(), "first")
    assert figures(first, "debt") == (1, 0, 2, 0)
    assert figures(first, "debt_payment_application") == (1, 0, 1, 0)
    later_rows = rows(bad={"uncollectible": False})
    rehearsal, _ = imported(tmp_path, clinic, later_rows, "rehearsal", "--dry-run")
    later, _ = imported(tmp_path, clinic, later_rows, "later")
    assert rehearsal["entities"] == later["entities"]
    assert figures(later, "debt") == (1, 2, 0, 0)  # d-zero is still left out: as before
    assert figures(later, "debt_payment_application") == (1, 1, 0, 0)
    assert debts(clinic) == ["15.00", "30.00"]
    assert later["reconciliation"]["adds_up"] is True, later["reconciliation"]
    assert (markers(clinic, "debt"), markers(clinic, "debt_payment_application")) == (1, 0)
    again, _ = imported(tmp_path, clinic, later_rows, "again")
    assert figures(again, "debt") == (0, 3, 0, 0)
    assert figures(again, "debt_payment_application") == (0, 2, 0, 0)

    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    assert debts(clinic) == ["30.00"]
    assert (markers(clinic, "debt"), markers(clinic, "debt_payment_application")) == (2, 1)
    trial_again, _ = imported(tmp_path, clinic, rows(), "trial again")
    assert figures(trial_again, "debt") == (0, 3, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_left_out_debt_the_later_file_breaks_fails_and_keeps_its_marker(tmp_path, clinic):
    imported(tmp_path, clinic, rows(), "first")
    later, _ = imported(tmp_path, clinic, rows(zero="-5.00"), "later")
    assert figures(later, "debt") == (0, 2, 0, 1)
    assert ImportWarning.objects.filter(
        job_id=later["job_id"], code="debt.negative_amount"
    ).exists()
    assert debts(clinic) == ["30.00"] and markers(clinic, "debt") == 2


@pytest.mark.django_db(transaction=True)
def test_a_debt_written_off_after_the_trial_is_kept_and_said(tmp_path, clinic):
    imported(tmp_path, clinic, rows(), "first")
    later, _ = imported(tmp_path, clinic, rows(ok={"uncollectible": True}), "later")
    assert figures(later, "debt") == (0, 2, 1, 0)
    assert debts(clinic) == ["30.00"]  # never deleted
    kept = ImportWarning.objects.filter(job_id=later["job_id"], code=KEPT_LEFT_OUT)
    assert list(kept.values_list("source_id", flat=True)) == ["d-ok"]
    assert figures(later, "debt_payment_application") == (0, 2, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_preview_counts_a_left_out_debt_the_later_file_changed_as_new(tmp_path, clinic):
    imported(tmp_path, clinic, rows(), "first")
    path = b.build(tmp_path, rows(bad={"uncollectible": False}), name="later preview")
    with open_dpmf(path) as source:
        debts_now = summarise(source, clinic, source.source_system)["debt"]
    # d-bad is owed now (imported by the cutover); d-zero is left out as before.
    assert (debts_now["new"], debts_now["unchanged"], debts_now["changed"]) == (1, 2, 0)
    assert debts_now["samples"]["new"] == ["d-bad"]
