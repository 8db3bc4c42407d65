"""ORM models of the care team's side (migration 0006), on the same metadata as `models.py`.

- `invites`: single-use, expiring enrolment invitations. `code` is the deep-link payload
  (`t.me/<bot>?start=<code>`); `clinic_ref` is whatever the clinic chose to write, and all
  the identity Stride will ever hold about the person.
- `care_sessions`: what a supervisor's *next* message means (a note for a resolution, or a
  message to relay to a patient). One row per supervisor; written with the button press, so
  a restart between the press and the message loses nothing.
- `plan_adjustments`: every supervisor-made change to a patient's plan, with its reason.
  The fields the dose rules read live on the profile/patient rows; this is the record of who
  changed them, when and why.
- `supervisors`: each supervisor's language, time zone and name as last seen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class InviteRow(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    clinic_ref: Mapped[str] = mapped_column(String(64))
    clinician_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="SET NULL"), index=True
    )


class CareSessionRow(Base):
    __tablename__ = "care_sessions"

    supervisor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE")
    )
    outcome: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime]


class PlanAdjustmentRow(Base):
    __tablename__ = "plan_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime]


class SupervisorRow(Base):
    __tablename__ = "supervisors"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]


class CareMessageRow(Base):
    """The relay's outbox for a supervisor's message to a patient (migration 0010), and for
    the patient's replies back to that supervisor (0012).

    Written in the transaction that audits the message, before any send; the escalation
    relay delivers it (same loop, leases and retry rules as the alert outbox), so a crash
    between the commit and the send only delays it, and a lease keeps it to one sender.
    """

    __tablename__ = "care_messages"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Who sent it: told when it reaches the patient, or when it cannot. For a patient's
    # reply (`to_supervisor`, migration 0012): the supervisor it goes to (`chat_id` too).
    supervisor_id: Mapped[int] = mapped_column(BigInteger)
    to_supervisor: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[dt.datetime | None]
    last_attempt_at: Mapped[dt.datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None]
