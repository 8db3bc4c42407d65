"""Moving a patient along the dose ladder: advance, hold, step back, or continue.

The rules, all with their numbers in `protocol.yaml`:
- **Step back**: `misses_in_a_row_to_step_back` planned sessions in a row not done by the end
  of their day, anywhere in the current step ("Can't today", or nothing pressed at all), move
  the patient one step down and open the barrier conversation. A "Done" after the run does
  not undo it: the run already happened.
- **Gate**: when a step's weeks are over, the patient moves up if they did at least
  `completion_fraction` of the sessions prescribed over the last `window_days`; otherwise the
  step repeats.
- **Felt effort**: "very hard" on the last `very_hard_in_a_row` rated sessions holds the
  step (and the prescription lowers the target a notch meanwhile); "easy" on the last
  `easy_in_a_row` lets a patient who meets the gate move up early, once a full window passed.
- **Clearance**: a readiness "yes" or a safety flag without a supervisor's clearance holds
  the step, whatever the gate says, and the patient is told why in one kind sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from content.clinical import ladder
from content.clinical.ladder import Step
from content.clinical.phq9 import as_written_fraction
from content.schemas.protocol import Protocol

ADVANCE_KEY = "progression.advance"
ADVANCE_EASY_KEY = "progression.advance_easy"
HOLD_KEY = "progression.hold"
HOLD_VERY_HARD_KEY = "progression.hold_very_hard"
HOLD_READINESS_KEY = "progression.hold_readiness"
HOLD_SAFETY_KEY = "progression.hold_safety"
STEP_BACK_KEY = "progression.step_back"
CONTINUE_KEY = "progression.continue"
TEXT_KEYS = (
    ADVANCE_KEY,
    ADVANCE_EASY_KEY,
    HOLD_KEY,
    HOLD_VERY_HARD_KEY,
    HOLD_READINESS_KEY,
    HOLD_SAFETY_KEY,
    STEP_BACK_KEY,
    CONTINUE_KEY,
)

Action = Literal["advance", "hold", "step_back", "continue"]


class SessionStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    MISSED = "missed"


NOT_DONE = (SessionStatus.MISSED, SessionStatus.SKIPPED)


@dataclass(frozen=True)
class SessionOutcome:
    """What became of one planned session; `exertion` is the Borg score the patient gave."""

    date: date
    status: SessionStatus
    minutes: int = 0
    exertion: int | None = None


@dataclass(frozen=True)
class ProgressionDecision:
    """What to do next, and the numbers to tell the patient why in one sentence.

    `starts_new_period` is True when the step's clock restarts today (advance, step back, or
    a step repeated); `continue` means the current step simply runs on.
    """

    action: Action
    step: Step
    starts_new_period: bool
    open_barrier_conversation: bool
    reason_key: str
    done: Fraction
    prescribed: int
    misses_in_a_row: int

    @property
    def phase_id(self) -> int | None:
        return self.step.phase_id

    @property
    def params(self) -> dict[str, object]:
        """Parameters for the reason text: done (e.g. "3.5"), prescribed, misses."""
        done = str(self.done.numerator) if self.done.denominator == 1 else str(float(self.done))
        return {"done": done, "prescribed": self.prescribed, "misses": self.misses_in_a_row}


def longest_miss_run(sessions: Sequence[SessionOutcome]) -> int:
    """The longest run of planned sessions not done (skipped or missed), in date order."""
    longest = run = 0
    for outcome in sorted(sessions, key=lambda s: s.date):
        run = run + 1 if outcome.status in NOT_DONE else 0
        longest = max(longest, run)
    return longest


def credit(protocol: Protocol, status: SessionStatus) -> Fraction:
    """Done counts `credit.done`, partial `credit.partial`, skipped and missed nothing."""
    rule = protocol.credit
    value = {SessionStatus.DONE: rule.done, SessionStatus.PARTIAL: rule.partial}.get(status, 0.0)
    return Fraction(str(value))


def _last_rated(sessions: Sequence[SessionOutcome], count: int) -> list[int] | None:
    rated = [s.exertion for s in sorted(sessions, key=lambda s: s.date) if s.exertion is not None]
    return rated[-count:] if len(rated) >= count else None


def felt_very_hard(protocol: Protocol, sessions: Sequence[SessionOutcome]) -> bool:
    """The last `very_hard_in_a_row` rated sessions all felt very hard."""
    rule = protocol.titration
    last = _last_rated(sessions, rule.very_hard_in_a_row)
    return last is not None and all(score >= rule.very_hard_rpe for score in last)


def felt_easy(protocol: Protocol, sessions: Sequence[SessionOutcome]) -> bool:
    """The last `easy_in_a_row` rated sessions all felt easy."""
    rule = protocol.titration
    last = _last_rated(sessions, rule.easy_in_a_row)
    return last is not None and all(score <= rule.easy_rpe for score in last)


def clearance_hold(readiness_positive: bool, safety_flag: bool, cleared: bool) -> str | None:
    """The reason a step up waits for a supervisor's clearance, or None.

    Safety comes first in the wording: a flagged patient hears about their care team.
    """
    if cleared:
        return None
    if safety_flag:
        return HOLD_SAFETY_KEY
    if readiness_positive:
        return HOLD_READINESS_KEY
    return None


def decide(
    protocol: Protocol,
    step: Step,
    step_started: date,
    today: date,
    sessions: Sequence[SessionOutcome],
    hold_key: str | None = None,
) -> ProgressionDecision:
    """Advance, hold (repeat the step), step back, or continue the running step.

    Only sessions since the step started count towards a run of misses, so a step back is not
    followed by another for the same misses. Completion looks at the `window_days` before
    today (today's session may not have happened yet); the prescribed count is the sessions
    that came due, but never fewer than the phase's lower sessions/week over the window, so an
    incomplete record cannot make a patient look more complete than the protocol asks.
    """
    rules = protocol.progression
    past = sorted((s for s in sessions if s.date <= today), key=lambda s: s.date)
    in_step = [s for s in past if s.date >= step_started]
    window_start = today - timedelta(days=rules.window_days)
    in_window = [s for s in past if window_start <= s.date < today]
    done = sum((credit(protocol, s.status) for s in in_window), Fraction(0))
    misses = longest_miss_run(in_step)

    phase = ladder.phase_of(protocol, step)
    weeks_in_window = Fraction(rules.window_days, 7)
    minimum_due = int(phase.sessions_per_week.low * weeks_in_window) if phase is not None else 0
    prescribed = max(len(in_window), minimum_due)

    def decision(action: Action, to: Step, key: str) -> ProgressionDecision:
        return ProgressionDecision(
            action=action,
            step=to,
            starts_new_period=action != "continue",
            open_barrier_conversation=action == "step_back",
            reason_key=key,
            done=done,
            prescribed=prescribed,
            misses_in_a_row=misses,
        )

    if misses >= rules.misses_in_a_row_to_step_back:
        return decision("step_back", ladder.down(protocol, step), STEP_BACK_KEY)
    weeks = ladder.weeks_of(protocol, step)
    if weeks is None:
        return decision("continue", step, CONTINUE_KEY)
    enough = prescribed > 0 and done >= as_written_fraction(rules.completion_fraction) * prescribed
    very_hard = felt_very_hard(protocol, in_step)
    if today >= step_started + timedelta(weeks=weeks):
        if hold_key is not None:
            return decision("hold", step, hold_key)
        if very_hard:
            return decision("hold", step, HOLD_VERY_HARD_KEY)
        if enough:
            return decision("advance", ladder.up(protocol, step), ADVANCE_KEY)
        return decision("hold", step, HOLD_KEY)
    a_full_window = today >= step_started + timedelta(days=rules.window_days)
    if (
        a_full_window
        and enough
        and hold_key is None
        and not very_hard
        and felt_easy(protocol, in_step)
    ):
        return decision("advance", ladder.up(protocol, step), ADVANCE_EASY_KEY)
    return decision("continue", step, CONTINUE_KEY)


__all__ = [
    "TEXT_KEYS",
    "ProgressionDecision",
    "SessionOutcome",
    "SessionStatus",
    "clearance_hold",
    "decide",
    "felt_easy",
    "felt_very_hard",
    "longest_miss_run",
]
