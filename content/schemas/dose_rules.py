"""How the dose follows the patient: effort scale, start low, titration, credit, frequency.

Every number a clinician may want to change lives in `protocol.yaml` under these models;
`content.clinical` only applies them.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from content.schemas.base import Identifier, IntRange, StrictModel, TextKey

BORG_SCALE = IntRange(low=6, high=20)


class EffortBand(StrictModel):
    """One row of ACSM's intensity table: a %HRR band and the perceived exertion it matches."""

    id: Identifier
    hrr_percent: IntRange
    rpe: IntRange
    exertion_key: TextKey


class EffortScale(StrictModel):
    """ACSM's table, Borg's verbal anchors and the narrowest heart-rate range ever shown."""

    bands: list[EffortBand] = Field(min_length=1)
    borg_labels: dict[int, TextKey]
    # "exertion.<low band>_<high band>" texts for phases whose %HRR spans two bands.
    spanning_key_prefix: TextKey
    min_bpm_width: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for lower, upper in zip(self.bands, self.bands[1:], strict=False):
            if upper.hrr_percent.low != lower.hrr_percent.high + 1:
                raise ValueError(f"effort band {upper.id} must start right after {lower.id}")
        if not all(score in BORG_SCALE for score in self.borg_labels):
            raise ValueError("Borg labels are for scores 6 to 20")
        return self


class StartLow(StrictModel):
    """The extra step below phase 1 for patients who start low (spec 3: a start, no ceiling)."""

    weeks: int = Field(ge=1)
    # Low-energy rule: this PHQ-9 item at or above `min_answer`, or one of these activity levels.
    low_energy_item: Identifier
    low_energy_min_answer: int = Field(ge=0, le=3)
    low_energy_activity_levels: list[Identifier]


class Titration(StrictModel):
    """Felt effort steers the dose: "very hard" holds and lowers, "easy" lets a patient go on."""

    very_hard_rpe: int = Field(ge=6, le=20)
    very_hard_in_a_row: int = Field(ge=1)
    # How far the %HRR target drops while the last sessions felt very hard.
    lower_hrr_percent: int = Field(ge=0)
    lowest_hrr_percent: int = Field(ge=0)
    easy_rpe: int = Field(ge=6, le=20)
    easy_in_a_row: int = Field(ge=1)


class EffortButton(StrictModel):
    """An effort button and the Borg anchor it is stored as."""

    id: Identifier
    rpe: int = Field(ge=6, le=20)
    label_key: TextKey


class Credit(StrictModel):
    """How much a session counts towards the two-thirds gate."""

    done: float = Field(gt=0, le=1)
    partial: float = Field(ge=0, le=1)


class Frequency(StrictModel):
    """Days planned for patients who chose none, by the sessions a week the step asks for."""

    default_days_by_sessions: dict[int, list[int]]

    @model_validator(mode="after")
    def _valid(self) -> Self:
        for count, days in self.default_days_by_sessions.items():
            if len(set(days)) != count or not all(0 <= d <= 6 for d in days):
                raise ValueError(f"{count} sessions need {count} distinct weekdays 0–6")
        return self


class MoodRules(StrictModel):
    """Mood on the 0–10 scale: when a rating calls for a gentle check or a small offer."""

    low_mood: int = Field(ge=0, le=10)
    after_session_low: int = Field(ge=0, le=10)
    after_session_drop: int = Field(ge=1, le=10)
    offer_minutes: int = Field(ge=1)
    follow_up_hours: int = Field(ge=1)


class Streak(StrictModel):
    """A week is kept when done ≥ planned − forgiven (and at least one session)."""

    forgiven_misses_per_week: int = Field(ge=0)


class SafetyFlag(StrictModel):
    """How long an urgent escalation (item 9, risk language, /sos) shapes the prescription."""

    days: int = Field(ge=1)


class FollowUpTime(StrictModel):
    """When to ask "How did it go?" after a barrier plan: some hours later, or a local time
    on the same day or `days` later."""

    hours: int | None = Field(default=None, ge=1)
    days: int = Field(default=0, ge=0)
    at: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.hours is None) == (self.at is None):
            raise ValueError("give either hours or at")
        return self


class BarrierFollowUp(StrictModel):
    """The barrier plan's promise "I will check in with you then", by the plan's `when` id."""

    after_plan: dict[Identifier, FollowUpTime]
