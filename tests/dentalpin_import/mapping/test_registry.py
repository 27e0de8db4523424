"""The import order: every mapper runs after the types it depends on."""

from dentalpin_import.mapping.registry import (
    ENTITY_ORDER,
    KNOWN_ORDER,
    LEVELS,
    MAPPERS,
    SHEET_ORDER,
    import_order,
)


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
