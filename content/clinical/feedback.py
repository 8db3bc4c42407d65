"""What the patient is told about progress, chosen so that it is always true.

- The check-in trend says "down from" only when the score went down, and "half or less"
  (not "less than half") for a response, which is a drop of at least half.
- A week is *kept* when the sessions done reach the sessions planned minus the forgiven
  misses (content, `streak`), at least one; it is *lost* as soon as it can no longer be kept,
  so a summary after 0 of 3 never counts the week as on track.
"""

from __future__ import annotations

from enum import StrEnum

from content.clinical.phq9 import compare
from content.schemas.instrument import Instrument
from content.schemas.protocol import Protocol

FIRST = "progress.phq9_first"
REMISSION = "phq9_trend.remission"
RESPONSE = "phq9_trend.response"
BETTER = "progress.phq9_better"
HIGHER = "progress.phq9_higher"
STEADY = "progress.phq9_steady"


def phq9_trend_key(instrument: Instrument, baseline: int, latest: int) -> str:
    """The text for the latest score against the baseline; good news only when it is true."""
    change = compare(instrument, baseline, latest)
    went_down = change.delta < 0
    if change.deterioration:
        return HIGHER
    if change.remission and went_down:
        return REMISSION
    if change.response:
        return RESPONSE
    if change.meaningful_improvement:
        return BETTER
    return STEADY


class WeekStatus(StrEnum):
    KEPT = "kept"
    LOST = "lost"
    OPEN = "open"
    NOTHING_PLANNED = "nothing_planned"


def week_status(protocol: Protocol, planned: int, done: int, still_to_come: int) -> WeekStatus:
    """Kept, lost (can no longer be kept), still open, or a week with nothing planned."""
    if planned == 0:
        return WeekStatus.NOTHING_PLANNED
    needed = max(planned - protocol.streak.forgiven_misses_per_week, 1)
    if done >= needed:
        return WeekStatus.KEPT
    if done + still_to_come < needed:
        return WeekStatus.LOST
    return WeekStatus.OPEN
