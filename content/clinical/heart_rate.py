"""Heart-rate arithmetic: age-predicted maximum, Karvonen targets, whole beats.

Exact (`Decimal`) so a clinician who recomputes a target by hand gets the same whole beat.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from content.schemas.base import IntRange
from content.schemas.protocol import HeartRateFormula


def _decimal(value: float | int | Decimal) -> Decimal:
    # Through `str` so 0.7 is exactly seven tenths, not the nearest binary double.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def hr_max(age: int, formula: HeartRateFormula) -> Decimal:
    """Age-predicted maximum heart rate: intercept − slope × age (Tanaka 208 − 0.7 × age)."""
    return _decimal(formula.intercept) - _decimal(formula.slope) * age


def karvonen(resting: int, maximum: Decimal | float, fraction: Decimal | float) -> Decimal:
    """Heart-rate-reserve target: HRrest + fraction × (HRmax − HRrest), unrounded."""
    return resting + _decimal(fraction) * (_decimal(maximum) - resting)


def whole_beats(bpm: Decimal) -> int:
    """Round to a whole beat, halves up.

    Python's `round` rounds halves to even, so 122.5 would give 122 but 123.5 would give 124:
    a clinician checking by hand (who rounds halves up) would disagree on every other half-beat.
    """
    return int(bpm.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def target_bpm(resting: int, maximum: Decimal, hrr_percent: IntRange) -> IntRange:
    """The Karvonen target range in whole beats for a %HRR range."""
    return IntRange(
        low=whole_beats(karvonen(resting, maximum, Decimal(hrr_percent.low) / 100)),
        high=whole_beats(karvonen(resting, maximum, Decimal(hrr_percent.high) / 100)),
    )
