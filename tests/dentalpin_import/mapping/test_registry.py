"""The import order: every mapper runs after the types it depends on, and declares them."""

from dentalpin_import.mapping.registry import (
    ENTITY_ORDER,
    KNOWN_ORDER,
    LEVELS,
    MAPPERS,
    REFERENCED_TYPES,
    SHEET_ORDER,
    import_order,
    mapper_for,
    referenced_after,
)
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.sample.generator import generate_sample


def test_every_mapper_runs_after_its_dependencies():
    position = {t: i for i, t in enumerate(KNOWN_ORDER)}
    for entity_type, mapper in MAPPERS.items():
        for dependency in mapper.depends_on:
            assert position[dependency] < position[entity_type], (entity_type, dependency)


def test_the_order_lists_the_32_types_of_v0_1_once():
    assert len(ENTITY_ORDER) == len(set(ENTITY_ORDER)) == 32


def test_unknown_types_come_last_alphabetically():
    assert import_order(["zeta_new", "patient", "alpha_new", "center"]) == [
        "center",
        "patient",
        "alpha_new",
        "zeta_new",
    ]


def test_csv_sheet_types_have_a_mapper_and_a_level_and_never_clash_with_dpmf_types():
    assert not set(SHEET_ORDER) & set(ENTITY_ORDER)
    for entity_type in SHEET_ORDER:
        assert MAPPERS[entity_type].entity == entity_type
        assert entity_type in LEVELS
    assert import_order(["csv_patient", "csv_staff"]) == ["csv_staff", "csv_patient"]


def test_every_type_a_mapper_looks_up_is_declared(tmp_path):
    # REFERENCED_TYPES, built from the declarations, decides which keys a run keeps
    # in memory; an undeclared look-up would still work, but through the database.
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=4, layer="raw")
    looked_up: dict[str, set[str]] = {}
    with open_dpmf(sample.path) as container:
        for info in container.entity_types:
            mapper = mapper_for(info.entity_type)
            if mapper is None:
                continue
            for rows in container.iter_rows(info.entity_type, chunk_size=500):
                for row in rows:
                    record = mapper.record.from_row(row)
                    looked_up.setdefault(mapper.entity, set()).update(
                        t for t, key in mapper.references(record) if key
                    )
    assert looked_up.keys() >= {"payment", "applied_treatment", "appointment"}
    for entity_type, types in looked_up.items():
        mapper = MAPPERS[entity_type]
        allowed = set(mapper.depends_on) | ({entity_type} if mapper.refers_to_itself else set())
        assert types <= allowed, (entity_type, types - allowed)
        assert types <= REFERENCED_TYPES


def test_a_type_is_kept_while_a_later_type_still_refers_to_it():
    order = list(ENTITY_ORDER)
    after = dict(zip(order, referenced_after(order), strict=True))
    # Budgets are only named by their lines; lines only by treatments.
    assert "budget" in after["budget"] and "budget" not in after["budget_line"]
    assert "budget_line" in after["budget_line"] and "budget_line" not in after["applied_treatment"]
    # Payments name other payments: kept through their own type, then for the applications.
    assert "payment" in after["debt"] and "payment" in after["payment"]
    assert "payment" not in after["debt_payment_application"]
    assert after["fiscal_document"] >= {"fiscal_document", "patient"}
    assert after["fiscal_document_line"] == {"patient"}  # the documents still name patients
    assert after["patient_document"] == frozenset()


def test_types_kept_raw_keep_nothing_alive():
    # A type without a mapper names nothing: what is needed after it is what comes later.
    appointment = {"patient", "professional", "appointment_recurrence", "catalog_item"}
    after = referenced_after(["patient", "zeta_new", "appointment"])
    assert after == [appointment, appointment, set()]
