"""`catalog_item`, `treatment_catalog_item` and its variants and phases → masters (FORMAT.md §8.3).

Chairs (`kind = chair`) are matched case-insensitively by name to the clinic's
chairs, otherwise created; every other kind becomes a `CatalogItem`. Treatment
catalogue items are linked to an existing item with the same name (case and
accents ignored), otherwise created. Unlike the reference there is no fuzzy
matching: a near-miss such as "Endodoncia unirradicular" against
"Endodoncia birradicular" would silently attach the wrong price.
"""

from __future__ import annotations

import unicodedata

from clinics.models import (
    CatalogItem,
    Chair,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
)
from clinics.models.catalogue import CHAIR_NAME_LENGTH
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.care_records import (
    SourceCatalogItem,
    SourceTreatmentCatalogItem,
    SourceTreatmentCatalogVariant,
    SourceTreatmentPhaseTemplate,
)

UNNAMED = "(sin nombre)"


def normalised(name: str) -> str:
    """Lower-case, accent-free, single-spaced: the key names are matched on."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


class CatalogItemMapper(BaseMapper):
    entity = "catalog_item"
    record = SourceCatalogItem
    model = CatalogItem

    def prepare(self, records, ctx: MappingContext) -> None:
        if any(r.kind == "chair" for r in records):
            chairs = Chair.objects.filter(clinic=ctx.clinic).order_by("pk")
            ctx.chunk["chairs"] = {}
            for chair in chairs:
                ctx.chunk["chairs"].setdefault(chair.name.casefold(), chair)

    def map(self, record: SourceCatalogItem, ctx: MappingContext):
        if record.kind == "chair":
            return self.chair(record, ctx)
        name = record.name or record.code
        if not name:
            ctx.note("catalog_item.unnamed", f"{record.kind} without name or code", severity="warn")
        if not record.kind:
            ctx.note("catalog_item.no_kind", "catalogue value without a kind: kind 'other'")
        return build(
            CatalogItem,
            clinic=ctx.clinic,
            kind=cut(record.kind or "other", 40),
            name=cut(name or UNNAMED, 200),
            code=cut(record.code, 40),
            is_active=not record.deactivated,
        )

    def chair(self, record: SourceCatalogItem, ctx: MappingContext) -> Chair:
        name = record.name or record.code
        if not name:
            raise MappingWarning("catalog_item.chair_unnamed", "chair without a name")
        if len(name) > CHAIR_NAME_LENGTH:
            ctx.note("catalog_item.chair_name_truncated", f"chair name cut: {name}")
            name = cut(name, CHAIR_NAME_LENGTH)
        known = ctx.chunk["chairs"].get(name.casefold())
        if known is not None:
            if known.pk is not None:
                ctx.note(
                    "catalog.matched_existing",
                    f"linked to chair #{known.pk} {known.name}",
                    params={"variant": "chair", "name": known.name},
                )
            return known
        chair = build(
            Chair,
            clinic=ctx.clinic,
            name=name,
            code=cut(record.code, 40),
            is_active=not record.deactivated,
        )
        ctx.chunk["chairs"][name.casefold()] = chair
        return chair


class TreatmentCatalogItemMapper(BaseMapper):
    entity = "treatment_catalog_item"
    record = SourceTreatmentCatalogItem
    model = TreatmentCatalogItem

    def prepare(self, records, ctx: MappingContext) -> None:
        # The catalogue as it was before this run: items this run creates never
        # swallow a later source item that happens to share their name.
        if "catalogue_before" not in ctx.state:
            before: dict[str, TreatmentCatalogItem] = {}
            for item in TreatmentCatalogItem.objects.filter(clinic=ctx.clinic).order_by("pk"):
                before.setdefault(normalised(item.name), item)
            ctx.state["catalogue_before"] = before

    def map(self, record: SourceTreatmentCatalogItem, ctx: MappingContext):
        name = record.display_name or record.source_id
        existing = ctx.state["catalogue_before"].get(normalised(name))
        if existing is not None:
            ctx.note(
                "catalog.matched_existing",
                f"linked to catalogue item #{existing.pk} {name}",
                params={"variant": "item", "name": name},
            )
            return existing
        return build(
            TreatmentCatalogItem,
            clinic=ctx.clinic,
            name=cut(name, 200),
            description=record.description,
            code=cut(record.code or str(record.raw.get("Codigo") or ""), 40),
            reference_price=record.reference_price,
            vat_percent=record.vat_percent or 0,
            duration_minutes=record.duration_minutes
            if record.duration_minutes and record.duration_minutes > 0
            else None,
            odontogram_type=record.odontogram_type
            if record.odontogram_type and record.odontogram_type > 0
            else None,
            is_active=not record.deactivated,
        )


class TreatmentCatalogVariantMapper(BaseMapper):
    entity = "treatment_catalog_variant"
    record = SourceTreatmentCatalogVariant
    model = TreatmentCatalogVariant
    depends_on = ("treatment_catalog_item",)

    def references(self, record):
        yield "treatment_catalog_item", record.treatment_uuid

    def map(self, record: SourceTreatmentCatalogVariant, ctx: MappingContext):
        item_id = ctx.resolve("treatment_catalog_item", record.treatment_uuid)
        if item_id is None:
            raise MappingWarning(
                "catalog_variant.parent_not_mapped",
                f"catalogue item {record.treatment_uuid} is not in the file or not imported",
            )
        return build(
            TreatmentCatalogVariant,
            clinic=ctx.clinic,
            item_id=item_id,
            tariff_code=cut(record.tariff_code, 40),
            code=cut(record.code, 60),
            unit_price=record.unit_price,
        )


class TreatmentPhaseTemplateMapper(BaseMapper):
    entity = "treatment_phase_template"
    record = SourceTreatmentPhaseTemplate
    model = TreatmentPhaseTemplate
    depends_on = ("treatment_catalog_item",)

    def references(self, record):
        yield "treatment_catalog_item", record.treatment_uuid

    def map(self, record: SourceTreatmentPhaseTemplate, ctx: MappingContext):
        item_id = ctx.require(
            "treatment_catalog_item", record.treatment_uuid, code=self.entity, what="treatment"
        )
        return build(
            TreatmentPhaseTemplate,
            clinic=ctx.clinic,
            item_id=item_id,
            phase_number=max(record.phase_number or 1, 1),
            description=record.description,
            percent_to_bill=record.percent_to_bill,
        )


def treatment_catalogue(ctx: MappingContext, variant_ids, item_ids=()) -> tuple[dict, dict]:
    """The catalogue variants and items with these ids, as {pk: instance} dicts.

    The catalogue is imported before any treatment or budget line and does not
    change afterwards, so rows loaded once are kept for the whole run instead
    of being queried again for every chunk.
    """
    variants = ctx.state.setdefault("catalogue_variants", {})
    items = ctx.state.setdefault("catalogue_items", {})
    variant_ids = set(variant_ids) - {None}
    missing = variant_ids - variants.keys()
    if missing:
        variants.update(TreatmentCatalogVariant.objects.filter(clinic=ctx.clinic).in_bulk(missing))
    wanted = {variants[i].item_id for i in variant_ids if i in variants} | set(item_ids)
    missing = wanted - items.keys() - {None}
    if missing:
        items.update(TreatmentCatalogItem.objects.filter(clinic=ctx.clinic).in_bulk(missing))
    return variants, items
