"""ORM models of peer groups (migration 0003), on the same metadata as `models.py`.

- `groups`: one row per group chat Stride was added to. `chat_id` moves when a group becomes
  a supergroup; memberships hang on `id`, so they move with it. `goal_minutes` NULL means the
  default goal (the members' weekly targets). `kickoff_week`, `goal_week` (Mondays) and
  `last_celebration_at` make the weekly kick-off, the goal celebration and the ten-minute
  celebration batch idempotent across restarts: the database holds the schedule.
- `group_memberships`: who counts on which board, and the name they would be shown under
  (shown only while their profile says so).
- `group_activity`: sessions logged by members and not yet celebrated, written in the same
  transaction as the session itself; the group runner takes and deletes them.

Nothing clinical is stored here: no session details beyond the fact that one was logged.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class GroupRow(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    goal_minutes: Mapped[int | None]
    active: Mapped[bool]
    created_at: Mapped[dt.datetime]
    kickoff_week: Mapped[dt.date | None]
    goal_week: Mapped[dt.date | None]
    last_celebration_at: Mapped[dt.datetime | None]


class GroupMembershipRow(Base):
    __tablename__ = "group_memberships"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[dt.datetime]
    display_name: Mapped[str | None] = mapped_column(Text)


class GroupActivityRow(Base):
    __tablename__ = "group_activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime]
