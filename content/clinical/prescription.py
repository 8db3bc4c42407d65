"""The exercise prescription: step, dose, heart-rate or RPE targets and matched modalities.

Every number comes from the protocol, instrument and modality catalogue; this module only
applies them. The arithmetic is exact (`Decimal`) so a clinician who recomputes a target by
hand gets the same whole beat. Effort targets are read off ACSM's table from the %HRR
(`content.clinical.effort`), and a heart-rate range is never narrower than the content says.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from decimal import Decimal

from content.clinical import effort
from content.clinical.heart_rate import hr_max, karvonen, target_bpm, whole_beats
from content.clinical.modality_choice import (
    HIIT_EXCLUDED_PREFIX,
    REASON_AT_HOME,
    REASON_BACKBONE,
    REASON_PREFERENCE,
    ActivityPreference,
    ActivityTag,
    IntensityMode,
    ModalityChoice,
    ModalityFacts,
    RefusedModality,
    choose_modalities,
)
from content.clinical.phq9 import severe_band
from content.schemas.base import IntRange
from content.schemas.instrument import Instrument
from content.schemas.modalities import ModalityCatalogue, ProfileCondition
from content.schemas.protocol import Phase, Protocol
from content.schemas.readiness import ReadinessScreen

RPE_REASON_BETA_BLOCKERS = "prescription.rpe_reason.beta_blockers"
RPE_REASON_RESTING_HR_UNKNOWN = "prescription.rpe_reason.resting_hr_unknown"
SUPERVISED_READINESS = "prescription.supervised.readiness"
SUPERVISED_SEVERE_BAND = "prescription.supervised.severe_band"
SUPERVISED_SAFETY_FLAG = "prescription.supervised.safety_flag"
ADVICE_PAIN = "prescription.advice.pain"
ADVICE_SUPERVISED = "prescription.advice.supervised"
EFFORT_LOWERED = "prescription.effort_lowered"

__all__ = [
    "ActivityPreference",
    "ActivityTag",
    "ClinicalParts",
    "IntensityMode",
    "ModalityChoice",
    "Prescription",
    "PrescriptionInput",
    "RefusedModality",
    "hr_max",
    "karvonen",
    "prescribe",
    "starts_low",
    "target_bpm",
    "whole_beats",
]


class PrescriptionContent(typing.Protocol):
    """What `prescribe` reads: the loader's `Content` fits, and so does `ClinicalParts`."""

    @property
    def phq9(self) -> Instrument: ...

    @property
    def protocol(self) -> Protocol: ...

    @property
    def modalities(self) -> ModalityCatalogue: ...

    @property
    def readiness(self) -> ReadinessScreen: ...


@dataclass(frozen=True)
class ClinicalParts:
    """The content objects a prescription needs, for callers (and tests) without a full load."""

    phq9: Instrument
    protocol: Protocol
    modalities: ModalityCatalogue
    readiness: ReadinessScreen


def phase_for_week(protocol: Protocol, week: int) -> Phase | None:
    """The phase a programme week falls in; None from the maintenance week on."""
    if week < 1:
        raise ValueError(f"programme weeks start at 1, not {week}")
    for phase in protocol.phases:
        if week in phase.weeks:
            return phase
    return None


def phase_by_id(protocol: Protocol, phase_id: int) -> Phase:
    for phase in protocol.phases:
        if phase.id == phase_id:
            return phase
    raise ValueError(f"protocol {protocol.id} has no phase {phase_id}")


def maintenance_sessions(protocol: Protocol) -> IntRange:
    """Sessions per week that can reach the maintenance weekly minutes with allowed sessions.

    The protocol leaves the number to the patient; this is the range in which the weekly total
    can still land inside its bounds (never more than one session a day).
    """
    weekly = protocol.maintenance.weekly_minutes
    session = protocol.maintenance.session_minutes
    days_in_week = 7
    low = -(-weekly.low // session.high)  # ceiling division
    high = min(days_in_week, weekly.high // session.low)
    return IntRange(low=min(low, high), high=high)


@dataclass(frozen=True)
class PrescriptionInput:
    """What is known about the patient when the prescription is written.

    `week` is the programme week; `phase_id` overrides the phase the week implies (after a
    hold or a step back), and `phase_week` says which week of that phase it is (None: derived
    from `week`, or 1 when the week lies outside the phase — the gentler start).
    `start_step` says the patient stands on the start-low step below phase 1; None derives it
    for a patient with no progression record yet (start-low criteria, first weeks).
    `effort_lowered`: the last sessions felt very hard, so the target drops a notch.
    `hold_key`: why a step up waits for a supervisor's clearance, told to the patient.
    """

    age: int
    resting_hr: int | None = None
    beta_blockers: bool = False
    week: int = 1
    phase_id: int | None = None
    phase_week: int | None = None
    hrmax_formula: str | None = None
    conditions: frozenset[ProfileCondition] = frozenset()
    preferred_modalities: tuple[str, ...] = ()
    low_energy: bool = False
    phq9_band: str | None = None
    safety_flag: bool = False
    readiness_positive: bool = False
    access_barrier: bool = False
    start_step: bool | None = None
    effort_lowered: bool = False
    hold_key: str | None = None


@dataclass(frozen=True)
class Prescription:
    """A complete, checkable prescription. `phase_id` is None in maintenance."""

    week: int
    phase_id: int | None
    first_week_of_phase: bool
    minutes: IntRange
    sessions_per_week: IntRange
    weekly_minutes: IntRange | None
    hrr_percent: IntRange
    hrmax_formula: str
    hr_max: Decimal | None
    target_bpm: IntRange | None
    rpe: IntRange
    exertion_key: str
    intensity_mode: IntensityMode
    rpe_reason_key: str | None
    backbone: str
    modalities: tuple[ModalityChoice, ...]
    refused: tuple[RefusedModality, ...]
    start_low: bool
    supervised_initiation: bool
    supervision_reason_keys: tuple[str, ...]
    advice: tuple[str, ...]
    expectations_key: str
    activity_preferences: tuple[ActivityPreference, ...] = field(default=())
    hold_key: str | None = None
    effort_lowered: bool = False

    @property
    def modality_ids(self) -> tuple[str, ...]:
        return tuple(choice.modality for choice in self.modalities)

    @property
    def maintenance(self) -> bool:
        return self.phase_id is None


@dataclass(frozen=True)
class _Dose:
    phase_id: int | None
    first_week_of_phase: bool
    minutes: IntRange
    sessions_per_week: IntRange
    weekly_minutes: IntRange | None
    hrr_percent: IntRange


def _at_bottom(values: IntRange) -> IntRange:
    return IntRange(low=values.low, high=values.low)


def starts_low(content: PrescriptionContent, inp: PrescriptionInput) -> bool:
    """Low energy, a severe band, a readiness "yes" or a safety flag: begin on the start step."""
    severe = inp.phq9_band == severe_band(content.phq9).id
    return inp.low_energy or severe or inp.readiness_positive or inp.safety_flag


def _on_start_step(content: PrescriptionContent, inp: PrescriptionInput) -> bool:
    if inp.start_step is not None:
        return inp.start_step
    first = content.protocol.phases[0].id
    phase_id = inp.phase_id
    if phase_id is None:
        phase = phase_for_week(content.protocol, inp.week)
        phase_id = None if phase is None else phase.id
    return (
        starts_low(content, inp)
        and phase_id == first
        and inp.week <= content.protocol.start_low.weeks
    )


def _dose(protocol: Protocol, inp: PrescriptionInput, start_step: bool) -> _Dose:
    """The step's dose: the start step is the bottom of phase 1 for its whole length."""
    if start_step:
        first = protocol.phases[0]
        return _Dose(
            phase_id=first.id,
            first_week_of_phase=True,
            minutes=_at_bottom(first.minutes),
            sessions_per_week=first.sessions_per_week,
            weekly_minutes=None,
            hrr_percent=_at_bottom(first.hrr_percent),
        )
    phase = (
        phase_by_id(protocol, inp.phase_id)
        if inp.phase_id is not None
        else phase_for_week(protocol, inp.week)
    )
    if phase is None:
        maintenance = protocol.maintenance
        return _Dose(
            phase_id=None,
            first_week_of_phase=inp.week == maintenance.from_week,
            minutes=maintenance.session_minutes,
            sessions_per_week=maintenance_sessions(protocol),
            weekly_minutes=maintenance.weekly_minutes,
            hrr_percent=maintenance.hrr_percent,
        )
    if inp.phase_week is not None:
        first_week = inp.phase_week == 1
    elif inp.week in phase.weeks:
        first_week = inp.week == phase.weeks.low
    else:
        first_week = True
    return _Dose(
        phase_id=phase.id,
        first_week_of_phase=first_week,
        minutes=phase.minutes,
        sessions_per_week=phase.sessions_per_week,
        weekly_minutes=None,
        hrr_percent=phase.hrr_percent,
    )


def _validate(content: PrescriptionContent, inp: PrescriptionInput) -> str:
    protocol = content.protocol
    if inp.age not in protocol.age_range:
        raise ValueError(
            f"age {inp.age} is outside {protocol.age_range.low}–{protocol.age_range.high}"
        )
    if inp.resting_hr is not None and inp.resting_hr not in protocol.resting_hr_range:
        raise ValueError(f"resting heart rate {inp.resting_hr} is outside the plausible range")
    band_ids = {band.id for band in content.phq9.bands}
    if inp.phq9_band is not None and inp.phq9_band not in band_ids:
        raise ValueError(f"unknown PHQ-9 band {inp.phq9_band!r}")
    formula_id = inp.hrmax_formula or protocol.default_hrmax_formula
    if formula_id not in protocol.hrmax_formulas:
        raise ValueError(f"unknown HRmax formula {formula_id!r}")
    return formula_id


def prescribe(content: PrescriptionContent, inp: PrescriptionInput) -> Prescription:
    """Write the prescription for one patient at one point of the programme."""
    protocol = content.protocol
    formula_id = _validate(content, inp)
    severe = inp.phq9_band == severe_band(content.phq9).id
    supervision = [
        key
        for key, holds in (
            (SUPERVISED_READINESS, inp.readiness_positive),
            (SUPERVISED_SEVERE_BAND, severe),
            (SUPERVISED_SAFETY_FLAG, inp.safety_flag),
        )
        if holds
    ]
    start_step = _on_start_step(content, inp)
    dose = _dose(protocol, inp, start_step)
    hrr = dose.hrr_percent
    if inp.effort_lowered:
        rule = protocol.titration
        hrr = effort.lowered(hrr, rule.lower_hrr_percent, rule.lowest_hrr_percent)
    target = effort.effort_for_hrr(protocol.effort, hrr)

    maximum: Decimal | None = None
    bpm: IntRange | None = None
    rpe_reason: str | None = None
    if inp.beta_blockers:
        rpe_reason = RPE_REASON_BETA_BLOCKERS
    elif inp.resting_hr is None:
        rpe_reason = RPE_REASON_RESTING_HR_UNKNOWN
    else:
        maximum = hr_max(inp.age, protocol.hrmax_formulas[formula_id])
        bpm = effort.at_least_wide(
            target_bpm(inp.resting_hr, maximum, hrr), protocol.effort.min_bpm_width
        )

    choices, refused, preferences = choose_modalities(
        content.modalities,
        ModalityFacts(
            age=inp.age,
            conditions=inp.conditions,
            preferred_modalities=inp.preferred_modalities,
            access_barrier=inp.access_barrier,
            readiness_positive=inp.readiness_positive,
            severe=severe,
            safety_flag=inp.safety_flag,
            beta_blockers=inp.beta_blockers,
        ),
    )
    advice: list[str] = []
    if inp.readiness_positive:
        advice.append(content.readiness.positive_advice_key)
    if ProfileCondition.PAIN in inp.conditions:
        advice.append(ADVICE_PAIN)
    if supervision:
        advice.append(ADVICE_SUPERVISED)

    return Prescription(
        week=inp.week,
        phase_id=dose.phase_id,
        first_week_of_phase=dose.first_week_of_phase,
        minutes=dose.minutes,
        sessions_per_week=dose.sessions_per_week,
        weekly_minutes=dose.weekly_minutes,
        hrr_percent=hrr,
        hrmax_formula=formula_id,
        hr_max=maximum,
        target_bpm=bpm,
        rpe=target.rpe,
        exertion_key=target.exertion_key,
        intensity_mode="heart_rate" if bpm is not None else "rpe",
        rpe_reason_key=rpe_reason,
        backbone=content.modalities.backbone,
        modalities=choices,
        refused=refused,
        start_low=start_step,
        supervised_initiation=bool(supervision),
        supervision_reason_keys=tuple(supervision),
        advice=tuple(advice),
        expectations_key=protocol.expectations.message_key,
        activity_preferences=preferences,
        hold_key=inp.hold_key,
        effort_lowered=inp.effort_lowered,
    )


def text_keys(catalogue: ModalityCatalogue) -> tuple[str, ...]:
    """Every text key this module can put into a prescription, for content checks."""
    hiit = tuple(
        f"{HIIT_EXCLUDED_PREFIX}.{reason.value}" for reason in catalogue.hiit_excluded_when
    )
    return (
        REASON_PREFERENCE,
        REASON_BACKBONE,
        REASON_AT_HOME,
        *hiit,
        RPE_REASON_BETA_BLOCKERS,
        RPE_REASON_RESTING_HR_UNKNOWN,
        SUPERVISED_READINESS,
        SUPERVISED_SEVERE_BAND,
        SUPERVISED_SAFETY_FLAG,
        ADVICE_PAIN,
        ADVICE_SUPERVISED,
        EFFORT_LOWERED,
    )
