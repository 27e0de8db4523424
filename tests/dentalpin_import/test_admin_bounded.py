"""The importer's admin pages weigh the same whatever a job left behind.

A job's change page shows its own fields only (no inline, no list of its warnings or
mappings): 50,000 warnings and 50,000 mappings change neither its queries nor its
size. The lists' filters did grow with the file: one value per distinct warning code
or record kind, and a file names as many as it likes (50,000 codes: a page of
3.6 MB). They list the first `FILTER_CHOICES` values now, say so, and the search box
finds the others.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from dentalpin_import.admin_labels import FILTER_CHOICES
from dentalpin_import.models import (
    EntityMapping,
    FileStaging,
    ImportJob,
    ImportWarning,
    RawEntity,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.factories.clinics import UserFactory

ROWS = 50_000
CAPPED = "Only the first {} are listed: type one of the others in the search box."
ADMIN = "/admin/dentalpin_import"


@pytest.fixture
def job(tmp_path, clinic):
    rows = b.small_clinic_rows() + [b.row("odd_thing", 1, note="kept raw")]
    path = b.build(tmp_path, rows, files=b.small_clinic_files())
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


def fill(job, clinic) -> None:
    """What a file of tens of thousands of rows leaves, each warning of a code of its own."""
    ImportWarning.objects.bulk_create(
        (
            ImportWarning(
                job=job,
                clinic=clinic,
                entity_type=f"tabla_{i % 5000}",
                source_id=str(i),
                severity="warn",
                code=f"dpmf.aviso_{i:05d}",
                message="Noted by the export tool.",
            )
            for i in range(ROWS)
        ),
        batch_size=2000,
    )
    EntityMapping.objects.bulk_create(
        (
            EntityMapping(
                clinic=clinic,
                job=job,
                source_system="gesden",
                entity_type="patient",
                canonical_uuid=f"bulk-{i}",
                target_table="clinics_patient",
                target_id=str(i),
            )
            for i in range(ROWS)
        ),
        batch_size=2000,
    )


def weigh(client, url: str) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries), len(response.content), response.content.decode()


def pages(job) -> dict[str, str]:
    first = {
        "entitymapping": EntityMapping.objects.filter(job=job).order_by("pk").first(),
        "rawentity": RawEntity.objects.filter(job=job).first(),
        "importwarning": ImportWarning.objects.filter(job=job).order_by("pk").first(),
        "filestaging": FileStaging.objects.filter(job=job).first(),
    }
    found = {"importjob": f"{ADMIN}/importjob/{job.pk}/change/"}
    found.update({name: f"{ADMIN}/{name}/{row.pk}/change/" for name, row in first.items()})
    return found


@pytest.mark.django_db
def test_change_pages_cost_the_same_with_50000_warnings_and_mappings(client, job, clinic):
    client.force_login(UserFactory(username="root", is_superuser=True))
    urls = pages(job)
    for url in urls.values():  # the first request of a process caches what every page reads
        weigh(client, url)
    before = {name: weigh(client, url)[:2] for name, url in urls.items()}
    fill(job, clinic)
    for name, url in urls.items():
        queries, size, _ = weigh(client, url)
        assert queries == before[name][0], name
        assert abs(size - before[name][1]) < 200, name  # a token or a count may differ


@pytest.mark.django_db
def test_the_warnings_list_offers_the_first_codes_and_kinds_and_finds_the_others(
    client, job, clinic
):
    client.force_login(UserFactory(username="root", is_superuser=True))
    lists = {"plain": f"{ADMIN}/importwarning/", "counts": f"{ADMIN}/importwarning/?_facets=True"}
    for url in lists.values():
        weigh(client, url)
    before = {name: weigh(client, url)[0] for name, url in lists.items()}
    fill(job, clinic)
    queries, size, page = weigh(client, lists["plain"])
    assert queries == before["plain"] and size < 250_000  # 3.6 MB when every code was listed
    assert page.count(CAPPED.format(FILTER_CHOICES)) == 2  # codes and record kinds
    assert "dpmf.aviso_00099" in page and "dpmf.aviso_00100" not in page
    # "Show counts": a count per listed value, not one per code of the file.
    queries, size, page = weigh(client, lists["counts"])
    assert queries == before["counts"] and size < 250_000
    # A value beyond the cap: the search box finds it, and its filter link still works.
    found = weigh(client, f"{ADMIN}/importwarning/?q=dpmf.aviso_49999")[2]
    assert "1 result" in found
    chosen = weigh(client, f"{ADMIN}/importwarning/?code=dpmf.aviso_49999")[2]
    assert "1 result" in chosen or "1 import warning" in chosen
    kind = weigh(client, f"{ADMIN}/importwarning/?q=tabla_4999")[2]
    assert "10 results" in kind


@pytest.mark.django_db
def test_a_list_with_few_values_says_nothing_of_a_cap(client, job):
    client.force_login(UserFactory(username="root", is_superuser=True))
    page = weigh(client, f"{ADMIN}/importwarning/")[2]
    assert "Only the first" not in page


def test_the_cap_is_said_in_spanish():
    with translation.override("es"):
        text = gettext(CAPPED.format("%(n)s")) % {"n": FILTER_CHOICES}
    assert text == (
        "Solo se muestran los 100 primeros: escriba cualquiera de los demás en el cuadro de "
        "búsqueda."
    )
