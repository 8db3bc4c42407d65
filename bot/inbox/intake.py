"""Raw update → inbox row: screened for risk, committed, and only then confirmed.

The risk screen (a pure function) runs here, on every incoming text as it is stored, so a
crisis message is flagged before any dialog sees it: the dispatcher takes flagged rows first,
whatever backlog their sender or anyone else has.

`commit` retries until the rows are committed (or Stride stops): while the database is down
nothing is confirmed to Telegram, which keeps the updates and sends them again.

One statement per batch in the usual case: Telegram's update ids only grow, so the stored
digests (which tell a redelivery from a reused id, for the log) are read only for ids at or
below the newest this process has stored (read once at the first batch). A reused id above
that (another replica stored it) is stored all the same, only without the log line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.clock import Clock
from bot.inbox.transient import backoff_seconds, is_transient
from bot.storage.repository import Store
from bot.storage.updates import InboxItem, NewUpdate
from content.clinical.risk import RiskScreen

log = logging.getLogger(__name__)

MAX_SCREENED = 10_000  # the dialogs screen the same prefix
_WORDS = ("text", "caption")


def bot_id_of(token: str) -> int:
    """A bot's id is the part of its token before the colon."""
    head = token.partition(":")[0]
    return int(head) if head.isdigit() else 0


def kind_of(payload: dict[str, Any]) -> str:
    return next((key for key in payload if key != "update_id"), "unknown")[:64]


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    body = payload.get(kind_of(payload))
    return body if isinstance(body, dict) else {}


def queue_key_of(payload: dict[str, Any]) -> int | None:
    """Whose queue: the sender (one person's updates stay in order), else the chat."""
    body = _body(payload)
    sender = body.get("from") or body.get("user")
    if isinstance(sender, dict) and isinstance(sender.get("id"), int):
        return int(sender["id"])
    chat = body.get("chat")
    if not isinstance(chat, dict):
        message = body.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        return int(chat["id"])
    return None


def words_of(payload: dict[str, Any]) -> str:
    """The free text a person wrote in this update (message, edit, caption), if any."""
    if kind_of(payload) not in ("message", "edited_message"):
        return ""
    body = _body(payload)
    return " ".join(str(body[key]) for key in _WORDS if isinstance(body.get(key), str))


def language_of(payload: dict[str, Any]) -> str | None:
    sender = _body(payload).get("from")
    code = sender.get("language_code") if isinstance(sender, dict) else None
    return code if isinstance(code, str) else None


def digest_of(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Intake:
    def __init__(self, store: Store, clock: Clock, bot_id: int, risk: RiskScreen) -> None:
        self.store = store
        self.clock = clock
        self.bot_id = bot_id
        self.risk = risk
        # Told the rows each commit stored (`Dispatcher.stored`).
        self.on_stored: Callable[[list[InboxItem]], None] | None = None
        # Who leases the rows stored, and until when (`Dispatcher.insert_lease`): on
        # PostgreSQL a free queue's row is leased by the insert itself.
        self.lease: Callable[[], tuple[str, dt.datetime] | None] | None = None
        self._newest: int | None = None  # the highest update id known stored
        self.stopping = False

    def prepare(self, payload: dict[str, Any]) -> NewUpdate:
        words = words_of(payload)
        flagged = False
        if words:
            try:
                flagged = self.risk.screen(words[:MAX_SCREENED], language_of(payload)).flagged
            except Exception:  # the screen must never stop an update from being stored
                log.exception("risk screen failed on update %s", payload.get("update_id"))
                flagged = True  # the safer choice: take it first
        update_id = payload.get("update_id")
        return NewUpdate(
            bot_id=self.bot_id,
            update_id=update_id if isinstance(update_id, int) else -1,
            digest=digest_of(payload),
            payload=payload,
            kind=kind_of(payload),
            queue_key=queue_key_of(payload),
            risk=flagged,
        )

    async def store_once(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Store the batch in one transaction; the number of new rows. Raises on failure."""
        updates = [self.prepare(p) for p in payloads]
        now = self.clock.now()
        async with self.store.statements() as tx:  # the insert is the one write
            if self._newest is None:
                newest = await tx.newest_update_id(self.bot_id)
                self._newest = -1 if newest is None else newest
            seen = [u.update_id for u in updates if u.update_id <= self._newest]
            known = await tx.stored_digests(self.bot_id, seen) if seen else {}
            lease = self.lease() if self.lease is not None else None
            stored = await tx.store_updates(updates, now, lease)
        inserted = {item.update_id for item in stored}
        self._newest = max([self._newest, *inserted])
        for u in updates:
            if u.update_id in inserted:
                if known.get(u.update_id):
                    log.warning(
                        "update id %s reused with different content (a new bot token or a "
                        "restarted Bot API server?): stored as a new update",
                        u.update_id,
                    )
                continue
            log.warning("update %s dropped: already in the inbox (redelivery)", u.update_id)
        if stored and self.on_stored is not None:
            self.on_stored(stored)
        return len(stored)

    async def commit(self, payloads: Sequence[dict[str, Any]]) -> bool:
        """Store the batch, retrying transient failures until committed; False if stopping."""
        attempt = 0
        while True:
            try:
                await self.store_once(payloads)
                if attempt:
                    log.warning("inbox writable again after %s failed attempt(s)", attempt)
                return True
            except Exception as error:
                if not is_transient(error):
                    log.error(
                        "inbox insert failed (%s); retrying: updates stay unconfirmed",
                        type(error).__name__,
                    )
                else:
                    log.warning(
                        "database unavailable (%s): updates stay unconfirmed, retrying",
                        type(error).__name__,
                    )
            if self.stopping:
                return False
            await asyncio.sleep(backoff_seconds(attempt, cap=10.0))
            attempt += 1
