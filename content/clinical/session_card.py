"""One session as a card: warm-up, the main part (steady or in rounds), cool-down, effort.

Consistent by modality, all from content: intervals are warm-up, N × work/recovery with
their times and cool-down, and the session lasts exactly what they add up to; a modality
with its own effort (mind-body, strength) shows that effort, not the phase's; steady
heart-rate work shows the prescription's heart-rate range. The card is data (text keys and
parameters); `card_lines` words it for a language.
"""

from __future__ import annotations

from dataclasses import dataclass

from content.clinical.effort import EffortTarget, borg_anchors
from content.clinical.plural import plural
from content.clinical.prescription import Prescription
from content.schemas.base import IntRange
from content.schemas.modalities import Intervals, Modality, ModalityCatalogue
from content.schemas.protocol import Protocol
from content.texts import Texts

WARM_UP = "today.warm_up"
MAIN = "today.main"
COOL_DOWN = "today.cool_down"
TARGET_HR = "today.target_hr"
BY_FEEL = "today.by_feel"
INTERVALS = "card.intervals"
TOTAL = "card.total"
ANCHOR = "exertion.anchor"
MINUTES = "duration.minutes"
SECONDS = "duration.seconds"


@dataclass(frozen=True)
class IntervalBlock:
    rounds: int
    work_seconds: int
    recovery_seconds: int
    work: EffortTarget
    recovery: EffortTarget


@dataclass(frozen=True)
class SessionCard:
    """`minutes` is the whole session: warm-up + main + cool-down, always adding up."""

    modality: str
    minutes: int
    warm_up_minutes: int
    main_minutes: int
    cool_down_minutes: int
    effort: EffortTarget
    target_bpm: IntRange | None
    hrr_percent: IntRange
    paced_by_feel: bool
    intervals: IntervalBlock | None


def interval_rounds(modality: Modality, intervals: Intervals, minutes: int) -> int:
    """Rounds that fill the main part of a `minutes`-long session, within the allowed rounds."""
    template = modality.template
    main = max(0, minutes - template.warm_up_minutes - template.cool_down_minutes)
    fits = main // intervals.round_minutes
    return max(intervals.rounds.low, min(intervals.rounds.high, fits))


def session_minutes_for(catalogue: ModalityCatalogue, modality_id: str, minutes: int) -> int:
    """How long a session of this modality really lasts when `minutes` are prescribed.

    Steady sessions last the prescribed minutes; interval sessions last what their rounds add
    up to, so the card's total and the plan's minutes agree.
    """
    modality = catalogue.modality(modality_id)
    if modality.intervals is None:
        return minutes
    rounds = interval_rounds(modality, modality.intervals, minutes)
    template = modality.template
    return (
        template.warm_up_minutes
        + rounds * modality.intervals.round_minutes
        + template.cool_down_minutes
    )


def session_card(
    catalogue: ModalityCatalogue, prescription: Prescription, modality_id: str, minutes: int
) -> SessionCard:
    """The card for one planned session of `minutes` (as the weekly plan wrote it)."""
    modality = catalogue.modality(modality_id)
    template = modality.template
    total = session_minutes_for(catalogue, modality_id, minutes)
    main = max(0, total - template.warm_up_minutes - template.cool_down_minutes)
    block: IntervalBlock | None = None
    if modality.intervals is not None:
        spec = modality.intervals
        block = IntervalBlock(
            rounds=interval_rounds(modality, spec, minutes),
            work_seconds=spec.work_seconds,
            recovery_seconds=spec.recovery_seconds,
            work=EffortTarget(spec.work_rpe, spec.work_key),
            recovery=EffortTarget(spec.recovery_rpe, spec.recovery_key),
        )
        effort = block.work
    elif modality.effort is not None:
        effort = EffortTarget(modality.effort.rpe, modality.effort.exertion_key)
    else:
        effort = EffortTarget(prescription.rpe, prescription.exertion_key)
    steady_hr = modality.intensity == "heart_rate" and block is None
    bpm = prescription.target_bpm if steady_hr else None
    return SessionCard(
        modality=modality_id,
        minutes=total,
        warm_up_minutes=template.warm_up_minutes,
        main_minutes=main,
        cool_down_minutes=template.cool_down_minutes,
        effort=effort,
        target_bpm=bpm,
        hrr_percent=prescription.hrr_percent,
        paced_by_feel=steady_hr and bpm is None,
        intervals=block,
    )


def span(values: IntRange) -> str:
    return str(values.low) if values.low == values.high else f"{values.low}–{values.high}"


def anchors_text(texts: Texts, protocol: Protocol, language: str, rpe: IntRange) -> str:
    """ "13 is somewhat hard, 15 is hard": Borg's words for the scores around the target."""
    return ", ".join(
        texts.get(language, ANCHOR, score=score, label=texts.get(language, key))
        for score, key in borg_anchors(protocol.effort, rpe)
    )


def effort_text(texts: Texts, protocol: Protocol, language: str, effort: EffortTarget) -> str:
    return texts.get(
        language,
        effort.exertion_key,
        rpe=span(effort.rpe),
        anchors=anchors_text(texts, protocol, language, effort.rpe),
    )


def _duration(texts: Texts, language: str, seconds: int) -> str:
    if seconds % 60 == 0:
        return plural(texts, language, MINUTES, seconds // 60)
    return plural(texts, language, SECONDS, seconds)


Params = dict[str, object]


def card_lines(
    texts: Texts,
    protocol: Protocol,
    catalogue: ModalityCatalogue,
    card: SessionCard,
    language: str,
) -> list[tuple[str, Params]]:
    """The card's lines as (text key, parameters), in reading order, words already chosen."""
    template = catalogue.modality(card.modality).template
    lines: list[tuple[str, Params]] = []
    if card.target_bpm is not None:
        bpm = card.target_bpm
        lines.append(
            (
                TARGET_HR,
                {"bpm_low": bpm.low, "bpm_high": bpm.high, "percent": span(card.hrr_percent)},
            )
        )
    elif card.paced_by_feel:
        lines.append((BY_FEEL, {}))
    lines.append((card.effort.exertion_key, _effort_params(texts, protocol, language, card)))
    lines.append(
        (
            WARM_UP,
            {
                "minutes": card.warm_up_minutes,
                "text": texts.get(language, template.warm_up_key),
            },
        )
    )
    lines.append((MAIN, {"text": texts.get(language, template.main_key)}))
    if card.intervals is not None:
        block = card.intervals
        lines.append(
            (
                INTERVALS,
                {
                    "rounds": block.rounds,
                    "work": _duration(texts, language, block.work_seconds),
                    "recovery": _duration(texts, language, block.recovery_seconds),
                },
            )
        )
        lines.append(
            (
                block.recovery.exertion_key,
                {
                    "rpe": span(block.recovery.rpe),
                    "anchors": anchors_text(texts, protocol, language, block.recovery.rpe),
                },
            )
        )
    lines.append(
        (
            COOL_DOWN,
            {
                "minutes": card.cool_down_minutes,
                "text": texts.get(language, template.cool_down_key),
            },
        )
    )
    lines.append((TOTAL, {"minutes": card.minutes}))
    return lines


def _effort_params(texts: Texts, protocol: Protocol, language: str, card: SessionCard) -> Params:
    return {
        "rpe": span(card.effort.rpe),
        "anchors": anchors_text(texts, protocol, language, card.effort.rpe),
    }
