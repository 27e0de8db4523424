"""Two payload keys that become one once cleaned: both values are kept, and the warning says how.

`values.clean_json` removes NULs and lone surrogates from keys too. `{"zona": "A",
"zo\\u0000na": "B"}` used to end as `{"zona": "B"}`: a value lost, and a warning that
spoke of a NUL only. Now the cleaned key takes a name no key of its object has, and
the warning names it. Unread payload keys are kept whole for types without a mapper
(`RawEntity.payload`, `raw_data`) and for the types §14.21 keeps verbatim
(`source_extra` of a prescription, a consent, a message).
"""

from __future__ import annotations

import itertools

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from clinics.models import Prescription
from dentalpin_import.models import EntityMapping, ImportJob, RawEntity
from dentalpin_import.reader.rows import SourceRow
from dentalpin_import.reader.values import KEY_RENAMED, NUL_REMOVED, SURROGATE_REPLACED, clean_json
from dentalpin_import.web.warning_lines import warning_text
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.loader.poison import clinic_rows

RENAMED_EN = (
    "Two values of this record had names that became the same once invisible or invalid "
    "characters were removed from one: both are kept, that one renamed to {}."
)


@pytest.mark.parametrize(
    "value, cleaned",
    [
        ({"zona": "A", "zo\x00na": "B"}, {"zona": "A", "zona (2)": "B"}),
        # Written first or last, the key written clean keeps its name.
        ({"zo\x00na": "B", "zona": "A"}, {"zona (2)": "B", "zona": "A"}),
        # A name already taken in the object is passed over.
        (
            {"zona": "A", "zona (2)": "C", "zo\x00na": "B", "zona\ud800": "D"},
            {"zona": "A", "zona (2)": "C", "zona (3)": "B", "zona\ufffd": "D"},
        ),
        # Two dirty keys and no clean one: the first keeps the name.
        ({"zo\x00na": "B", "z\x00ona": "C"}, {"zona": "B", "zona (2)": "C"}),
    ],
)
def test_no_value_is_lost_when_cleaned_keys_meet(value, cleaned):
    found, _fixes = clean_json(value)
    assert found == cleaned


def test_the_fixes_name_the_new_key_and_say_it_was_renamed():
    _value, fixes = clean_json({"zona": "A", "zo\x00na": "B", "datos": [{"x": 1, "\x00x": 2}]})
    assert sorted(fixes) == [
        ("datos", NUL_REMOVED),
        ("datos.x (2)", KEY_RENAMED),
        ("zona (2)", KEY_RENAMED),
        ("zona (2)", NUL_REMOVED),
    ]


def test_keys_that_do_not_meet_are_cleaned_as_before_without_a_rename():
    value, fixes = clean_json({"a\x00": "x", "b\ud800": "y", "c": "z"})
    assert value == {"a": "x", "b\ufffd": "y", "c": "z"}
    assert sorted(fixes) == [("a", NUL_REMOVED), ("b\ufffd", SURROGATE_REPLACED)]


def test_thousands_of_colliding_keys_each_get_their_own_name():
    """A hostile object: every variant of one key, and the names a rename would pick, taken."""
    dirty = []
    for places in itertools.islice(itertools.combinations(range(12), 4), 400):
        chars = ["\x00"] * 12
        for place, char in zip(places, "zona", strict=True):
            chars[place] = char
        dirty.append("".join(chars))
    value = {"zona": 0, **{f"zona ({n})": n for n in range(2, 300)}, **dict.fromkeys(dirty, -1)}
    size = len(value)
    cleaned, fixes = clean_json(value)
    assert len(cleaned) == size and sorted(cleaned.values()).count(-1) == len(dirty)
    assert sum(code == KEY_RENAMED for _, code in fixes) == len(dirty)


def test_a_row_reports_the_rename_in_payload_and_raw_data():
    payload = '{"zona": "A", "zo\\u0000na": "B"}'
    raw = '{"Zo\\u0000na": "r2", "Zona": "r1"}'
    row = SourceRow("legacy_note", "u1", "1", "gesden", payload, raw, "")
    assert row.payload == {"zona": "A", "zona (2)": "B"}
    assert row.raw_source_data == {"Zona (2)": "r2", "Zona": "r1"}
    assert ("zona (2)", KEY_RENAMED) in row.text_fixes
    assert ("raw_source_data.Zona (2)", KEY_RENAMED) in row.text_fixes


def imported(tmp_path, path, clinic, name):
    status, out, report = run_import(path, clinic.slug, report=tmp_path / f"{name}.json")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    return report, {(w.entity_type, w.code): w for w in job.warnings.all()}


@pytest.mark.django_db
def test_both_values_of_colliding_keys_are_stored_and_the_warning_names_the_new_key(
    tmp_path, clinic
):
    rows = clinic_rows() + [
        b.row(
            "legacy_note",
            1,
            raw={"Zona": "r1", "Zo\x00na": "r2"},
            **{"zona": "A", "note": "kept", "zo\x00na": "B"},
        ),
        b.row(
            "prescription",
            1,
            patient_uuid=b.uid("patient", 1),
            notes="Rx",
            **{"zona": "A", "zona (2)": "C", "zo\x00na": "B"},
        ),
    ]
    path = b.build(tmp_path, rows)
    report, warnings = imported(tmp_path, path, clinic, "first")
    assert report["entities"]["legacy_note"]["raw"] == 1
    assert report["entities"]["prescription"]["created"] == 1
    with scopes_disabled():
        kept = RawEntity.objects.get(clinic=clinic, entity_type="legacy_note")
        mapping = EntityMapping.objects.get(clinic=clinic, entity_type="prescription")
        prescription = Prescription.objects.get(pk=mapping.target_id)
    assert kept.payload == {"zona": "A", "note": "kept", "zona (2)": "B"}
    assert kept.raw_data == {"Zona": "r1", "Zona (2)": "r2"}
    assert prescription.source_extra == {"zona": "A", "zona (2)": "C", "zona (3)": "B"}

    note = warnings[("legacy_note", KEY_RENAMED)]
    assert note.message == RENAMED_EN.format("zona (2), raw_source_data.Zona (2)")
    assert warnings[("prescription", KEY_RENAMED)].message == RENAMED_EN.format("zona (3)")
    assert ("legacy_note", NUL_REMOVED) in warnings  # the NUL is still said, as before
    with translation.override("es"):
        assert warning_text(note) == (
            "Dos valores de este registro tenían nombres que quedaron iguales al quitar de uno "
            "caracteres invisibles o no válidos: se conservan los dos, y ese se renombró como "
            "zona (2), raw_source_data.Zona (2)."
        )

    # The same file again: nothing new is stored and nothing is said again.
    report, warnings = imported(tmp_path, path, clinic, "again")
    assert report["entities"]["prescription"]["already_mapped"] == 1
    assert not [key for key in warnings if key[1] in (KEY_RENAMED, NUL_REMOVED)]
    with scopes_disabled():
        assert RawEntity.objects.filter(clinic=clinic, entity_type="legacy_note").count() == 1
