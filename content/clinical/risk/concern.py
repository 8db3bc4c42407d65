"""What follows a *concern*: the pure escalation rules of `data/risk/concern.yaml`.

A concern is a weaker warning sign (hopelessness, feeling trapped or a burden, a goodbye or
giving things away without a method). Stride asks the patient directly, "Sometimes when people
feel this way they think about ending their life. Is that happening for you?", with Yes / Not
sure / No. These functions decide what happens, from the answer and the patient's recent
concerns; they read no clock and store nothing, so the dialog that calls them (and its tests)
owns time and records.

    step = on_concern(policy, now, earlier)       # ask the question, or urgent at once
    decision = on_answer(policy, "no", now, earlier)   # urgent or routine, and why

`earlier` holds the times of the patient's *previous* concerns (not the current one). The
safer choice wins every tie: a concern is never dropped, only routine or urgent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from content.clinical.risk.screen import DEFAULT_CONTENT_DIR
from content.schemas.risk_policy import ConcernAnswer, ConcernPolicy, Escalation

ConcernReason = Literal["answer", "repeat", "unanswered"]


@dataclass(frozen=True, slots=True)
class ConcernDecision:
    """Tell the care team with this escalation; `reason` names the rule that decided."""

    escalation: Escalation
    reason: ConcernReason
    answer: ConcernAnswer | None = None

    @property
    def urgent(self) -> bool:
        return self.escalation == "urgent"


@dataclass(frozen=True, slots=True)
class ConcernStep:
    """What to do when a concern is found: ask the question, or go straight to urgent."""

    ask: bool
    decision: ConcernDecision | None = None  # set when not asking


def recent_concern(
    policy: ConcernPolicy, now: dt.datetime, earlier: Iterable[dt.datetime]
) -> bool:
    """True if an earlier concern lies within the repeat window before `now`."""
    window = dt.timedelta(days=policy.repeat_within_days)
    return any(dt.timedelta(0) <= now - when <= window for when in earlier)


def on_concern(
    policy: ConcernPolicy, now: dt.datetime, earlier: Iterable[dt.datetime]
) -> ConcernStep:
    """A concern was found in a message: a second one within the window is urgent at once
    (asking again would only delay help); otherwise Stride asks the question."""
    if recent_concern(policy, now, earlier):
        return ConcernStep(False, ConcernDecision(policy.repeat_escalation, "repeat"))
    return ConcernStep(True)


def on_answer(
    policy: ConcernPolicy,
    answer: ConcernAnswer,
    now: dt.datetime,
    earlier: Iterable[dt.datetime],
) -> ConcernDecision:
    """The escalation for an answer to the question: Yes / Not sure -> urgent, No -> routine,
    unless an earlier concern is within the window, which makes it urgent whatever the answer."""
    rule = policy.answers[answer].escalation
    if rule != "urgent" and recent_concern(policy, now, earlier):
        return ConcernDecision(policy.repeat_escalation, "repeat", answer)
    return ConcernDecision(rule, "answer", answer)


def on_no_answer(
    policy: ConcernPolicy, now: dt.datetime, earlier: Iterable[dt.datetime]
) -> ConcernDecision:
    """No answer within `unanswered_after_minutes`: the care team is told anyway."""
    if policy.unanswered_escalation != "urgent" and recent_concern(policy, now, earlier):
        return ConcernDecision(policy.repeat_escalation, "repeat")
    return ConcernDecision(policy.unanswered_escalation, "unanswered")


def load_concern_policy(directory: Path = DEFAULT_CONTENT_DIR) -> ConcernPolicy:
    path = directory / "risk" / "concern.yaml"
    return ConcernPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def shipped_concern_policy() -> ConcernPolicy:
    return load_concern_policy(DEFAULT_CONTENT_DIR)


__all__ = [
    "ConcernDecision",
    "ConcernStep",
    "load_concern_policy",
    "on_answer",
    "on_concern",
    "on_no_answer",
    "recent_concern",
    "shipped_concern_policy",
]
