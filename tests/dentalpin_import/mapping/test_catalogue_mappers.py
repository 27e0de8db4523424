"""Catalogue items, chairs, the treatment catalogue, its variants and phase templates."""

from decimal import Decimal

from clinics.models import (
    CatalogItem,
    Chair,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
)
from dentalpin_import.models import EntityMapping
from tests.dpmf_builder import uid


def test_chairs_are_created_or_matched_by_name_and_cut_to_50_characters(care, mapped, warned):
    first = mapped(Chair, "catalog_item", "chair-1")
    assert (first.name, first.code, first.is_active) == ("Gabinete 1", "G1", True)
    long = mapped(Chair, "catalog_item", "chair-3")
    assert len(long.name) == 50 and long.name.endswith("…")
    assert long.name.startswith("Gabinete de cirugía maxilofacial")
    existing = mapped(Chair, "catalog_item", "chair-4")
    assert existing.name == "Gabinete existente"  # matched case-insensitively, never renamed
    assert Chair.objects.count() == 3
    codes = warned("catalog_item")
    assert codes["catalog_item.chair_unnamed"] == ["chair-2"]
    assert codes["catalog_item.chair_name_truncated"] == ["chair-3"]
    assert codes["catalog.matched_existing"] == ["chair-4"]
    assert not EntityMapping.objects.get(
        entity_type="catalog_item", canonical_uuid=uid("catalog_item", "chair-4")
    ).created_row


def test_other_catalogue_kinds_become_catalogue_items_named_by_code_when_blank(
    care, mapped, warned
):
    card = mapped(CatalogItem, "catalog_item", "pay-1")
    assert (card.kind, card.name, card.code) == ("payment_method", "Tarjeta", "3")
    result = mapped(CatalogItem, "catalog_item", "result-1")
    assert (result.kind, result.name) == ("recall_result", "R1")
    blank = mapped(CatalogItem, "catalog_item", "blank")
    assert (blank.kind, blank.name) == ("other", "(sin nombre)")
    codes = warned("catalog_item")
    assert codes["catalog_item.unnamed"] == ["blank"]
    assert codes["catalog_item.no_kind"] == ["blank"]


def test_treatment_catalogue_items_keep_names_prices_and_odontogram_types(care, mapped, warned):
    filling = mapped(TreatmentCatalogItem, "treatment_catalog_item", 1)
    assert filling.name == "OBT" and filling.description == "Obturación composite"
    assert filling.code == "T001" and filling.reference_price == Decimal("60.005")
    assert filling.vat_percent == Decimal("21") and filling.duration_minutes == 30
    assert filling.odontogram_type == 22 and filling.is_active
    cleaning = mapped(TreatmentCatalogItem, "treatment_catalog_item", 2)
    assert (cleaning.name, cleaning.odontogram_type, cleaning.reference_price) == (
        "Limpieza",
        38,
        None,
    )
    coded = mapped(TreatmentCatalogItem, "treatment_catalog_item", 3)
    assert coded.name == "T003" and not coded.is_active
    # "ENDODONCIA" is the clinic's "Endodoncia": linked, its price left alone.
    endo = mapped(TreatmentCatalogItem, "treatment_catalog_item", 4)
    assert endo.name == "Endodoncia" and endo.reference_price == Decimal("200")
    assert warned("treatment_catalog_item")["catalog.matched_existing"] == ["4"]


def test_variants_keep_their_tariff_price_and_phase_templates_their_share(care, mapped, warned):
    variant = mapped(TreatmentCatalogVariant, "treatment_catalog_variant", 1)
    assert variant.item == mapped(TreatmentCatalogItem, "treatment_catalog_item", 1)
    assert (variant.tariff_code, variant.code, variant.unit_price) == (
        "GEN",
        "T001-GEN",
        Decimal("55.50"),
    )
    assert warned("treatment_catalog_variant") == {"catalog_variant.parent_not_mapped": ["2"]}
    phase = mapped(TreatmentPhaseTemplate, "treatment_phase_template", 1)
    assert (phase.item, phase.phase_number, phase.description, phase.percent_to_bill) == (
        variant.item,
        1,
        "Fase única",
        Decimal("100"),
    )
    assert warned("treatment_phase_template") == {"treatment_phase_template.no_treatment": ["2"]}
