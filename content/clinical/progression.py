"""Moving a patient through the protocol's phases: advance, hold, or step back.

Phases are identified by their id; `None` is maintenance, as in `Prescription.phase_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from content.clinical.phq9 import as_written_fraction
from content.schemas.protocol import Phase, Protocol

ADVANCE_KEY = "progression.advance"
HOLD_KEY = "progression.hold"
STEP_BACK_KEY = "progression.step_back"
CONTINUE_KEY = "progression.continue"
TEXT_KEYS = (ADVANCE_KEY, HOLD_KEY, STEP_BACK_KEY, CONTINUE_KEY)

Action = Literal["advance", "hold", "step_back", "continue"]


class SessionStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    MISSED = "missed"


@dataclass(frozen=True)
class SessionOutcome:
    """What became of one planned session (the caller records every one that came due)."""

    date: date
    status: SessionStatus
    minutes: int = 0


@dataclass(frozen=True)
class ProgressionDecision:
    """What to do next, and the numbers to tell the patient why in one sentence.

    `starts_new_period` is True when the phase clock restarts today (advance, step back, or a
    phase repeated); `continue` means the current phase simply runs on.
    """

    action: Action
    phase_id: int | None
    starts_new_period: bool
    open_barrier_conversation: bool
    reason_key: str
    done: Fraction
    prescribed: int
    misses_in_a_row: int

    @property
    def params(self) -> dict[str, object]:
        """Parameters for the reason text: done (e.g. "3.5"), prescribed, misses."""
        done = str(self.done.numerator) if self.done.denominator == 1 else str(float(self.done))
        return {"done": done, "prescribed": self.prescribed, "misses": self.misses_in_a_row}


def _phase_index(protocol: Protocol, phase_id: int | None) -> int:
    """Index into `protocol.phases`; maintenance sits just after the last phase."""
    if phase_id is None:
        return len(protocol.phases)
    for index, phase in enumerate(protocol.phases):
        if phase.id == phase_id:
            return index
    raise ValueError(f"protocol {protocol.id} has no phase {phase_id}")


def _phase_at(protocol: Protocol, index: int) -> int | None:
    return protocol.phases[index].id if index < len(protocol.phases) else None


def _misses_in_a_row(sessions: Sequence[SessionOutcome]) -> int:
    """Skipped or missed sessions at the end of the record; a partial session breaks the run."""
    run = 0
    for outcome in reversed(sessions):
        if outcome.status not in (SessionStatus.MISSED, SessionStatus.SKIPPED):
            break
        run += 1
    return run


def _credit(status: SessionStatus) -> Fraction:
    """Done counts one, partial one half, skipped and missed nothing.

    A partial session is real effort and behavioural activation rewards any step, so it must
    count; but it is not the prescribed dose, so counting it whole would advance a patient to
    longer sessions on the strength of sessions they could not finish.
    """
    return {
        SessionStatus.DONE: Fraction(1),
        SessionStatus.PARTIAL: Fraction(1, 2),
    }.get(status, Fraction(0))


def _phase_weeks(phase: Phase) -> int:
    return phase.weeks.high - phase.weeks.low + 1


def decide(
    protocol: Protocol,
    current_phase: int | None,
    phase_started: date,
    today: date,
    sessions: Sequence[SessionOutcome],
) -> ProgressionDecision:
    """Advance, hold (repeat the phase), step back, or continue the running phase.

    Only sessions since the phase started count towards a run of misses, so a step back is not
    followed by another the next day for the same misses. Completion looks at the
    `window_days` before today (today's session may not have happened yet, and a phase that
    started on a Monday is judged on the Monday it ends); the prescribed count is the sessions
    that came due, but never fewer than the phase's lower sessions/week over the window, so an
    incomplete record cannot make a patient look more complete than the protocol asks.
    """
    rules = protocol.progression
    index = _phase_index(protocol, current_phase)
    past = sorted((s for s in sessions if s.date <= today), key=lambda s: s.date)
    in_phase = [s for s in past if s.date >= phase_started]
    window_start = today - timedelta(days=rules.window_days)
    in_window = [s for s in past if window_start <= s.date < today]
    done = sum((_credit(s.status) for s in in_window), Fraction(0))
    misses = _misses_in_a_row(in_phase)

    phase = protocol.phases[index] if current_phase is not None else None
    weeks_in_window = Fraction(rules.window_days, 7)
    minimum_due = int(phase.sessions_per_week.low * weeks_in_window) if phase is not None else 0
    prescribed = max(len(in_window), minimum_due)

    def decision(
        action: Action, phase_id: int | None, restart: bool, barrier: bool, key: str
    ) -> ProgressionDecision:
        return ProgressionDecision(
            action=action,
            phase_id=phase_id,
            starts_new_period=restart,
            open_barrier_conversation=barrier,
            reason_key=key,
            done=done,
            prescribed=prescribed,
            misses_in_a_row=misses,
        )

    if misses >= rules.misses_in_a_row_to_step_back:
        return decision(
            "step_back", _phase_at(protocol, max(index - 1, 0)), True, True, STEP_BACK_KEY
        )
    if phase is None:
        return decision("continue", None, False, False, CONTINUE_KEY)
    phase_over = today >= phase_started + timedelta(weeks=_phase_weeks(phase))
    if not phase_over:
        return decision("continue", phase.id, False, False, CONTINUE_KEY)
    enough = prescribed > 0 and done >= as_written_fraction(rules.completion_fraction) * prescribed
    if enough:
        return decision("advance", _phase_at(protocol, index + 1), True, False, ADVANCE_KEY)
    return decision("hold", phase.id, True, False, HOLD_KEY)


__all__ = [
    "TEXT_KEYS",
    "ProgressionDecision",
    "SessionOutcome",
    "SessionStatus",
    "decide",
]
