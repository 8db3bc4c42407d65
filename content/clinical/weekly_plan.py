"""A week of planned sessions from a prescription, the patient's days and preferred time.

How modalities share the week: every session is aerobic (the backbone) unless another offered
modality replaces it. The others, in the prescription's order (so a stated preference goes
first), replace one session each, up to half of the week's sessions rounded down, so aerobic
keeps the majority the dose-response evidence rests on. They add variety, not sessions: the
week never exceeds the phase's upper sessions/week. They alternate with aerobic sessions from
the second one, so the week opens with the backbone and no two non-aerobic sessions touch.
Steady sessions get the same minutes; an interval session lasts what its rounds add up to.

Frequency: fewer chosen days than the step needs gives a note (and `extra_day_offer` says
when to ask once a week to add a day); from `flag_below_minimum_from_phase` on, a week
planned below the minimum weekly dose always says so — never silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from content.clinical.prescription import Prescription
from content.clinical.session_card import session_minutes_for
from content.schemas.base import IntRange
from content.schemas.modalities import ModalityCatalogue
from content.schemas.protocol import Protocol

FEWER_DAYS_KEY = "plan.fewer_days"
BELOW_WEEKLY_MINIMUM_KEY = "plan.below_weekly_minimum"
EXTRA_DAY_KEY = "plan.extra_day"
TEXT_KEYS = (FEWER_DAYS_KEY, BELOW_WEEKLY_MINIMUM_KEY, EXTRA_DAY_KEY)

# Session lengths are offered in steps of five minutes: easier to read and to keep to than
# 52 or 37 minutes. A presentation step, not a clinical number.
MINUTE_STEP = 5
DAYS_IN_WEEK = 7


@dataclass(frozen=True)
class PlannedSession:
    date: date
    time: time
    modality: str
    minutes: int
    activities: tuple[str, ...]


@dataclass(frozen=True)
class PlanNote:
    """Something the patient (and the care team) should hear about this week's plan."""

    key: str
    params: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class WeeklyPlan:
    week_start: date
    sessions: tuple[PlannedSession, ...]
    notes: tuple[PlanNote, ...]

    @property
    def total_minutes(self) -> int:
        return sum(session.minutes for session in self.sessions)


@dataclass(frozen=True)
class ExtraDayOffer:
    """Ask (once a week, with buttons) to add a day: the step's minimum and what it is for."""

    chosen_days: int
    minimum_sessions: int
    weekly_minimum: int
    planned_minutes: int

    @property
    def params(self) -> dict[str, int]:
        return {
            "chosen": self.chosen_days,
            "minimum": self.minimum_sessions,
            "weekly": self.weekly_minimum,
            "planned": self.planned_minutes,
        }


def _nearest_step_ties_down(minutes: float) -> int:
    """To the nearest step, a tie going down: never a longer session than the middle asks."""
    steps, remainder = divmod(minutes, MINUTE_STEP)
    return int(steps + (1 if remainder > MINUTE_STEP / 2 else 0)) * MINUTE_STEP


def _clamp(value: int, bounds: IntRange) -> int:
    return max(bounds.low, min(bounds.high, value))


def session_minutes(prescription: Prescription) -> int:
    """The low end in a phase's first week or when starting low, otherwise the middle."""
    if prescription.start_low or prescription.first_week_of_phase:
        return prescription.minutes.low
    middle = (prescription.minutes.low + prescription.minutes.high) / 2
    return _clamp(_nearest_step_ties_down(middle), prescription.minutes)


def _maintenance_minutes(weekly: IntRange, per_session: IntRange, sessions: int) -> int:
    """Equal sessions whose week lands inside the weekly range, aiming at its middle."""
    aim = (weekly.low + weekly.high) / 2 / sessions
    minutes = _clamp(_nearest_step_ties_down(aim), per_session)
    while minutes * sessions < weekly.low and minutes + MINUTE_STEP <= per_session.high:
        minutes += MINUTE_STEP
    while minutes * sessions > weekly.high and minutes - MINUTE_STEP >= per_session.low:
        minutes -= MINUTE_STEP
    return minutes


def _spread(days: list[int], count: int) -> list[int]:
    """`count` of the chosen days, spread across them rather than bunched at the start."""
    return [days[i * len(days) // count] for i in range(count)]


def _date_of(week_start: date, weekday: int) -> date:
    return week_start + timedelta(days=(weekday - week_start.weekday()) % DAYS_IN_WEEK)


def default_days(protocol: Protocol, prescription: Prescription) -> list[int]:
    """Days for a patient who chose none: enough for the step's lower sessions/week."""
    table = protocol.frequency.default_days_by_sessions
    wanted = prescription.sessions_per_week.low
    fitting = [count for count in table if count >= wanted]
    return list(table[min(fitting)] if fitting else table[max(table)])


def flags_below_minimum(protocol: Protocol, prescription: Prescription) -> bool:
    """From phase 3 (content) and in maintenance, a week below the minimum is said aloud."""
    phase = prescription.phase_id
    return phase is None or phase >= protocol.weekly_dose.flag_below_minimum_from_phase


def weekly_plan(
    prescription: Prescription,
    training_days: Sequence[int],
    week_start: date,
    preferred_time: time,
    catalogue: ModalityCatalogue | None = None,
    protocol: Protocol | None = None,
) -> WeeklyPlan:
    """Plan the week starting `week_start` (any weekday) on the patient's training days.

    At most the upper sessions/week are planned; fewer chosen days than the lower bound give a
    note rather than extra days the patient did not choose. With the catalogue, interval
    sessions last what their rounds add up to; with the protocol, a week below the minimum
    weekly dose from phase 3 on gets a note.
    """
    days = sorted(set(training_days))
    if not days or not all(0 <= day < DAYS_IN_WEEK for day in days):
        raise ValueError(f"training days must be 0 (Monday) to 6 (Sunday), got {training_days}")
    count = min(len(days), prescription.sessions_per_week.high)
    chosen = sorted(_spread(days, count), key=lambda d: _date_of(week_start, d))
    notes: list[PlanNote] = []
    if len(days) < prescription.sessions_per_week.low:
        notes.append(
            PlanNote(
                FEWER_DAYS_KEY,
                (("chosen", len(days)), ("minimum", prescription.sessions_per_week.low)),
            )
        )
    weekly = prescription.weekly_minutes
    minimum: int | None = weekly.low if weekly is not None else None
    if weekly is not None:
        minutes = _maintenance_minutes(weekly, prescription.minutes, count)
    else:
        minutes = session_minutes(prescription)
    if protocol is not None and flags_below_minimum(protocol, prescription):
        minimum = protocol.weekly_dose.minimum_minutes

    backbone = next(c for c in prescription.modalities if c.modality == prescription.backbone)
    others = [c for c in prescription.modalities if c.modality != backbone.modality]
    order = [backbone] * count
    for slot, choice in enumerate(others[: count // 2]):
        order[2 * slot + 1] = choice
    sessions = tuple(
        PlannedSession(
            date=_date_of(week_start, day),
            time=preferred_time,
            modality=choice.modality,
            minutes=(
                session_minutes_for(catalogue, choice.modality, minutes)
                if catalogue is not None
                else minutes
            ),
            activities=choice.activities,
        )
        for day, choice in zip(chosen, order, strict=True)
    )
    planned = sum(s.minutes for s in sessions)
    if minimum is not None and planned < minimum:
        notes.append(
            PlanNote(BELOW_WEEKLY_MINIMUM_KEY, (("planned", planned), ("minimum", minimum)))
        )
    return WeeklyPlan(week_start=week_start, sessions=sessions, notes=tuple(notes))


def extra_day_offer(
    protocol: Protocol,
    prescription: Prescription,
    plan: WeeklyPlan,
    training_days: Sequence[int],
) -> ExtraDayOffer | None:
    """Whether this week's add-a-day question is due, and what to say in it.

    Due when the chosen days give fewer sessions than the step's lower sessions/week, or (from
    phase 3 on) when the week falls below the minimum weekly dose, and a free day is left.
    The caller asks at most once a week.
    """
    chosen = len(set(training_days))
    if chosen >= DAYS_IN_WEEK:
        return None
    too_few = chosen < prescription.sessions_per_week.low
    below = (
        flags_below_minimum(protocol, prescription)
        and plan.total_minutes < protocol.weekly_dose.minimum_minutes
    )
    if not (too_few or below):
        return None
    return ExtraDayOffer(
        chosen_days=chosen,
        minimum_sessions=prescription.sessions_per_week.low,
        weekly_minimum=protocol.weekly_dose.minimum_minutes,
        planned_minutes=plan.total_minutes,
    )


def session_for(plan: WeeklyPlan, day: date) -> PlannedSession | None:
    """Today's session, if one is planned for `day`."""
    return next((s for s in plan.sessions if s.date == day), None)


def best_extra_day(training_days: Sequence[int]) -> int | None:
    """The free weekday that spreads the week best: farthest from its nearest training day
    (around the week's end too), then from the next nearest; a tie takes the earlier day.

    Rest between sessions matters more than which weekday it is, so no weekday is preferred
    for its own sake. None when every day is already chosen.
    """
    days = sorted(set(training_days))
    free = [day for day in range(DAYS_IN_WEEK) if day not in days]
    if not free:
        return None
    if not days:
        return free[0]

    def gaps(day: int) -> tuple[int, ...]:
        around = sorted(min((day - d) % DAYS_IN_WEEK, (d - day) % DAYS_IN_WEEK) for d in days)
        return tuple(around[:2])

    return max(free, key=lambda day: (gaps(day), -day))
