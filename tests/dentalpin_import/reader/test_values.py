"""Payload value parsing never raises and reports what it could not read."""

import datetime as dt
from decimal import Decimal

import pytest

from dentalpin_import.reader.values import ROUNDED, Payload, is_fdi_tooth


def test_decimals_come_from_strings_and_never_through_floats():
    p = Payload({"a": "60.00", "b": "-37.45", "c": 12.1, "d": "1,5", "e": "abc", "f": "NaN"})
    assert p.decimal("a") == Decimal("60.00")
    assert p.decimal("b") == Decimal("-37.45")
    assert p.decimal("c") == Decimal("12.1")
    assert p.decimal("d") == Decimal("1.5")
    assert p.decimal("e") is None and p.decimal("f") is None
    assert [key for key, _, _ in p.problems] == ["e", "f"]


def test_dates_take_the_first_ten_characters_and_drop_placeholder_dates():
    p = Payload({"a": "2026-05-21T10:11:12+00:00", "z": "1899-12-30", "bad": "31/02/2020"})
    assert p.date("a") == dt.date(2026, 5, 21)
    assert p.date("z") is None
    assert p.date("bad") is None
    assert {(k, w) for k, w, _ in p.problems} == {("z", "placeholder date"), ("bad", "not a date")}


def test_booleans_keep_unknown_apart_from_false():
    p = Payload({"t": True, "f": False, "n": None, "s": "sí", "x": "maybe"})
    assert (p.boolean("t"), p.boolean("f"), p.boolean("n"), p.boolean("s")) == (
        True,
        False,
        None,
        True,
    )
    assert p.boolean("x") is None and p.problems


def test_teeth_keep_only_fdi_numbers():
    p = Payload({"teeth": [11, "48", 19, 85, 86, "x"]})
    assert p.teeth("teeth") == (11, 48, 85)
    assert len(p.problems) == 3


@pytest.mark.parametrize(
    "tooth, valid",
    [
        (11, True),
        (18, True),
        (19, False),
        (55, True),
        (56, False),
        (85, True),
        (91, False),
        (0, False),
    ],
)
def test_fdi_numbering(tooth, valid):
    assert is_fdi_tooth(tooth) is valid


def test_a_comma_before_three_digits_is_not_guessed_a_decimal_comma():
    # "1,234" is a thousand and some in one system, one and a quarter in another.
    p = Payload({"a": "1,234", "b": "-12,345", "c": "1,5", "d": "0,500", "e": "1,2345"})
    assert p.decimal("a") is None and p.decimal("b") is None
    assert (p.decimal("c"), p.decimal("d"), p.decimal("e")) == (
        Decimal("1.5"),
        Decimal("0.500"),
        Decimal("1.2345"),
    )
    assert [key for key, _, _ in p.problems] == ["a", "b"]


@pytest.mark.parametrize(
    "value",
    ["2026-03-05T25:61:00+00:00", "2026-03-05T23:59:60Z", "2026-03-05T10:00:00+25:00"],
)
def test_a_datetime_that_cannot_be_read_is_left_empty_not_moved_to_midnight(value):
    p = Payload({"sent_at": value})
    assert p.datetime("sent_at") is None
    assert [(k, w) for k, w, _ in p.problems] == [("sent_at", "not a datetime")]


def test_a_date_alone_is_still_a_datetime_at_midnight_utc():
    p = Payload({"sent_at": "2026-03-05"})
    assert p.datetime("sent_at") == dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    assert p.problems == []


def test_an_integer_given_with_decimals_is_rounded_and_said():
    p = Payload({"a": 45.9, "b": "45.4", "c": 45.0, "d": "45"})
    assert (p.integer("a"), p.integer("b"), p.integer("c"), p.integer("d")) == (46, 45, 45, 45)
    assert [(k, w) for k, w, _ in p.problems] == [("a", ROUNDED), ("b", ROUNDED)]


def test_json_values_lose_their_nan_and_infinities_and_say_so():
    p = Payload({"a": float("nan"), "b": {"c": [1.5, float("inf")], "d": "x"}, "e": 2.5, "f": [1]})
    assert (p.json("a"), p.json("b"), p.json("e"), p.json("f")) == (
        None,
        {"c": [1.5, None], "d": "x"},
        2.5,
        [1],
    )
    assert [(k, w) for k, w, _ in p.problems] == [("a", "not a number"), ("b", "not a number")]
