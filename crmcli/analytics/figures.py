"""Small exact helpers every report shares: shares in percent, rounding, 1-5 scores.

Pure Python over integers (minor units, counts), so a figure is the same whichever report
computes it, and a test can recompute it by hand.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

#: Decimal places of a percentage in a report (33.3).
PERCENT_PLACES = 1


def percent(part: int | Fraction, whole: int | Fraction) -> float | None:
    """`part` as a percentage of `whole`, rounded half up to one decimal place; None when
    `whole` is not positive (a share of nothing, or of a negative total, means nothing)."""
    if whole <= 0:
        return None
    return decimal_places(Fraction(part) * 100 / Fraction(whole), PERCENT_PLACES)


def decimal_places(value: Fraction, places: int) -> float:
    """An exact fraction rounded half up (away from zero) to `places` decimals, as a float."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def round_minor(value: Fraction) -> int:
    """An exact amount rounded half up (away from zero) to a whole minor unit."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scores(values: Sequence[int | float | Fraction], tiles: int = 5) -> list[int]:
    """The 1-`tiles` score of each value (higher value, higher score): rank-based tiles.

    Values are ranked from low to high; tied values share one score, the one of their
    middle rank. With `n` values, the tie group holding ranks `a`..`b` (1-based) scores
    `floor(tiles * ((a + b) / 2 - 1/2) / n) + 1`. So `n` distinct values fill the tiles
    evenly (10 values: two per score), a single value and all-equal values score the
    middle (3 of 5), and a value shared by most customers (one purchase) scores where the
    middle of that crowd falls, never the best or worst by accident of order.
    """
    n = len(values)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: values[i])
    result = [0] * n
    start = 0
    while start < n:
        end = start
        while end + 1 < n and values[order[end + 1]] == values[order[start]]:
            end += 1
        a, b = start + 1, end + 1
        score = (tiles * (a + b - 1)) // (2 * n) + 1
        for position in range(start, end + 1):
            result[order[position]] = min(score, tiles)
        start = end + 1
    return result
