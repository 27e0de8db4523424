"""The run's store of resolved keys: ids, their tables, and what it forgets."""

from dentalpin_import.mapping.keys import ResolvedKeys


def test_each_key_gives_back_its_id_and_table_even_when_the_table_is_unusual():
    keys = ResolvedKeys()
    keys.add("applied_treatment", "t1", 10, "clinics_appliedtreatment")
    keys.add("applied_treatment", "t2", 11, "clinics_clinicalnote")  # kept as a note
    keys.add("applied_treatment", "t3", 12, "clinics_appliedtreatment")
    assert [keys.get("applied_treatment", k) for k in ("t1", "t2", "t3")] == [10, 11, 12]
    assert keys.table("applied_treatment", "t1") == "clinics_appliedtreatment"
    assert keys.table("applied_treatment", "t2") == "clinics_clinicalnote"
    assert keys.table("applied_treatment", "t3") == "clinics_appliedtreatment"
    # A key of another type, or not held, resolves to nothing.
    assert keys.get("patient", "t1") is None and keys.table("patient", "t1") is None
    assert keys.get("applied_treatment", "t9") is None
    assert keys.table("applied_treatment", "t9") is None
    assert len(keys) == 3 and ("applied_treatment", "t2") in keys and ("patient", "t2") not in keys


def test_a_key_added_again_takes_its_new_table():
    keys = ResolvedKeys()
    keys.add("catalog_item", "c1", 1, "clinics_treatmentcatalogitem")
    keys.add("catalog_item", "c2", 5, "clinics_chair")
    keys.add("catalog_item", "c2", 6, "clinics_treatmentcatalogitem")
    assert (keys.get("catalog_item", "c2"), keys.table("catalog_item", "c2")) == (
        6,
        "clinics_treatmentcatalogitem",
    )
    assert len(keys) == 2


def test_missing_lists_only_the_keys_not_held_and_skips_empty_ones():
    keys = ResolvedKeys()
    keys.add("patient", "p1", 1, "clinics_patient")
    pairs = [("patient", "p1"), ("patient", "p2"), ("client", "c1"), ("client", None), ("user", "")]
    assert keys.missing(pairs) == {"patient": {"p2"}, "client": {"c1"}}


def test_keep_only_forgets_the_other_types_with_their_unusual_tables():
    keys = ResolvedKeys()
    keys.add("patient", "p1", 1, "clinics_patient")
    keys.add("applied_treatment", "t1", 10, "clinics_appliedtreatment")
    keys.add("applied_treatment", "t2", 11, "clinics_clinicalnote")
    keys.keep_only({"patient", "budget"})
    assert keys.types() == {"patient"} and len(keys) == 1
    assert keys.get("applied_treatment", "t2") is None
    # Coming back later, a forgotten type starts afresh.
    keys.add("applied_treatment", "t2", 20, "clinics_appliedtreatment")
    assert keys.table("applied_treatment", "t2") == "clinics_appliedtreatment"
    keys.clear()
    assert len(keys) == 0 and keys.get("patient", "p1") is None


def test_a_key_resolves_as_a_table_only_when_its_row_is_in_that_table():
    """`MappingContext.resolve_as`: a treatment kept as a note never resolves as a treatment."""
    from clinics.models import AppliedTreatment
    from dentalpin_import.mapping.base import MappingContext

    keys = ResolvedKeys()
    keys.add("applied_treatment", "t1", 10, "clinics_appliedtreatment")
    keys.add("applied_treatment", "t2", 11, "clinics_clinicalnote")
    keys.add("catalog_item", "c1", 5, "clinics_chair")
    keys.add("catalog_item", "c1", 6, "clinics_treatmentcatalogitem")  # moved back to the usual
    treatments, notes = "clinics_appliedtreatment", "clinics_clinicalnote"
    assert keys.get_in("applied_treatment", "t1", treatments) == 10
    assert keys.get_in("applied_treatment", "t1", notes) is None
    assert keys.get_in("applied_treatment", "t2", notes) == 11
    assert keys.get_in("applied_treatment", "t2", treatments) is None
    assert keys.get_in("catalog_item", "c1", "clinics_treatmentcatalogitem") == 6
    assert keys.get_in("catalog_item", "c1", "clinics_chair") is None
    assert keys.get_in("applied_treatment", "t9", treatments) is None
    assert keys.get_in("patient", "t1", treatments) is None
    ctx = MappingContext(clinic=None, job=None, source_system="gesden", options={}, keys=keys)
    assert [ctx.resolve_as("applied_treatment", k, AppliedTreatment) for k in ("t1", "t2")] == [
        10,
        None,
    ]
    assert ctx.resolve_as("applied_treatment", "", AppliedTreatment) is None
    assert ctx.resolve_as("applied_treatment", None, AppliedTreatment) is None


def test_keys_added_together_stand_as_if_added_one_by_one():
    """`add_many` (a chunk's rows at once) leaves the store as `add` of each would."""

    def store(adding_together: bool) -> ResolvedKeys:
        keys = ResolvedKeys()
        keys.leave_out("applied_treatment", "t2")  # an earlier file's rule left it out
        keys.add("catalog_item", "c1", 5, "clinics_chair")
        rows = [
            ("t1", 10, "clinics_appliedtreatment"),
            ("t2", 11, "clinics_clinicalnote"),
            ("t3", 12, "clinics_appliedtreatment"),
            ("t2", 13, "clinics_appliedtreatment"),  # the same key again, back to the usual
            ("t4", 14, "clinics_clinicalnote"),
        ]
        if adding_together:
            keys.add_many("applied_treatment", rows)
            keys.add_many("catalog_item", [("c1", 6, "clinics_treatmentcatalogitem")])
        else:
            for key, target, table in rows:
                keys.add("applied_treatment", key, target, table)
            keys.add("catalog_item", "c1", 6, "clinics_treatmentcatalogitem")
        return keys

    together, alone = store(True), store(False)
    for keys in (together, alone):
        assert not keys.left_out("applied_treatment", "t2")
        assert keys.get("applied_treatment", "t2") == 13
        assert keys.table("applied_treatment", "t2") == "clinics_appliedtreatment"
        # Its type's usual table is the first one (a chair); the key moved off it.
        assert keys.table("catalog_item", "c1") == "clinics_treatmentcatalogitem"
        assert keys.get_in("catalog_item", "c1", "clinics_chair") is None
    assert together.get_in("applied_treatment", "t4", "clinics_clinicalnote") == 14
    for key in ("t1", "t2", "t3", "t4", "t9"):
        held = [
            (k.get("applied_treatment", key), k.table("applied_treatment", key))
            for k in (together, alone)
        ]
        assert held[0] == held[1]
    assert len(together) == len(alone) == 5
