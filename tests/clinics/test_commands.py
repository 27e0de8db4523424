"""create_clinic and add_clinic_member."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from clinics.models import Clinic, Membership


@pytest.mark.django_db
def test_create_clinic_then_refuses_the_same_slug():
    call_command("create_clinic", "sol", "--name", "Clínica Sol", "--country", "PT")
    clinic = Clinic.objects.get(slug="sol")
    assert (clinic.name, clinic.country) == ("Clínica Sol", "PT")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_clinic", "sol", "--name", "Again")
    call_command("create_clinic", "sol", "--name", "Again", "--if-missing")
    assert Clinic.objects.get(slug="sol").name == "Clínica Sol"


@pytest.mark.django_db
def test_add_clinic_member_creates_the_user_with_a_password_from_the_environment(monkeypatch):
    call_command("create_clinic", "sol", "--name", "Sol")
    monkeypatch.setenv("NEW_PASS", "s3cret-pass-123")
    call_command(
        "add_clinic_member", "sol", "marta", "--role", "admin", "--password-env", "NEW_PASS"
    )
    user = get_user_model().objects.get(username="marta")
    assert user.check_password("s3cret-pass-123")
    assert Membership.objects.get(user=user).role == "admin"
    call_command("add_clinic_member", "sol", "marta", "--role", "dentist")
    assert Membership.objects.get(user=user).role == "dentist"
    assert user.check_password("s3cret-pass-123")


@pytest.mark.django_db
def test_add_clinic_member_refuses_unknown_clinic_and_role():
    with pytest.raises(CommandError, match="unknown clinic 'nope'"):
        call_command("add_clinic_member", "nope", "x", "--role", "admin")
    call_command("create_clinic", "sol", "--name", "Sol")
    with pytest.raises(CommandError):
        call_command("add_clinic_member", "sol", "x", "--role", "king")


@pytest.mark.django_db
def test_add_clinic_member_grants_permissions_in_that_clinic_only():
    from clinics.permissions import has_clinic_perm

    call_command("create_clinic", "sol", "--name", "Sol")
    call_command("create_clinic", "luna", "--name", "Luna")
    call_command("add_clinic_member", "sol", "pia", "--role", "dentist")
    call_command(
        "add_clinic_member",
        "luna",
        "pia",
        "--role",
        "dentist",
        "--permission",
        "dentalpin_import.job_execute",
        "--permission",
        "dentalpin_import.job_read",
    )
    pia = Membership.objects.get(clinic__slug="luna").user
    assert has_clinic_perm(pia, Clinic.objects.get(slug="luna"), "job_execute")
    assert not has_clinic_perm(pia, Clinic.objects.get(slug="sol"), "job_execute")
    with pytest.raises(CommandError, match="unknown permission 'job_execute'"):
        call_command(
            "add_clinic_member", "luna", "pia", "--role", "dentist", "--permission", "job_execute"
        )
    call_command("add_clinic_member", "luna", "pia", "--role", "dentist", "--clear-permissions")
    assert not Membership.objects.get(clinic__slug="luna").permissions.exists()
