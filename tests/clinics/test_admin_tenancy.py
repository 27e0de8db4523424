"""The admin writes nothing across clinics: every clinic-owned model of the admin site, attacked.

Mallory is a member of Alba and Cedro and holds every permission on the model under attack in
both; Bosque is a clinic she does not belong to. Each test is run for every clinic-owned model
registered in the admin, so a model added later is attacked too without anyone remembering to.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.models import Permission
from django.urls import path
from django_scopes import scopes_disabled

from clinics.admin_tenancy import ClinicTenancyAdmin, ClinicTenancyInline
from clinics.models import Clinic, MedicalAlert, Membership, Patient, Professional, Role
from tests.clinics.admin_rows import (
    clinic_id_of,
    clinic_path,
    form_data,
    grant,
    grant_model,
    make,
    registered_clinic_models,
)
from tests.factories.clinics import ClinicFactory, UserFactory

MODELS = [m for m in registered_clinic_models() if m is not Clinic]
LABELS = [m._meta.label for m in MODELS]


def test_the_attacks_cover_every_clinic_owned_model_of_the_admin():
    labels = set(LABELS)
    assert {"clinics.Patient", "clinics.Membership", "dentalpin_import.AgentToken"} <= labels
    assert len(labels) >= 33
    # Accounts (auth) and the like are the operator's; every model of the product has a clinic.
    ours = {"clinics", "dentalpin_import", "verifactu"}
    unowned = [m for m in admin.site._registry if not clinic_path(m)]
    assert [m._meta.label for m in unowned if m._meta.app_label in ours] == []


@pytest.mark.parametrize("model", MODELS, ids=LABELS)
def test_every_clinic_owned_admin_writes_through_the_tenancy(model, rf):
    """Built on the tenancy, or read-only even for a superuser: no other way to write."""
    model_admin = admin.site._registry[model]
    if isinstance(model_admin, ClinicTenancyAdmin):
        for inline in model_admin.inlines:
            assert issubclass(inline, ClinicTenancyInline), inline
        return
    request = rf.get("/admin/")
    request.user = UserFactory.build(is_superuser=True, is_active=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.inlines


def url(model, suffix=""):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


def rows(model, clinic):
    with scopes_disabled():
        found = model._base_manager.all()
        return [r.pk for r in found if clinic_id_of(r) == clinic.pk]


def carrier(model):
    return clinic_path(model).split("__")[0]


@pytest.fixture
def mallory(alba, cedro):
    return UserFactory(username="mallory")


def attacker(client, user, model, *clinics):
    """Log in `user` holding every permission on `model` in `clinics`.

    She holds them on her account too: an admin that wrongly reads the account's permissions
    then opens to her, and the attack reaches it, instead of the admin staying shut by accident.
    """
    for clinic in clinics:
        grant_model(user, clinic, model)
    opts = model._meta
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label=opts.app_label,
            codename__in=[f"{a}_{opts.model_name}" for a in ("view", "add", "change", "delete")],
        )
    )
    client.force_login(user)
    return client


def data_for(form, model, clinic, **overrides):
    """Valid add/change data for `model` in `clinic` (a membership adds a colleague)."""
    if model is Membership and "user" in form.fields and "user" not in overrides:
        colleague = UserFactory(username=f"colleague-{clinic.slug}")
        cedro = ClinicFactory(slug="cedro")
        Membership.objects.create(user=colleague, clinic=cedro, role=Role.DENTIST)
        overrides["user"] = colleague
    if model is Membership:
        overrides.setdefault("role", Role.RECEPTIONIST)  # a role that grants nothing she lacks
    # A communication needs a recipient, which the form alone does not require.
    if model._meta.label == "clinics.Communication" and "patient" in form.fields:
        overrides.setdefault("patient", make(Patient, clinic))
    return form_data(form, clinic, **overrides)


def read_only(response):
    return response.status_code == 403


def options(html, name):
    """The values a select named `name` offers on the page (none for a raw-id input)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'value="([^"]*)"', select.group(1))) if select else set()


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=LABELS)
def test_the_add_form_offers_only_the_members_clinics_and_their_rows(
    client, model, alba, bosque, cedro, mallory
):
    attacker(client, mallory, model, alba, cedro)
    bob = UserFactory(username="bob-of-bosque")
    Membership.objects.create(user=bob, clinic=bosque, role=Role.ADMIN)
    planted = {}
    for field in model._meta.concrete_fields:
        if field.is_relation and clinic_path(field.related_model):
            planted[field.name] = make(field.related_model, bosque)
    page = client.get(url(model, "add/"))
    if read_only(page):
        return
    assert page.status_code == 200
    html = page.content.decode()
    assert "Clínica Bosque" not in html
    for name, row in planted.items():
        assert str(row.pk) not in options(html, name), name
    for name in ("user", "created_by"):
        assert str(bob.pk) not in options(html, name)
    clinics = options(html, "clinic") - {""}
    assert not clinics or clinics == {str(alba.pk), str(cedro.pk)}


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=LABELS)
def test_a_post_naming_another_clinic_is_refused_and_writes_nothing(
    client, model, alba, bosque, cedro, mallory
):
    attacker(client, mallory, model, alba, cedro)
    page = client.get(url(model, "add/"))
    before = rows(model, bosque)
    if read_only(page):
        assert read_only(client.post(url(model, "add/"), {"clinic": bosque.pk}))
        assert rows(model, bosque) == before
        return
    form = page.context["adminform"].form
    data = data_for(form, model, alba)
    field = carrier(model)
    foreign = bosque if field == "clinic" else make(form.fields[field].queryset.model, bosque)
    refused = client.post(url(model, "add/"), {**data, field: foreign.pk})
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert field in errors and "Choose" in str(errors[field])
    assert rows(model, bosque) == before
    # The same post in her own clinic is written: the clinic was the only thing wrong.
    accepted = client.post(url(model, "add/"), data)
    assert accepted.status_code == 302, accepted.context["adminform"].form.errors
    assert rows(model, alba)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=LABELS)
def test_a_foreign_key_to_a_row_of_another_clinic_is_refused(
    client, model, alba, bosque, cedro, mallory
):
    attacker(client, mallory, model, alba, cedro)
    page = client.get(url(model, "add/"))
    if read_only(page):
        return
    form = page.context["adminform"].form
    links = [
        name
        for name, field in form.fields.items()
        if name != carrier(model)
        and hasattr(field, "queryset")
        and clinic_path(field.queryset.model)
    ]
    data = data_for(form, model, alba)
    for name in links:
        target = form.fields[name].queryset.model
        # A row of a clinic she is not in, and a row of her other clinic.
        for clinic in (bosque, cedro):
            linked = make(target, clinic)
            before = (rows(model, alba), rows(model, bosque), rows(model, cedro))
            refused = client.post(url(model, "add/"), {**data, name: linked.pk})
            assert refused.status_code == 200, (name, clinic)
            assert name in refused.context["adminform"].form.errors, (name, clinic)
            # What to do next: pick from the list or with the id box's search window; in
            # her other clinic, a row of this one.
            raw_id = isinstance(form.fields[name].widget, ForeignKeyRawIdWidget)
            hint = "magnifying glass" if raw_id and clinic == bosque else "Choose"
            assert hint in str(refused.context["adminform"].form.errors[name]), (name, clinic)
            assert (rows(model, alba), rows(model, bosque), rows(model, cedro)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=LABELS)
def test_the_clinic_of_a_row_is_fixed_on_change(client, model, alba, cedro, mallory):
    attacker(client, mallory, model, alba, cedro)
    row = make(model, alba)
    if model is Membership:
        row = Membership.objects.create(user=UserFactory(), clinic=alba, role=Role.RECEPTIONIST)
    change = url(model, f"{row.pk}/change/")
    page = client.get(change)
    assert page.status_code == 200
    form = page.context["adminform"].form
    field = carrier(model)
    assert field not in form.fields, f"the {field} of a saved row is editable"
    # She may write in Cedro too, so only the fixed clinic stops the row from moving there.
    holder = model._meta.get_field(field).related_model
    moved_to = cedro if field == "clinic" else make(holder, cedro)
    data = data_for(form, model, alba) if form.fields else {}
    posted = client.post(change, {**data, field: moved_to.pk})
    assert posted.status_code in (302, 403), posted.context["adminform"].form.errors
    with scopes_disabled():
        assert clinic_id_of(model._base_manager.get(pk=row.pk)) == alba.pk


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=LABELS)
def test_a_row_of_another_clinic_is_neither_shown_changed_nor_deleted(
    client, model, alba, bosque, cedro, mallory
):
    attacker(client, mallory, model, alba, cedro)
    theirs = make(model, bosque)
    ours = make(model, alba)
    listing = client.get(url(model))
    assert listing.status_code == 200
    shown = {r.pk for r in listing.context["cl"].result_list}
    assert ours.pk in shown and theirs.pk not in shown
    assert "Clínica Bosque" not in listing.content.decode()
    # Missing (404, or Django's redirect to the index for an admin of its own) or forbidden.
    for suffix in ("change/", "delete/", "history/"):
        opened = client.get(url(model, f"{theirs.pk}/{suffix}"))
        assert opened.status_code in (302, 404), suffix
        posted = client.post(url(model, f"{theirs.pk}/{suffix}"), {"post": "yes"})
        assert posted.status_code in (302, 403, 404), suffix
    client.post(
        url(model),
        {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"},
    )
    assert theirs.pk in rows(model, bosque)


@pytest.mark.django_db
def test_a_member_given_add_membership_cannot_make_herself_admin_of_another_clinic(
    client, alba, bosque, mallory
):
    grant(mallory, alba, "view_membership", "add_membership", model=Membership)
    client.force_login(mallory)
    form = client.get(url(Membership, "add/")).context["adminform"].form
    assert list(form.fields["clinic"].queryset) == [alba]
    assert (
        not form.fields["user"]
        .queryset.filter(memberships__clinic=bosque)
        .exclude(memberships__clinic=alba)
    )
    posted = client.post(
        url(Membership, "add/"), {"user": mallory.pk, "clinic": bosque.pk, "role": Role.ADMIN}
    )
    assert "clinic" in posted.context["adminform"].form.errors
    assert not Membership.objects.filter(user=mallory, clinic=bosque).exists()


@pytest.mark.django_db
def test_a_member_given_add_patient_cannot_create_a_patient_in_another_clinic(
    client, alba, bosque, mallory
):
    grant(mallory, alba, "view_patient", "add_patient", model=Patient)
    client.force_login(mallory)
    posted = client.post(url(Patient, "add/"), {"clinic": bosque.pk, "given_name": "Intrusa"})
    assert posted.status_code == 200
    message = str(posted.context["adminform"].form.errors["clinic"])
    assert "Choose one of the clinics in the list" in message
    with scopes_disabled():
        assert not Patient.objects.filter(given_name="Intrusa").exists()


@pytest.mark.django_db
def test_the_clinic_field_starts_at_the_clinic_the_member_works_in(client, alba, cedro, mallory):
    for clinic in (alba, cedro):
        grant(mallory, clinic, "view_patient", "add_patient", model=Patient)
    client.force_login(mallory)
    client.post("/clinics/switch/", {"clinic": cedro.pk})
    form = client.get(url(Patient, "add/")).context["adminform"].form
    assert form.initial["clinic"] == cedro.pk
    assert set(form.fields["clinic"].queryset) == {alba, cedro}


@pytest.mark.django_db
def test_a_superuser_adds_anywhere_but_never_links_two_clinics(client, alba, bosque):
    client.force_login(UserFactory(username="root", is_superuser=True))
    albas = make(Patient, alba)
    page = client.get(url(Professional, "add/"))
    offered = page.context["adminform"].form.fields["clinic"].queryset
    assert set(offered) == set(Clinic.objects.all())
    added = client.post(
        url(Professional, "add/"), {"clinic": bosque.pk, "given_name": "Nueva", "role": "dentist"}
    )
    assert added.status_code == 302, added.context["adminform"].form.errors

    form = client.get(url(MedicalAlert, "add/")).context["adminform"].form
    data = form_data(form, bosque, patient=albas)
    refused = client.post(url(MedicalAlert, "add/"), data)
    assert "Clínica Alba" in str(refused.context["adminform"].form.errors["patient"])
    assert not rows(MedicalAlert, bosque)


# Inlines: the real ones show their rows read-only, so each is also mounted editable (every
# field of its model) on a site of this module, and attacked there.
INLINES = [
    (parent, inline)
    for parent in MODELS
    for inline in admin.site._registry[parent].inlines
    if clinic_path(inline.model)
]
editable_site = admin.AdminSite(name="editable_inlines")
for _parent in {parent for parent, _ in INLINES}:
    _base = type(admin.site._registry[_parent])
    _inlines = [
        type(f"Editable{i.__name__}", (i,), {"fields": None, "readonly_fields": (), "extra": 1})
        for i in _base.inlines
    ]
    editable_site.register(
        _parent, type(f"Editable{_base.__name__}", (_base,), {"inlines": _inlines})
    )
urlpatterns = [path("editable/", editable_site.urls)]


def inline_post(page, parent, inline, clinic, **row):
    """The parent's change form as it is, plus one new row of `inline` with `row`'s values."""
    data = form_data(page.context["adminform"].form, clinic)
    target = None
    for shown in page.context["inline_admin_formsets"]:
        formset = shown.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        data[f"{formset.prefix}-TOTAL_FORMS"] = 0
        if shown.opts.model is inline.model:
            target = formset
    data[f"{target.prefix}-TOTAL_FORMS"] = 1
    with scopes_disabled():
        empty = target.empty_form
    data.update(form_data(empty, clinic, prefix=f"{target.prefix}-0-", text=True, **row))
    return data, empty


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "parent, inline", INLINES, ids=[f"{p.__name__}-{i.model.__name__}" for p, i in INLINES]
)
def test_an_inline_row_takes_its_parents_clinic_and_links_nowhere_else(
    client, parent, inline, alba, bosque, cedro, mallory
):
    for model in (parent, inline.model):
        attacker(client, mallory, model, alba, cedro)
    row = make(parent, alba)
    change = f"/editable/{parent._meta.app_label}/{parent._meta.model_name}/{row.pk}/change/"
    page = client.get(change)
    data, empty = inline_post(page, parent, inline, alba)
    prefix = empty.prefix.removesuffix("-__prefix__")
    assert "clinic" not in empty.fields, "an inline row's clinic is editable"
    links = [
        name
        for name, field in empty.fields.items()
        if name != "id" and hasattr(field, "queryset") and clinic_path(field.queryset.model)
    ]
    for name in links:
        for clinic in (bosque, cedro):
            linked = make(empty.fields[name].queryset.model, clinic)
            before = rows(inline.model, alba) + rows(inline.model, clinic)
            refused = client.post(change, {**data, f"{prefix}-0-{name}": linked.pk})
            assert refused.status_code == 200, (name, clinic)
            shown = [
                f for f in refused.context["inline_admin_formsets"] if f.formset.prefix == prefix
            ]
            assert name in shown[0].formset.forms[0].errors, (name, clinic)
            assert rows(inline.model, alba) + rows(inline.model, clinic) == before
    # Naming another clinic for the row changes nothing: it is written in its parent's.
    before = {c.slug: rows(inline.model, c) for c in (alba, bosque, cedro)}
    saved = client.post(change, {**data, f"{prefix}-0-clinic": cedro.pk})
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    assert len(rows(inline.model, alba)) == len(before["alba"]) + 1
    assert (
        rows(inline.model, cedro) == before["cedro"]
        and rows(inline.model, bosque) == before["bosque"]
    )


@pytest.mark.django_db
def test_a_row_of_the_members_other_clinic_saves_with_its_inline_rows(client, alba, cedro, mallory):
    """Working in Alba, she edits a Cedro patient: its payments are Cedro's and stay valid."""
    from clinics.models import Payment

    for model in (Patient, Payment):
        attacker(client, mallory, model, alba, cedro)
    patient = make(Patient, cedro)
    payment = make(Payment, cedro, patient=patient)
    change = url(Patient, f"{patient.pk}/change/")
    page = client.get(change)
    assert client.session["clinic_id"] == alba.pk
    data = form_data(page.context["adminform"].form, cedro, given_name="Renamed")
    for shown in page.context["inline_admin_formsets"]:
        formset = shown.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for i, form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{i}-id"] = form.instance.pk
            data[f"{formset.prefix}-{i}-patient"] = patient.pk
    saved = client.post(change, data)
    assert saved.status_code == 302, saved.context["errors"]
    with scopes_disabled():
        assert Patient.objects.get(pk=patient.pk).given_name == "Renamed"
        assert Payment.objects.get(pk=payment.pk).clinic == cedro
