"""A real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Playwright never downloads a browser here: it launches the system one. Without
it the browser tests fail under CI (which installs it) and skip elsewhere.
"""

import logging

import pytest
from django.db import connections

from tests.processes import CHROMIUM, require_binary

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test; Playwright runs only while the test does (see below)."""
    executable = require_binary(CHROMIUM, "chromium")
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    # Playwright's sync API keeps an asyncio loop in this thread, and Django refuses
    # ORM calls when it sees one; the test is synchronous, so allow them meanwhile.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            # Connections opened meanwhile live in Playwright's context: close them
            # here, or PostgreSQL's test database cannot be dropped at the end.
            connections.close_all()
            chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (own cookies); all closed after the test."""
    contexts = []

    def open_page():
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def captured_logs(tmp_path):
    """Every log record of the test, at DEBUG, written to a file the test can read."""
    path = tmp_path / "test.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        handler.close()
