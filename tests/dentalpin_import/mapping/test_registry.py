"""The import order: every mapper runs after the types it depends on."""

from dentalpin_import.mapping.registry import ENTITY_ORDER, MAPPERS, import_order


def test_every_mapper_runs_after_its_dependencies():
    position = {t: i for i, t in enumerate(ENTITY_ORDER)}
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
