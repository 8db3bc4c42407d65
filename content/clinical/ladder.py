"""The dose ladder: one start-low step, then the protocol's phases, then maintenance.

A *step* is where a patient stands. Start-low patients begin on the extra step at the bottom
of phase 1 and climb from there by the same gate as everyone (spec 3: "start low is a
starting point, never a ceiling"); a step back moves one step down, so phase 1 steps back to
the start-low step.
"""

from __future__ import annotations

from dataclasses import dataclass

from content.schemas.protocol import Phase, Protocol


@dataclass(frozen=True)
class Step:
    """`phase_id` None is maintenance; `start_low` is the extra step below phase 1."""

    phase_id: int | None
    start_low: bool = False


def ladder(protocol: Protocol) -> tuple[Step, ...]:
    first = protocol.phases[0].id
    return (
        Step(first, start_low=True),
        *(Step(phase.id) for phase in protocol.phases),
        Step(None),
    )


def index_of(protocol: Protocol, step: Step) -> int:
    steps = ladder(protocol)
    if step not in steps:
        raise ValueError(f"protocol {protocol.id} has no step {step}")
    return steps.index(step)


def up(protocol: Protocol, step: Step) -> Step:
    steps = ladder(protocol)
    return steps[min(index_of(protocol, step) + 1, len(steps) - 1)]


def down(protocol: Protocol, step: Step) -> Step:
    return ladder(protocol)[max(index_of(protocol, step) - 1, 0)]


def phase_of(protocol: Protocol, step: Step) -> Phase | None:
    for phase in protocol.phases:
        if phase.id == step.phase_id:
            return phase
    return None


def weeks_of(protocol: Protocol, step: Step) -> int | None:
    """How long a step lasts before the gate is read; None for maintenance (open-ended)."""
    if step.start_low:
        return protocol.start_low.weeks
    phase = phase_of(protocol, step)
    return None if phase is None else phase.weeks.high - phase.weeks.low + 1


def is_low_energy(protocol: Protocol, answers: dict[str, int], activity_level: str | None) -> bool:
    """The low-energy rule from content: PHQ-9 item 4 high, or hardly active."""
    rule = protocol.start_low
    item = answers.get(rule.low_energy_item, 0)
    return item >= rule.low_energy_min_answer or activity_level in rule.low_energy_activity_levels
