"""Sends due slots exactly once: decide and claim, send, mark sent.

1. `prepare`, one transaction for a batch of due slots: reload each recipient's state, ask
   `dialogs.nudges.decide` (still wanted? quiet hours? pause? daily cap?), record the slots
   that will not go (dropped, held, moved) and claim the rest (`planned` → `sending`).
   Committed before any HTTP call.
2. `send`, per slot: through `bot/sending.py` at normal priority (the per-chat limiter
   applies), paced below the overall limit (`pacing`: replies and safety messages first).
3. Mark it `sent` with Telegram's message id, in its own small transaction.

A crash between 1 and 3 leaves slots `sending`; the runner retries each once at start if still
within its grace period. That is the residual window: a message Telegram accepted just before
the crash, not yet marked, is sent a second time (never a third, never a stale one). Slots
claimed but not yet sent lose nothing: the retry is their first send.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import OperationalError
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.charts import render_chart
from bot.leases import instance_name
from bot.nudges.pacing import Pacer
from bot.nudges.serial import Transactions
from bot.sending import send_screens
from bot.services import Services
from bot.storage.nudges import StoredSlot
from bot.storage.repository import Transaction
from dialogs.digest import DigestFacts, digest_screen
from dialogs.nudges import (
    DayLoad,
    Defer,
    Send,
    Skip,
    SlotStatus,
    decide,
)
from dialogs.screens import Screen
from dialogs.state import PatientState
from dialogs.timezones import tz_for

log = logging.getLogger(__name__)

# The first send, and one retry after a crash or an unclear failure (a timeout: Telegram
# may or may not have the message).
MAX_ATTEMPTS = 2
MARK_ATTEMPTS = 4

SENT = "sent"
DROPPED = "dropped"
HELD = "held"
DEFERRED = "deferred"
RELEASED = "released"  # back to planned, to be tried again later


@dataclass(frozen=True)
class Outgoing:
    """A claimed slot and what to send for it."""

    slot: StoredSlot
    chat_id: int
    language: str
    screen: Screen


class Delivery:
    def __init__(self, services: Services, pacer: Pacer, db: Transactions | None = None) -> None:
        self.services = services
        self.pacer = pacer
        self.db: Transactions = db or services.store

    async def prepare(self, due: list[StoredSlot], outcomes: Counter[str]) -> list[Outgoing]:
        """Decide every slot of the batch and claim those to send (see the module doc).

        Read, decide, write: the deciding (plans and screens, the costly part) happens between
        two short transactions, so SQLite's single writer lock is not held during it and the
        senders' "mark sent" transactions do not wait. What changed in between is caught by
        the conditional writes: a slot claimed or moved meanwhile is left alone.
        """
        now = self.services.clock.now()
        patients = sorted({s.patient_id for s in due if s.patient_id is not None})
        async with self.db.transaction() as tx:
            states = await tx.nudge_states(patients, now)
            loads = await tx.day_loads(patients, {s.slot.day for s in due})
            wants_digest = any(s.patient_id is None for s in due)
            digest = await tx.digest_facts(now) if wants_digest else []
        outgoing: list[Outgoing] = []
        endings: list[tuple[StoredSlot, Defer | Skip]] = []
        for stored in due:  # by due time and priority: the cap sees earlier decisions
            decision = self._decide(stored, states, loads, digest, now)
            if isinstance(decision, Outgoing):
                outgoing.append(decision)
            else:
                endings.append((stored, decision))
        async with self.db.transaction() as tx:
            for stored, ending in endings:
                outcomes[await self._end(tx, stored, ending)] += 1
            claimed = await tx.claim_slots([o.slot.id for o in outgoing], now, instance_name())
        return [o for o in outgoing if o.slot.id in claimed]

    def _decide(
        self,
        stored: StoredSlot,
        states: dict[int, PatientState],
        loads: dict[tuple[int, dt.date], DayLoad],
        digest: list[DigestFacts],
        now: dt.datetime,
    ) -> Outgoing | Defer | Skip:
        content = self.services.content
        pid, slot = stored.patient_id, stored.slot
        if pid is None:
            if now - slot.due_at > content.nudges.grace:
                return Skip(SlotStatus.DROPPED, "stale")
            return self._digest(stored, digest, now)
        state = states.get(pid)
        if state is None:
            return Skip(SlotStatus.DROPPED, "no_patient")
        load = loads.get((pid, slot.day), DayLoad())
        try:
            decision = decide(slot, state, content, load)
        except Exception:  # a bug for one slot must not block the batch, ever
            log.exception("nudge %s for patient %s could not be decided", slot.key, pid)
            return Skip(SlotStatus.DROPPED, "error")
        if not isinstance(decision, Send):
            return decision
        loads[(pid, slot.day)] = load.after_sending(slot)
        return Outgoing(stored, state.patient.chat_id, state.patient.language, decision.screen)

    def _digest(self, stored: StoredSlot, facts: list[DigestFacts], now: dt.datetime) -> Outgoing:
        settings = self.services.settings
        day = now.astimezone(tz_for(settings.default_timezone)).date()
        screen = digest_screen(facts, self.services.content, now, day)
        return Outgoing(stored, stored.chat_id, settings.default_language, screen)

    async def _end(self, tx: Transaction, stored: StoredSlot, decision: Defer | Skip) -> str:
        key, patient = stored.slot.key, stored.patient_id
        if isinstance(decision, Defer):
            await tx.reschedule_slot(stored.id, decision.due_at, decision.reason)
            log.info(
                "nudge %s for patient %s moved to %s (%s)",
                key,
                patient,
                decision.due_at.isoformat(),
                decision.reason,
            )
            return DEFERRED
        await tx.end_slot(stored.id, decision.status, decision.reason)
        log.info(
            "nudge %s for patient %s %s: %s", key, patient, decision.status.value, decision.reason
        )
        return HELD if decision.status is SlotStatus.HELD else DROPPED

    async def send(self, bot: ExtBot[Any], out: Outgoing, retry_later: set[int]) -> str:
        """Send one claimed slot and mark it; failures end or release the claim.

        A released slot's id goes into `retry_later` first, so the drain that is running
        does not pick it up again at once.
        """
        slot, screen = out.slot, out.screen
        await self.pacer.wait(2 if screen.chart is not None else 1)
        attempts = slot.attempts + 1  # the claim counted this one
        try:
            messages = await send_screens(
                bot,
                out.chat_id,
                [screen],
                self.services.content.texts,
                out.language,
                chart_renderer=render_chart,
                retry=False,  # the slot's own retry rules apply (see the module doc)
            )
        except Forbidden as error:  # blocked the bot, or never started it
            return await self._finish(slot, "blocked", error)
        except BadRequest as error:  # Telegram refused it: a bug, never retried
            log.error("nudge %s to chat %s refused: %s", slot.slot.key, out.chat_id, error)
            return await self._finish(slot, "refused", error)
        except RetryAfter as error:  # certainly not delivered: again later, attempt not spent
            retry_later.add(slot.id)
            return await self.release(slot, "rate_limited", error, count_attempt=False)
        except NetworkError as error:  # a timeout or a lost connection: maybe delivered
            if attempts < MAX_ATTEMPTS:
                retry_later.add(slot.id)
                return await self.release(slot, "unclear", error, count_attempt=True)
            return await self._finish(slot, "unclear", error)
        await self._mark_sent(slot, messages[-1].message_id if messages else 0)
        return SENT

    async def _mark_sent(self, slot: StoredSlot, message_id: int) -> None:
        """Telegram has the message: a failing write is retried, or a restart would resend."""
        for attempt in range(MARK_ATTEMPTS):
            try:
                async with self.db.transaction() as tx:
                    await tx.mark_slot_sent(slot.id, message_id, self.services.clock.now())
                return
            except OperationalError as error:  # e.g. "database is locked"
                if attempt == MARK_ATTEMPTS - 1:
                    raise
                log.warning("marking nudge %s sent failed, retrying: %s", slot.slot.key, error)
                await asyncio.sleep(0.5 * 2**attempt)

    async def _finish(self, slot: StoredSlot, reason: str, error: Exception) -> str:
        log.warning(
            "nudge %s for chat %s not sent (%s): %s", slot.slot.key, slot.chat_id, reason, error
        )
        async with self.db.transaction() as tx:
            await tx.end_slot(slot.id, SlotStatus.DROPPED, reason, was=SlotStatus.SENDING)
        return DROPPED

    async def release(
        self, slot: StoredSlot, reason: str, error: Exception | None, *, count_attempt: bool
    ) -> str:
        """Back to `planned`; `count_attempt=False` gives the claim's attempt back."""
        log.warning(
            "nudge %s for chat %s will be tried again (%s): %s",
            slot.slot.key,
            slot.chat_id,
            reason,
            error,
        )
        async with self.db.transaction() as tx:
            await tx.release_slot(slot.id, reason, count_attempt=count_attempt)
        return RELEASED
