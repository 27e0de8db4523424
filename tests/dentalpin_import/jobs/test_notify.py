"""Mails about a job reach the people who may still read the clinic's imports, and only them."""

import pytest
from django.test import Client

from clinics.models import Membership
from dentalpin_import.jobs import notify
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, upload
from tests.factories.clinics import MembershipFactory, UserFactory


def _mailed(outbox, address) -> list[str]:
    return [m.subject.split(": ")[-1] for m in outbox if address in m.to]


@pytest.mark.django_db(transaction=True)
def test_someone_who_left_the_clinic_gets_no_mail_the_one_who_ran_it_does(
    staff_client, staff_user, clinic, tmp_path, mailoutbox
):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    Membership.objects.filter(user=staff_user, clinic=clinic).delete()  # the uploader leaves
    carol = UserFactory(username="carol", email="carol@example.test")
    MembershipFactory(user=carol, clinic=clinic)
    client = Client()
    client.force_login(carol)
    run_to_the_end(client, job)
    assert job.status == "succeeded"
    assert _mailed(mailoutbox, staff_user.email) == []
    assert _mailed(mailoutbox, carol.email) == ["started", "finished"]
    assert "Money payments: file 190.00, clinic 190.00" in mailoutbox[-1].body


@pytest.mark.django_db(transaction=True)
def test_uploader_and_the_colleague_who_confirmed_both_hear_once(
    staff_client, staff_user, clinic, tmp_path, mailoutbox
):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    carol = UserFactory(username="carol", email="carol@example.test")
    MembershipFactory(user=carol, clinic=clinic)
    client = Client()
    client.force_login(carol)
    run_to_the_end(client, job)
    finished = [m for m in mailoutbox if m.subject.endswith(": finished")]
    assert len(finished) == 1
    assert sorted(finished[0].to) == sorted([staff_user.email, carol.email])


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_uploader_gets_no_mail(staff_client, staff_user, tmp_path, mailoutbox):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    run_to_the_end(staff_client, job)
    assert _mailed(mailoutbox, staff_user.email) == ["started", "finished"]
    mailoutbox.clear()
    staff_user.is_active = False
    staff_user.save()
    notify.job_mail(job, "finished")
    assert mailoutbox == []
