"""Scheduled nudges: when each kind is sent, and the rules that hold or drop one.

Times are wall-clock `HH:MM` in the patient's own time zone (the supervisors' digest uses the
deployment's default zone). Weekdays count from 0 = Monday, as Python and the profile do.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from content.schemas.base import StrictModel, TextKey


def _clock_time(value: str) -> str:
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"expected a time such as 08:00, got {value!r}") from error
    if parsed.second or parsed.microsecond or len(value) != 5:
        raise ValueError(f"expected HH:MM, got {value!r}")
    return value


ClockTime = Annotated[str, AfterValidator(_clock_time)]
Weekday = Annotated[int, Field(ge=0, le=6)]
PatientKind = Literal[
    "session",
    "checkin",
    "checkin_again",
    "followup",
    "summary",
    "barrier_followup",
    "mood_check",
    "mood_followup",
]
PATIENT_KINDS: tuple[PatientKind, ...] = (
    "session",
    "checkin",
    "checkin_again",
    "followup",
    "summary",
    "barrier_followup",
    "mood_check",
    "mood_followup",
)


def as_time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


class QuietHours(StrictModel):
    """Default quiet hours; `start` after `end` spans midnight (21:00–08:00)."""

    start: ClockTime
    end: ClockTime


class NudgeText(StrictModel):
    """Text keys of one nudge; the text is a list of variants that rotate day by day."""

    text_key: TextKey
    button_key: TextKey


class SessionNudge(NudgeText):
    """At the patient's preferred session time, on each day with a planned session."""


class CheckinNudge(NudgeText):
    """PHQ-9 due every `readminister_days` (phq9.yaml) from the baseline.

    A check-in completed up to `counts_from_days_before` days before a due date counts for it,
    so an on-demand check-in shortly before is not asked again. Overdue (for the supervisors'
    digest) once `overdue_after_days` days have passed with no check-in.
    """

    time: ClockTime
    again_after_days: int = Field(ge=1)
    again_text_key: TextKey
    counts_from_days_before: int = Field(ge=0)
    overdue_after_days: int = Field(ge=1)


class FollowupNudge(NudgeText):
    """The evening of a planned session with nothing recorded: opens the barrier talk."""

    time: ClockTime


class BarrierFollowupNudge(NudgeText):
    """ "How did it go?" at the time a barrier plan named (protocol.yaml barrier_follow_up).

    `button_key` is "Done"; the other two answers are "Not yet" and "Change my plan".
    """

    not_yet_key: TextKey
    change_key: TextKey


class MoodCheckNudge(StrictModel):
    """The opt-in daily mood check at the patient's own time, and the one follow-up nudge
    after a just-in-time offer (protocol.yaml `mood`: threshold, minutes, hours later).

    The check's buttons are the ratings 0–10; the follow-up's are `start_key` / `not_now_key`.
    `uncapped`: the patient asked for these, so they neither count toward `max_per_day` nor
    are dropped by it (a reminder must never silently cost a patient their own check).
    """

    text_key: TextKey
    follow_up_text_key: TextKey
    start_key: TextKey
    not_now_key: TextKey
    uncapped: bool


class SummaryNudge(NudgeText):
    """The weekly progress summary, with the chart."""

    weekday: Weekday
    time: ClockTime


class DigestSchedule(StrictModel):
    """The supervisors' weekly digest, in the deployment's default time zone."""

    weekday: Weekday
    time: ClockTime


class NudgePolicy(StrictModel):
    schema_version: Literal[1]
    version: str
    quiet_hours: QuietHours
    max_per_day: int = Field(ge=1)
    grace_minutes: int = Field(ge=0)
    horizon_days: int = Field(ge=1, le=7)
    priority: list[PatientKind]
    session: SessionNudge
    checkin: CheckinNudge
    followup: FollowupNudge
    summary: SummaryNudge
    barrier_followup: BarrierFollowupNudge
    mood_check: MoodCheckNudge
    digest: DigestSchedule

    @model_validator(mode="after")
    def _every_kind_ranked_once(self) -> Self:
        if sorted(self.priority) != sorted(PATIENT_KINDS):
            raise ValueError(f"priority must list each of {list(PATIENT_KINDS)} exactly once")
        return self

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.grace_minutes)

    def rank(self, kind: str) -> int:
        """0 for the most important kind; unknown kinds last."""
        order: list[str] = list(self.priority)
        return order.index(kind) if kind in order else len(order)
