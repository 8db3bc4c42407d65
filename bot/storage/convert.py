"""Rows ↔ plain records, the only place that knows both shapes.

Everything crossing the boundary is deep-copied: a dialog mutating `conversation.data` must
not mutate what a transaction holds as loaded (`save` compares with it to write only what
changed) nor a row the session is tracking (SQLAlchemy would miss an in-place change to a
JSON value, and the change would silently not be saved).

Rows come as ORM objects or as plain named tuples (the patient's load, `bot/storage/
patients.py`): the readers here only use attribute access, so they take either.

Where a record's field names match the columns (Patient, Profile), the copy is driven by
`dataclasses.fields`, so a new record field without a column fails loudly here and in the
model-versus-migration test instead of being dropped.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, fields
from typing import Any

from bot.storage.models import (
    AuditRow,
    CheckinRow,
    ConversationRow,
    EscalationRow,
    PatientRow,
    ProfileRow,
    SafetyPlanRow,
    SessionRow,
)
from dialogs.records import (
    AuditEvent,
    CheckinKind,
    CheckinRecord,
    Conversation,
    Escalation,
    EscalationTrigger,
    Frame,
    Patient,
    Priority,
    Profile,
    SafetyPlan,
    SessionRecord,
    SessionStatus,
)
from state_machines.escalation import EscalationState
from state_machines.journey import JourneyState

# Set once at creation; `save` never rewrites them.
_PATIENT_IMMUTABLE = frozenset({"id", "code", "telegram_id", "created_at"})
_PATIENT_FIELDS = tuple(f.name for f in fields(Patient) if f.name not in _PATIENT_IMMUTABLE)
_PROFILE_FIELDS = tuple(f.name for f in fields(Profile))


def patient_from_row(row: PatientRow) -> Patient:
    values = {f.name: getattr(row, f.name) for f in fields(Patient)}
    values["journey"] = JourneyState(values["journey"])
    return Patient(**values)


def patient_values(patient: Patient) -> dict[str, Any]:
    """The columns `save` may write (not those set once at creation)."""
    values = {name: getattr(patient, name) for name in _PATIENT_FIELDS}
    values["journey"] = str(patient.journey)
    return values


def profile_from_row(row: ProfileRow) -> Profile:
    return Profile(**{f.name: copy.deepcopy(getattr(row, f.name)) for f in fields(Profile)})


def profile_values(profile: Profile) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in _PROFILE_FIELDS}


def apply_profile(row: ProfileRow, profile: Profile) -> None:
    for name, value in profile_values(profile).items():
        setattr(row, name, copy.deepcopy(value))


def changed(held: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The `values` that differ from `held` (the row as loaded), as copies.

    Most of a row is unchanged on most updates: writing only what changed keeps the UPDATE
    short, and copying keeps a dialog's later mutation of a list or dict out of what the
    transaction holds as loaded.
    """
    return {
        name: copy.deepcopy(value)
        for name, value in values.items()
        if getattr(held, name) != value
    }


STACK_VERSION = 2


def conversation_from_row(row: ConversationRow) -> Conversation:
    """The running flow from its columns; the flows waiting beneath it from `suspended`.

    `suspended` held one waiting flow (`{"flow", "state", "data"}`) in the first release;
    now it holds `{"v": 2, "stack": [...]}`. Both load; each flow's `data` is read by its
    own model (`state_machines.model`), which also reads the first release's dicts.
    """
    return Conversation(
        flow=row.flow,
        state=row.state,
        data=copy.deepcopy(row.data),
        seq=row.seq,
        stack=stack_from_json(row.suspended),
    )


def conversation_values(conversation: Conversation) -> dict[str, Any]:
    return {
        "flow": conversation.flow,
        "state": conversation.state,
        "data": conversation.data,
        "seq": conversation.seq,
        "suspended": stack_to_json(conversation.stack),
    }


def apply_conversation(row: ConversationRow, conversation: Conversation) -> None:
    for name, value in conversation_values(conversation).items():
        setattr(row, name, copy.deepcopy(value))


def stack_to_json(stack: list[Frame]) -> dict[str, Any] | None:
    if not stack:
        return None
    return {"v": STACK_VERSION, "stack": [copy.deepcopy(asdict(frame)) for frame in stack]}


def stack_from_json(value: dict[str, Any] | None) -> list[Frame]:
    if not value:
        return []
    if "stack" not in value:  # the first release: one suspended flow
        return [_frame(value)]
    return [_frame(frame) for frame in value["stack"]]


def _frame(value: dict[str, Any]) -> Frame:
    return Frame(
        flow=str(value["flow"]),
        state=str(value["state"]),
        data=copy.deepcopy(dict(value.get("data") or {})),
    )


def checkin_from_row(row: CheckinRow) -> CheckinRecord:
    return CheckinRecord(
        id=row.id,
        instrument_id=row.instrument_id,
        instrument_version=row.instrument_version,
        kind=CheckinKind(row.kind),
        started_at=row.started_at,
        answers=dict(row.answers),
        completed_at=row.completed_at,
        difficulty=row.difficulty,
        total=row.total,
        band=row.band,
        safety_positive=row.safety_positive,
    )


def checkin_values(record: CheckinRecord) -> dict[str, Any]:
    values = asdict(record)
    values.pop("id")
    values["kind"] = record.kind.value
    return values


def session_from_row(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        day=row.day,
        status=SessionStatus(row.status),
        planned=row.planned,
        modality=row.modality,
        minutes=row.minutes,
        exertion=row.exertion,
        mood_before=row.mood_before,
        mood_after=row.mood_after,
        note=row.note,
        logged_at=row.logged_at,
    )


def session_values(record: SessionRecord) -> dict[str, Any]:
    values = asdict(record)
    values.pop("id")
    values["status"] = record.status.value
    return values


def safety_plan_from_row(row: SafetyPlanRow | None) -> SafetyPlan:
    if row is None:
        return SafetyPlan()
    return SafetyPlan(sections=copy.deepcopy(row.sections), updated_at=row.updated_at)


def safety_plan_values(plan: SafetyPlan) -> dict[str, Any]:
    return {
        "sections": {key: list(entries) for key, entries in plan.sections.items()},
        "updated_at": plan.updated_at,
    }


def escalation_from_row(row: EscalationRow, patient_code: str) -> Escalation:
    return Escalation(
        id=row.id,
        patient_id=row.patient_id,
        patient_code=patient_code,
        trigger=EscalationTrigger(row.trigger),
        priority=Priority(row.priority),
        state=EscalationState(row.state),
        details=copy.deepcopy(row.details),
        created_at=row.created_at,
        level=row.level,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolution_note=row.resolution_note,
        patient_response=row.patient_response,
        next_action_at=row.next_action_at,
    )


def apply_escalation(row: EscalationRow, escalation: Escalation) -> None:
    """Copy the fields that change over an escalation's life; what raised it stays as is."""
    row.state = escalation.state
    row.level = escalation.level
    row.acknowledged_by = escalation.acknowledged_by
    row.acknowledged_at = escalation.acknowledged_at
    row.resolved_by = escalation.resolved_by
    row.resolved_at = escalation.resolved_at
    row.resolution_note = escalation.resolution_note
    row.patient_response = escalation.patient_response
    row.next_action_at = escalation.next_action_at


def audit_from_row(row: AuditRow) -> AuditEvent:
    return AuditEvent(
        action=row.action,
        actor=row.actor,
        subject=row.subject,
        details=copy.deepcopy(row.details),
        at=row.at,
    )
