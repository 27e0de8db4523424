"""The text rules every source's text goes through, and payloads no database could keep."""

import datetime as dt
import json

import pytest

from dentalpin_import.reader.rows import MAX_DEPTH, SourceRow, decode_object
from dentalpin_import.reader.values import (
    INT_LIMIT,
    NUL_REMOVED,
    SURROGATE_REPLACED,
    Payload,
    clean_json,
    clean_text,
)


@pytest.mark.parametrize(
    "text, cleaned, fixes",
    [
        ("Ana", "Ana", ()),
        ("Ana\x00Bel\x00", "AnaBel", (NUL_REMOVED,)),
        ("Ana\ud800", "Ana\ufffd", (SURROGATE_REPLACED,)),
        ("\udc00\x00x", "\ufffdx", (NUL_REMOVED, SURROGATE_REPLACED)),
        ("Zoë 😀", "Zoë 😀", ()),  # a character beyond the BMP is no lone surrogate
    ],
)
def test_clean_text_removes_nul_and_replaces_lone_surrogates(text, cleaned, fixes):
    assert clean_text(text) == (cleaned, fixes)
    cleaned.encode("utf-8")  # what every database driver does with it


def test_clean_json_cleans_keys_and_values_at_any_depth_and_names_the_top_key():
    value = {"a\x00": "x", "b": [{"c": "y\ud800"}, "z\x00"], "ok": "Pérez", "n": 5}
    cleaned, fixes = clean_json(value)
    assert cleaned == {"a": "x", "b": [{"c": "y\ufffd"}, "z"], "ok": "Pérez", "n": 5}
    assert sorted(fixes) == [("a", NUL_REMOVED), ("b", NUL_REMOVED), ("b", SURROGATE_REPLACED)]


def test_clean_json_leaves_clean_values_alone():
    value = {"a": ["b", {"c": 1.5}], "d": None}
    assert clean_json(value) == ({"a": ["b", {"c": 1.5}], "d": None}, [])


def nested(depth: int) -> str:
    return '{"a": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def test_a_payload_as_deep_as_the_limit_reads_and_one_level_more_does_not():
    assert decode_object(nested(MAX_DEPTH), "payload")[1] is None
    value, problem = decode_object(nested(MAX_DEPTH + 1), "payload")
    assert value is None and problem == f"payload is nested more than {MAX_DEPTH} levels deep"


def test_a_payload_deeper_than_json_can_decode_is_a_problem_not_a_crash():
    value, problem = decode_object(nested(50_000), "payload")
    assert value is None and "nested more than" in problem


def test_a_row_reports_what_it_cleaned_in_payload_raw_data_and_source_id():
    payload = '{"given_name": "Ana\\u0000", "family_name": "P\\ud83d\\ude00\\ud800"}'
    raw = json.dumps({"NomPac": "A\x00"})
    row = SourceRow("patient", "u1", "7\x00", "gesden", payload, raw, "2026-01-01")
    assert row.source_id == "7"
    assert row.payload == {"given_name": "Ana", "family_name": "P😀\ufffd"}
    assert row.raw_source_data == {"NomPac": "A"}
    assert sorted(row.text_fixes) == [
        ("family_name", SURROGATE_REPLACED),
        ("given_name", NUL_REMOVED),
        ("raw_source_data.NomPac", NUL_REMOVED),
        ("source_id", NUL_REMOVED),
    ]


def test_an_escaped_backslash_is_not_taken_for_a_nul():
    row = SourceRow("patient", "u1", "7", "gesden", '{"a": "C:\\\\u0000"}', "{}", "")
    assert row.payload == {"a": "C:\\u0000"}
    assert row.text_fixes == []


@pytest.mark.parametrize("value", [INT_LIMIT + 1, -INT_LIMIT - 1, 10**30, "1e999999999", "3e9"])
def test_an_integer_no_integer_column_holds_is_left_empty(value):
    payload = Payload({"n": value})
    assert payload.integer("n") is None
    assert len(payload.problems) == 1


@pytest.mark.parametrize("value", ["1e999999999", "-9e25", 1e300])
def test_a_number_far_beyond_any_column_is_left_empty_before_anything_rounds_it(value):
    """int() or quantize() of "1e999999999" would take hours or fail: it never gets there."""
    payload = Payload({"amount": value, "units": value})
    assert payload.decimal("amount") is None and payload.integer("units") is None
    assert [what for _, what, _ in payload.problems] == ["out of range", "out of range"]


def test_teeth_that_are_no_numbers_are_dropped_and_reported_one_by_one():
    payload = Payload({"teeth": [11, float("inf"), float("nan"), "x", None, 48]})
    assert payload.teeth("teeth") == (11, 48)
    assert len(payload.problems) == 4


def test_integers_within_range_read_as_before():
    payload = Payload({"a": INT_LIMIT, "b": "-12", "c": "7.0"})
    assert (payload.integer("a"), payload.integer("b"), payload.integer("c")) == (INT_LIMIT, -12, 7)
    assert payload.problems == []
    # Decimals are rounded half up, and said: never cut silently (tests/…/test_values.py).
    assert Payload({"c": "7.9"}).integer("c") == 8


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_moment_outside_the_years_python_knows_in_utc_is_left_empty(text):
    payload = Payload({"at": text})
    assert payload.datetime("at") is None
    assert payload.problems == [("at", "out of range", "text of 25 characters")]


def test_a_problem_keeps_what_kind_of_value_it_was_never_the_value():
    payload = Payload({"d": "1980-02-30", "t": {"x": [1]}, "b": "quizá"})
    payload.date("d"), payload.text("t"), payload.boolean("b")
    assert payload.problems == [
        ("d", "not a date", "text of 10 characters"),
        ("t", "not text", "an object"),
        ("b", "not a boolean", "text of 5 characters"),
    ]
    assert payload.datetime("missing") is None
    assert Payload({"ok": "2026-03-04T10:00:00+01:00"}).datetime("ok") == dt.datetime(
        2026, 3, 4, 10, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
