"""The state a dialog works on and the outcome it returns.

`bot/` loads a `PatientState`, a dialog mutates it and fills an `Outcome`, and `bot/` then
writes both in one transaction *before* sending anything: a crash after the commit can lose
a reply, never a place in a flow or an escalation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dialogs.effects import Effect
from dialogs.records import (
    AuditEvent,
    BarrierPlan,
    CheckinRecord,
    ConsentRecord,
    Conversation,
    EscalationRequest,
    MoodRecord,
    NewRecord,
    Patient,
    Profile,
    SafetyPlan,
    SessionRecord,
)
from dialogs.screens import Screen
from dialogs.timezones import tz_for


@dataclass
class PatientState:
    patient: Patient
    profile: Profile
    conversation: Conversation
    checkins: list[CheckinRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    safety_plan: SafetyPlan = field(default_factory=SafetyPlan)
    # Today's mood ratings (local day): the low-mood offer is made at most once a day.
    moods: list[MoodRecord] = field(default_factory=list)
    # The latest barrier plan: its "How did it go?" follow-up is a nudge.
    barrier_plan: BarrierPlan | None = None
    # When recent safety escalations were raised (a concern, risk language, item 9, /sos;
    # oldest first): a concern within the policy's window of any of them is urgent at once
    # (dialogs.concern) — an earlier risk counts at least as much as an earlier concern.
    recent_safety: list[dt.datetime] = field(default_factory=list)
    # The consents accepted, oldest first; None when not loaded (re-consent is not checked).
    consents: list[ConsentRecord] | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def local_now(self) -> dt.datetime:
        return self.now.astimezone(tz_for(self.patient.timezone))

    @property
    def today(self) -> dt.date:
        return self.local_now.date()

    @property
    def baseline(self) -> CheckinRecord | None:
        complete = [c for c in self.checkins if c.total is not None]
        return min(complete, key=lambda c: c.started_at) if complete else None

    @property
    def latest_checkin(self) -> CheckinRecord | None:
        complete = [c for c in self.checkins if c.total is not None]
        return max(complete, key=lambda c: c.started_at) if complete else None


@dataclass
class Outcome:
    replies: list[Screen] = field(default_factory=list)
    records: list[NewRecord] = field(default_factory=list)
    escalations: list[EscalationRequest] = field(default_factory=list)
    # Patient answers to a crisis reply ("safe right now"…), recorded on open escalations.
    responses: list[str] = field(default_factory=list)
    # What `bot/` must do after the commit (a file to send, an erasure): see dialogs.effects.
    effects: list[Effect] = field(default_factory=list)

    def show(self, *screens: Screen) -> None:
        self.replies.extend(screens)

    def store(self, *records: NewRecord) -> None:
        self.records.extend(records)

    def audit(self, action: str, actor: str, subject: str, **details: object) -> None:
        self.records.append(
            AuditEvent(action=action, actor=actor, subject=subject, details=dict(details))
        )
