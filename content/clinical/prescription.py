"""The exercise prescription: phase, dose, heart-rate or RPE targets and matched modalities.

Every number comes from the protocol, instrument and modality catalogue; this module only
applies them. The arithmetic is exact (`Decimal`) so a clinician who recomputes a target by
hand gets the same whole beat.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from content.clinical.phq9 import severe_band
from content.schemas.base import IntRange
from content.schemas.instrument import Instrument
from content.schemas.modalities import (
    Activity,
    HiitExclusion,
    ModalityCatalogue,
    ProfileCondition,
)
from content.schemas.protocol import HeartRateFormula, Phase, Protocol
from content.schemas.readiness import ReadinessScreen

# Text keys this module puts into a prescription (wording lives in messages/*/clinical.yaml).
REASON_PREFERENCE = "prescription.reason.preference"
REASON_BACKBONE = "prescription.reason.backbone"
REASON_AT_HOME = "prescription.reason.at_home"
HIIT_EXCLUDED_PREFIX = "prescription.hiit_excluded"
RPE_REASON_BETA_BLOCKERS = "prescription.rpe_reason.beta_blockers"
RPE_REASON_RESTING_HR_UNKNOWN = "prescription.rpe_reason.resting_hr_unknown"
SUPERVISED_READINESS = "prescription.supervised.readiness"
SUPERVISED_SEVERE_BAND = "prescription.supervised.severe_band"
SUPERVISED_SAFETY_FLAG = "prescription.supervised.safety_flag"
ADVICE_PAIN = "prescription.advice.pain"
ADVICE_SUPERVISED = "prescription.advice.supervised"

IntensityMode = Literal["heart_rate", "rpe"]
ActivityTag = Literal["group", "balance", "at_home"]


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
    `access_barrier` is here because `ProfileCondition` has no access condition yet.
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


@dataclass(frozen=True)
class ModalityChoice:
    """One offered modality, why it was offered, and example activities in preferred order."""

    modality: str
    reason_keys: tuple[str, ...]
    activities: tuple[str, ...]
    intensity: IntensityMode


@dataclass(frozen=True)
class RefusedModality:
    """A modality asked for or suggested but left out for safety, with every reason that holds."""

    modality: str
    reason_keys: tuple[str, ...]


@dataclass(frozen=True)
class ActivityPreference:
    """Activities with this tag are listed first in every modality, for the reason given."""

    tag: ActivityTag
    reason_key: str


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
    rpe: IntRange
    exertion_key: str


def _at_bottom(values: IntRange) -> IntRange:
    return IntRange(low=values.low, high=values.low)


def _dose(protocol: Protocol, inp: PrescriptionInput, start_low: bool) -> _Dose:
    """Phase dose; start low means the first phase's bottom whatever the week."""
    if start_low:
        first = protocol.phases[0]
        return _Dose(
            phase_id=first.id,
            first_week_of_phase=True,
            minutes=_at_bottom(first.minutes),
            sessions_per_week=first.sessions_per_week,
            weekly_minutes=None,
            hrr_percent=_at_bottom(first.hrr_percent),
            rpe=_at_bottom(first.rpe),
            exertion_key=first.exertion_key,
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
            rpe=maintenance.rpe,
            exertion_key=maintenance.exertion_key,
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
        rpe=phase.rpe,
        exertion_key=phase.exertion_key,
    )


def _profile(catalogue: ModalityCatalogue, inp: PrescriptionInput) -> frozenset[ProfileCondition]:
    """Stated conditions plus those that follow from age alone."""
    conditions = set(inp.conditions)
    if inp.age >= catalogue.older_adult_age:
        conditions.add(ProfileCondition.OLDER_ADULT)
    if inp.age < catalogue.minor_age:
        conditions.add(ProfileCondition.MINOR)
    return frozenset(conditions)


def _hiit_exclusions(
    catalogue: ModalityCatalogue, inp: PrescriptionInput, severe: bool
) -> list[HiitExclusion]:
    holds = {
        HiitExclusion.READINESS_POSITIVE: inp.readiness_positive,
        HiitExclusion.SEVERE_BAND: severe,
        HiitExclusion.SAFETY_FLAG: inp.safety_flag,
        HiitExclusion.BETA_BLOCKERS: inp.beta_blockers,
    }
    return [reason for reason in catalogue.hiit_excluded_when if holds[reason]]


def _ordered_activities(
    activities: Iterable[Activity], tags: tuple[ActivityTag, ...]
) -> tuple[str, ...]:
    """Activities carrying the preferred tags first (earlier tags weigh more), stable otherwise."""

    def rank(activity: Activity) -> tuple[bool, ...]:
        return tuple(not getattr(activity, tag) for tag in tags)

    return tuple(a.id for a in sorted(activities, key=rank))


def _choose_modalities(
    catalogue: ModalityCatalogue,
    inp: PrescriptionInput,
    conditions: frozenset[ProfileCondition],
    hiit_exclusions: list[HiitExclusion],
) -> tuple[
    tuple[ModalityChoice, ...], tuple[RefusedModality, ...], tuple[ActivityPreference, ...]
]:
    """Stated preferences first, then the aerobic backbone, then what the rules suggest.

    HIIT is refused whenever an exclusion holds, even when the patient asked for it: the
    exclusions are about safety, where the safer reading wins over preference.
    """
    known = {m.id for m in catalogue.modalities}
    unknown = [m for m in inp.preferred_modalities if m not in known]
    if unknown:
        raise ValueError(f"unknown preferred modalities {unknown}")
    reasons: dict[str, list[str]] = {}
    refused: dict[str, tuple[str, ...]] = {}
    preferences: list[ActivityPreference] = []
    if inp.access_barrier:
        preferences.append(ActivityPreference("at_home", REASON_AT_HOME))

    def offer(modality_id: str, reason_key: str) -> None:
        if modality_id == catalogue.hiit and hiit_exclusions:
            refused[modality_id] = tuple(
                f"{HIIT_EXCLUDED_PREFIX}.{reason.value}" for reason in hiit_exclusions
            )
            return
        keys = reasons.setdefault(modality_id, [])
        if reason_key not in keys:
            keys.append(reason_key)

    for modality_id in inp.preferred_modalities:
        offer(modality_id, REASON_PREFERENCE)
    offer(catalogue.backbone, REASON_BACKBONE)
    for rule in catalogue.rules:
        if rule.when not in conditions:
            continue
        if rule.suggest is not None:
            offer(rule.suggest, rule.reason_key)
        if rule.prefer is not None and all(p.tag != rule.prefer for p in preferences):
            preferences.append(ActivityPreference(rule.prefer, rule.reason_key))
    tags = tuple(p.tag for p in preferences)
    choices = tuple(
        ModalityChoice(
            modality=modality_id,
            reason_keys=tuple(keys),
            activities=_ordered_activities(catalogue.activities_for(modality_id), tags),
            intensity=catalogue.modality(modality_id).intensity,
        )
        for modality_id, keys in reasons.items()
    )
    refusals = tuple(RefusedModality(m, key) for m, key in refused.items())
    return choices, refusals, tuple(preferences)


def prescribe(content: PrescriptionContent, inp: PrescriptionInput) -> Prescription:
    """Write the prescription for one patient at one point of the programme."""
    protocol, catalogue, instrument = content.protocol, content.modalities, content.phq9
    if inp.age not in protocol.age_range:
        raise ValueError(
            f"age {inp.age} is outside {protocol.age_range.low}–{protocol.age_range.high}"
        )
    if inp.resting_hr is not None and inp.resting_hr not in protocol.resting_hr_range:
        raise ValueError(f"resting heart rate {inp.resting_hr} is outside the plausible range")
    band_ids = {band.id for band in instrument.bands}
    if inp.phq9_band is not None and inp.phq9_band not in band_ids:
        raise ValueError(f"unknown PHQ-9 band {inp.phq9_band!r}")
    formula_id = inp.hrmax_formula or protocol.default_hrmax_formula
    if formula_id not in protocol.hrmax_formulas:
        raise ValueError(f"unknown HRmax formula {formula_id!r}")

    severe = inp.phq9_band == severe_band(instrument).id
    supervision = [
        key
        for key, holds in (
            (SUPERVISED_READINESS, inp.readiness_positive),
            (SUPERVISED_SEVERE_BAND, severe),
            (SUPERVISED_SAFETY_FLAG, inp.safety_flag),
        )
        if holds
    ]
    # Readiness "yes" starts at the lowest step (spec 2); a safety flag does too (safer choice).
    start_low = inp.low_energy or severe or inp.readiness_positive or inp.safety_flag
    dose = _dose(protocol, inp, start_low)

    maximum: Decimal | None = None
    bpm: IntRange | None = None
    rpe_reason: str | None = None
    if inp.beta_blockers:
        rpe_reason = RPE_REASON_BETA_BLOCKERS
    elif inp.resting_hr is None:
        rpe_reason = RPE_REASON_RESTING_HR_UNKNOWN
    else:
        maximum = hr_max(inp.age, protocol.hrmax_formulas[formula_id])
        bpm = target_bpm(inp.resting_hr, maximum, dose.hrr_percent)

    conditions = _profile(catalogue, inp)
    choices, refused, preferences = _choose_modalities(
        catalogue, inp, conditions, _hiit_exclusions(catalogue, inp, severe)
    )
    advice: list[str] = []
    if inp.readiness_positive:
        advice.append(content.readiness.positive_advice_key)
    if ProfileCondition.PAIN in conditions:
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
        hrr_percent=dose.hrr_percent,
        hrmax_formula=formula_id,
        hr_max=maximum,
        target_bpm=bpm,
        rpe=dose.rpe,
        exertion_key=dose.exertion_key,
        intensity_mode="heart_rate" if bpm is not None else "rpe",
        rpe_reason_key=rpe_reason,
        backbone=catalogue.backbone,
        modalities=choices,
        refused=refused,
        start_low=start_low,
        supervised_initiation=bool(supervision),
        supervision_reason_keys=tuple(supervision),
        advice=tuple(advice),
        expectations_key=protocol.expectations.message_key,
        activity_preferences=preferences,
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
    )
