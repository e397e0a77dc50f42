"""Exact figures: full precision inside, rounded half up to two decimals only when shown."""

from __future__ import annotations

from fractions import Fraction

import pytest

from hailong.index.figures import mean, percent, rounded, shown
from tests.index.survey import shown as by_hand

# Exactly halfway between two hundredths, in thousandths: binary floats get some of these
# wrong (2.675 is stored as 2.67499...), and round-half-even rounds the others down.
HALFWAY = [Fraction(n, 1000) for n in (5, 125, 1005, 2675, 40625, 66665, 99995)]


class TestRounding:
    @pytest.mark.parametrize("value", HALFWAY, ids=str)
    def test_halfway_goes_up(self, value: Fraction) -> None:
        ratio = (value.numerator, value.denominator)
        # Halfway exactly, so "up" is half a hundredth more.
        assert Fraction(rounded(ratio)) == value + Fraction(1, 200)
        assert shown(ratio) == by_hand(value)

    @pytest.mark.parametrize(
        "value",
        [Fraction(200, 3), Fraction(100, 3), Fraction(2, 3), Fraction(1, 7), Fraction(9999, 100)],
        ids=str,
    )
    def test_other_values(self, value: Fraction) -> None:
        assert shown((value.numerator, value.denominator)) == by_hand(value)

    def test_just_below_the_half_goes_down(self) -> None:
        value = Fraction(2675, 1000) - Fraction(1, 10**12)
        assert shown((value.numerator, value.denominator)) == 2.67

    def test_no_figure_stays_none(self) -> None:
        assert rounded(None) is None and shown(None) is None


class TestExactArithmetic:
    def test_percent_of_nothing_is_none_not_zero(self) -> None:
        assert percent(0, 0) is None
        assert percent(0, 5) == (0, 1)

    def test_mean_skips_missing_and_stays_exact(self) -> None:
        thirds = [percent(1, 3), None, percent(2, 3), percent(1, 1)]
        expected = (Fraction(100, 3) + Fraction(200, 3) + 100) / 3
        assert mean(thirds) == (expected.numerator, expected.denominator)
        assert mean([None, None]) is None
