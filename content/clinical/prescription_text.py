"""A prescription as plain lines of text a clinician can check by eye.

Numbers are formatted here (ranges as "20–30", HRmax to its exact tenth) and handed to the
texts as parameters; the wording around them lives in messages/*/clinical.yaml.
"""

from __future__ import annotations

import typing
from decimal import Decimal

from babel import UnknownLocaleError
from babel.numbers import format_decimal

from content.clinical.prescription import EFFORT_LOWERED, Prescription
from content.clinical.session_card import anchors_text
from content.schemas.base import IntRange
from content.schemas.modalities import ModalityCatalogue
from content.schemas.protocol import Protocol
from content.texts import FALLBACK_LANGUAGE, Texts

HEADING = "prescription.heading"
PHASE = "prescription.phase"
MAINTENANCE = "prescription.maintenance"
START_LOW = "prescription.start_low"
MINUTES = "prescription.minutes"
SESSIONS = "prescription.sessions"
WEEKLY_MINUTES = "prescription.weekly_minutes"
HR_MAX = "prescription.hr_max"
TARGET_BPM = "prescription.target_bpm"
RPE_ONLY = "prescription.rpe_only"
RPE = "prescription.rpe"
MODALITIES = "prescription.modalities"
MODALITY = "prescription.modality"
ACTIVITIES_PREFERRED = "prescription.activities_preferred"
REFUSED = "prescription.refused"
SUPERVISED = "prescription.supervised"
TEXT_KEYS = (
    HEADING,
    PHASE,
    MAINTENANCE,
    START_LOW,
    MINUTES,
    SESSIONS,
    WEEKLY_MINUTES,
    HR_MAX,
    TARGET_BPM,
    RPE_ONLY,
    RPE,
    MODALITIES,
    MODALITY,
    ACTIVITIES_PREFERRED,
    REFUSED,
    SUPERVISED,
)


class DescribableContent(typing.Protocol):
    """What the description reads: the loader's `Content` fits."""

    @property
    def texts(self) -> Texts: ...

    @property
    def protocol(self) -> Protocol: ...

    @property
    def modalities(self) -> ModalityCatalogue: ...


def span(values: IntRange) -> str:
    """ "20–30", or "20" when both ends are the same (a start-low dose)."""
    return str(values.low) if values.low == values.high else f"{values.low}–{values.high}"


def beats(value: Decimal, language: str) -> str:
    """HRmax as computed ("180", "184.9", in Spanish "184,9"), so a hand check starts from it.

    Babel (already behind `content.texts`) knows each language's decimal separator.
    """
    try:
        return str(format_decimal(value, locale=language))
    except (ValueError, UnknownLocaleError):
        return str(format_decimal(value, locale=FALLBACK_LANGUAGE))


def describe_prescription(
    content: DescribableContent, prescription: Prescription, language: str
) -> str:
    """One line per fact: phase, dose, intensity, modalities, supervision and expectations."""
    texts, protocol, catalogue = content.texts, content.protocol, content.modalities

    def text(key: str, **params: object) -> str:
        # A key with no wording yet still shows its numbers: a clinician must never get a
        # description with the doses silently missing.
        if not texts.has(key):
            shown = ", ".join(f"{name}={value}" for name, value in params.items())
            return f"{key}: {shown}" if shown else key
        return texts.get(language, key, **params)

    def joined(keys: typing.Iterable[str], separator: str = " ") -> str:
        # Reasons are whole sentences; activity names are joined with ", " by the caller.
        return separator.join(text(key) for key in keys)

    lines = [text(HEADING, protocol=protocol.id, version=protocol.version)]
    if prescription.phase_id is None:
        lines.append(text(MAINTENANCE, week=prescription.week))
    else:
        lines.append(text(PHASE, phase=prescription.phase_id, week=prescription.week))
    if prescription.start_low:
        lines.append(text(START_LOW))
    lines.append(text(MINUTES, minutes=span(prescription.minutes)))
    lines.append(text(SESSIONS, sessions=span(prescription.sessions_per_week)))
    if prescription.weekly_minutes is not None:
        lines.append(text(WEEKLY_MINUTES, minutes=span(prescription.weekly_minutes)))
    if prescription.hr_max is not None and prescription.target_bpm is not None:
        formula = protocol.hrmax_formulas[prescription.hrmax_formula]
        lines.append(
            text(
                HR_MAX, hr_max=beats(prescription.hr_max, language), formula=text(formula.name_key)
            )
        )
        lines.append(
            text(
                TARGET_BPM,
                bpm=span(prescription.target_bpm),
                percent=span(prescription.hrr_percent),
            )
        )
    else:
        reason = text(prescription.rpe_reason_key) if prescription.rpe_reason_key else ""
        lines.append(text(RPE_ONLY, reason=reason, percent=span(prescription.hrr_percent)))
    rpe = prescription.rpe
    # `rpe` is "12" or "12–13"; the exertion words come from ACSM's band and Borg's anchors.
    exertion = text(
        prescription.exertion_key,
        rpe=span(rpe),
        anchors=anchors_text(texts, protocol, language, rpe),
    )
    lines.append(text(RPE, rpe=span(rpe), exertion=exertion))
    if prescription.effort_lowered:
        lines.append(text(EFFORT_LOWERED))
    if prescription.hold_key is not None:
        lines.append(text(prescription.hold_key))

    lines.append(text(MODALITIES))
    for choice in prescription.modalities:
        modality = catalogue.modality(choice.modality)
        names = {a.id: a.name_key for a in catalogue.activities_for(choice.modality)}
        lines.append(
            text(
                MODALITY,
                name=text(modality.name_key),
                reasons=joined(choice.reason_keys),
                activities=joined((names[a] for a in choice.activities), ", "),
            )
        )
    if prescription.activity_preferences:
        reasons = joined(p.reason_key for p in prescription.activity_preferences)
        lines.append(text(ACTIVITIES_PREFERRED, reasons=reasons))
    for refused in prescription.refused:
        name = text(catalogue.modality(refused.modality).name_key)
        lines.append(text(REFUSED, name=name, reasons=joined(refused.reason_keys)))
    if prescription.supervised_initiation:
        lines.append(text(SUPERVISED, reasons=joined(prescription.supervision_reason_keys)))
    lines.extend(text(key) for key in prescription.advice)
    expectations = protocol.expectations
    lines.append(
        text(
            prescription.expectations_key,
            first_benefit=span(expectations.first_benefit_weeks),
            full_effect=span(expectations.full_effect_weeks),
            first_low=expectations.first_benefit_weeks.low,
            first_high=expectations.first_benefit_weeks.high,
            full_low=expectations.full_effect_weeks.low,
            full_high=expectations.full_effect_weeks.high,
        )
    )
    return "\n".join(lines)
