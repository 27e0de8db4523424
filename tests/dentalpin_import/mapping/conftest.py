"""The imported care clinic shared by the catalogue, schedule, budget, treatment, recall tests."""

import pytest
from django_scopes import scope, scopes_disabled

from clinics.models import Chair, TreatmentCatalogItem
from dentalpin_import.models import EntityMapping
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.mapping.care_rows import care_clinic_rows


@pytest.fixture
def care_file(tmp_path):
    return b.build(tmp_path, care_clinic_rows(), name="care")


@pytest.fixture
def care(care_file, clinic):
    """The care file imported into `clinic`, which already had a chair, a treatment and a phone."""
    clinic.phone = "911111111"
    clinic.save()
    with scopes_disabled():
        Chair.objects.create(clinic=clinic, name="Gabinete existente")
        TreatmentCatalogItem.objects.create(clinic=clinic, name="Endodoncia", reference_price=200)
    status, out, _ = run_import(care_file, clinic.slug)
    assert status == 0, out
    with scope(clinic=clinic):
        yield clinic


@pytest.fixture
def mapped():
    """Return the clinic row a source row was mapped to."""

    def get(model, entity_type, source_id):
        target = EntityMapping.objects.get(
            entity_type=entity_type, canonical_uuid=b.uid(entity_type, source_id)
        )
        assert target.target_table == model._meta.db_table, target.target_table
        return model.objects.get(pk=int(target.target_id))

    return get


@pytest.fixture
def warned():
    """Return {code: [source ids]} of the warnings of the given entity type."""
    from dentalpin_import.models import ImportWarning

    def get(entity_type):
        found: dict[str, list[str]] = {}
        for code, sid in ImportWarning.objects.filter(entity_type=entity_type).values_list(
            "code", "source_id"
        ):
            found.setdefault(code, []).append(sid)
        return found

    return get
