"""ORM models: the tables behind the plain records of `dialogs.records`.

Nothing outside `bot/storage/` sees these classes; `convert.py` turns rows into records.
Rows are suffixed `Row` so they are never mistaken for the records of the same name.

Choices that matter:
- the naming convention makes Alembic name every constraint and index deterministically,
  so migrations written today can drop or alter them by name later;
- datetimes are `UTCDateTime` (aware in, aware out), dates are plain dates (local days);
- lists and dicts that are read and written whole are JSON, never side tables;
- ids are `Integer` (SQLite only auto-increments an `INTEGER PRIMARY KEY`), Telegram ids are
  `BigInteger` (they exceed 2**31);
- children of a patient cascade on delete, so erasing a patient erases their data. The audit
  log refers to patients by code (text), so erasure leaves the trail of who did what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.columns import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_JSON = JSON(none_as_null=True)  # Python None is SQL NULL, not the JSON text 'null'


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UTCDateTime(),
        dt.date: Date(),
        dict[str, Any]: _JSON,
        dict[str, bool]: _JSON,
        dict[str, int]: _JSON,
        dict[str, list[str]]: _JSON,
        list[str]: _JSON,
        list[int]: _JSON,
    }


def _patient_fk(*, primary_key: bool = False) -> Mapped[int]:
    return mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"),
        primary_key=primary_key,
        index=not primary_key,
    )


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    journey: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    paused_until: Mapped[dt.date | None]
    display_name: Mapped[str | None] = mapped_column(Text)
    # The care team's side (migration 0006): only what the clinic chose to put on the invite.
    clinic_ref: Mapped[str | None] = mapped_column(String(64))
    clinician_id: Mapped[int | None] = mapped_column(BigInteger)
    phone: Mapped[str | None] = mapped_column(String(32))
    # Discharge (0006) and withdrawal (0007): set once, never cleared by `save`.
    discharged_at: Mapped[dt.datetime | None]
    consent_withdrawn_at: Mapped[dt.datetime | None]


class ProfileRow(Base):
    __tablename__ = "profiles"

    patient_id: Mapped[int] = _patient_fk(primary_key=True)
    age: Mapped[int | None]
    resting_hr: Mapped[int | None]
    resting_hr_unknown: Mapped[bool]
    beta_blockers: Mapped[bool | None]
    activity_level: Mapped[str | None] = mapped_column(String(64))
    preferred_modalities: Mapped[list[str]]
    conditions: Mapped[list[str]]
    values_text: Mapped[str | None] = mapped_column(Text)
    barriers: Mapped[list[str]]
    training_days: Mapped[list[int]]
    preferred_time: Mapped[str | None] = mapped_column(String(16))
    readiness_answers: Mapped[dict[str, bool]]
    programme_start: Mapped[dt.date | None]
    phase_id: Mapped[int]
    phase_started: Mapped[dt.date | None]
    hrmax_formula: Mapped[str | None] = mapped_column(String(64))
    low_energy: Mapped[bool]
    quiet_start: Mapped[str] = mapped_column(String(16))
    quiet_end: Mapped[str] = mapped_column(String(16))
    share_name_in_groups: Mapped[bool]
    celebrate_in_groups: Mapped[bool]
    start_step: Mapped[bool | None]
    medical_clearance_at: Mapped[dt.datetime | None]
    medical_clearance_by: Mapped[str | None] = mapped_column(String(64))
    treatment_resistant: Mapped[bool]
    safety_flag_at: Mapped[dt.datetime | None]
    # Supervisor-made (migration 0006; each also in plan_adjustments).
    phase_held: Mapped[bool] = mapped_column(default=False, server_default="0")
    extra_day_week: Mapped[dt.date | None]
    # The opt-in daily mood check and its latest low-mood offer (migration 0009).
    mood_check_time: Mapped[str | None] = mapped_column(String(16))
    mood_offer_at: Mapped[dt.datetime | None]


class ConversationRow(Base):
    __tablename__ = "conversations"

    patient_id: Mapped[int] = _patient_fk(primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    seq: Mapped[int]
    suspended: Mapped[dict[str, Any] | None]
    updated_at: Mapped[dt.datetime]


class ConsentRow(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    what: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[dt.datetime]


class CheckinRow(Base):
    __tablename__ = "checkins"
    __table_args__ = (Index(None, "patient_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, int]]
    difficulty: Mapped[int | None]
    total: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(64))
    safety_positive: Mapped[bool]
    started_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]


class SessionRow(Base):
    """One exercise session (planned or logged) — not a database session."""

    __tablename__ = "sessions"
    __table_args__ = (Index(None, "patient_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    day: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(32))
    planned: Mapped[bool]
    modality: Mapped[str | None] = mapped_column(String(64))
    minutes: Mapped[int | None]
    exertion: Mapped[int | None]
    mood_before: Mapped[int | None]
    mood_after: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    logged_at: Mapped[dt.datetime | None]


class MoodRow(Base):
    __tablename__ = "moods"
    __table_args__ = (Index(None, "patient_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime]
    score: Mapped[int]


class BarrierPlanRow(Base):
    __tablename__ = "barrier_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    barrier: Mapped[str] = mapped_column(String(64))
    script: Mapped[str] = mapped_column(Text)
    what: Mapped[str] = mapped_column(Text)
    when: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class SafetyPlanRow(Base):
    __tablename__ = "safety_plans"

    patient_id: Mapped[int] = _patient_fk(primary_key=True)
    sections: Mapped[dict[str, list[str]]]
    updated_at: Mapped[dt.datetime | None]


class AuditRow(Base):
    """Append-only: storage offers no way to update or delete these rows."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "subject", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any]]


class EscalationRow(Base):
    __tablename__ = "escalations"
    __table_args__ = (Index(None, "state", "next_action_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    trigger: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    level: Mapped[int]
    acknowledged_by: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_at: Mapped[dt.datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)
    patient_response: Mapped[str | None] = mapped_column(Text)
    next_action_at: Mapped[dt.datetime | None]
    # Incidents (migration 0006): a trigger raised while its patient already had an open
    # incident points at that incident's first escalation and is never chased on its own.
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str | None] = mapped_column(String(32))
    reminders: Mapped[int] = mapped_column(default=0, server_default="0")
    reminded_at: Mapped[dt.datetime | None]
    handler_id: Mapped[int | None] = mapped_column(BigInteger)
    # Supervisor id (text) -> how many triggers the incident had when they last saw it.
    seen: Mapped[dict[str, int] | None]


class DeliveryRow(Base):
    """The outbox: one alert message to one chat for one escalation step.

    The unique (escalation_id, step, chat_id) makes scheduling a step idempotent, so a
    retried job or a restart can never deliver the same step twice to a chat.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("escalation_id", "step", "chat_id"),
        Index(None, "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    step: Mapped[int]
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    # The lease of the relay sending it now (migration 0004): another process skips the row
    # until `claimed_until`, so two relays never send one alert twice.
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None]


class ErasureTombstoneRow(Base):
    """What is left of a patient who asked to be forgotten: code, dates, why anything was kept.

    Pseudonymous by construction: the code is Stride's own random code, never a name or a
    Telegram id. `kept` says what stayed and why (e.g. safety incidents kept, pseudonymous, as
    the care team's clinical safety record).
    """

    __tablename__ = "erasure_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_code: Mapped[str] = mapped_column(String(16), unique=True)
    enrolled_at: Mapped[dt.datetime]
    erased_at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(String(64))
    kept: Mapped[dict[str, Any]]


class ProcessedUpdateRow(Base):
    """Telegram update ids already applied; claimed in the same transaction as their effect."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(index=True)
