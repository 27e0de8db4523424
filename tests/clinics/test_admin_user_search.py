"""The admin's list of user accounts keeps staff names and e-mails out of addresses.

Django's user admin is searched by username, first and last name and e-mail: a colleague's name
typed there must not land in an address, so not in access logs (clinics/admin_search.py). Who
may open the list stays Django's rule: a superuser or an account with `auth` permissions (an
operator), never a clinic membership however many permissions it holds (docs/security.md).
"""

from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as Browser

from clinics.admin import clinic_data_permissions
from clinics.admin_search import SESSION_KEY
from tests.clinics.admin_rows import grant
from tests.clinics.test_admin_search import back_to_list, found, holds, links, query, search
from tests.factories.clinics import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"
SURNAME = "García"


@pytest.fixture
def staff(db):
    return {
        "marta": UserFactory(
            username="mgarcia", first_name="Marta", last_name=SURNAME, email="marta@alba.test"
        ),
        "jon": UserFactory(username="jon", first_name="Jon", last_name="Pérez"),
    }


def signed_in(user) -> Browser:
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.fixture
def root(db):
    return signed_in(UserFactory(username="root", is_superuser=True))


@pytest.mark.parametrize("typed", [SURNAME, "marta@alba.test", "mgarcia"])
def test_a_search_by_name_or_email_finds_the_account_and_no_address_or_link_holds_it(
    root, staff, typed
):
    posted = search(root, typed, USERS)
    assert posted.status_code == 302
    location = posted["Location"]
    assert location.startswith(USERS) and set(query(location)) == {"qs"}
    assert not holds(location, typed)
    page = root.get(location)
    assert found(page) == {staff["marta"]}
    assert [link for link in links(page) if holds(link, typed)] == []
    rows = [link for link in links(page) if "_changelist_filters" in link]
    assert rows and all(back_to_list(row) == query(location) for row in rows)


def test_an_address_with_a_term_is_sent_on_to_a_key(root, staff):
    answer = root.get(USERS, {"q": SURNAME, "is_staff__exact": "1"})
    assert answer.status_code == 302 and not holds(answer["Location"], SURNAME)
    assert set(query(answer["Location"])) == {"qs", "is_staff__exact"}
    assert found(root.get(answer["Location"])) == {staff["marta"]}


def test_an_accounts_page_opened_with_a_term_in_its_list_filters_is_sent_on_with_a_key(root, staff):
    change = f"{USERS}{staff['marta'].pk}/change/"
    answer = root.get(f"{change}?_changelist_filters=q%3D{quote(SURNAME)}")
    assert answer.status_code == 302 and not holds(answer["Location"], SURNAME)
    page = root.get(answer["Location"])
    assert page.status_code == 200 and [u for u in links(page) if holds(u, SURNAME)] == []


def test_an_operator_with_the_account_permission_searches_too(staff):
    operator = UserFactory(username="operator")
    operator.user_permissions.add(Permission.objects.get(codename="view_user"))
    browser = signed_in(operator)
    location = search(browser, SURNAME, USERS)["Location"]
    assert found(browser.get(location)) == {staff["marta"]}


def test_a_clinic_member_with_every_clinic_permission_never_opens_the_accounts(
    staff_user, clinic, staff
):
    """A membership grants rights in its clinic only: accounts are no clinic's rows."""
    member = grant(staff_user, clinic)
    member.permissions.add(*clinic_data_permissions())
    browser = signed_in(staff_user)
    assert "/admin/auth/user/" not in browser.get("/admin/").content.decode()
    assert browser.get(USERS).status_code == 403
    assert browser.get(USERS, {"q": SURNAME}).status_code == 403
    forged = Browser()  # the box's form is never shown to her: a post made by hand
    forged.force_login(staff_user)
    assert forged.post(USERS, {"_search": "1", "q": SURNAME}).status_code == 403
    assert SESSION_KEY not in forged.session and SESSION_KEY not in browser.session
