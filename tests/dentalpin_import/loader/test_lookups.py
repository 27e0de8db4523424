"""`__in_ids` finds what `__in` finds, with the same SQL, for ids and foreign keys."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.models import ImportJob, ImportWarning


@pytest.fixture
def patients(clinic):
    with scopes_disabled():
        return [Patient.objects.create(clinic=clinic, given_name=f"P{n}") for n in range(4)]


@pytest.mark.django_db
def test_ids_find_the_same_rows_as_in(patients):
    wanted = [patients[2].pk, patients[0].pk, patients[2].pk, None, 987654]
    with scopes_disabled():
        plain = Patient.objects.filter(pk__in=wanted).order_by("pk")
        fast = Patient.objects.filter(pk__in_ids=wanted).order_by("pk")
        assert list(fast) == list(plain) == [patients[0], patients[2]]
        assert str(fast.query) == str(plain.query)  # the same statement for the planner


@pytest.mark.django_db
def test_a_foreign_key_takes_ids_too(clinic):
    jobs = [ImportJob.objects.create(clinic=clinic, original_name=f"{n}.dpm") for n in range(3)]
    for job in jobs:
        ImportWarning.objects.create(job=job, clinic=clinic, code="x", message="m")
    wanted = {jobs[0].pk, jobs[2].pk}
    with scopes_disabled():
        # A job's id is a UUID, not an integer: refused, not turned into a number.
        with pytest.raises(TypeError, match="integer ids"):
            list(ImportWarning.objects.filter(job__in_ids=wanted))
        found = ImportWarning.objects.filter(clinic_id__in_ids=[clinic.pk]).count()
    assert found == 3


@pytest.mark.django_db
def test_no_ids_make_no_query_and_find_nothing(patients):
    with scopes_disabled(), CaptureQueriesContext(connection) as queries:
        assert list(Patient.objects.filter(pk__in_ids=[None])) == []
        assert list(Patient.objects.filter(pk__in_ids=set())) == []
    assert queries.captured_queries == []


@pytest.mark.django_db
def test_something_that_is_not_an_id_is_refused(patients):
    with scopes_disabled(), pytest.raises((TypeError, ValueError)):
        list(Patient.objects.filter(pk__in_ids=["one"]))
