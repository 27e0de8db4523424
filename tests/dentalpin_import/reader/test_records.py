"""Typed records built from rows are the records their constructor would build."""

import dataclasses

import pytest

from dentalpin_import.mapping.registry import ENTITY_ORDER, mapper_for
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.records import SourcePatient, new_record, row_digest
from dentalpin_import.reader.rows import SourceRow
from dentalpin_import.reader.values import Payload
from dentalpin_import.sample.generator import generate_sample


def by_constructor(cls, row):
    """What `from_row` built before it skipped the frozen dataclass's __init__."""
    payload = Payload(row.payload)
    values = cls.read(payload)
    return cls(
        canonical_uuid=row.canonical_uuid,
        source_id=row.source_id,
        source_system=row.source_system,
        raw=row.raw_source_data or {},
        problems=tuple(payload.problems),
        digest=row_digest(row),
        **values,
    )


def test_every_mapped_type_reads_a_sample_as_its_constructor_does(tmp_path):
    sample = generate_sample(tmp_path / "s.dpm", patients=12, seed=3, binaries=False)
    checked = set()
    with open_dpmf(sample.path, tmp_dir=str(tmp_path)) as container:
        present = {info.entity_type for info in container.entity_types}
        for entity_type in ENTITY_ORDER:
            mapper = mapper_for(entity_type)
            if mapper is None or entity_type not in present:
                continue
            for rows in container.iter_rows(entity_type, chunk_size=1000):
                for row in rows:
                    if row.decode_error:
                        continue
                    record = mapper.record.from_row(row)
                    expected = by_constructor(mapper.record, row)
                    if entity_type == "fiscal_document":
                        expected = dataclasses.replace(expected, legal=record.legal)
                    assert type(record) is type(expected)
                    assert record == expected
                    assert vars(record) == vars(expected)
                    checked.add(entity_type)
    assert len(checked) >= 25, sorted(present - checked)


def identity(**extra):
    return dict(canonical_uuid="u", source_id="1", source_system="gesden", **extra)


def test_a_missing_or_unknown_field_still_raises_as_the_constructor_does():
    fields = {f.name for f in dataclasses.fields(SourcePatient)}
    values = {name: None for name in fields} | identity(raw={}, problems=())
    assert isinstance(new_record(SourcePatient, dict(values)), SourcePatient)
    missing = dict(values)
    del missing["given_name"]
    with pytest.raises(TypeError, match="given_name"):
        new_record(SourcePatient, missing)
    # An unknown key in place of a real one: the count of fields alone would not tell.
    with pytest.raises(TypeError, match="given_nmae"):
        new_record(SourcePatient, missing | {"given_nmae": "Ana"})


def test_records_stay_frozen_and_get_fresh_defaults():
    fields = {f.name for f in dataclasses.fields(SourcePatient)} - {"raw", "problems"}
    values = {name: None for name in fields} | identity()
    one, two = new_record(SourcePatient, dict(values)), new_record(SourcePatient, dict(values))
    assert one.raw == {} and one.raw is not two.raw and one.problems == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.given_name = "changed"


@pytest.mark.parametrize(
    "payload, raw, digest",
    [
        # As a file holds them: text, accents included.
        (
            '{"family_name": "Gonçalves López", "note": "\\ud800"}',
            '{"IdPac": "5-1"}',
            "c9a620042676c97328f9d855fdc42ae6",
        ),
        # A lone surrogate in the text itself (a row built by hand): hashed, never refused.
        ("Ñ\ud800", "{}", "8eb5dd1aeb587dbfde86d27c5cbb15fe"),
        # Bytes, and a missing text.
        (None, b'{"a": 1}', "6e4c34337fe3e68bee6b4a42fe58f56f"),
    ],
)
def test_a_row_s_digest_stays_the_one_earlier_imports_stored(payload, raw, digest):
    # A later import tells unchanged rows by this digest: a new one would call every row changed.
    row = SourceRow("patient", "u1", "7", "gesden", payload, raw, "")
    assert row_digest(row) == digest
    as_bytes = [
        t.encode("utf-8", "surrogatepass") if isinstance(t, str) else t for t in (payload, raw)
    ]
    assert row_digest(SourceRow("patient", "u1", "7", "gesden", *as_bytes, "")) == digest
