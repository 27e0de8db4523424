"""The family split of FORMAT.md §13.2 adds up to the cent."""

from decimal import Decimal

import pytest

from dentalpin_import.mapping.payments import split_amount

D = Decimal


@pytest.mark.parametrize(
    "total, weights, expected",
    [
        (D("100.00"), [D(0), D(0), D(0)], [D("33.33"), D("33.33"), D("33.34")]),
        (D("90.00"), [D(0), D(0)], [D("45.00"), D("45.00")]),
        (D("100.00"), [D("30"), D("10")], [D("75.00"), D("25.00")]),
        (D("0.05"), [D(1), D(1), D(1)], [D("0.02"), D("0.02"), D("0.01")]),
    ],
)
def test_shares_are_proportional_rounded_half_up_and_add_up(total, weights, expected):
    shares = split_amount(total, weights)
    assert shares == expected
    assert sum(shares) == total
