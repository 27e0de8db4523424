"""The harness itself: records typed by the reader, and the mapper contract it enforces."""

import pytest

from clinics.models import Client, Patient
from dentalpin_import.mapping.clients import ClientMapper
from dentalpin_import.mapping.instances import build
from dentalpin_import.reader.records import SourceClient
from tests import dpmf_builder as b
from tests.factories.clinics import ClinicFactory

pytestmark = pytest.mark.django_db


def test_a_payload_is_typed_by_the_readers_own_rules(harness):
    record = harness.record(
        "client", b.client(1), email=" Pagos@Norte.TEST ", valid_to="1899-12-30"
    )
    assert isinstance(record, SourceClient)
    assert (record.canonical_uuid, record.source_id) == (b.uid("client", 1), "1")
    assert record.email == "pagos@norte.test"
    untyped = harness.record("patient", b.patient(1), date_of_birth=[1980])
    assert untyped.date_of_birth is None
    assert [p[0] for p in untyped.problems] == ["date_of_birth"]


def test_a_row_for_another_entity_type_is_a_mistake_in_the_test(harness):
    with pytest.raises(AssertionError):
        harness.record("patient", b.client(1))


def test_a_mapper_that_saves_while_mapping_fails_the_test(harness, monkeypatch):
    def saving(self, record, ctx):
        client = build(Client, clinic=ctx.clinic, given_name="x")
        client.save()
        return client

    monkeypatch.setattr(ClientMapper, "map", saving)
    with pytest.raises(AssertionError, match="wrote while mapping"):
        harness.map("client", b.client(1))


def test_a_mapper_that_builds_a_row_for_another_clinic_fails_the_test(harness, monkeypatch):
    elsewhere = ClinicFactory(slug="lejos")
    monkeypatch.setattr(
        ClientMapper, "map", lambda self, record, ctx: build(Client, clinic=elsewhere)
    )
    with pytest.raises(AssertionError, match="is not a row of"):
        harness.map("client", b.client(1))


def test_keys_resolve_only_to_rows_of_the_table_they_were_registered_in(harness):
    key = harness.resolved("patient", 1, 501)
    assert harness.ctx.resolve("patient", key) == 501
    assert harness.ctx.resolve_as("patient", key, Patient) == 501
    assert harness.ctx.resolve_as("patient", key, Client) is None
    assert harness.ctx.resolve("patient", b.uid("patient", 2)) is None


def test_a_chunk_is_prepared_once_and_each_row_gets_its_own_notes(harness):
    first, second = harness.map_all("client", [b.client(1, phone="9" * 25), b.client(2)])
    assert first.codes == ["client.phone_truncated"] and second.notes == []
