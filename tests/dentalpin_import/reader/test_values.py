"""Payload value parsing never raises and reports what it could not read."""

import datetime as dt
from decimal import Decimal

import pytest

from dentalpin_import.reader.values import Payload, is_fdi_tooth


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
