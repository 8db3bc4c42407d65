"""The inbox row being handled, visible to the handlers it runs (a context variable).

The dispatcher calls `Application.process_update` inside the row's context; the patient
pipeline (and the group commands) claim the row in their own transaction with `claim`, so
"handled" and the handler's effects commit together or not at all. The replies the update
owes are written by the same statement (`replies`), so they survive a crash after the commit
(`bot.inbox.replies` sends what was stored but never sent).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.storage.repository import Transaction

log = logging.getLogger(__name__)


@dataclass
class Handling:
    """One inbox row on its way through the handlers; the error a handler raised, if any."""

    item_id: int
    update_id: int
    risk: bool
    error: BaseException | None = None
    # Set by the private-chat handler before the pipeline runs: where replies go, and the
    # pressed message a screen may edit. Only then are the replies stored with the row.
    reply_chat: int | None = None
    pressed_message_id: int | None = None
    replies_stored: bool = False
    finished: bool = False  # a handler's committed transaction marked the row done
    # Gives the row's processing slot back (`Dispatcher`): called by a handler once its
    # transaction committed, so the slot is not held while its replies wait for Telegram.
    slot_back: Callable[[], None] | None = None

    def mark_finished(self) -> None:
        self.finished = True

    def give_slot_back(self) -> None:
        """The handler's database work is done; what is left is sending. Another row may
        be handled meanwhile (the queue's next row still waits for this one's replies)."""
        if self.slot_back is not None:
            self.slot_back()


CURRENT: contextvars.ContextVar[Handling | None] = contextvars.ContextVar(
    "stride_inbox_row", default=None
)


def current() -> Handling | None:
    return CURRENT.get()


async def claim(
    tx: Transaction,
    update_id: int | None,
    now: dt.datetime,
    replies: dict[str, Any] | None = None,
    lease: tuple[str, dt.datetime] | None = None,
) -> bool:
    """True if this transaction is the one that handles the update (exactly once).

    Inside the dispatcher this marks the inbox row done in `tx`, storing `replies` (leased
    to `lease` = (holder, until) while the handler sends them) in the same statement;
    outside it (tests, tools) the update id is claimed. A duplicate is logged loudly, never
    dropped silently.
    """
    handling = CURRENT.get()
    if handling is not None:
        if await tx.finish_inbox_item(handling.item_id, now, replies=replies, lease=lease):
            handling.replies_stored = replies is not None
            tx.after_commit.append(handling.mark_finished)
            return True
        log.warning(
            "update %s (inbox row %s) dropped: already handled",
            handling.update_id,
            handling.item_id,
        )
        return False
    if update_id is None:
        return True
    return await tx.claim_update(update_id, now)


def record_error(error: BaseException | None) -> None:
    """Called by the Application's error handler: the dispatcher decides what happens next."""
    handling = CURRENT.get()
    if handling is not None and error is not None:
        handling.error = error
