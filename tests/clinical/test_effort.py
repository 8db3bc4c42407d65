"""ACSM's table read off for any %HRR, Borg's anchors, and heart-rate ranges never too narrow."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from content.clinical.effort import at_least_wide, borg_anchors, effort_for_hrr, lowered
from content.schemas.base import IntRange
from content.schemas.protocol import Protocol


def test_acsm_bands(protocol: Protocol) -> None:
    scale = protocol.effort
    assert effort_for_hrr(scale, IntRange(low=30, high=39)).rpe == IntRange(low=9, high=11)
    assert effort_for_hrr(scale, IntRange(low=40, high=59)).rpe == IntRange(low=12, high=13)
    assert effort_for_hrr(scale, IntRange(low=60, high=89)).rpe == IntRange(low=14, high=17)
    assert effort_for_hrr(scale, IntRange(low=40, high=59)).exertion_key == "exertion.moderate"
    spanning = effort_for_hrr(scale, IntRange(low=35, high=45))
    assert spanning.exertion_key == "exertion.light_moderate"


@given(low=st.integers(30, 89), width=st.integers(0, 20))
def test_effort_never_contradicts_the_band(protocol: Protocol, low: int, width: int) -> None:
    high = min(89, low + width)
    target = effort_for_hrr(protocol.effort, IntRange(low=low, high=high))
    assert 9 <= target.rpe.low <= target.rpe.high <= 17
    if low >= 60:  # vigorous by ACSM: never worded as moderate
        assert target.exertion_key == "exertion.vigorous"
        assert target.rpe.low >= 14


def test_borg_anchors(protocol: Protocol) -> None:
    scale = protocol.effort
    assert [s for s, _ in borg_anchors(scale, IntRange(low=12, high=14))] == [13]
    assert [s for s, _ in borg_anchors(scale, IntRange(low=15, high=17))] == [15, 17]
    assert [s for s, _ in borg_anchors(scale, IntRange(low=14, high=14))] == [13, 15]
    assert dict(borg_anchors(scale, IntRange(low=13, high=15))) == {13: "borg.13", 15: "borg.15"}


@given(low=st.integers(40, 200), width=st.integers(0, 30), need=st.integers(1, 10))
def test_ranges_are_widened_to_at_least_the_width(low: int, width: int, need: int) -> None:
    bpm = IntRange(low=low, high=low + width)
    wide = at_least_wide(bpm, need)
    assert wide.high - wide.low >= need
    assert wide.low <= bpm.low and wide.high >= bpm.high
    if width >= need:
        assert wide == bpm


def test_lowered_stops_at_the_floor() -> None:
    assert lowered(IntRange(low=65, high=70), 5, 40) == IntRange(low=60, high=65)
    assert lowered(IntRange(low=42, high=50), 5, 40) == IntRange(low=40, high=45)
