"""A Django permission counts in the clinic whose membership holds it, and nowhere else.

Dora works in Alba and in Bosque. In Alba her membership lets her read, run and undo imports
and look after patients; in Bosque she is a plain dentist. She also holds every one of those
permissions on her account, the way Django would grant them: they must not carry into Bosque.
"""

import pytest
from django.contrib.auth.models import Permission
from django_scopes import scopes_disabled

from clinics.models import Clinic, Membership, Patient, Role
from clinics.permissions import has_clinic_perm
from dentalpin_import.jobs import services
from dentalpin_import.models import AgentToken, ImportJob
from tests.clinics.admin_rows import grant, make
from tests.factories.clinics import UserFactory

IMPORTS = ("job_read", "job_write", "job_execute", "binary_write")
PATIENTS = ("view_patient", "add_patient", "change_patient", "delete_patient")


def perms(*codenames):
    return Permission.objects.filter(codename__in=codenames)


@pytest.fixture
def dora(alba, bosque):
    user = UserFactory(username="dora")
    Membership.objects.create(user=user, clinic=alba, role=Role.DENTIST).permissions.add(
        *perms(*IMPORTS, *PATIENTS)
    )
    Membership.objects.create(user=user, clinic=bosque, role=Role.DENTIST)
    user.user_permissions.add(*perms(*IMPORTS, *PATIENTS))  # on the account: counts nowhere
    return user


def working_in(client, user, clinic):
    client.force_login(user)
    assert client.post("/clinics/switch/", {"clinic": clinic.pk}).status_code == 302
    return client


def job_in(clinic, tmp_path):
    return services.create_job(clinic=clinic, path=tmp_path / f"{clinic.slug}.dpm")


@pytest.mark.django_db
def test_the_import_permissions_of_one_membership_count_in_its_clinic_only(dora, alba, bosque):
    for codename in IMPORTS:
        assert has_clinic_perm(dora, alba, codename), codename
        assert not has_clinic_perm(dora, bosque, codename), codename


@pytest.mark.django_db
def test_permissions_on_the_account_alone_grant_nothing_in_any_clinic(alba):
    user = UserFactory(username="account-only")
    Membership.objects.create(user=user, clinic=alba, role=Role.RECEPTIONIST)
    user.user_permissions.add(*perms(*IMPORTS))
    assert not any(has_clinic_perm(user, alba, codename) for codename in IMPORTS)


@pytest.mark.django_db
def test_the_admin_role_grants_the_importer_in_its_own_clinic_only(alba, bosque):
    user = UserFactory(username="head")
    Membership.objects.create(user=user, clinic=alba, role=Role.ADMIN)
    Membership.objects.create(user=user, clinic=bosque, role=Role.RECEPTIONIST)
    assert all(has_clinic_perm(user, alba, codename) for codename in IMPORTS)
    assert not any(has_clinic_perm(user, bosque, codename) for codename in IMPORTS)


@pytest.mark.django_db
def test_she_views_runs_and_undoes_imports_in_alba_and_none_of_it_in_bosque(
    client, dora, alba, bosque, tmp_path
):
    theirs = job_in(bosque, tmp_path)
    working_in(client, dora, bosque)
    refused = {
        "list": client.get("/import/"),
        "detail": client.get(f"/import/jobs/{theirs.pk}/"),
        "warnings": client.get(f"/import/jobs/{theirs.pk}/warnings.csv"),
        "upload": client.get("/import/new/"),
        "confirm": client.get(f"/import/jobs/{theirs.pk}/confirm/"),
        "undo page": client.get(f"/import/jobs/{theirs.pk}/undo/"),
        "undo": client.post(f"/import/jobs/{theirs.pk}/undo/", {"confirm": "yes"}),
        "cancel": client.post(f"/import/jobs/{theirs.pk}/cancel/"),
    }
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 403)
    theirs.refresh_from_db()
    assert theirs.status == "uploaded"
    ours = job_in(alba, tmp_path)
    working_in(client, dora, alba)
    assert client.get("/import/").status_code == 200
    assert client.get(f"/import/jobs/{ours.pk}/").status_code == 200
    assert client.get(f"/import/jobs/{ours.pk}/undo/").status_code == 200


@pytest.mark.django_db
def test_the_admin_shows_and_writes_patients_only_where_her_membership_allows(
    client, dora, alba, bosque
):
    ours, theirs = make(Patient, alba), make(Patient, bosque)
    working_in(client, dora, bosque)  # the clinic selected does not widen anything
    listing = client.get("/admin/clinics/patient/")
    assert [p.pk for p in listing.context["cl"].result_list] == [ours.pk]
    assert client.get(f"/admin/clinics/patient/{theirs.pk}/change/").status_code == 404
    posted = client.post(f"/admin/clinics/patient/{theirs.pk}/change/", {"given_name": "X"})
    assert posted.status_code == 404
    form = client.get("/admin/clinics/patient/add/").context["adminform"].form
    assert list(form.fields["clinic"].queryset) == [alba]
    added = client.post("/admin/clinics/patient/add/", {"clinic": bosque.pk, "given_name": "Y"})
    assert "clinic" in added.context["adminform"].form.errors
    with scopes_disabled():
        assert not Patient.objects.filter(given_name__in=["X", "Y"]).exists()


@pytest.mark.django_db
def test_seeing_a_clinics_patients_does_not_let_her_delete_them(client, alba, bosque):
    user = UserFactory(username="eve")
    grant(user, alba, *PATIENTS, model=Patient)
    grant(user, bosque, "view_patient", model=Patient)
    ours, theirs = make(Patient, alba), make(Patient, bosque)
    client.force_login(user)
    assert client.get(f"/admin/clinics/patient/{theirs.pk}/change/").status_code == 200
    assert client.get(f"/admin/clinics/patient/{theirs.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/clinics/patient/{theirs.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = client.post(
        "/admin/clinics/patient/",
        {"action": "delete_selected", "_selected_action": [ours.pk, theirs.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 403)
    with scopes_disabled():
        assert Patient.objects.filter(pk=theirs.pk).exists()
    # Her own clinic's patient alone goes.
    client.post(
        "/admin/clinics/patient/",
        {"action": "delete_selected", "_selected_action": [ours.pk], "post": "yes"},
    )
    with scopes_disabled():
        assert not Patient.objects.filter(pk=ours.pk).exists()


@pytest.mark.django_db
def test_account_permissions_do_not_open_the_admin(client, alba):
    user = UserFactory(username="account-only")
    Membership.objects.create(user=user, clinic=alba, role=Role.ADMIN)
    user.user_permissions.add(*perms(*PATIENTS))
    make(Patient, alba)
    client.force_login(user)
    assert client.get("/admin/clinics/patient/").status_code == 403
    assert "/admin/clinics/patient/" not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_a_member_gives_only_what_she_may_do_herself(client, alba):
    user = UserFactory(username="frida")
    grant(user, alba, "view_membership", "add_membership", "change_membership", model=Membership)
    grant(user, alba, "view_patient", model=Patient)
    colleague = UserFactory(username="colleague")
    member = Membership.objects.create(user=colleague, clinic=alba, role=Role.RECEPTIONIST)
    client.force_login(user)
    change = f"/admin/clinics/membership/{member.pk}/change/"
    offered = client.get(change).context["adminform"].form.fields["permissions"].queryset
    assert {p.codename for p in offered} >= {"view_patient", "view_membership"}
    assert "add_patient" not in {p.codename for p in offered}
    for attempt in (
        {"role": Role.RECEPTIONIST, "permissions": [perms("add_patient").get().pk]},
        {"role": Role.ADMIN},  # the admin role runs imports, which she may not do
        {"role": Role.RECEPTIONIST, "permissions": [perms("job_execute").get().pk]},
    ):
        refused = client.post(change, attempt)
        assert refused.status_code == 200, attempt
        errors = str(refused.context["adminform"].form.errors)
        assert "ask an administrator of the clinic" in errors.lower(), attempt
    member.refresh_from_db()
    assert member.role == Role.RECEPTIONIST and not member.permissions.exists()
    given = client.post(
        change, {"role": Role.DENTIST, "permissions": [perms("view_patient").get().pk]}
    )
    assert given.status_code == 302
    assert list(member.permissions.values_list("codename", flat=True)) == ["view_patient"]


@pytest.mark.django_db
def test_she_revokes_agent_tokens_only_where_she_may_run_imports(client, alba, bosque, tmp_path):
    user = UserFactory(username="gala")
    Membership.objects.create(user=user, clinic=alba, role=Role.ADMIN)
    grant(user, alba, "view_agenttoken", model=AgentToken)
    grant(user, bosque, "view_agenttoken", model=AgentToken)
    ours, _ = AgentToken.issue(job=job_in(alba, tmp_path))
    theirs, _ = AgentToken.issue(job=job_in(bosque, tmp_path))
    client.force_login(user)
    client.post(
        "/admin/dentalpin_import/agenttoken/",
        {"action": "revoke", "_selected_action": [ours.pk, theirs.pk]},
    )
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.revoked_at is not None and theirs.revoked_at is None


@pytest.mark.django_db
def test_clinics_are_created_and_removed_by_the_operator_only(client, alba, bosque):
    user = UserFactory(username="hana")
    grant(user, alba, "view_clinic", "add_clinic", "change_clinic", "delete_clinic", model=Clinic)
    client.force_login(user)
    assert client.get("/admin/clinics/clinic/add/").status_code == 403
    assert (
        client.post(f"/admin/clinics/clinic/{alba.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.get(f"/admin/clinics/clinic/{bosque.pk}/change/").status_code == 404
    assert client.get(f"/admin/clinics/clinic/{alba.pk}/change/").status_code == 200
    assert Clinic.objects.filter(pk=alba.pk).exists()


@pytest.mark.django_db
def test_a_superuser_keeps_every_clinic(client, alba, bosque):
    ours, theirs = make(Patient, alba), make(Patient, bosque)
    client.force_login(UserFactory(username="root", is_superuser=True))
    listing = client.get("/admin/clinics/patient/")
    assert {p.pk for p in listing.context["cl"].result_list} == {ours.pk, theirs.pk}
    assert client.get(f"/admin/clinics/patient/{theirs.pk}/change/").status_code == 200
    assert ImportJob.objects.count() == 0
