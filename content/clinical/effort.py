"""Effort targets from ACSM's intensity table, Borg's labels, and heart-rate ranges.

A phase's perceived-exertion target is never written by hand: it is read off ACSM's table
from the phase's %HRR, so a clinician who changes a phase's intensity gets a matching effort
and the right words ("moderate", "vigorous") with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from content.schemas.base import IntRange
from content.schemas.dose_rules import EffortBand, EffortScale


@dataclass(frozen=True)
class EffortTarget:
    """Perceived exertion on Borg's 6–20 scale and the text that describes it."""

    rpe: IntRange
    exertion_key: str


def band_for(scale: EffortScale, percent: int) -> EffortBand:
    """The ACSM band a %HRR value falls in (below the table: light; above: vigorous)."""
    for band in scale.bands:
        if percent in band.hrr_percent:
            return band
    return scale.bands[0] if percent < scale.bands[0].hrr_percent.low else scale.bands[-1]


def _rpe_at(scale: EffortScale, percent: int) -> Fraction:
    """Read linearly inside the band: its lowest %HRR gives its lowest RPE, its highest the
    highest."""
    band = band_for(scale, percent)
    hrr, rpe = band.hrr_percent, band.rpe
    clamped = min(max(percent, hrr.low), hrr.high)
    if hrr.high == hrr.low:
        return Fraction(rpe.low)
    return rpe.low + Fraction(clamped - hrr.low, hrr.high - hrr.low) * (rpe.high - rpe.low)


def effort_for_hrr(scale: EffortScale, hrr_percent: IntRange) -> EffortTarget:
    """RPE range for a %HRR range (low end rounded down, high end up) and its exertion text.

    Rounding outwards keeps a narrow %HRR range from collapsing onto one effort number that
    the patient could never hit exactly.
    """
    low = math.floor(_rpe_at(scale, hrr_percent.low))
    high = math.ceil(_rpe_at(scale, hrr_percent.high))
    first, last = band_for(scale, hrr_percent.low), band_for(scale, hrr_percent.high)
    key = (
        first.exertion_key
        if first.id == last.id
        else f"{scale.spanning_key_prefix}.{first.id}_{last.id}"
    )
    return EffortTarget(rpe=IntRange(low=low, high=high), exertion_key=key)


def spanning_keys(scale: EffortScale) -> tuple[str, ...]:
    """Exertion texts for ranges spanning two neighbouring bands, for content checks."""
    return tuple(
        f"{scale.spanning_key_prefix}.{a.id}_{b.id}"
        for a, b in zip(scale.bands, scale.bands[1:], strict=False)
    )


def borg_anchors(scale: EffortScale, rpe: IntRange) -> tuple[tuple[int, str], ...]:
    """Borg's labelled scores inside the range, or the labels just either side of it."""
    inside = tuple((s, k) for s, k in sorted(scale.borg_labels.items()) if s in rpe)
    if inside:
        return inside
    return tuple(
        (s, k) for s, k in sorted(scale.borg_labels.items()) if s in (rpe.low - 1, rpe.high + 1)
    )


def at_least_wide(bpm: IntRange, width: int) -> IntRange:
    """Widen a heart-rate range to `width` beats, mostly downwards (the safer side)."""
    missing = width - (bpm.high - bpm.low)
    if missing <= 0:
        return bpm
    return IntRange(low=bpm.low - math.ceil(missing / 2), high=bpm.high + missing // 2)


def lowered(hrr_percent: IntRange, notch: int, floor: int) -> IntRange:
    """The %HRR range lowered by a notch, never below `floor`."""
    return IntRange(
        low=max(floor, hrr_percent.low - notch), high=max(floor, hrr_percent.high - notch)
    )
