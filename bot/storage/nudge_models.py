"""ORM models of the nudge schedule (migration 0002), on the same metadata as `models.py`.

The database is the schedule's source of truth; the in-process scheduler only ticks.

- `nudge_slots`: one row per message a recipient is meant to get. The unique
  (chat_id, slot_key) makes planning idempotent: planning the same day twice, or two
  processes planning at once, can never create a second `session:2026-11-30` for a chat.
  Patients' nudges carry `patient_id` (erasing a patient erases them); the supervisors'
  digest has none (its recipient is a supervisor). `rank` orders nudges due at the same
  minute by priority; `day` is the recipient's local day, for the daily cap.
- `nudge_horizons`: per patient, until when slots are planned, so a tick re-plans only the
  patients whose local day has rolled over instead of all of them every minute.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

SLOT_STATUSES = ("planned", "sending", "sent", "dropped", "held")


class NudgeSlotRow(Base):
    __tablename__ = "nudge_slots"
    __table_args__ = (
        UniqueConstraint("chat_id", "slot_key"),
        Index(None, "status", "due_at"),
        Index(None, "patient_id", "day"),
        CheckConstraint(
            "status IN ('planned', 'sending', 'sent', 'dropped', 'held')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    slot_key: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date]
    due_at: Mapped[dt.datetime]
    rank: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    variant: Mapped[int]
    attempts: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None]
    # The lease (migration 0004): who is sending the slot and until when. A restarting or
    # second process recovers a `sending` slot only once its lease ran out.
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime]


class NudgeHorizonRow(Base):
    __tablename__ = "nudge_horizons"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    planned_until: Mapped[dt.datetime] = mapped_column(index=True)
    planned_at: Mapped[dt.datetime]
