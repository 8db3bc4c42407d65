"""The 12-week progressive aerobic protocol and the rules that move a patient through it."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from content.schemas.base import Identifier, IntRange, StrictModel, TextKey
from content.schemas.dose_rules import (
    BarrierFollowUp,
    Credit,
    EffortButton,
    EffortScale,
    Frequency,
    MoodRules,
    SafetyFlag,
    StartLow,
    Streak,
    Titration,
)


class HeartRateFormula(StrictModel):
    """HRmax = intercept − slope × age."""

    intercept: float
    slope: float
    name_key: TextKey


class Phase(StrictModel):
    """A protocol phase. Its effort (RPE) is derived from `hrr_percent` by ACSM's table."""

    id: int = Field(ge=1)
    weeks: IntRange
    minutes: IntRange
    hrr_percent: IntRange
    sessions_per_week: IntRange


class Maintenance(StrictModel):
    from_week: int
    weekly_minutes: IntRange
    hrr_percent: IntRange
    session_minutes: IntRange


class Progression(StrictModel):
    """Advance only after enough sessions were done; step back after a run of misses."""

    window_days: int = Field(gt=0)
    completion_fraction: float = Field(gt=0, le=1)
    misses_in_a_row_to_step_back: int = Field(gt=0)


class WeeklyDose(StrictModel):
    minimum_minutes: int
    optimal_minutes: IntRange
    # From this phase on (and in maintenance) a week planned below the minimum always says so.
    flag_below_minimum_from_phase: int = Field(ge=1)


class Expectations(StrictModel):
    first_benefit_weeks: IntRange
    full_effect_weeks: IntRange
    message_key: TextKey


class Protocol(StrictModel):
    schema_version: Literal[1]
    id: Identifier
    version: str
    hrmax_formulas: dict[Identifier, HeartRateFormula]
    default_hrmax_formula: Identifier
    phases: list[Phase] = Field(min_length=1)
    maintenance: Maintenance
    progression: Progression
    weekly_dose: WeeklyDose
    expectations: Expectations
    default_training_days: list[int] = Field(min_length=1)
    default_session_time: str = Field(pattern=r"^\d{2}:\d{2}$")
    resting_hr_range: IntRange
    age_range: IntRange
    effort: EffortScale
    start_low: StartLow
    titration: Titration
    effort_buttons: list[EffortButton] = Field(min_length=1)
    credit: Credit
    frequency: Frequency
    mood: MoodRules
    streak: Streak
    safety_flag: SafetyFlag
    barrier_follow_up: BarrierFollowUp

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.default_hrmax_formula not in self.hrmax_formulas:
            raise ValueError(
                f"default_hrmax_formula {self.default_hrmax_formula!r} is not defined"
            )
        expected_week = 1
        for phase in self.phases:
            if phase.weeks.low != expected_week:
                raise ValueError(f"phase {phase.id} should start at week {expected_week}")
            expected_week = phase.weeks.high + 1
        if self.maintenance.from_week != expected_week:
            raise ValueError(f"maintenance should start at week {expected_week}")
        if not all(0 <= d <= 6 for d in self.default_training_days):
            raise ValueError("training days are 0 (Monday) to 6 (Sunday)")
        covered = self.effort.bands[0].hrr_percent.low, self.effort.bands[-1].hrr_percent.high
        for name, hrr in [(f"phase {p.id}", p.hrr_percent) for p in self.phases] + [
            ("maintenance", self.maintenance.hrr_percent)
        ]:
            if not covered[0] <= hrr.low <= hrr.high <= covered[1]:
                raise ValueError(f"{name}: %HRR outside the effort table")
        needed = {p.sessions_per_week.low for p in self.phases}
        missing = needed - set(self.frequency.default_days_by_sessions)
        if missing:
            raise ValueError(f"frequency.default_days_by_sessions lacks {sorted(missing)}")
        return self
