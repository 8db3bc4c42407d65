"""Which kinds of exercise to offer: stated preferences, the aerobic backbone, profile rules.

Offer, don't impose (spec 3): the patient's preference comes first, aerobic stays the
backbone, and the catalogue's rules add what suits the profile. HIIT is refused whenever an
exclusion holds, even when the patient asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from content.schemas.modalities import (
    Activity,
    HiitExclusion,
    ModalityCatalogue,
    ProfileCondition,
)

# Text keys this module puts into a prescription (wording lives in messages/*/clinical.yaml).
REASON_PREFERENCE = "prescription.reason.preference"
REASON_BACKBONE = "prescription.reason.backbone"
REASON_AT_HOME = "prescription.reason.at_home"
HIIT_EXCLUDED_PREFIX = "prescription.hiit_excluded"

IntensityMode = Literal["heart_rate", "rpe"]
ActivityTag = Literal["group", "balance", "at_home"]


@dataclass(frozen=True)
class ModalityFacts:
    """What the matching reads about the patient."""

    age: int
    conditions: frozenset[ProfileCondition]
    preferred_modalities: tuple[str, ...]
    access_barrier: bool
    readiness_positive: bool
    severe: bool
    safety_flag: bool
    beta_blockers: bool


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


def _profile(catalogue: ModalityCatalogue, inp: ModalityFacts) -> frozenset[ProfileCondition]:
    """Stated conditions plus those that follow from age alone."""
    conditions = set(inp.conditions)
    if inp.age >= catalogue.older_adult_age:
        conditions.add(ProfileCondition.OLDER_ADULT)
    if inp.age < catalogue.minor_age:
        conditions.add(ProfileCondition.MINOR)
    return frozenset(conditions)


def _hiit_exclusions(catalogue: ModalityCatalogue, inp: ModalityFacts) -> list[HiitExclusion]:
    holds = {
        HiitExclusion.READINESS_POSITIVE: inp.readiness_positive,
        HiitExclusion.SEVERE_BAND: inp.severe,
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


def choose_modalities(
    catalogue: ModalityCatalogue, inp: ModalityFacts
) -> tuple[
    tuple[ModalityChoice, ...], tuple[RefusedModality, ...], tuple[ActivityPreference, ...]
]:
    """Stated preferences first, then the aerobic backbone, then what the rules suggest.

    HIIT is refused whenever an exclusion holds, even when the patient asked for it: the
    exclusions are about safety, where the safer reading wins over preference.
    """
    conditions = _profile(catalogue, inp)
    hiit_exclusions = _hiit_exclusions(catalogue, inp)
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
