"""Glue from a patient's state to the pure clinical core: prescription, week plan, progression.

Nothing clinical is decided here: the numbers and rules live in `content/` and the pure
functions of `content.clinical`; this module only reads the profile and records a dialog has,
and keeps the two phase fields of the profile up to date.

Weeks: a *programme week* counts from `profile.programme_start` (it picks the phase); a *plan
week* is the calendar week, Monday to Sunday, that patients think in ("this week"), and is the
week `/plan`, `/progress` and the session replies talk about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from babel.dates import format_date

from content.clinical import progression
from content.clinical.ladder import Step
from content.clinical.prescription import (
    Prescription,
    PrescriptionInput,
    phase_by_id,
    prescribe,
)
from content.clinical.progression import ProgressionDecision, SessionOutcome
from content.clinical.weekly_plan import (
    PlannedSession,
    WeeklyPlan,
    default_days,
    session_for,
    weekly_plan,
)
from content.loader import Content
from content.schemas.base import IntRange
from content.schemas.modalities import ProfileCondition
from dialogs.dose_state import (
    MAINTENANCE_PHASE_ID,
    current_step,
    effort_lowered,
    hold_key,
    safety_flag,
)
from dialogs.records import SessionRecord, SessionStatus
from dialogs.state import PatientState
from state_machines.journey import JourneyState

# Onboarding's barrier id for "nowhere to go, or no equipment": home activities come first.
ACCESS_BARRIER = "access"
# Journeys in which a programme exists (onboarding complete).
PROGRAMME_JOURNEYS = frozenset({JourneyState.ACTIVE, JourneyState.PAUSED})

DAYS_IN_WEEK = 7
_COMPLETED = (SessionStatus.DONE, SessionStatus.PARTIAL)
# Best first: when a day has several records, the most credited one stands for the day.
_BEST_FIRST = (
    SessionStatus.DONE,
    SessionStatus.PARTIAL,
    SessionStatus.SKIPPED,
    SessionStatus.MISSED,
)


def has_programme(state: PatientState) -> bool:
    """Onboarding is complete and the profile holds what a prescription needs."""
    return state.patient.journey in PROGRAMME_JOURNEYS and state.profile.age is not None


def week_start(day: dt.date) -> dt.date:
    """The Monday of the calendar week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def programme_week(state: PatientState, day: dt.date) -> int:
    """1 for the first seven days from the programme start (and any day before it)."""
    start = state.profile.programme_start or day
    return max(1, (day - start).days // DAYS_IN_WEEK + 1)


def _phase_week(state: PatientState, day: dt.date) -> int | None:
    started = state.profile.phase_started
    if started is None:
        return None
    return max(1, (day - started).days // DAYS_IN_WEEK + 1)


def _conditions(names: Iterable[str]) -> frozenset[ProfileCondition]:
    known = {c.value for c in ProfileCondition}
    return frozenset(ProfileCondition(n) for n in names if n in known)


def prescription_input(
    state: PatientState, content: Content, day: dt.date | None = None
) -> PrescriptionInput:
    """What the prescription engine needs to know, read from the profile and latest check-in.

    Beta-blockers not known (None) are read as yes: RPE targets only, the safer choice. A
    resting heart rate the patient does not know gives RPE targets too.
    """
    profile = state.profile
    if profile.age is None:
        raise ValueError("the profile has no age yet: onboarding is not complete")
    day = day or state.today
    week = programme_week(state, day)
    maintenance = profile.phase_id == MAINTENANCE_PHASE_ID
    if maintenance:
        week = max(week, content.protocol.maintenance.from_week)
    latest = state.latest_checkin
    known_modalities = {m.id for m in content.modalities.modalities}
    conditions = set(_conditions(profile.conditions))
    if profile.treatment_resistant:
        conditions.add(ProfileCondition.TREATMENT_RESISTANT)
    return PrescriptionInput(
        age=profile.age,
        resting_hr=None if profile.resting_hr_unknown else profile.resting_hr,
        beta_blockers=profile.beta_blockers is not False,
        week=week,
        phase_id=None if maintenance else profile.phase_id,
        phase_week=None if maintenance else _phase_week(state, day),
        hrmax_formula=profile.hrmax_formula,
        conditions=frozenset(conditions),
        preferred_modalities=tuple(
            m for m in profile.preferred_modalities if m in known_modalities
        ),
        low_energy=profile.low_energy,
        phq9_band=latest.band if latest else None,
        safety_flag=safety_flag(state, content),
        readiness_positive=profile.readiness_positive,
        access_barrier=ACCESS_BARRIER in profile.barriers,
        start_step=current_step(state, content).start_low,
        effort_lowered=effort_lowered(state, content),
        hold_key=hold_key(state, content),
    )


def prescription_on(state: PatientState, content: Content, day: dt.date) -> Prescription:
    return prescribe(content, prescription_input(state, content, day))


def current_prescription(state: PatientState, content: Content) -> Prescription:
    return prescription_on(state, content, state.today)


def training_days(
    state: PatientState, content: Content, prescription: Prescription | None = None
) -> list[int]:
    """The patient's chosen days; with none chosen, enough days for the step's sessions."""
    if state.profile.training_days:
        return list(state.profile.training_days)
    if prescription is None:
        return list(content.protocol.default_training_days)
    return default_days(content.protocol, prescription)


def session_time(state: PatientState, content: Content) -> dt.time:
    text = state.profile.preferred_time or content.protocol.default_session_time
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        return dt.time.fromisoformat(content.protocol.default_session_time)


def week_plan(state: PatientState, content: Content, day: dt.date) -> WeeklyPlan:
    """The plan of the calendar week holding `day`, written with the prescription of `day`."""
    prescription = prescription_on(state, content, day)
    return weekly_plan(
        prescription,
        training_days(state, content, prescription),
        week_start(day),
        session_time(state, content),
        catalogue=content.modalities,
        protocol=content.protocol,
    )


def planned_session(state: PatientState, content: Content, day: dt.date) -> PlannedSession | None:
    """The session planned for `day`; none before the programme started."""
    start = state.profile.programme_start
    if start is not None and day < start:
        return None
    return session_for(week_plan(state, content, day), day)


def planned_sessions(
    state: PatientState, content: Content, day: dt.date
) -> tuple[PlannedSession, ...]:
    """The week's planned sessions, without those before the programme started."""
    start = state.profile.programme_start
    plan = week_plan(state, content, day)
    return tuple(s for s in plan.sessions if start is None or s.date >= start)


def as_on_their_days(
    state: PatientState, content: Content, sessions: Iterable[PlannedSession]
) -> list[PlannedSession]:
    """Sessions after today as their own day's card will show them (a week can straddle two
    programme weeks, and so two doses); today's and earlier ones as planned."""
    today = state.today
    return [
        (planned_session(state, content, s.date) or s) if s.date > today else s for s in sessions
    ]


def next_session(state: PatientState, content: Content, after: dt.date) -> PlannedSession | None:
    """The first planned session after `after` (this week or the next), as its own day's card
    will show it: a week's plan is written with one day's dose, and a session on the first
    day of programme week 2 must not be announced at week 1's minutes (or one on Monday after
    a Saturday start at week 2's)."""
    following_monday = week_start(after) + dt.timedelta(days=DAYS_IN_WEEK)
    for day in (after, following_monday):
        for upcoming in planned_sessions(state, content, day):
            if upcoming.date > after:
                on_the_day = planned_session(state, content, upcoming.date)
                if on_the_day is not None:
                    return on_the_day
    return None


def target_band(prescription: Prescription) -> IntRange:
    """The weekly minutes a prescription asks for: sessions × minutes, or maintenance's range."""
    if prescription.weekly_minutes is not None:
        return prescription.weekly_minutes
    return IntRange(
        low=prescription.sessions_per_week.low * prescription.minutes.low,
        high=prescription.sessions_per_week.high * prescription.minutes.high,
    )


def completed(records: Iterable[SessionRecord]) -> list[SessionRecord]:
    """Sessions that happened, whole or in part, planned or not."""
    return [r for r in records if r.status in _COMPLETED]


def minutes_between(records: Iterable[SessionRecord], first: dt.date, last: dt.date) -> int:
    return sum(r.minutes or 0 for r in completed(records) if first <= r.day <= last)


def best_of_day(records: Sequence[SessionRecord], day: dt.date) -> SessionRecord | None:
    """The record that stands for a day: done before partial before skipped before missed."""
    of_day = [r for r in records if r.day == day]
    if not of_day:
        return None
    return min(of_day, key=lambda r: _BEST_FIRST.index(r.status))


def session_outcomes(state: PatientState, content: Content) -> list[SessionOutcome]:
    """One outcome per day that counts for progression.

    A day counts when a session was planned for it or a planned session was recorded on it.
    A session logged with /log on a planned day fulfils that day. Planned days before today
    with no record at all are missed: nothing else records them. Missing days are inferred only
    inside the progression window (all the rule reads for completion), so records older than
    what storage loads can never be mistaken for misses.
    """
    today = state.today
    window = content.protocol.progression.window_days
    start = state.profile.programme_start or today
    first = max(start, today - dt.timedelta(days=window - 1))
    planned_days: set[dt.date] = set()
    day = week_start(first)
    while day <= today:
        planned_days.update(
            s.date for s in planned_sessions(state, content, day) if first <= s.date < today
        )
        day += dt.timedelta(days=DAYS_IN_WEEK)
    days = planned_days | {r.day for r in state.sessions if r.planned and r.day <= today}
    outcomes: list[SessionOutcome] = []
    for each in sorted(days):
        record = best_of_day([r for r in state.sessions if r.day <= today], each)
        if record is None:
            outcomes.append(SessionOutcome(each, progression.SessionStatus.MISSED))
        elif record.planned or each in planned_days:
            outcomes.append(
                SessionOutcome(
                    each,
                    progression.SessionStatus(record.status.value),
                    record.minutes or 0,
                    record.exertion,
                )
            )
    return outcomes


def apply_progression(state: PatientState, content: Content) -> ProgressionDecision | None:
    """Advance, hold, step back or continue; the profile's step follows the decision.

    Call it at every contact (a session answer, /today, /progress, a nudge): a run of missed
    days must step back whether or not anything was pressed. Returns None when there is no
    programme yet. When the decision starts a new period (an advance, a step back or a
    repeated step) the step's clock restarts today.
    """
    profile = state.profile
    if not has_programme(state):
        return None
    step = current_step(state, content)
    if step.phase_id is not None:
        phase_by_id(content.protocol, step.phase_id)  # an unknown phase is a bug: fail loudly
    started = profile.phase_started or profile.programme_start or state.today
    decision = progression.decide(
        content.protocol,
        step,
        started,
        state.today,
        session_outcomes(state, content),
        hold_key(state, content),
    )
    if decision.starts_new_period:
        to = decision.step
        profile.phase_id = MAINTENANCE_PHASE_ID if to.phase_id is None else to.phase_id
        profile.start_step = to.start_low
        profile.phase_started = state.today
    elif profile.start_step is None:
        profile.start_step = step.start_low  # placed once, so later flags cannot move it
    return decision


def phase_changed(before: Step, decision: ProgressionDecision | None) -> bool:
    """Worth one sentence to the patient: a new step, or the same step repeated."""
    if decision is None or not decision.starts_new_period:
        return False
    return decision.step != before or decision.action == "hold"


# --- names in the patient's language (for the session card, the plan and the barrier talk) --

# How many example activities a session names.
EXAMPLES = 3


def modality_name(content: Content, language: str, modality: str) -> str:
    return content.texts.get(language, content.modalities.modality(modality).name_key)


def example_names(
    content: Content, language: str, modality: str, activities: Sequence[str]
) -> str:
    """The first few activities (already in preference order) of a modality, named."""
    names = {a.id: a.name_key for a in content.modalities.activities_for(modality)}
    picked = [names[a] for a in activities if a in names][:EXAMPLES]
    return ", ".join(content.texts.get(language, key) for key in picked)


def day_name(language: str, day: dt.date) -> str:
    """ "Wednesday", "miércoles": the weekday in the patient's language (Babel, CLDR)."""
    return str(format_date(day, "EEEE", locale=language))


def todays_easy_activity(state: PatientState, content: Content, language: str) -> tuple[str, str]:
    """(modality, one activity of it by name) for a short step today: today's planned
    session, else the current step's first modality. Needs a programme."""
    planned = planned_session(state, content, state.today)
    if planned is not None:
        modality, activities = planned.modality, planned.activities
    else:
        choice = current_prescription(state, content).modalities[0]
        modality, activities = choice.modality, choice.activities
    name = example_names(content, language, modality, activities[:1]) or modality_name(
        content, language, modality
    )
    return modality, name
