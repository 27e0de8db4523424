"""The admin's search box keeps what staff type out of addresses and links (admin_search.py).

An address is written to the web server's and proxies' access logs and sent on as Referer: a
surname or an identity number searched for must never be in one, nor in a link of the page.
"""

import html
import re
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client as Browser
from django_scopes import scopes_disabled

from clinics import admin_search
from clinics.admin_search import MSG_FORGOTTEN, MSG_UNUSABLE, PrivateSearchAdmin
from clinics.models import (
    Client,
    Consent,
    Document,
    MedicalAlert,
    Medication,
    Patient,
    Professional,
)
from dentalpin_import.models import FileStaging, ImportJob
from tests.clinics.admin_rows import form_data, grant_model
from tests.factories.clinics import ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db

PATIENTS = "/admin/clinics/patient/"
SURNAME = "García"
DNI = "12345678Z"
# The lists whose search box takes what names or describes a person, in every app of the admin
# (an import's file name, a document's path in the export, a staff account); the others keep
# Django's.
PRIVATE = {
    *(Patient, Client, Professional, MedicalAlert, Medication, Document, Consent),
    *(ImportJob, FileStaging, User),
}
# A search field named so may hold a name, words about someone's health, or a path named after them.
PERSONAL = re.compile(r"name|national_id|email|title|drug|code|path|note|text|message|phone|addr")
# Fields so named that name no person: a clinic's, a chair's or a catalogue entry's name or code,
# a group of accounts, a warning's code (`row.failed`).
VOCABULARY = {
    *("clinics.clinic.name", "clinics.chair.name", "clinics.chair.code"),
    *("clinics.catalogitem.name", "clinics.catalogitem.code"),
    *("clinics.treatmentcatalogitem.name", "clinics.treatmentcatalogitem.code"),
    *("auth.group.name", "dentalpin_import.importwarning.code"),
}


@pytest.fixture
def cedro(db):
    return ClinicFactory(slug="cedro", name="Clínica Cedro")


@pytest.fixture
def people(clinic, cedro, other_clinic):
    with scopes_disabled():
        return {
            "ana": Patient.objects.create(
                clinic=clinic, given_name="Ana", family_name=SURNAME, national_id=DNI
            ),
            "eva": Patient.objects.create(clinic=cedro, given_name="Eva", family_name=SURNAME),
            "luis": Patient.objects.create(clinic=clinic, given_name="Luis", family_name="Pérez"),
            # Bosque is not Alice's clinic: its García is never found by her.
            "olga": Patient.objects.create(
                clinic=other_clinic, given_name="Olga", family_name=SURNAME
            ),
        }


def member(user, *clinics) -> Browser:
    """A browser that checks CSRF as a real one does, signed in as `user` of `clinics`."""
    for clinic in clinics:
        for model in (Patient, Client):
            grant_model(user, clinic, model)
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.fixture
def alice(staff_user, clinic, cedro):
    return member(staff_user, clinic, cedro)


def box(page) -> tuple[dict[str, str], str]:
    """The search form's hidden fields and the name of its text box; it posts to the page."""
    html = page.content.decode()
    attrs, body = re.search(
        r'<form id="changelist-search"([^>]*)>(.*?)</form>', html, re.S
    ).groups()
    assert 'method="post"' in attrs and "action=" not in attrs
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
    assert "csrfmiddlewaretoken" in hidden
    return hidden, re.search(r'<input type="text"[^>]* name="([^"]+)"', body).group(1)


def search(browser, term: str, address: str = PATIENTS, **headers):
    """Type `term` in the box of the list at `address` and press Search."""
    hidden, name = box(browser.get(address, **headers))
    return browser.post(address, {**hidden, name: term}, **headers)


def links(page) -> list[str]:
    found = re.findall(r'\b(?:href|action|src)="([^"]*)"', page.content.decode())
    return [html.unescape(link) for link in found]


def holds(text: str, term: str) -> bool:
    """Whether `text` (an address) holds `term`, as typed or encoded."""
    forms = {term, quote(term), quote_plus(term), quote(quote(term))}
    return any(f.lower() in text.lower() for f in forms)


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def back_to_list(link: str) -> dict[str, list[str]]:
    """The list's query string a row's page keeps to go back to it."""
    return parse_qs(query(link)["_changelist_filters"][0], keep_blank_values=True)


def found(page) -> set:
    return set(page.context["cl"].result_list)


def test_a_search_by_surname_finds_the_patients_and_no_address_or_link_holds_it(alice, people):
    posted = search(alice, SURNAME)
    assert posted.status_code == 302
    location = posted["Location"]
    assert not holds(location, SURNAME) and set(query(location)) == {"qs"}
    page = alice.get(location)
    assert page.status_code == 200
    assert found(page) == {people["ana"], people["eva"]}  # never Bosque's Olga
    assert f'value="{SURNAME}"' in page.content.decode()  # the box still shows what was typed
    assert [link for link in links(page) if holds(link, SURNAME)] == []
    assert [link for link in links(page) if "q" in query(link)] == []


def test_a_search_by_identity_number_finds_the_patient(alice, people):
    location = search(alice, DNI.lower())["Location"]
    assert not holds(location, DNI)
    assert found(alice.get(location)) == {people["ana"]}


def test_filters_sorting_pages_and_rows_link_with_the_key(alice, people, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Patient], "list_per_page", 1)
    location = search(alice, SURNAME)["Location"]
    token = query(location)["qs"][0]
    page = alice.get(location)
    own = [link for link in links(page) if link.startswith("?")]
    pages = [link for link in own if "p" in query(link)]
    sorts = [link for link in own if "o" in query(link)]
    filters = [link for link in own if "clinic__id__exact" in query(link)]
    assert pages and sorts and filters
    for link in pages + sorts + filters:
        assert query(link)["qs"] == [token], link
    rows = [link for link in links(page) if "_changelist_filters" in link]
    assert rows and all(back_to_list(r) == {"qs": [token]} for r in rows)
    alba = next(
        f for f in filters if query(f)["clinic__id__exact"] == [str(people["ana"].clinic_id)]
    )
    assert found(alice.get(PATIENTS + alba)) == {people["ana"]}  # filtered and still searched
    second = next(p for p in pages if query(p)["p"] == ["2"])
    assert len(found(alice.get(PATIENTS + second)) | found(page)) == 2


def test_the_lookup_window_of_a_form_searches_and_stays_a_lookup_window(alice, people):
    window = f"{PATIENTS}?_to_field=id&_popup=1"
    location = search(alice, SURNAME, window)["Location"]
    assert set(query(location)) == {"_to_field", "_popup", "qs"}
    page = alice.get(location)
    assert page.context["cl"].is_popup and found(page) == {people["ana"], people["eva"]}
    assert [link for link in links(page) if holds(link, SURNAME)] == []


def test_an_action_on_all_rows_acts_on_the_searched_rows_only(alice, people):
    """With its key unknown the list would be the whole list: "all rows" must not become it."""
    hidden, _ = box(alice.get(PATIENTS))
    everything = {
        "action": "delete_selected",
        "select_across": "1",  # "all rows of the list", as its page's link asks
        "_selected_action": [people["ana"].pk],
        "index": "0",
        "post": "yes",
        "csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"],
    }
    answer = alice.post(f"{PATIENTS}?qs=gone", everything)
    assert answer.status_code == 302 and answer["Location"] == PATIENTS
    with scopes_disabled():
        assert Patient.objects.count() == 4
    alice.post(search(alice, SURNAME)["Location"], everything)
    with scopes_disabled():
        assert set(Patient.objects.values_list("given_name", flat=True)) == {"Luis", "Olga"}


def test_an_address_with_a_term_is_sent_on_to_a_key(alice, people):
    answer = alice.get(PATIENTS, {"q": SURNAME, "o": "2"})
    assert answer.status_code == 302
    assert not holds(answer["Location"], SURNAME)
    assert set(query(answer["Location"])) == {"qs", "o"}
    assert found(alice.get(answer["Location"])) == {people["ana"], people["eva"]}
    cleared = alice.get(PATIENTS, {"q": ""})
    assert cleared.status_code == 302 and cleared["Location"] == PATIENTS


def test_an_empty_search_shows_the_whole_list_again(alice, people):
    location = search(alice, SURNAME)["Location"]
    again = search(alice, "   ", location)
    assert again["Location"] == PATIENTS
    assert people["luis"] in found(alice.get(PATIENTS))


@pytest.mark.parametrize("who", ["another member", "the same member signed in elsewhere"])
def test_a_key_of_another_session_finds_nothing(alice, people, staff_user, clinic, cedro, who):
    location = search(alice, SURNAME)["Location"]
    user = UserFactory(username="bob") if who == "another member" else staff_user
    other = member(user, clinic, cedro)
    answer = other.get(location)
    assert answer.status_code == 302 and answer["Location"] == PATIENTS
    page = other.get(PATIENTS)
    assert str(MSG_FORGOTTEN) in page.content.decode()
    assert found(page) == {people["ana"], people["eva"], people["luis"]}
    assert page.context["cl"].query == ""


@pytest.mark.parametrize("token", ["nonsense", "", "x" * 5000, "\x00", "' OR 1=1 --"])
def test_an_unknown_key_shows_the_whole_list_with_a_message(alice, people, token):
    answer = alice.get(PATIENTS, {"qs": token, "o": "1"})
    assert answer.status_code == 302 and answer["Location"] == f"{PATIENTS}?o=1"
    page = alice.get(answer["Location"])
    assert page.status_code == 200 and str(MSG_FORGOTTEN) in page.content.decode()
    assert people["luis"] in found(page)


def test_a_key_expires_and_belongs_to_its_own_list(alice, people, monkeypatch):
    location = search(alice, SURNAME)["Location"]
    token = query(location)["qs"][0]
    assert alice.get(f"/admin/clinics/client/?qs={token}")["Location"] == "/admin/clinics/client/"
    assert alice.get(location).status_code == 200
    later = admin_search.time.time() + admin_search.KEPT_SECONDS + 1
    monkeypatch.setattr(admin_search.time, "time", lambda: later)
    assert alice.get(location)["Location"] == PATIENTS


def test_an_expired_search_leaves_the_stored_session_at_the_next_list(alice, people, monkeypatch):
    """The term (a surname, an identity number) does not stay in the session store for the
    session's two weeks: the next private list visited writes the session back without it."""
    search(alice, SURNAME)
    assert SURNAME in str(alice.session.get(admin_search.SESSION_KEY))
    later = admin_search.time.time() + admin_search.KEPT_SECONDS + 1
    monkeypatch.setattr(admin_search.time, "time", lambda: later)
    assert alice.get("/admin/clinics/client/").status_code == 200
    assert admin_search.SESSION_KEY not in alice.session
    assert SURNAME not in str(dict(alice.session.items()))


def test_the_message_is_in_spanish_for_a_spanish_browser(alice, people):
    alice.get(f"{PATIENTS}?qs=gone", HTTP_ACCEPT_LANGUAGE="es")
    page = alice.get(PATIENTS, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Esa búsqueda ha caducado o se hizo en otra sesión" in page
    posted = search(alice, "x" * 201, HTTP_ACCEPT_LANGUAGE="es")
    page = alice.get(posted["Location"], HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "No se ha hecho la búsqueda: tiene más de 200 caracteres" in page
    assert 'alt="Buscar"' in page and 'value="Buscar"' in page


@pytest.mark.parametrize("term", ["x" * 201, "Garc\x00ía"])
def test_a_term_that_cannot_be_searched_is_refused_with_a_message(alice, people, term):
    for ask in (lambda: search(alice, term), lambda: alice.get(PATIENTS, {"q": term})):
        answer = ask()
        assert answer.status_code == 302 and answer["Location"] == PATIENTS
        page = alice.get(PATIENTS)
        assert str(MSG_UNUSABLE % {"limit": 200}) in page.content.decode()
        assert people["luis"] in found(page)


@pytest.mark.parametrize(
    "term", ['"><script>alert(1)</script>', "100%", "a&qs=zzz&q=b", "' OR 1=1 --", "%_\\"]
)
def test_odd_terms_are_searched_as_text_and_kept_out_of_addresses(alice, people, term):
    location = search(alice, term)["Location"]
    assert set(query(location)) == {"qs"} and not holds(location, term)
    page = alice.get(location)
    assert page.status_code == 200 and found(page) == set()
    assert "<script>alert" not in page.content.decode()


def test_a_rows_page_opened_with_a_term_in_its_list_filters_is_sent_on_with_a_key(alice, people):
    ana = people["ana"]
    change = f"{PATIENTS}{ana.pk}/change/"
    answer = alice.get(change, {"_changelist_filters": f"q={SURNAME}&o=1"})
    assert answer.status_code == 302 and not holds(answer["Location"], SURNAME)
    filters = back_to_list(answer["Location"])
    assert set(filters) == {"qs", "o"}
    page = alice.get(answer["Location"])
    assert page.status_code == 200 and [u for u in links(page) if holds(u, SURNAME)] == []
    with scopes_disabled():
        history = f"{PATIENTS}{ana.pk}/history/?_changelist_filters=q%3D{quote(SURNAME)}"
    assert alice.get(history).status_code == 302


def test_saving_a_row_goes_back_to_the_searched_list_by_its_key(client, clinic):
    """Even a post whose address names the term (a form of a page opened before) answers with a
    key: the address of the list it goes back to is logged too."""
    with scopes_disabled():
        rosa = Professional.objects.create(clinic=clinic, given_name="Rosa", family_name=SURNAME)
    client.force_login(UserFactory(username="root", is_superuser=True))
    change = f"/admin/clinics/professional/{rosa.pk}/change/"
    form = client.get(change).context["adminform"].form
    data = form_data(form, clinic, family_name=SURNAME, given_name="Rosa")
    saved = client.post(f"{change}?_changelist_filters=q%3D{quote(SURNAME)}", data)
    assert saved.status_code == 302 and saved["Location"].startswith(
        "/admin/clinics/professional/?"
    )
    assert not holds(saved["Location"], SURNAME) and set(query(saved["Location"])) == {"qs"}
    assert client.get(saved["Location"]).context["cl"].query == SURNAME


@pytest.mark.parametrize("model", sorted(PRIVATE, key=str), ids=lambda m: m.__name__)
def test_every_list_searched_by_personal_data_keeps_the_term_out_of_addresses(client, model):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, PrivateSearchAdmin) and model_admin.search_fields
    address = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    answer = client.get(address, {"q": SURNAME})
    assert answer.status_code == 302 and not holds(answer["Location"], SURNAME)
    assert client.get(answer["Location"]).context["cl"].query == SURNAME


def test_lists_searched_by_numbers_or_the_clinics_words_keep_djangos_box():
    """Every list of the admin site, the importer's and the accounts' included."""
    private = {m for m, a in admin.site._registry.items() if isinstance(a, PrivateSearchAdmin)}
    assert private == PRIVATE
    for model, model_admin in admin.site._registry.items():
        if model in PRIVATE:
            continue
        fields = {f.lstrip("=^@") for f in model_admin.search_fields}
        named = {f"{model._meta.label_lower}.{f}" for f in fields if PERSONAL.search(f)}
        assert named <= VOCABULARY, model
