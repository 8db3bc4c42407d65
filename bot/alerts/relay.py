"""Delivers stored alerts until Telegram confirms, and chases unacknowledged ones.

The outbox row exists before any send (it is written with the answer that raised it), so a
crash or restart only delays an alert: on start the relay sends whatever is still pending.
A refusal (403: the supervisor never started the bot or blocked it) is logged loudly and
moves the alert to the next level at once; other failures retry with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from telegram.ext import ExtBot
from telegram.error import Forbidden, TelegramError

from bot.alerts import routing
from bot.alerts.messages import alert_keyboard, alert_text
from bot.rate_limit import SAFETY_RETRIES
from bot.services import Services
from bot.storage.outbox import Delivery
from bot.storage.repository import Transaction
from dialogs.records import AuditEvent, Escalation, Priority
from state_machines.engine import InvalidTransition
from state_machines.escalation import ESCALATION, EscalationModel, EscalationState

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 60


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts)))


def fire(escalation: Escalation, trigger: str) -> None:
    """Move an escalation record through the lifecycle machine."""
    model = EscalationModel(EscalationState(escalation.state), escalation.level)
    ESCALATION.fire(model, trigger)
    escalation.state = model.state.value
    escalation.level = model.level


class EscalationRelay:
    def __init__(self, bot: ExtBot[Any], services: Services, poll_seconds: float = 1.0) -> None:
        self.bot = bot
        self.services = services
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopped = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopped:
            try:
                await self.tick()
            except Exception:  # the relay must outlive any one failure
                log.exception("escalation relay tick failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def tick(self) -> None:
        await self.advance_timers()
        await self.deliver_due()

    async def deliver_due(self) -> None:
        store, clock = self.services.store, self.services.clock
        async with store.transaction() as tx:
            due = await tx.due_deliveries(clock.now())
        for delivery in due:
            await self._deliver(delivery)

    async def _deliver(self, delivery: Delivery) -> None:
        store, clock, texts = self.services.store, self.services.clock, self.services.content.texts
        async with store.transaction() as tx:
            escalation = await tx.escalation(delivery.escalation_id)
            if escalation is None:
                return
            history = await tx.escalations_for_patient(escalation.patient_id)
        text = alert_text(escalation, delivery.step, history, texts)
        try:
            message = await self.bot.send_message(
                delivery.chat_id,
                text,
                reply_markup=alert_keyboard(escalation, texts),
                rate_limit_args=SAFETY_RETRIES,
            )
        except Forbidden as error:
            log.error(
                "ALERT UNDELIVERABLE to %s for escalation %s: %s — moving to next level",
                delivery.chat_id,
                escalation.id,
                error,
            )
            await self._refused(delivery, escalation, str(error))
            return
        except TelegramError as error:
            log.warning(
                "alert delivery to %s failed (attempt %s): %s",
                delivery.chat_id,
                delivery.attempts + 1,
                error,
            )
            now = clock.now()
            async with store.transaction() as tx:
                await tx.mark_failed(
                    delivery.id,
                    str(error),
                    now + backoff(delivery.attempts),
                    permanent=False,
                    now=now,
                )
            return
        now = clock.now()
        async with store.transaction() as tx:
            await tx.mark_delivered(delivery.id, message.message_id, now)
            current = await tx.escalation(escalation.id)
            if current is not None and current.state == EscalationState.OPEN.value:
                fire(current, "notify")
                await tx.update_escalation(current)
                await tx.add_audit(
                    AuditEvent(
                        "escalation.notified", "relay", current.patient_code, {"id": current.id}
                    ),
                    now,
                )

    async def _refused(self, delivery: Delivery, escalation: Escalation, error: str) -> None:
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            await tx.mark_failed(delivery.id, error, now, permanent=True, now=now)
            await tx.add_audit(
                AuditEvent(
                    "escalation.delivery_refused",
                    "relay",
                    escalation.patient_code,
                    {"id": escalation.id, "chat": delivery.chat_id},
                ),
                now,
            )
            current = await tx.escalation(escalation.id)
            if current is not None and current.state in ("open", "notified"):
                await self._escalate(tx, current, now, exclude=frozenset({delivery.chat_id}))

    async def _escalate(
        self,
        tx: Transaction,
        escalation: Escalation,
        now: dt.datetime,
        exclude: frozenset[int] = frozenset(),
    ) -> None:
        fire(escalation, "re_escalate")
        refused = {
            d.chat_id for d in await tx.deliveries_for(escalation.id) if d.status == "failed"
        } | exclude
        chats = [
            c
            for c in routing.recipients(self.services.settings, escalation.level)
            if c not in refused
        ]
        await tx.add_deliveries(escalation.id, escalation.level, chats, now)
        escalation.next_action_at = routing.next_action(escalation, self.services.settings, now)
        await tx.update_escalation(escalation)
        await tx.add_audit(
            AuditEvent(
                "escalation.re_escalated",
                "relay",
                escalation.patient_code,
                {"id": escalation.id, "level": escalation.level},
            ),
            now,
        )

    async def advance_timers(self) -> None:
        """Re-escalate unacknowledged urgent alerts; remind about unresolved ones."""
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            for escalation in await tx.due_escalations(now):
                if escalation.priority is not Priority.URGENT:
                    escalation.next_action_at = None
                    await tx.update_escalation(escalation)
                    continue
                try:
                    if escalation.state in ("open", "notified"):
                        await self._escalate(tx, escalation, now)
                    elif escalation.state == "acknowledged":
                        await self._remind(tx, escalation, now)
                except InvalidTransition:
                    log.exception("escalation %s in unexpected state", escalation.id)

    async def _remind(self, tx: Transaction, escalation: Escalation, now: dt.datetime) -> None:
        fire(escalation, "remind")
        escalation.level += 1
        chats = [escalation.acknowledged_by] if escalation.acknowledged_by else []
        if self.services.settings.supervisor_chat_id is not None:
            chats.append(self.services.settings.supervisor_chat_id)
        await tx.add_deliveries(escalation.id, escalation.level, chats, now)
        escalation.next_action_at = routing.next_action(escalation, self.services.settings, now)
        await tx.update_escalation(escalation)
        await tx.add_audit(
            AuditEvent(
                "escalation.reminded", "relay", escalation.patient_code, {"id": escalation.id}
            ),
            now,
        )
