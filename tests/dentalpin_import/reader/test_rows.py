"""Payload decoding reads every document exactly as the standard `json` module does."""

import json
import math

import pytest

from dentalpin_import.reader.rows import SourceRow, decode_object, loads

SAME_AS_JSON = [
    '{"amount": "12.50", "teeth": [11, 12], "notes": "Pérez \\u00e1 ñ"}',
    '{"a": 1, "a": 2}',  # the last duplicate wins
    '{"id": 9223372036854775807, "neg": -9223372036854775808}',
    '{"id": 123456789012345678901234567890}',  # beyond 64 bits: every digit kept
    '{"id": -98765432109876543210}',
    '{"f": 0.1, "g": -0.0, "h": 1e-7, "i": 1.7976931348623157e308}',
    '{"text": "\\ud83d\\ude00 and \\u20ac"}',
    '{"nested": {"list": [null, true, false, {"x": []}]}}',
    '{"s": "12345678901234567890123"}',  # long digits in a string
    '{"a": [1, {"b": [2, 123456789012345678901234567890]}], "c": {"d": 0.5}}',  # nested
]


@pytest.mark.parametrize("text", SAME_AS_JSON)
def test_documents_read_as_json_reads_them(text):
    value = loads(text)
    assert value == json.loads(text)
    assert json.dumps(value) == json.dumps(json.loads(text))  # int stays int, float stays float


def test_a_huge_integer_keeps_every_digit():
    value = loads('{"IdPac": 123456789012345678901234567890}')
    assert value["IdPac"] == 123456789012345678901234567890
    assert type(value["IdPac"]) is int


@pytest.mark.parametrize(
    "text, check",
    [
        ('{"a": NaN}', lambda v: math.isnan(v["a"])),
        ('{"a": Infinity}', lambda v: v["a"] == math.inf),
        ('{"a": 1e400}', lambda v: v["a"] == math.inf),
        ('{"a": "\\ud800"}', lambda v: v["a"] == "\ud800"),  # a lone surrogate
    ],
)
def test_what_the_fast_parser_refuses_is_still_read(text, check):
    assert check(loads(text))


@pytest.mark.parametrize("text", ['{"a": 1', '{"a": 1} trailing', "", "{'a': 1}"])
def test_broken_text_gives_the_standard_error(text):
    with pytest.raises(json.JSONDecodeError) as standard:
        json.loads(text)
    ok, problem = decode_object(text, "payload")
    assert ok is None
    assert problem == f"payload is not valid JSON: {standard.value}"


def nested(depth: int) -> str:
    return '{"a": ' + "[" * depth + "1.5" + "]" * depth + "}"


def test_a_document_nested_almost_as_deep_as_json_manages_is_read_too():
    low, high = 1, 5000  # the deepest nesting json.loads manages from here
    while low < high:
        middle = (low + high + 1) // 2
        try:
            json.loads(nested(middle))
            low = middle
        except RecursionError:
            high = middle - 1
    depth = low - 10  # room for loads() itself; its float check must not need more
    assert loads(nested(depth)) == json.loads(nested(depth))


def row(payload_text, raw_text) -> SourceRow:
    """A row whose payload and raw data columns are read independently: a bad one spoils itself."""
    return SourceRow("patient", "u1", "7", "gesden", payload_text, raw_text, "2026-01-01")


def test_unreadable_raw_data_leaves_the_payload_and_the_row_readable():
    r = row(json.dumps({"given_name": "Íñigo"}), "{not json")
    assert r.payload == {"given_name": "Íñigo"}
    assert r.decode_error is None
    assert r.raw_source_data is None


def test_an_unreadable_payload_is_the_row_s_error_and_its_raw_data_still_reads():
    r = row('{"given_name": ', json.dumps({"NomPac": "Íñigo"}))
    assert r.payload is None
    assert r.decode_error.startswith("payload is not valid JSON")
    assert r.raw_source_data == {"NomPac": "Íñigo"}


def test_a_payload_that_is_not_an_object_is_named_as_such():
    r = row("[1, 2]", None)
    assert r.decode_error == "payload is not a JSON object"
    assert r.raw_source_data is None


def test_rows_with_empty_raw_data_each_get_their_own_object():
    one, two = row("{}", "{}"), row("{}", "{}")
    assert one.payload == {} and one.raw_source_data == {} and one.decode_error is None
    one.raw_source_data["IdPac"] = "5-1"
    assert two.raw_source_data == {}
    assert decode_object("{}", "raw_source_data") == ({}, None)
