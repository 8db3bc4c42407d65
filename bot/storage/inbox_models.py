"""ORM model of the durable inbox (migration 0004), on the same metadata as `models.py`.

Every raw Telegram update is written here, and committed, before Telegram is told it was
received (the getUpdates offset moves, or the webhook answers 200), so a crash, a database
outage or a failing dialog can delay an update but never lose it.

- The unique (bot_id, update_id, digest) makes storing idempotent per bot: a redelivery of
  the same update is recognised, while a *new* update that reuses an id (a new bot token, a
  restarted Bot API server numbering from the start again) differs in its digest and is kept.
- `queue_key` is whose queue the update joins (the sender's user id, else the chat id):
  one patient's updates are processed in order, patients among themselves in parallel.
- `risk` is the risk screen's verdict on the update's words, taken as it is stored: flagged
  updates jump every queue, so a crisis is escalated even behind a backlog.
- `status`: pending → done (in the update's own transaction), or failed (kept for
  inspection; the patient was told to try again), poison (unreadable), coalesced (a press
  superseded by a later press on the same message).
- `replies` (migration 0011): the rendered replies the update owes its sender, written by the
  statement that marks the row done; `replies_state` 'pending' until they are known to be
  sent ('sent'), so a crash between the commit and the send delays them instead of losing
  them (`bot.inbox.replies`). The lease columns then guard the send.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

INBOX_STATUSES = ("pending", "done", "failed", "poison", "coalesced")


class InboxRow(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("bot_id", "update_id", "digest"),
        Index(None, "status", "risk", "id"),
        Index(None, "queue_key", "status", "id"),
        Index(None, "received_at"),
        Index(None, "replies_state", "id"),
        CheckConstraint(
            "status IN ('pending', 'done', 'failed', 'poison', 'coalesced')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    kind: Mapped[str] = mapped_column(String(64))
    queue_key: Mapped[int | None] = mapped_column(BigInteger)
    risk: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime]
    processed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    replies: Mapped[dict[str, Any] | None]
    replies_state: Mapped[str | None] = mapped_column(String(8))
