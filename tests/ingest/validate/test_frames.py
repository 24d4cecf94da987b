"""The frames' exact numbers: where a count stops being a number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.validate.frames import exact_count

LIMIT = 1_152_921_504_606_846_976  # 2 to the 60th, written out


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (LIMIT, LIMIT),
        (-LIMIT, -LIMIT),
        (str(LIMIT), LIMIT),
        (LIMIT + 1, None),
        (-LIMIT - 1, None),
        (str(LIMIT + 1), None),
        (Decimal(LIMIT + 1), None),
        ("12", 12),
        ("-12", -12),  # a negative count is a number: the non-negative rule names it
        ("--5", None),
        ("-x5", None),
        (12.0, 12),
        (12.5, None),
        (True, None),
        ("１２", None),  # full-width digits are not ASCII digits
    ],
)
def test_a_count_is_exact_up_to_two_to_the_sixtieth(value, expected) -> None:
    assert exact_count(value) == expected


def test_a_ratio_is_unknown_only_where_the_denominator_is_zero() -> None:
    import pandas as pd

    from ingest.validate.frames import _ratio

    out = _ratio(pd.Series([5, 0, 7]), pd.Series([0, 0, 1]))
    assert out.isna().tolist() == [True, True, False]
    assert out.iloc[2] == 7.0
