"""Every hostile input of the table (cases.py) ends cleanly: refused, nothing written, nothing left.

Run on SQLite and on PostgreSQL (DATABASE_URL); `pytest tests/adversarial -v` lists
each input by name. How each one is expected to end is in its row.
"""

from __future__ import annotations

from collections import Counter

import pytest

from dentalpin_import.web import urls
from tests.adversarial.cases import CASES, INERT, JOB_URLS, REFUSED, Case

MINIMUM = 40


REFUSALS = [c for c in CASES if c.outcome == REFUSED]
TAKEN = [c for c in CASES if c.outcome == INERT]


def attacked(world, case: Case):
    """Run `case` on `world`; return the answer after the checks every case shares."""
    for need in case.needs:
        need(world) if callable(need) else getattr(world, need)
    before = world.snapshot()
    answer = case.attack(world)
    assert "Traceback" not in answer.text
    assert answer.status in case.status, f"{answer.status}: {answer.words[-1500:]}"
    assert case.says in answer.words, answer.words[-1500:]
    if case.hides is not None:
        assert case.hides(world) not in answer.text
    assert world.plaintext_left() == []
    return before


@pytest.mark.django_db
@pytest.mark.parametrize("case", REFUSALS, ids=[c.id for c in REFUSALS])
def test_a_hostile_input_is_refused_and_changes_nothing(world, case: Case):
    before = attacked(world, case)
    assert world.changes(before) == {}


# The import runs in a background thread, which sees only committed rows.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", TAKEN, ids=[c.id for c in TAKEN])
def test_a_hostile_value_an_import_takes_is_made_harmless(world, case: Case):
    attacked(world, case)


def test_the_table_holds_at_least_40_hostile_inputs_in_every_category():
    assert len(CASES) >= MINIMUM
    assert len({c.id for c in CASES}) == len(CASES)
    by_category = Counter(c.category for c in CASES)
    assert min(by_category.values()) >= 2, by_category
    assert {c.outcome for c in CASES} == {REFUSED, INERT}


def test_every_url_that_names_a_job_is_attacked_by_another_clinics_member():
    """A job URL added later must be added to the table: the attack list follows the URLconf."""
    with_job = {p.name for p in urls.urlpatterns if "job_id" in p.pattern.converters}
    assert with_job == set(JOB_URLS)
