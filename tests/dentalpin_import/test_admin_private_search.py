"""The importer's lists searched by file names keep the term out of addresses (admin_search.py).

An uploaded file is often named after a clinic or a patient (`García Ana.dpmf`), and a document's
path in the export after its patient (`docs/García Ana/rx.jpg`): what staff type to find them must
not land in an address, so not in access logs. The lists searched by ids, keys and warning codes
keep Django's box.
"""

import pytest
from django.test import Client as Browser

from clinics.admin_search import SESSION_KEY
from dentalpin_import.models import FileStaging, ImportJob
from tests.clinics.admin_rows import grant
from tests.clinics.test_admin_search import back_to_list, box, found, holds, links, query, search
from tests.factories.clinics import UserFactory

pytestmark = pytest.mark.django_db

JOBS = "/admin/dentalpin_import/importjob/"
FILES = "/admin/dentalpin_import/filestaging/"
SURNAME = "García"


def upload(clinic, name: str) -> ImportJob:
    """An import of `clinic` from a file called `name`, with one expected document."""
    job = ImportJob.objects.create(clinic=clinic, status="succeeded", original_name=name)
    FileStaging.objects.create(
        clinic=clinic,
        job=job,
        file_uuid=f"file-{job.pk}",
        parent_entity_type="patient",
        parent_canonical_uuid="p-1",
        relative_path=f"docs/{name.removesuffix('.dpmf')}/rx 01.jpg",
        status="pending",
    )
    return job


@pytest.fixture
def jobs(clinic, other_clinic):
    return {
        "ana": upload(clinic, f"{SURNAME} Ana.dpmf"),
        "luis": upload(clinic, "Pérez Luis.dpmf"),
        # Bosque is not Alice's clinic: its García is never found by her.
        "olga": upload(other_clinic, f"{SURNAME} Olga.dpmf"),
    }


def viewer(user, clinic) -> Browser:
    """A browser that checks CSRF as a real one does; `user` sees imports and files of `clinic`."""
    grant(user, clinic, "dentalpin_import.view_importjob", "dentalpin_import.view_filestaging")
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.fixture
def alice(staff_user, clinic):
    return viewer(staff_user, clinic)


def staged(rows) -> set:
    return {row.job for row in rows}


def test_a_search_by_file_name_finds_the_clinics_import_and_no_address_or_link_holds_it(
    alice, jobs
):
    posted = search(alice, SURNAME, JOBS)
    assert posted.status_code == 302
    location = posted["Location"]
    assert location.startswith(JOBS) and set(query(location)) == {"qs"}
    assert not holds(location, SURNAME)
    page = alice.get(location)
    assert found(page) == {jobs["ana"]}  # never Bosque's Olga
    assert [link for link in links(page) if holds(link, SURNAME)] == []
    rows = [link for link in links(page) if "_changelist_filters" in link]
    assert rows and all(back_to_list(row) == query(location) for row in rows)


def test_a_search_by_a_patients_name_in_a_documents_path_finds_it(alice, jobs):
    location = search(alice, f"{SURNAME} ana/rx", FILES)["Location"]
    assert set(query(location)) == {"qs"} and not holds(location, SURNAME)
    page = alice.get(location)
    assert staged(found(page)) == {jobs["ana"]}
    assert [link for link in links(page) if holds(link, SURNAME)] == []


@pytest.mark.parametrize("address", [JOBS, FILES])
def test_an_address_with_a_term_is_sent_on_to_a_key(alice, jobs, address):
    answer = alice.get(address, {"q": SURNAME, "o": "1"})
    assert answer.status_code == 302 and not holds(answer["Location"], SURNAME)
    assert set(query(answer["Location"])) == {"qs", "o"}
    assert alice.get(answer["Location"]).context["cl"].query == SURNAME


def test_an_import_and_its_documents_are_found_by_the_imports_id(alice, jobs):
    """The "by import" filter lists the newest 100; the box finds an older import by its id."""
    for typed in (str(jobs["luis"].pk), str(jobs["luis"].pk).upper()):
        location = search(alice, typed, JOBS)["Location"]
        assert found(alice.get(location)) == {jobs["luis"]}, typed
        location = search(alice, typed, FILES)["Location"]
        assert staged(found(alice.get(location))) == {jobs["luis"]}, typed
    # Bosque's import, searched by its id, is not found by Alice.
    location = search(alice, str(jobs["olga"].pk), JOBS)["Location"]
    assert found(alice.get(location)) == set()


def test_another_clinics_member_finds_only_their_own(other_staff_user, other_clinic, jobs):
    bob = viewer(other_staff_user, other_clinic)
    location = search(bob, SURNAME, JOBS)["Location"]
    assert found(bob.get(location)) == {jobs["olga"]}
    location = search(bob, SURNAME, FILES)["Location"]
    assert staged(found(bob.get(location))) == {jobs["olga"]}


@pytest.mark.parametrize("address", [JOBS, FILES])
def test_a_member_who_may_not_see_the_list_is_refused_and_nothing_is_kept(
    client, staff_user, jobs, address
):
    client.force_login(staff_user)  # a member of Alba without the importer's permissions
    assert client.get(address, {"q": SURNAME}).status_code == 403
    assert client.post(address, {"_search": "1", "q": SURNAME}).status_code == 403
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "model", ["entitymapping", "rawentity", "importwarning", "auditentry", "sheetcolumnmapping"]
)
def test_lists_searched_by_ids_and_codes_keep_djangos_box(client, jobs, model):
    client.force_login(UserFactory(username="root", is_superuser=True))
    typed = str(jobs["ana"].pk)
    page = client.get(f"/admin/dentalpin_import/{model}/", {"q": typed})
    assert page.status_code == 200 and page.context["cl"].query == typed
    assert '<form id="changelist-search" method="get"' in page.content.decode()


def test_the_box_of_a_searched_list_shows_the_term_again(alice, jobs):
    page = alice.get(search(alice, SURNAME, JOBS)["Location"])
    _, name = box(page)
    assert f'name="{name}" value="{SURNAME}"' in page.content.decode()
