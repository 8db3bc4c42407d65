"""The patient's place on the dose ladder, read from the profile and records.

Glue only: the rules are pure functions in `content.clinical` (ladder, progression); this
module reads what they need from a `PatientState`.
"""

from __future__ import annotations

import datetime as dt

from content.clinical import progression
from content.clinical.ladder import Step
from content.clinical.progression import SessionOutcome
from content.loader import Content
from dialogs.state import PatientState

# `Profile.phase_id` is a non-null integer and protocol phase ids start at 1, so 0 stands for
# maintenance (the core's `phase_id=None`).
MAINTENANCE_PHASE_ID = 0


def safety_flag(state: PatientState, content: Content) -> bool:
    """Any urgent trigger (item 9, risk language, /sos) within `safety_flag.days`, uncleared.

    Item 9 on the latest check-in counts from that check-in; the others from
    `profile.safety_flag_at`, which storage sets whenever an urgent escalation is raised. A
    supervisor's clearance recorded after the trigger lifts the flag.
    """
    profile = state.profile
    latest = state.latest_checkin
    times = [profile.safety_flag_at] if profile.safety_flag_at else []
    if latest is not None and latest.safety_positive:
        times.append(latest.completed_at or latest.started_at)
    if not times:
        return False
    flagged = max(times)
    if profile.medical_clearance_at is not None and profile.medical_clearance_at >= flagged:
        return False
    return state.now - flagged < dt.timedelta(days=content.protocol.safety_flag.days)


def hold_key(state: PatientState, content: Content) -> str | None:
    """Why stepping up waits for a supervisor's clearance (readiness "yes", safety flag)."""
    cleared = state.profile.medical_clearance_at is not None
    flagged = safety_flag(state, content)
    return progression.clearance_hold(
        state.profile.readiness_positive, flagged, cleared and not flagged
    )


def _severe(state: PatientState, content: Content) -> bool:
    latest = state.latest_checkin
    return bool(latest and latest.band == content.phq9.bands[-1].id)


def current_step(state: PatientState, content: Content) -> Step:
    """Where the patient stands on the dose ladder.

    Before the first progression decision (`start_step` None) a patient in phase 1 who starts
    low (low energy, severe band, readiness "yes", safety flag) stands on the start step.
    """
    profile = state.profile
    if profile.phase_id == MAINTENANCE_PHASE_ID:
        return Step(None)
    first = content.protocol.phases[0].id
    if profile.phase_id != first:
        return Step(profile.phase_id)
    if profile.start_step is None:
        low = (
            profile.low_energy
            or _severe(state, content)
            or profile.readiness_positive
            or safety_flag(state, content)
        )
        return Step(first, start_low=low)
    return Step(first, start_low=profile.start_step)


def _rated_since(state: PatientState, since: dt.date) -> list[SessionOutcome]:
    """Sessions with an effort rating since `since`, as outcomes (for felt-effort rules)."""
    rated = sorted(
        (r for r in state.sessions if r.exertion is not None and since <= r.day <= state.today),
        key=lambda r: (r.day, r.logged_at or state.now),
    )
    return [
        SessionOutcome(
            r.day, progression.SessionStatus(r.status.value), r.minutes or 0, r.exertion
        )
        for r in rated
    ]


def effort_lowered(state: PatientState, content: Content) -> bool:
    """The last rated sessions (within the progression window) felt very hard: a notch lower.

    The window, not the step, bounds it: a step repeated because it felt very hard keeps the
    lower target until a session feels better.
    """
    since = state.today - dt.timedelta(days=content.protocol.progression.window_days)
    return progression.felt_very_hard(content.protocol, _rated_since(state, since))
