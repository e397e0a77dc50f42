"""Exact percentages: full precision inside, rounded half up to two decimals only when shown.

A figure is a reduced fraction (numerator, denominator) of plain ints. fractions.Fraction would
do, but the national index takes hundreds of thousands of means, and Fraction's pure-Python
arithmetic made that slower than the one-second target; ints and math.lcm/gcd are C.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Ratio = tuple[int, int]

HUNDREDTH = Decimal("0.01")


def percent(part: int, whole: int) -> Ratio | None:
    """100 x part / whole; None when there is nothing to divide by (no valid answer)."""
    if whole <= 0:
        return None
    numerator = 100 * part
    common = math.gcd(numerator, whole)
    return numerator // common, whole // common


def mean(values: Iterable[Ratio | None]) -> Ratio | None:
    """The plain mean of the figures that exist; None when none does."""
    present = [value for value in values if value is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    denominator = math.lcm(*[d for _, d in present])
    numerator = sum([n * (denominator // d) for n, d in present])
    denominator *= len(present)
    common = math.gcd(numerator, denominator)
    return numerator // common, denominator // common


def as_fraction(value: Ratio | None) -> Fraction | None:
    return None if value is None else Fraction(*value)


def rounded(value: Ratio | None) -> Decimal | None:
    """Round half up to two decimals (decimal.ROUND_HALF_UP), exactly.

    The fraction is cut (not rounded) to three decimals first: its third decimal is 5 or more
    exactly when the fraction is at or above the half, so ROUND_HALF_UP on the cut value gives
    the right answer with no float or limited-precision step in between. Figures are never
    negative.
    """
    if value is None:
        return None
    numerator, denominator = value
    thousandths = Decimal((numerator * 1000) // denominator).scaleb(-3)
    return thousandths.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def shown(value: Ratio | None) -> float | None:
    """A JSON number with at most two decimals: the same number as float(rounded(value)).

    Integers only, as this runs for every figure of every unit of the national index:
    hundredths rounded half up, from the thousandths cut as in rounded(); then one division,
    which gives the double nearest to the two-decimal number, as float("66.67") does.
    """
    if value is None:
        return None
    numerator, denominator = value
    hundredths = ((numerator * 1000) // denominator + 5) // 10
    return hundredths / 100
