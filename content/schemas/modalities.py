"""Exercise modalities, activities, session templates and the rules that match them to people."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from content.schemas.base import Identifier, IntRange, StrictModel, TextKey


class ProfileCondition(StrEnum):
    """Facts about a patient that the matching rules may name."""

    ANXIETY = "anxiety"
    STRESS = "stress"
    LOW_SELF_ESTEEM = "low_self_esteem"
    OLDER_ADULT = "older_adult"
    MINOR = "minor"
    LITTLE_TIME = "little_time"
    PAIN = "pain"
    METABOLIC = "metabolic"
    BODY_IMAGE = "body_image"
    # Set by a supervisor: depression that has not lifted with adequate treatment.
    TREATMENT_RESISTANT = "treatment_resistant"


class HiitExclusion(StrEnum):
    """Reasons that rule high-intensity intervals out, whatever else suggests them."""

    READINESS_POSITIVE = "readiness_positive"
    SEVERE_BAND = "severe_band"
    SAFETY_FLAG = "safety_flag"
    BETA_BLOCKERS = "beta_blockers"


class Activity(StrictModel):
    id: Identifier
    modality: Identifier
    name_key: TextKey
    needs_equipment: bool = False
    at_home: bool = False
    group: bool = False
    balance: bool = False


class SessionTemplate(StrictModel):
    warm_up_minutes: int = Field(ge=0)
    warm_up_key: TextKey
    main_key: TextKey
    cool_down_minutes: int = Field(ge=0)
    cool_down_key: TextKey


class OwnEffort(StrictModel):
    """A modality paced at its own effort, not the phase's (mind-body: light to moderate)."""

    rpe: IntRange
    exertion_key: TextKey


class Intervals(StrictModel):
    """Interval sessions: warm-up, rounds of work and recovery, cool-down, adding up.

    The number of rounds fills the session's main part, within `rounds`; the session is then
    exactly warm-up + rounds × (work + recovery) + cool-down minutes long.
    """

    work_seconds: int = Field(gt=0)
    recovery_seconds: int = Field(gt=0)
    rounds: IntRange
    work_rpe: IntRange
    work_key: TextKey
    recovery_rpe: IntRange
    recovery_key: TextKey

    @model_validator(mode="after")
    def _whole_minutes(self) -> Self:
        if (self.work_seconds + self.recovery_seconds) % 60:
            raise ValueError("one work + recovery round must last whole minutes")
        if self.recovery_seconds < self.work_seconds:
            raise ValueError("recovery is at least as long as the work bout")
        return self

    @property
    def round_minutes(self) -> int:
        return (self.work_seconds + self.recovery_seconds) // 60


class Modality(StrictModel):
    id: Identifier
    name_key: TextKey
    suits_key: TextKey
    template: SessionTemplate
    intensity: Literal["heart_rate", "rpe"]
    # None: the phase's effort, derived from its %HRR by ACSM's table.
    effort: OwnEffort | None = None
    intervals: Intervals | None = None


class MatchingRule(StrictModel):
    """When a condition holds: suggest a modality and/or prefer activities with a tag."""

    when: ProfileCondition
    suggest: Identifier | None = None
    prefer: Literal["group", "balance", "at_home"] | None = None
    reason_key: TextKey


class ModalityCatalogue(StrictModel):
    schema_version: Literal[1]
    version: str
    backbone: Identifier
    older_adult_age: int
    minor_age: int
    hiit: Identifier
    hiit_excluded_when: list[HiitExclusion]
    modalities: list[Modality] = Field(min_length=1)
    activities: list[Activity] = Field(min_length=1)
    rules: list[MatchingRule]

    def modality(self, modality_id: str) -> Modality:
        for modality in self.modalities:
            if modality.id == modality_id:
                return modality
        raise KeyError(modality_id)

    def activities_for(self, modality_id: str) -> list[Activity]:
        return [a for a in self.activities if a.modality == modality_id]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        known = {m.id for m in self.modalities}
        named = {self.backbone, self.hiit} | {a.modality for a in self.activities}
        named |= {r.suggest for r in self.rules if r.suggest}
        unknown = named - known
        if unknown:
            raise ValueError(f"unknown modalities named: {sorted(unknown)}")
        return self
