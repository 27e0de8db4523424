"""Every page of the importer, in a real Chromium, at a phone's width (390 px) and a laptop's
(1280 px), in English and in Spanish: nothing wider than the window, nothing left in English
on a Spanish page.

To add a page, add a `Page` to `PAGES` (a GET address built from the prepared jobs) or to
`STARTED` (a page reached by pressing a button). The check runs on whatever it lists.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from dentalpin_import.jobs import dispatch
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.csv.sheets import patients_rows, write
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload
from tests.factories.clinics import ClinicFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
LANGUAGES = ("en", "es")
PO = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES" / "django.po"
MISSING_JOB = "00000000-0000-0000-0000-000000000000"
# English words that are no Spanish word: on a Spanish page's labels, buttons and headings
# they betray a string nobody translated (data such as file names is not looked at).
ENGLISH_WORDS = {
    "the",
    "and",
    "with",
    "your",
    "you",
    "of",
    "to",
    "is",
    "are",
    "was",
    "were",
    "this",
    "that",
    "from",
    "for",
    "not",
    "will",
    "has",
    "have",
    "import",
    "file",
}
# The page's chrome: where only the product's own words are written.
CHROME = "h1, h2, h3, legend, label, button, summary, .steps, .topbar, footer"


@dataclass
class World:
    """The jobs the pages are about, one per state a page needs."""

    uploaded: ImportJob
    validated: ImportJob
    previewed: ImportJob
    finished: ImportJob
    sheet: ImportJob
    elsewhere: ImportJob  # a job of another of the user's clinics


@dataclass(frozen=True)
class Page:
    name: str
    address: Callable[[World], str]
    status: int = 200
    user: str = "admin"  # whose session: "admin" (may import) or "dentist" (may not)


PAGES = [
    Page("job list", lambda w: "/import/"),
    Page("upload", lambda w: "/import/new/"),
    Page("validate", lambda w: f"/import/jobs/{w.uploaded.pk}/validate/"),
    Page("preview", lambda w: f"/import/jobs/{w.validated.pk}/preview/"),
    Page("confirm", lambda w: f"/import/jobs/{w.previewed.pk}/confirm/"),
    Page("job page", lambda w: f"/import/jobs/{w.finished.pk}/"),
    Page("warnings", lambda w: f"/import/jobs/{w.finished.pk}/warnings/"),
    Page("undo", lambda w: f"/import/jobs/{w.finished.pk}/undo/"),
    Page("conflicts", lambda w: f"/import/jobs/{w.finished.pk}/conflicts/"),
    Page("missing rows", lambda w: f"/import/jobs/{w.finished.pk}/missing/"),
    Page("sheet upload", lambda w: "/import/sheets/new/"),
    Page("sheet preview", lambda w: f"/import/sheets/{w.sheet.pk}/"),
    Page("sheet columns", lambda w: f"/import/sheets/{w.sheet.pk}/columns/"),
    Page("sheet rows", lambda w: f"/import/sheets/{w.sheet.pk}/rows/"),
    Page("switch clinic", lambda w: f"/import/jobs/{w.elsewhere.pk}/", status=409),
    Page("not found", lambda w: f"/import/jobs/{MISSING_JOB}/", status=404),
    Page("not allowed", lambda w: "/import/", status=403, user="dentist"),
    Page("log in", lambda w: "/accounts/login/", user=""),
]


def catalogue_phrases() -> list[str]:
    """English texts of the catalogue (three words or more, no placeholders) whose Spanish
    differs: any of them on a Spanish page was not translated."""
    text = PO.read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid (".*")\nmsgstr (".*")$', text, flags=re.M)
    phrases = []
    for raw_id, raw_str in pairs:
        english, spanish = ast.literal_eval(raw_id), ast.literal_eval(raw_str)
        if english == spanish or re.search(r"[%{<]", english) or len(english.split()) < 3:
            continue
        phrases.append(english)
    return phrases


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = document.documentElement.scrollWidth > width;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let scrolled = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) { scrolled = true; break; }
      }
      const kind = typeof el.className === 'string' && el.className ? '.' + el.className : '';
      if (!scrolled) culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + kind);
    }
  }
  return {wide, culprits: culprits.slice(0, 8)};
}"""


def prepared_world(client, admin, tmp_path) -> World:
    """The jobs, made through `client`: the wizard keeps its steps in that session."""

    def uploaded(name):
        folder = tmp_path / name
        folder.mkdir()
        upload(client, b.build(folder, b.small_clinic_rows(), files=b.small_clinic_files()))
        return ImportJob.objects.order_by("-created_at").first()

    validated = uploaded("validated")
    step(client, validated, "validate")
    previewed = uploaded("previewed")
    step(client, previewed, "validate")
    step(client, previewed, "preview")
    finished = uploaded("finished")
    run_to_the_end(client, finished)
    sheet_path = write(tmp_path / "pacientes.csv", patients_rows())
    data = io.BytesIO(sheet_path.read_bytes())
    data.name = sheet_path.name
    client.post("/import/sheets/new/", {"file": data})
    sheet = ImportJob.objects.get(source_kind="csv")
    cedro = ClinicFactory(slug="cedro", name="Clínica Cedro")
    MembershipFactory(user=admin, clinic=cedro)
    elsewhere = ImportJob.objects.create(clinic=cedro, status="succeeded", original_name="c.dpm")
    dispatch.wait_for_background_jobs()
    return World(uploaded("uploaded"), validated, previewed, finished, sheet, elsewhere)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    client.get("/import/")  # the clinic is chosen and kept in the session
    return client.cookies["sessionid"].value


@pytest.fixture
def admin_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    client.get("/import/")  # the clinic is chosen and kept in the session
    return client


@pytest.fixture
def world(admin_client, staff_user, tmp_path):
    return prepared_world(admin_client, staff_user, tmp_path)


@pytest.fixture
def sessions(admin_client, clinic):
    dentist = UserFactory(username="dentist")
    MembershipFactory(user=dentist, clinic=clinic, role="dentist")
    admin = admin_client.cookies["sessionid"].value
    return {"admin": admin, "dentist": session_cookie(dentist), "": None}


def open_context(browser, base_url, width, language, session):
    context = browser.new_context(viewport={"width": width, "height": 844}, locale=language)
    context.set_default_timeout(30_000)
    cookies = [{"name": "django_language", "value": language, "url": base_url}]
    if session:
        cookies.append({"name": "sessionid", "value": session, "url": base_url})
    context.add_cookies(cookies)
    return context


def problems_on(page, language, phrases) -> list[str]:
    found = []
    layout = page.evaluate(OVERFLOW_JS)
    if layout["wide"]:
        found.append(f"wider than the window: {', '.join(layout['culprits']) or '?'}")
    if language == "es":
        text = page.locator("body").inner_text()
        found += [f"English on a Spanish page: {p!r}" for p in phrases if p in text]
        for text in page.locator(CHROME).all_inner_texts():
            words = set(re.findall(r"[a-z]+", text.lower())) & ENGLISH_WORDS
            if words:
                found.append(f"English words {sorted(words)} in {text.strip()[:80]!r}")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_window_and_speaks_the_chosen_language(
    browser, live_server, world, sessions, width, language
):
    phrases = catalogue_phrases() if language == "es" else []
    failures = []
    for spec in PAGES:
        context = open_context(browser, live_server.url, width, language, sessions[spec.user])
        page = context.new_page()
        response = page.goto(live_server.url + spec.address(world))
        if response.status != spec.status:
            failures.append(f"{spec.name}: answered {response.status}, not {spec.status}")
        failures += [f"{spec.name}: {problem}" for problem in problems_on(page, language, phrases)]
        context.close()
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_started_page_with_the_agent_token_fits_and_speaks_the_language(
    browser, live_server, world, sessions, width, language
):
    context = open_context(browser, live_server.url, width, language, sessions["admin"])
    page = context.new_page()
    page.goto(f"{live_server.url}/import/jobs/{world.previewed.pk}/confirm/")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    world.previewed.refresh_from_db()
    assert world.previewed.status != "previewed"  # the import was started
    phrases = catalogue_phrases() if language == "es" else []
    problems = problems_on(page, language, phrases)
    context.close()
    dispatch.wait_for_background_jobs()
    assert problems == []
