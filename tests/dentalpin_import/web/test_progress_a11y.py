"""The job's progress for every reader: a labelled bar, and a status region that stays put."""

import pytest

from dentalpin_import.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(clinic):
    return ImportJob.objects.create(
        clinic=clinic, status="queued", total_entities=10, processed_entities=4
    )


def test_the_job_page_has_a_live_status_region_outside_the_polled_fragment(staff_client, running):
    page = staff_client.get(f"/import/jobs/{running.pk}/").content.decode()
    region = page.index('id="progress-live"')
    assert 'role="status" aria-live="polite"' in page[region : region + 200]
    assert region < page.index('<div id="progress"')  # not replaced by each poll
    assert 'aria-label="Import progress"' in page


def test_a_poll_updates_the_status_words_out_of_band(staff_client, running):
    fragment = staff_client.get(
        f"/import/jobs/{running.pk}/progress/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<p id="progress-live" hx-swap-oob="innerHTML">Status: Queued</p>' in fragment
    assert 'role="status"' not in fragment  # the region itself is never swapped


def test_in_spanish_the_status_is_spanish(staff_client, running):
    staff_client.cookies["django_language"] = "es"
    page = staff_client.get(f"/import/jobs/{running.pk}/").content.decode()
    assert 'aria-label="Progreso de la importación"' in page
