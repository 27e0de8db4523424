"""The job page tells rows left out with their parent by rule from those left out for a problem,
each figure opening exactly its own rows' warnings, in the reader's language."""

import re

import pytest

from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.mapping.test_left_out_parents import rows


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def job(tmp_path, clinic):
    status, out, report = run_import(b.build(tmp_path, rows()), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


def link(job, outcome: str) -> str:
    return f"/import/jobs/{job.pk}/warnings/?type=debt_payment_application&amp;outcome={outcome}"


@pytest.mark.django_db
def test_applications_of_left_out_debts_are_counted_and_listed_as_left_out_by_rule(
    staff_client, job
):
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert f'href="{link(job, "left_out")}">4</a>' in page
    assert f'href="{link(job, "problem")}">2</a>' in page
    by_rule = visible(
        staff_client.get(link(job, "left_out").replace("&amp;", "&")).content.decode()
    )
    assert by_rule.count("Left out by rule: the debt this payment was applied to") == 3
    assert by_rule.count("Left out by rule: the payment applied to this debt") == 1
    assert "is not in the file" not in by_rule  # the dangling ones are not the rule's
    problems = visible(
        staff_client.get(link(job, "problem").replace("&amp;", "&")).content.decode()
    )
    assert "Showing only the records left out for a problem." in problems
    assert problems.count("is not in the file or was not imported") == 2
    assert "Left out by rule" not in problems


@pytest.mark.django_db
def test_in_spanish_too(staff_client, job):
    url = link(job, "left_out").replace("&amp;", "&")
    spanish = visible(staff_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert spanish.count("Excluido por regla: la deuda a la que se aplicó este pago") == 3
    url = link(job, "problem").replace("&amp;", "&")
    spanish = visible(staff_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert "Solo se muestran los registros excluidos por un problema." in spanish
