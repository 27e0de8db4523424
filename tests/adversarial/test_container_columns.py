"""A container whose tables are not exactly the format's is refused, naming table and column.

FORMAT.md §5.2 and §5.3 give every system table and every entity table its whole
definition; a minor version may add entity types and payload keys, never a column.
So a column the spec does not define, in any table the reader reads, is refused;
a table not listed in `_entities` stays what the spec makes it: ignored, with a note.
"""

from __future__ import annotations

import random

import pytest

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.container import open_dpmf
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.dentalpin_import.reader import damage as D


def edited(tmp_path, sql: str):
    plain = b.small_clinic(tmp_path).read_bytes()

    def edit(conn, rng):
        conn.executescript(sql)

    path = tmp_path / "edited.dpm"
    path.write_bytes(D.edit_sql(random.Random(1), plain, edit, rehash=True))
    return path


def refusal(path, tmp_path) -> ReadError:
    private = tmp_path / "private"
    private.mkdir(exist_ok=True)
    with pytest.raises(ReadError) as info:
        with open_dpmf(path, tmp_dir=str(private)):
            pass
    assert list(private.iterdir()) == []
    return info.value


@pytest.mark.parametrize("table", ["patient", "_meta", "_entities", "_files", "_warnings"])
def test_a_column_the_format_does_not_define_is_refused_by_table_and_name(tmp_path, table):
    path = edited(tmp_path, f'ALTER TABLE "{table}" ADD COLUMN owner TEXT')
    refused = refusal(path, tmp_path)
    assert refused.code == E.UNEXPECTED_COLUMN
    assert str(refused) == E.MSG_UNEXPECTED_COLUMN.format(table=table, column="'owner'")


def test_several_columns_are_counted_and_the_first_five_named(tmp_path):
    added = "; ".join(f"ALTER TABLE client ADD COLUMN c{i}" for i in range(7))
    refused = refusal(edited(tmp_path, added), tmp_path)
    assert refused.code == E.UNEXPECTED_COLUMN
    named = "'c0', 'c1', 'c2', 'c3', 'c4', …"
    assert str(refused) == E.MSG_UNEXPECTED_COLUMNS.format(table="client", count=7, columns=named)


def test_a_column_named_with_a_patients_data_is_shown_escaped_and_cut(tmp_path):
    name = f"{D.SENTINELS[0]}\n{'x' * 100}"
    refused = refusal(edited(tmp_path, f'ALTER TABLE patient ADD COLUMN "{name}"'), tmp_path)
    line = str(refused)
    assert "\n" not in line and "x" * 65 not in line
    assert refused.code == E.UNEXPECTED_COLUMN


def test_a_missing_column_is_named_before_the_one_that_replaced_it(tmp_path):
    path = edited(tmp_path, "ALTER TABLE appointment RENAME COLUMN payload TO datos")
    refused = refusal(path, tmp_path)
    assert refused.code == E.BAD_CONTAINER
    assert str(refused) == E.MSG_MISSING_COLUMNS.format(table="appointment", columns="payload")


def test_a_table_not_listed_in_entities_is_still_only_a_note(tmp_path):
    path = edited(tmp_path, "CREATE TABLE notes_of_the_exporter (anything, at, allowed)")
    with open_dpmf(path, tmp_dir=str(tmp_path)) as container:
        assert "table 'notes_of_the_exporter' is not listed in _entities" in container.notes[0]


@pytest.mark.parametrize("value", ["x'00ff'", "NULL"], ids=["blob", "null"])
def test_a_meta_entry_that_is_not_text_is_refused_naming_its_key(tmp_path, value):
    sql = (
        "CREATE TABLE m (key, value); INSERT INTO m SELECT * FROM _meta; DROP TABLE _meta; "
        f"ALTER TABLE m RENAME TO _meta; UPDATE _meta SET value = {value} "
        "WHERE key = 'source_system'"
    )
    refused = refusal(edited(tmp_path, sql), tmp_path)
    assert refused.code == E.BAD_CONTAINER
    assert str(refused) == E.MSG_META_NOT_TEXT.format(key="'source_system'")


@pytest.mark.parametrize("layer", ["raw", "zstd-enc"])
def test_the_sample_generator_and_the_test_builder_still_pass_the_gate(tmp_path, layer):
    sample = generate_sample(
        tmp_path / "s.dpm", patients=12, layer=layer, passphrase=b.PASSPHRASE, binaries=False
    )
    built = b.small_clinic(tmp_path, layer=layer, passphrase=b.PASSPHRASE)
    for path in (sample.path, built):
        with open_dpmf(path, passphrase=b.PASSPHRASE, tmp_dir=str(tmp_path)) as container:
            assert container.computed_hash == container.declared_hash
