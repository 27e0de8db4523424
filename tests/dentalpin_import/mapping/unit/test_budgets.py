"""Unit tests of the budget mappers: numbering, status and authors; lines and their money."""

import datetime as dt
from decimal import Decimal

import pytest

from clinics.models import (
    AppliedTreatment,
    Budget,
    BudgetLine,
    ClinicalNote,
    Patient,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.care_rows import budget_rows
from tests.dentalpin_import.mapping.unit.harness import GHOST, pick

pytestmark = pytest.mark.django_db
D = Decimal


def budget(sid, **kw):
    base = dict(
        patient_uuid=b.uid("patient", 1),
        professional_uuid=b.uid("professional", 1),
        elaborated_by_user_uuid=b.uid("user", 1),
        number=1,
        title="Plan de tratamiento",
        quote_date="2025-09-01",
    )
    return b.row("budget", sid, **{**base, **kw})


# --- budget ---------------------------------------------------------------------------------


def test_a_budget_is_numbered_by_its_quote_year_and_keeps_its_people_and_texts(people):
    mapped = people.map("budget", budget(1, notes="Financiación en 3 meses"))
    quote = mapped.row
    assert isinstance(quote, Budget) and quote.pk is None
    assert (quote.patient_id, quote.professional_id, quote.author_id) == (501, 701, 702)
    assert (quote.number, quote.source_number, quote.title) == (
        "PRES-2025-0001",
        1,
        "Plan de tratamiento",
    )
    assert (quote.quoted_on, quote.status, quote.notes) == (
        dt.date(2025, 9, 1),
        "draft",
        "Financiación en 3 meses",
    )
    assert mapped.notes == []


def test_a_budget_written_by_a_professional_has_that_professional_as_author(people):
    mapped = people.map("budget", budget(1, elaborated_by_user_uuid=b.uid("professional", 1)))
    assert mapped.row.author_id == 701


def test_a_budget_whose_author_is_unknown_is_kept_without_one(people):
    mapped = people.map("budget", budget(1, elaborated_by_user_uuid=GHOST))
    assert mapped.row.author_id is None and mapped.notes == []


def test_a_rejection_wins_over_an_acceptance_and_keeps_its_reasons(people):
    rejected = people.map(
        "budget",
        budget(
            1,
            accepted_date="2025-09-10",
            rejected_date="2025-09-12",
            rejection_observations="Prefiere pensarlo",
        ),
    ).row
    assert (rejected.status, rejected.rejection_notes) == ("rejected", "Prefiere pensarlo")
    assert (rejected.accepted_on, rejected.rejected_on) == (
        dt.date(2025, 9, 10),
        dt.date(2025, 9, 12),
    )
    accepted = people.map("budget", budget(2, accepted_date="2025-09-10")).row
    assert accepted.status == "accepted"


def test_a_number_taken_in_the_chunk_gets_the_next_free_one_of_its_year_with_a_warning(people):
    first, second, other_year = people.map_all(
        "budget", [budget(1), budget(2), budget(3, quote_date="2024-02-02")]
    )
    assert first.row.number == "PRES-2025-0001" and first.notes == []
    assert second.row.number == "PRES-2025-0002" and second.row.source_number == 1
    collision = second.note("budget.number_collision")
    assert collision.severity == "warn" and "PRES-2025-0001 is taken" in collision.message
    assert other_year.row.number == "PRES-2024-0001" and other_year.notes == []


def test_a_number_the_clinic_already_uses_is_moved_past_the_highest_of_that_year(people):
    patient = people.existing(Patient, given_name="Ana")
    people.existing(Budget, patient=patient, number="PRES-2025-0005")
    free, taken = people.map_all("budget", [budget(1, number=3), budget(2, number=5)])
    assert free.row.number == "PRES-2025-0003" and free.notes == []
    assert taken.row.number == "PRES-2025-0006" and taken.codes == ["budget.number_collision"]


def test_a_budget_without_a_number_or_a_date_is_numbered_next_with_notes(people):
    no_number = people.map("budget", budget(1, number=None))
    assert no_number.row.number == "PRES-2025-0001" and no_number.codes == ["budget.no_number"]
    this_year = dt.date.today().year
    undated = people.map("budget", budget(2, quote_date=None, number=4))
    assert undated.row.number == f"PRES-{this_year}-0004" and undated.row.quoted_on is None
    assert undated.codes == ["budget.no_date"]


def test_a_long_budget_title_is_cut_to_200_characters(people):
    mapped = people.map("budget", budget(1, title="T" * 250))
    assert len(mapped.row.title) == 200 and mapped.row.title.endswith("…")


@pytest.mark.parametrize(
    ("patient_uuid", "code"), [(None, "budget.no_patient"), (GHOST, "budget.unmapped_patient")]
)
def test_a_budget_without_its_patient_is_refused(people, patient_uuid, code):
    mapped = people.map("budget", budget(1, patient_uuid=patient_uuid))
    assert mapped.refused == code


# --- budget_line ----------------------------------------------------------------------------


@pytest.fixture
def catalogue(harness):
    """Catalogue item 1 (OBT, VAT 21 %, 60.00) and its variant 1, imported earlier."""
    filling = harness.existing(
        TreatmentCatalogItem, name="OBT", reference_price=D("60.00"), vat_percent=D("21")
    )
    variant = harness.existing(TreatmentCatalogVariant, item=filling, tariff_code="GEN")
    harness.resolved("treatment_catalog_item", 1, filling.pk)
    harness.resolved("treatment_catalog_variant", 1, variant.pk)
    harness.resolved("budget", 1, 1201)
    return filling, variant


def line(sid, **kw):
    return b.row("budget_line", sid, budget_uuid=b.uid("budget", 1), **kw)


def test_a_line_is_priced_with_decimals_and_its_catalogue_items_vat(harness, catalogue):
    filling, variant = catalogue
    mapped = harness.map(
        "budget_line",
        pick(budget_rows(), "budget_line", 1),  # the care file's first line
    )
    one = mapped.row
    assert isinstance(one, BudgetLine) and one.pk is None
    assert (one.budget_id, one.catalog_item, one.variant_id) == (1201, filling, variant.pk)
    # Linked to its treatment in a second pass, by this key.
    assert one.source_applied_treatment_uuid == b.uid("applied_treatment", "done")
    assert (one.description, one.notes, one.position) == ("OBT", "Piezas 16 y 17", 1)
    assert (one.tooth, one.teeth) == (16, [16, 17])
    assert (one.unit_price, one.units) == (D("60.005"), 2)  # whole units, rounded down
    # 60.005 × 2 = 120.01; 10 % off = 12.00 → 108.01; 21 % VAT of that = 22.68.
    assert (one.subtotal, one.discount_amount, one.vat_percent, one.vat_amount, one.total) == (
        D("120.01"),
        D("12.00"),
        D("21"),
        D("22.68"),
        D("130.69"),
    )
    assert mapped.notes == []


def test_a_lines_item_is_found_through_its_variant_and_an_absolute_discount_wins(
    harness, catalogue
):
    filling, _ = catalogue
    mapped = harness.map(
        "budget_line",
        line(
            2,
            treatment_variant_uuid=b.uid("treatment_catalog_variant", 1),
            unit_amount="55.50",
            units="1",
            discount_amount="5.00",
            discount_percent="50",
        ),
    )
    two = mapped.row
    assert two.catalog_item == filling
    # 55.50 − 5.00 = 50.50; 21 % = 10.605, rounded half up to 10.61.
    assert (two.discount_amount, two.vat_amount, two.total) == (D("5.00"), D("10.61"), D("61.11"))


def test_a_line_without_a_price_takes_the_catalogue_price_with_a_note(harness, catalogue):
    mapped = harness.map("budget_line", line(3, treatment_uuid=b.uid("treatment_catalog_item", 1)))
    assert (mapped.row.unit_price, mapped.row.units, mapped.row.total) == (
        D("60.00"),
        1,
        D("72.60"),
    )
    assert mapped.codes == ["budget_line.no_price"]


def test_a_line_of_an_unknown_treatment_is_kept_loose_with_a_warning(harness, catalogue):
    mapped = harness.map(
        "budget_line",
        line(4, treatment_uuid=GHOST, unit_amount="10", units="0", notes="Línea suelta"),
    )
    loose = mapped.row
    assert loose.catalog_item is None and loose.variant_id is None
    assert (loose.description, loose.units, loose.vat_percent, loose.total) == (
        "Línea suelta",
        1,
        D("0"),
        D("10.00"),
    )
    assert mapped.note("budget_line.unmapped_treatment").severity == "warn"


def test_a_line_naming_no_treatment_and_no_price_is_kept_at_zero_with_warnings(harness, catalogue):
    mapped = harness.map("budget_line", line(5))
    assert (mapped.row.description, mapped.row.unit_price, mapped.row.total) == (
        "—",
        D("0"),
        D("0.00"),
    )
    assert mapped.codes == ["budget_line.no_treatment", "budget_line.no_price"]


@pytest.mark.parametrize(
    ("budget_uuid", "code"),
    [(None, "budget_line.no_budget"), (GHOST, "budget_line.unmapped_budget")],
)
def test_a_line_without_its_budget_is_refused(harness, catalogue, budget_uuid, code):
    mapped = harness.map("budget_line", budget_uuid=budget_uuid, unit_amount="10")
    assert mapped.refused == code


def test_after_the_lines_each_links_its_treatment_and_its_budget_is_accepted_and_totalled(
    harness, catalogue
):
    patient = harness.existing(Patient, given_name="Ana")
    quote = harness.existing(Budget, patient=patient, number="PRES-2025-0001")
    harness.resolved("budget", 1, quote.pk)
    done = harness.existing(
        AppliedTreatment, patient=patient, description="OBT", status="performed", scope="teeth"
    )
    harness.stored("applied_treatment", "done", done.pk)
    harness.stored("applied_treatment", "missed", 1401, ClinicalNote)
    lines = harness.map_all(
        "budget_line",
        [
            line(
                1,
                treatment_uuid=b.uid("treatment_catalog_item", 1),
                applied_treatment_uuid=b.uid("applied_treatment", "done"),
                unit_amount="100",
            ),
            line(2, applied_treatment_uuid=b.uid("applied_treatment", "missed"), unit_amount="10"),
        ],
    )
    for mapped in lines:
        mapped.row.save()  # as the runner inserts them before the second pass
    (note,) = harness.finish("budget_line", lines)
    carried_out, loose = (BudgetLine.objects.get(pk=m.row.pk) for m in lines)
    assert carried_out.applied_treatment == done and loose.applied_treatment is None
    assert note.code == "budget_line.unmapped_applied_treatment"
    assert "became an administrative note" in note.message
    quote.refresh_from_db()
    # A draft whose work was carried out was accepted; its totals are its lines' (121 + 10).
    assert (quote.status, quote.subtotal, quote.tax_total, quote.total) == (
        "accepted",
        D("110.00"),
        D("21.00"),
        D("131.00"),
    )
