"""Plain, serialisable records: the shapes dialogs read and write.

Storage in `bot/` converts its ORM rows to and from these at the boundary, so nothing inside
depends on SQLAlchemy. Clinical answers are always kept by item id with the instrument id
and version they were given under.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from state_machines.journey import JourneyState


class CheckinKind(StrEnum):
    BASELINE = "baseline"
    SCHEDULED = "scheduled"
    ON_DEMAND = "on_demand"


class SessionStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    MISSED = "missed"


class EscalationTrigger(StrEnum):
    ITEM9 = "item9"
    RISK_LANGUAGE = "risk_language"
    SOS = "sos"
    SEVERE_SCORE = "severe_score"
    DETERIORATION = "deterioration"
    READINESS = "readiness"
    # A weaker warning sign in a message (hopelessness, burden, a goodbye): see dialogs.concern.
    CONCERN = "concern"


class Priority(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


@dataclass
class Patient:
    """A patient known to Stride. `code` is the pseudonym supervisors see — never a name."""

    id: int
    code: str
    telegram_id: int
    chat_id: int
    language: str
    country: str
    timezone: str
    journey: JourneyState
    created_at: dt.datetime
    paused_until: dt.date | None = None
    display_name: str | None = None
    # Set when the patient withdraws consent: nothing is sent to them until they agree again.
    consent_withdrawn_at: dt.datetime | None = None
    # Shared with the care team through Telegram's contact button only (dialogs/phone.py).
    phone: str | None = None


@dataclass
class Profile:
    """What onboarding learned; the prescription engine reads it."""

    age: int | None = None
    resting_hr: int | None = None
    resting_hr_unknown: bool = False
    beta_blockers: bool | None = None
    activity_level: str | None = None
    preferred_modalities: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    values_text: str | None = None
    barriers: list[str] = field(default_factory=list)
    training_days: list[int] = field(default_factory=list)
    preferred_time: str | None = None
    readiness_answers: dict[str, bool] = field(default_factory=dict)
    programme_start: dt.date | None = None
    phase_id: int = 1
    phase_started: dt.date | None = None
    hrmax_formula: str | None = None
    low_energy: bool = False
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    share_name_in_groups: bool = False
    celebrate_in_groups: bool = False
    # The dose ladder (content/clinical/ladder.py): True on the start-low step below phase 1,
    # False above it, None until the first progression decision (derived from the profile).
    start_step: bool | None = None
    # A supervisor's medical clearance: lifts the hold a readiness "yes" (or an earlier
    # safety flag) puts on stepping up. The supervisor command records it.
    medical_clearance_at: dt.datetime | None = None
    medical_clearance_by: str | None = None
    # Set by a supervisor: treatment-resistant depression, for which intervals are offered.
    treatment_resistant: bool = False
    # When the latest urgent escalation (item 9, risk language, /sos) was raised.
    safety_flag_at: dt.datetime | None = None
    # The Monday of the week the add-a-day question was last asked: at most once a week.
    extra_day_week: dt.date | None = None
    # The opt-in daily mood check (dialogs/mood_check.py): its local time "HH:MM", None = off.
    mood_check_time: str | None = None
    # When the latest just-in-time offer after a low daily-check rating was made: its one
    # follow-up nudge is planned from it (and not sent if a session was logged since).
    mood_offer_at: dt.datetime | None = None

    @property
    def readiness_positive(self) -> bool:
        return any(self.readiness_answers.values())


IDLE = "idle"


@dataclass
class Frame:
    """A flow waiting beneath another (onboarding under a check-in, a session under a crisis
    reply): its name, its machine state and its model's data, as the flow's model dumped it."""

    flow: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conversation:
    """The persisted place of a patient in their flows; written with every transition.

    `flow`/`state`/`data` are the running flow (`idle` when none); `data` is what the
    flow's model dumped (typed and versioned, see `state_machines.model`). `stack` holds the
    flows it interrupted, innermost last: when the running flow finishes, the last one
    resumes. `seq` grows with every question asked: buttons carry it, so a press on an old
    message is recognised as stale instead of answering the wrong question.
    """

    flow: str = IDLE
    state: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    stack: list[Frame] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return self.flow == IDLE


@dataclass
class CheckinRecord:
    instrument_id: str
    instrument_version: str
    kind: CheckinKind
    started_at: dt.datetime
    answers: dict[str, int]
    completed_at: dt.datetime | None = None
    difficulty: int | None = None
    total: int | None = None
    band: str | None = None
    safety_positive: bool = False
    id: int | None = None


@dataclass
class SessionRecord:
    day: dt.date
    status: SessionStatus
    planned: bool
    modality: str | None = None
    minutes: int | None = None
    exertion: int | None = None
    mood_before: int | None = None
    mood_after: int | None = None
    note: str | None = None
    logged_at: dt.datetime | None = None
    id: int | None = None


@dataclass
class MoodRecord:
    at: dt.datetime
    score: int


@dataclass
class BarrierPlan:
    barrier: str
    script: str
    what: str
    when: str
    created_at: dt.datetime


@dataclass
class ConsentRecord:
    what: str
    version: str
    accepted_at: dt.datetime


@dataclass
class SafetyPlan:
    """Patient-authored, Stanley–Brown style: section id → the patient's own entries."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    updated_at: dt.datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not any(self.sections.values())


@dataclass
class EscalationRequest:
    """Raised by a dialog; storage writes it in the same transaction as the answer."""

    trigger: EscalationTrigger
    priority: Priority
    details: dict[str, Any]


@dataclass
class Escalation:
    id: int
    patient_id: int
    patient_code: str
    trigger: EscalationTrigger
    priority: Priority
    state: str
    details: dict[str, Any]
    created_at: dt.datetime
    level: int = 0
    acknowledged_by: int | None = None
    acknowledged_at: dt.datetime | None = None
    resolved_by: int | None = None
    resolved_at: dt.datetime | None = None
    resolution_note: str | None = None
    patient_response: str | None = None
    next_action_at: dt.datetime | None = None


@dataclass
class AuditEvent:
    action: str
    actor: str
    subject: str
    details: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime | None = None


NewRecord = CheckinRecord | SessionRecord | MoodRecord | BarrierPlan | ConsentRecord | AuditEvent
