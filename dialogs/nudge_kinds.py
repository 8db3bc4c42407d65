"""Nudge kinds, slots and their texts: the vocabulary `dialogs.nudges` plans and decides with.

Kept apart from the rules so each module stays small; `dialogs.nudges` re-exports all of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from content.schemas.nudges import NudgePolicy, NudgeText
from content.texts import Texts
from dialogs.screens import Line


class NudgeKind(StrEnum):
    SESSION = "session"
    CHECKIN = "checkin"
    CHECKIN_AGAIN = "checkin_again"
    FOLLOWUP = "followup"
    SUMMARY = "summary"
    BARRIER_FOLLOWUP = "barrier_followup"
    MOOD_CHECK = "mood_check"
    MOOD_FOLLOWUP = "mood_followup"
    DIGEST = "digest"


class SlotStatus(StrEnum):
    PLANNED = "planned"
    SENDING = "sending"  # claimed before the HTTP call; `sent` once Telegram answered
    SENT = "sent"
    DROPPED = "dropped"  # will never be sent (too late, quiet hours, cap, not needed)
    HELD = "held"  # not sent because the patient paused


@dataclass(frozen=True)
class Slot:
    """One message a recipient is meant to get, keyed `kind:local-day` (`session:2026-11-30`)."""

    kind: NudgeKind
    key: str
    day: dt.date
    due_at: dt.datetime
    rank: int
    variant: int
    status: SlotStatus = SlotStatus.PLANNED
    reason: str | None = None


def slot_key(kind: NudgeKind, day: dt.date) -> str:
    return f"{kind.value}:{day.isoformat()}"


@dataclass(frozen=True)
class VariantLine(Line):
    """A line in one of its text's variants (the `variant`-th, wrapping around)."""

    variant: int = 0

    def render(self, texts: Texts, language: str) -> str:
        assert self.key is not None
        return texts.variant(language, self.key, self.variant, **self.params)


PATIENT_KINDS = (
    NudgeKind.SESSION,
    NudgeKind.CHECKIN,
    NudgeKind.CHECKIN_AGAIN,
    NudgeKind.FOLLOWUP,
    NudgeKind.SUMMARY,
    NudgeKind.BARRIER_FOLLOWUP,
    NudgeKind.MOOD_CHECK,
    NudgeKind.MOOD_FOLLOWUP,
)
# Patient-requested kinds: `nudges.yaml` mood_check.uncapped says whether the cap applies.
MOOD_KINDS = frozenset({NudgeKind.MOOD_CHECK, NudgeKind.MOOD_FOLLOWUP})
# Kinds whose text or need depends on the dose (sessions planned, minutes, weekly target).
DOSE_KINDS = frozenset({NudgeKind.SESSION, NudgeKind.FOLLOWUP, NudgeKind.SUMMARY})
# Kinds that quiet hours drop rather than move to their end: a late "just in time" is not.
NOT_MOVED = frozenset({NudgeKind.MOOD_FOLLOWUP})


def uncapped(kind: NudgeKind, policy: NudgePolicy) -> bool:
    return kind in MOOD_KINDS and policy.mood_check.uncapped


def text_of(kind: NudgeKind, policy: NudgePolicy) -> NudgeText:
    texts: dict[NudgeKind, NudgeText] = {
        NudgeKind.SESSION: policy.session,
        NudgeKind.CHECKIN: policy.checkin,
        NudgeKind.CHECKIN_AGAIN: policy.checkin,
        NudgeKind.FOLLOWUP: policy.followup,
        NudgeKind.SUMMARY: policy.summary,
        NudgeKind.BARRIER_FOLLOWUP: policy.barrier_followup,
    }
    return texts[kind]


def text_key(kind: NudgeKind, policy: NudgePolicy) -> str:
    if kind is NudgeKind.MOOD_CHECK:
        return policy.mood_check.text_key
    if kind is NudgeKind.MOOD_FOLLOWUP:
        return policy.mood_check.follow_up_text_key
    if kind is NudgeKind.CHECKIN_AGAIN:
        return policy.checkin.again_text_key
    return text_of(kind, policy).text_key
