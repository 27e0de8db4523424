"""A re-run reads a type the clinic already has by key, and maps the rows of new keys only."""

from collections import defaultdict

import pytest

from dentalpin_import.mapping.patients import PatientMapper
from dentalpin_import.models import SKIP_SUFFIX, EntityMapping
from dentalpin_import.reader.container import Container, open_dpmf
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import


def keys_not_mapped(path, clinic) -> dict[str, set[str]]:
    """{entity type: its keys in the file the clinic has no mapping (or skip marker) of}."""
    mapped = set(
        EntityMapping.objects.filter(clinic=clinic).values_list("entity_type", "canonical_uuid")
    )
    with open_dpmf(path) as container:
        return {
            info.entity_type: {
                key
                for keys in container.iter_keys(info.entity_type)
                for key in keys
                if (info.entity_type, key) not in mapped
                and (info.entity_type + SKIP_SUFFIX, key) not in mapped
            }
            for info in container.entity_types
        }


@pytest.mark.django_db
def test_a_rerun_reads_only_the_rows_not_mapped_yet(tmp_path, clinic, settings, monkeypatch):
    settings.DPMF_CHUNK_SIZE = 10
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=8, layer="raw")
    original = PatientMapper.map
    refused = set()

    def map_refusing_two(self, record, ctx):
        if record.source_id in ("8-2", "8-3"):  # patients 2 and 3 of seed 8
            refused.add(record.canonical_uuid)
            raise ValueError("not this time")
        return original(self, record, ctx)

    monkeypatch.setattr(PatientMapper, "map", map_refusing_two)
    status, out, first = run_import(sample.path, clinic.slug, report=tmp_path / "1.json")
    assert status == 0, out
    assert first["entities"]["patient"]["failed"] == 2 and len(refused) == 2
    monkeypatch.setattr(PatientMapper, "map", original)
    waiting = keys_not_mapped(sample.path, clinic)
    has_rows = set(
        EntityMapping.objects.filter(clinic=clinic).values_list("entity_type", flat=True)
    )

    read_whole, fetched = set(), defaultdict(set)
    chunks, rows_among = Container.chunks, Container.rows_among

    def whole(self, entity_type, **kwargs):
        read_whole.add(entity_type)
        return chunks(self, entity_type, **kwargs)

    def fetch(self, entity_type, keys):
        fetched[entity_type] |= set(keys)
        return rows_among(self, entity_type, keys)

    monkeypatch.setattr(Container, "chunks", whole)
    monkeypatch.setattr(Container, "rows_among", fetch)
    status, out, again = run_import(sample.path, clinic.slug, report=tmp_path / "2.json")
    assert status == 0, out
    patients = again["entities"]["patient"]
    assert (patients["created"], patients["already_mapped"], patients["failed"]) == (2, 28, 0)
    assert refused == waiting["patient"]
    # Every type the clinic had rows of is read by key: its rows without a mapping (the
    # two patients' own rows among them) to import them, the others for their digest
    # alone (a later export may have changed them: loader/changes.py). Nothing changed,
    # so nothing but the two patients was mapped again.
    assert "patient" in has_rows and "appointment" in has_rows
    for entity_type in has_rows & set(waiting):
        assert waiting[entity_type] <= fetched[entity_type], entity_type
    assert not read_whole & has_rows
    assert all(
        figures["updated"] == figures["conflicts"] == 0 for figures in again["entities"].values()
    )
