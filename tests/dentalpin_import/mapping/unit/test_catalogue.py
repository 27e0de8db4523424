"""Unit tests of the catalogue mappers: small masters and chairs, treatments, variants, phases."""

from decimal import Decimal

import pytest

from clinics.models import (
    CatalogItem,
    Chair,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.care_rows import catalogue_rows
from tests.dentalpin_import.mapping.unit.harness import pick

pytestmark = pytest.mark.django_db


def item(sid, kind, name, code="", **kw):
    return b.row("catalog_item", sid, kind=kind, name=name, code=code, **kw)


# --- catalog_item ---------------------------------------------------------------------------


def test_a_small_master_value_becomes_a_catalogue_item_of_its_kind(harness):
    mapped = harness.map("catalog_item", item(1, "Payment_Method", "Tarjeta", "3"))
    card = mapped.row
    assert isinstance(card, CatalogItem) and card.pk is None
    assert (card.kind, card.name, card.code, card.is_active) == (
        "payment_method",
        "Tarjeta",
        "3",
        True,
    )
    assert mapped.notes == []
    retired = harness.map("catalog_item", item(2, "country", "Portugal", deactivated=True))
    assert not retired.row.is_active


def test_a_value_without_a_name_is_named_by_its_code_or_a_placeholder_with_a_warning(harness):
    coded = harness.map("catalog_item", item(1, "recall_result", "", "R1"))
    assert coded.row.name == "R1" and coded.notes == []
    blank = harness.map("catalog_item", item(2, "", "", ""))
    assert (blank.row.kind, blank.row.name) == ("other", "(sin nombre)")
    assert blank.codes == ["catalog_item.unnamed", "catalog_item.no_kind"]
    assert blank.note("catalog_item.unnamed").severity == "warn"


def test_a_chair_becomes_a_chair_not_a_catalogue_item(harness):
    mapped = harness.map("catalog_item", item("c1", "chair", "Gabinete 1", "G1"))
    chair = mapped.row
    assert isinstance(chair, Chair) and chair.pk is None
    assert (chair.name, chair.code, chair.is_active) == ("Gabinete 1", "G1", True)
    assert mapped.notes == []


def test_a_chair_without_a_name_or_code_is_refused(harness):
    mapped = harness.map("catalog_item", item("c2", "chair", ""))
    assert mapped.refused == "catalog_item.chair_unnamed"


def test_a_chair_name_is_cut_to_its_column_with_a_note(harness):
    name = "Gabinete de cirugía maxilofacial e implantología avanzada"
    mapped = harness.map("catalog_item", item("c3", "chair", name))
    assert len(mapped.row.name) == 50 and mapped.row.name.endswith("…")
    assert mapped.codes == ["catalog_item.chair_name_truncated"]


def test_a_chair_the_clinic_has_is_matched_by_name_in_any_case_and_never_renamed(harness):
    known = harness.existing(Chair, name="Gabinete existente")
    mapped = harness.map("catalog_item", item("c4", "chair", "GABINETE EXISTENTE"))
    assert mapped.row == known and mapped.row.name == "Gabinete existente"
    assert mapped.codes == ["catalog.matched_existing"]


def test_one_chair_named_twice_in_a_chunk_is_created_once(harness):
    first, second = harness.map_all(
        "catalog_item", [item("a", "chair", "Box 2"), item("b", "chair", "box 2")]
    )
    assert second.row is first.row and second.notes == []  # not an existing chair


# --- treatment_catalog_item -----------------------------------------------------------------


def test_a_catalogue_treatment_keeps_its_price_to_the_source_precision_and_its_type(harness):
    mapped = harness.map(
        "treatment_catalog_item", pick(catalogue_rows(), "treatment_catalog_item", 1)
    )
    filling = mapped.row
    assert isinstance(filling, TreatmentCatalogItem) and filling.pk is None
    assert (filling.name, filling.description, filling.code) == (
        "OBT",
        "Obturación composite",
        "T001",
    )
    assert filling.reference_price == Decimal("60.005") and isinstance(
        filling.reference_price, Decimal
    )
    assert filling.vat_percent == Decimal("21")
    assert (filling.duration_minutes, filling.odontogram_type, filling.is_active) == (30, 22, True)
    assert mapped.notes == []


def test_a_catalogue_treatment_without_names_falls_back_to_code_then_source_id(harness):
    coded = harness.map(
        "treatment_catalog_item",
        b.row("treatment_catalog_item", 3, code="T003", deactivated=True, duration_minutes=0),
    )
    assert (coded.row.name, coded.row.is_active, coded.row.duration_minutes) == (
        "T003",
        False,
        None,
    )
    assert coded.row.vat_percent == 0 and coded.row.reference_price is None
    bare = harness.map(
        "treatment_catalog_item", b.row("treatment_catalog_item", "X9", raw={"Codigo": "C9"})
    )
    assert (bare.row.name, bare.row.code) == ("X9", "C9")


def test_a_catalogue_treatment_the_clinic_has_is_linked_ignoring_case_and_accents(harness):
    known = harness.existing(TreatmentCatalogItem, name="Endodoncia", reference_price=200)
    mapped = harness.map(
        "treatment_catalog_item",
        b.row("treatment_catalog_item", 4, short_name="ENDODÓNCIA", reference_price="180"),
    )
    assert mapped.row == known and mapped.row.reference_price == Decimal("200")  # price left alone
    assert mapped.codes == ["catalog.matched_existing"]


def test_a_near_miss_name_is_a_new_catalogue_treatment_not_a_match(harness):
    harness.existing(TreatmentCatalogItem, name="Endodoncia birradicular")
    mapped = harness.map(
        "treatment_catalog_item",
        b.row("treatment_catalog_item", 1, name="Endodoncia unirradicular"),
    )
    assert mapped.row.pk is None and mapped.notes == []


# --- treatment_catalog_variant --------------------------------------------------------------


def test_a_variant_belongs_to_its_resolved_item_and_keeps_its_tariff_price(harness):
    item_key = harness.resolved("treatment_catalog_item", 1, 301)
    mapped = harness.map(
        "treatment_catalog_variant",
        treatment_uuid=item_key,
        tariff_code="GEN",
        code="T001-GEN",
        unit_price="55.50",
    )
    variant = mapped.row
    assert isinstance(variant, TreatmentCatalogVariant)
    assert (variant.item_id, variant.tariff_code, variant.code) == (301, "GEN", "T001-GEN")
    assert variant.unit_price == Decimal("55.50")


@pytest.mark.parametrize("treatment_uuid", [None, b.uid("treatment_catalog_item", 404)])
def test_a_variant_whose_item_is_missing_is_refused(harness, treatment_uuid):
    mapped = harness.map("treatment_catalog_variant", treatment_uuid=treatment_uuid)
    assert mapped.refused == "catalog_variant.parent_not_mapped"


# --- treatment_phase_template ---------------------------------------------------------------


def test_a_phase_template_belongs_to_its_item_and_keeps_its_share(harness):
    item_key = harness.resolved("treatment_catalog_item", 1, 301)
    mapped = harness.map(
        "treatment_phase_template",
        treatment_uuid=item_key,
        phase_number=2,
        description="Segunda fase",
        percent_to_bill="40",
    )
    phase = mapped.row
    assert isinstance(phase, TreatmentPhaseTemplate)
    assert (phase.item_id, phase.phase_number, phase.description) == (301, 2, "Segunda fase")
    assert phase.percent_to_bill == Decimal("40")
    first = harness.map("treatment_phase_template", treatment_uuid=item_key, phase_number=0)
    assert first.row.phase_number == 1  # phases count from 1


@pytest.mark.parametrize(
    ("treatment_uuid", "code"),
    [
        (None, "treatment_phase_template.no_treatment"),
        (b.uid("treatment_catalog_item", 404), "treatment_phase_template.unmapped_treatment"),
    ],
)
def test_a_phase_template_without_its_item_is_refused(harness, treatment_uuid, code):
    mapped = harness.map("treatment_phase_template", treatment_uuid=treatment_uuid)
    assert mapped.refused == code
