"""Admin pages weigh the same in a small clinic as in a large one.

A list: a column that shows a related row (a patient, an author, a job) must
come in the list's own query, or each row adds one and a page of 100 clinical
notes takes a hundred more. A form: a drop-down of every patient of a clinic
of 10,000 made a treatment's page 6 MB and 18 s to draw.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from clinics.admin_scale import parent_key, small_tables
from clinics.models import AppointmentRecurrence, Patient, Professional
from dentalpin_import.jobs import audit
from dentalpin_import.models import AgentToken, ImportJob, RawEntity, SheetColumnMapping
from dentalpin_import.sample.generator import generate_sample
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROWS = 25  # rows on the larger page


@pytest.fixture
def root_client(client, clinic, tmp_path):
    """A superuser, and a clinic with at least two rows of every list, their relations set."""
    sample = generate_sample(tmp_path / "s.dpm", patients=8, seed=3, binaries=False)
    for extra in ([], ["--dry-run"]):
        call_command(
            "import_dpmf",
            sample.path,
            "--clinic",
            clinic.slug,
            "--import-verifactu",
            *extra,
            stdout=io.StringIO(),
        )
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    with scopes_disabled():
        job = ImportJob.objects.get(clinic=clinic, dry_run=False)
        professional = Professional.objects.filter(clinic=clinic).first()
        for n, patient in enumerate(Patient.objects.filter(clinic=clinic)[:2]):
            MembershipFactory(clinic=clinic)
            AppointmentRecurrence.objects.create(
                clinic=clinic, patient=patient, professional=professional, rule="FREQ=WEEKLY"
            )
            RawEntity.objects.create(
                clinic=clinic,
                job=job,
                source_system="s",
                entity_type="lab_order",
                canonical_uuid=f"lab-{n}",
                source_id=str(n),
            )
            AgentToken.issue(job=job, user=root)
            SheetColumnMapping.objects.create(
                clinic=clinic, sheet_type="patients", signature=f"{n:064}", updated_by=root
            )
            audit.record(action="preview", job=job, outcome="ok", user=root)
    client.force_login(root)
    return client


def shown_relations(model_admin) -> list[str]:
    """The list's columns that are foreign keys: the ones that can cost a query a row."""
    keys = {f.name: f.attname for f in model_admin.model._meta.get_fields() if f.many_to_one}
    return [keys[name] for name in model_admin.list_display if name in keys]


def admin_url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def page_cost(client, model_admin, per_page: int) -> tuple[int, list]:
    """(queries, rows shown) of the admin list with `per_page` rows a page."""
    url = admin_url(model_admin.model, "changelist")
    model_admin.list_per_page = per_page
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200, url
    return len(queries), list(page.context["cl"].result_list)


def test_no_admin_list_costs_a_query_per_row(root_client, monkeypatch):
    growing, untested = [], []
    for model, model_admin in admin.site._registry.items():
        monkeypatch.setattr(model_admin, "list_per_page", model_admin.list_per_page)
        one, _ = page_cost(root_client, model_admin, 1)
        many, rows = page_cost(root_client, model_admin, ROWS)
        if many != one:
            growing.append(f"{model.__name__}: {one} queries for 1 row, {many} for {len(rows)}")
        # A relation filled on fewer than two rows of the page proves nothing here.
        for attname in shown_relations(model_admin):
            if sum(getattr(row, attname) is not None for row in rows) < 2:
                untested.append(f"{model.__name__}.{attname}")
    assert growing == []
    assert untested == []


SELECT = re.compile(r'<select name="([^"]+)"(.*?)</select>', re.S)


def change_pages(client) -> dict[str, int]:
    """Options offered on the change page of one row of each admin model, by field.

    Drop-downs of tables that stay small in any clinic (its professionals, its
    chairs, its users) are left out: they may grow with an import.
    """
    offered = {}
    with scopes_disabled():
        for model in admin.site._registry:
            row = model._base_manager.order_by("pk").first()
            if row is None:
                continue
            url = admin_url(model, "change", row.pk)
            page = client.get(url)
            assert page.status_code == 200, url
            for name, options in SELECT.findall(page.content.decode()):
                field = name.rsplit("-", 1)[-1]  # an inline's fields are "<prefix>-<n>-<name>"
                target = getattr(getattr(model, field, None), "field", None)
                related = getattr(target, "related_model", None)
                if related is not None and related._meta.label_lower in small_tables():
                    continue
                offered[f"{model._meta.label}.{name}"] = options.count("<option")
    return offered


def test_no_change_page_offers_more_rows_when_the_clinic_grows(root_client, clinic, tmp_path):
    before = change_pages(root_client)
    assert len({name.rsplit(".", 1)[0] for name in before}) >= 10
    later = generate_sample(tmp_path / "more.dpm", patients=12, seed=8, binaries=False)
    call_command("import_dpmf", later.path, "--clinic", clinic.slug, stdout=io.StringIO())
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic).count() >= 20
    after = change_pages(root_client)
    assert {name: n for name, n in after.items() if n != before[name]} == {}


def change_page_queries(client, model, row) -> int:
    url = admin_url(model, "change", row.pk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_no_change_page_costs_a_query_per_row_of_its_inlines(root_client):
    """A patient with many visits, notes and payments opens in as many queries as with one."""
    growing, untested = [], []
    with scopes_disabled():
        for model, model_admin in admin.site._registry.items():
            if not model_admin.inlines:
                continue
            parent = model._base_manager.order_by("pk").first()
            change_page_queries(root_client, model, parent)  # caches filled (content types)
            before = change_page_queries(root_client, model, parent)
            for inline in model_admin.inlines:
                key = parent_key(inline.model, model, inline.fk_name)
                children = inline.model._base_manager
                # Rows of other parents that show every related row the inline shows.
                shown = [name for name in inline.fields if name in related_names(inline.model)]
                moved = children.exclude(**{key: parent})
                for name in shown:
                    moved = moved.exclude(**{f"{name}__isnull": True})
                ids = list(moved.order_by("pk").values_list("pk", flat=True)[:3])
                children.filter(pk__in=ids).update(**{key: parent})
                if shown and len(ids) < 2:
                    untested.append(f"{model.__name__}: {inline.model.__name__}")
            after = change_page_queries(root_client, model, parent)
            if after != before:
                growing.append(f"{model.__name__}: {before} queries, {after} with more rows")
    assert growing == []
    assert untested == []


def related_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields() if f.many_to_one}
