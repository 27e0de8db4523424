"""The admin's "by import" filter lists the newest 100 imports of the user's clinics only.

A clinic that imports often has hundreds of imports; the filter listed every one of them.
It lists the newest `FILTER_CHOICES` now, says so, and the search box finds the rows of an
older import by its id.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from dentalpin_import.admin_labels import FILTER_CHOICES
from dentalpin_import.models import ImportJob, ImportWarning
from tests.dentalpin_import.test_admin_bounded import CAPPED, weigh
from tests.factories.clinics import UserFactory

pytestmark = pytest.mark.django_db

WARNINGS = "/admin/dentalpin_import/importwarning/"
POINTER = (
    "Only the newest 100 imports are listed: type an import&#x27;s id in the search box to "
    "find the rows of an older one."
)
JOB_LINK = re.compile(r"job__id__exact=([0-9a-f-]{32,36})")


def imports(clinic, count: int, *, start: int = 0) -> list[ImportJob]:
    """`count` imports of `clinic`, a day apart, the last the newest; one warning each."""
    jobs = ImportJob.objects.bulk_create(
        ImportJob(clinic=clinic, status="succeeded", original_name=f"sheet-{i:04d}.csv")
        for i in range(start, start + count)
    )
    epoch = timezone.now() - dt.timedelta(days=1000)
    for i, job in enumerate(jobs, start):
        job.created_at = epoch + dt.timedelta(days=i)
    ImportJob.objects.bulk_update(jobs, ["created_at"])
    ImportWarning.objects.bulk_create(
        ImportWarning(job=job, clinic=clinic, code="row.failed", message="Noted.", source_id="1")
        for job in jobs
    )
    return jobs


def viewer(client, user):
    codenames = ["view_importwarning", "view_importjob"]
    for member in user.memberships.all():
        member.permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def listed(page: str) -> list[str]:
    return [job_id.replace("-", "") for job_id in JOB_LINK.findall(page)]


def hex_ids(jobs) -> list[str]:
    return [job.pk.hex for job in jobs]


def test_the_filter_lists_the_newest_100_imports_of_the_users_clinic_only(
    client, clinic, other_clinic, staff_user
):
    ours = imports(clinic, 150)
    theirs = imports(other_clinic, 3, start=500)  # newer than all of ours
    page = weigh(viewer(client, staff_user), WARNINGS)[2]
    assert listed(page) == hex_ids(reversed(ours[-FILTER_CHOICES:]))  # newest first
    assert not set(hex_ids(theirs)) & set(listed(page))
    assert "sheet-0500.csv" not in page and "Clínica Bosque" not in page
    assert page.count(POINTER) == 1
    assert CAPPED.format(FILTER_CHOICES) not in page  # the import filter says its own line


def test_the_search_box_finds_the_rows_of_an_import_beyond_the_list(
    client, clinic, other_clinic, staff_user, other_staff_user
):
    oldest = imports(clinic, 150)[0]
    viewer(client, staff_user)
    for typed in (str(oldest.pk), str(oldest.pk).upper()):
        page = weigh(client, f"{WARNINGS}?q={typed}")[2]
        assert "1 result" in page and "sheet-0000.csv" in page, typed
    chosen = weigh(client, f"{WARNINGS}?job__id__exact={oldest.pk}")[2]
    assert "1 import warning" in chosen and "sheet-0000.csv" in chosen
    # Another clinic's member searching the id finds nothing.
    viewer(client, other_staff_user)
    page = weigh(client, f"{WARNINGS}?q={oldest.pk}")[2]
    assert "0 import warnings" in page and "sheet-0000.csv" not in page


def test_the_page_weighs_the_same_with_150_or_300_imports(client, clinic):
    client.force_login(UserFactory(username="root", is_superuser=True))
    imports(clinic, 150)
    weigh(client, WARNINGS)  # the first request of a process caches what every page reads
    queries, size, _ = weigh(client, WARNINGS)
    counted = weigh(client, f"{WARNINGS}?_facets=True")[:2]
    imports(clinic, 150, start=150)
    queries_after, size_after, page = weigh(client, WARNINGS)
    assert len(listed(page)) == FILTER_CHOICES
    assert queries_after == queries and abs(size_after - size) < 200
    counted_after = weigh(client, f"{WARNINGS}?_facets=True")[:2]
    assert counted_after[0] == counted[0] and abs(counted_after[1] - counted[1]) < 200


def test_a_clinic_with_few_imports_lists_them_all_and_says_nothing_of_a_cap(
    client, clinic, staff_user
):
    jobs = imports(clinic, 3)
    page = weigh(viewer(client, staff_user), WARNINGS)[2]
    assert listed(page) == hex_ids(reversed(jobs))
    assert "Only the" not in page


def test_the_pointer_is_said_in_spanish(client, clinic, staff_user):
    imports(clinic, FILTER_CHOICES + 1)
    viewer(client, staff_user).cookies["django_language"] = "es"
    page = weigh(client, WARNINGS)[2]
    assert (
        "Solo se muestran las 100 importaciones más recientes: escriba el identificador de una "
        "importación en el cuadro de búsqueda para encontrar las filas de una más antigua."
    ) in page
