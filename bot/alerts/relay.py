"""Delivers stored alerts until Telegram confirms, and chases unacknowledged ones.

The outbox row exists before any send (it is written with the answer that raised it), so a
crash or restart only delays an alert: on start the relay sends whatever is still pending at
once, whatever retry time it had. A refusal (403: the supervisor never started the bot or
blocked it) is logged loudly and moves the alert to the next level at once; other failures
retry with backoff. Each step of each escalation goes to a chat at most once (the outbox's
unique key), and every step is written to the audit log with who and when.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from telegram.error import Forbidden, TimedOut
from telegram.ext import ExtBot

from bot.alerts import claims, routing
from bot.alerts.messages import acknowledger_name, delivery_message, reader_for
from bot.care import outbox as care_outbox
from bot.care.alert_view import refresh_alert_messages
from bot.leases import instance_name
from bot.rate_limit import SAFETY_RETRIES
from bot.render import render
from bot.services import Services
from bot.storage.outbox import Delivery
from bot.storage.repository import Transaction
from dialogs import safety
from dialogs.context import DialogContext
from dialogs.records import AuditEvent, Escalation, EscalationTrigger
from dialogs.state import Outcome
from state_machines.engine import InvalidTransition
from state_machines.escalation import ESCALATION, EscalationModel, EscalationState

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 60
# A crisis reply the handler could not send is still sent later, but not days later: by then
# a supervisor has the alert and a stale crisis message would only confuse.
PATIENT_REPLY_MAX_AGE = dt.timedelta(hours=24)
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
RESOLVED = EscalationState.RESOLVED.value
ACKNOWLEDGED = EscalationState.ACKNOWLEDGED.value
UNACKNOWLEDGED = (EscalationState.OPEN.value, EscalationState.NOTIFIED.value)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, … seconds after the 1st, 2nd, 3rd failed attempt, at most a minute."""
    return dt.timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts)))


def fire(escalation: Escalation, trigger: str) -> None:
    """Move an escalation record through the lifecycle machine."""
    model = EscalationModel(EscalationState(escalation.state), escalation.level)
    ESCALATION.fire(model, trigger)
    escalation.state = model.state.value
    escalation.level = model.level


def _audit(action: str, escalation: Escalation, **details: object) -> AuditEvent:
    return AuditEvent(action, "relay", escalation.patient_code, {"id": escalation.id, **details})


class EscalationRelay:
    def __init__(self, bot: ExtBot[Any], services: Services, poll_seconds: float = 1.0) -> None:
        self.bot = bot
        self.services = services
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopped = False
        self._recovered = False
        self.name = instance_name()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def resume(self) -> None:
        """Before `run` again after a `stop` (a worker restarted)."""
        self._stopped = False

    async def run(self) -> None:
        if not self.services.settings.all_supervisor_ids:
            log.critical("NO SUPERVISORS CONFIGURED: alerts reach nobody (set SUPERVISOR_IDS)")
        woken = True
        while not self._stopped:
            self._wake.clear()  # before the tick: a wake during the tick is not lost
            try:
                await self.tick(polled=not woken)
            except Exception:  # the relay must outlive any one failure
                log.exception("escalation relay tick failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                woken = True
            except TimeoutError:
                woken = False

    async def tick(self, polled: bool = False) -> None:
        """Send what is due and move the timers on. A `polled` tick (nothing woke the relay:
        its once-a-second look for timers come due and work stored by another process)
        first asks the database whether anything is due, in one statement, and stops there
        when nothing is: an idle relay cost three transactions a second (issue 17)."""
        if not self._recovered:
            # After a crash or restart, whatever is still pending goes out at once.
            await self.deliver_due(until=FAR_FUTURE)
            await care_outbox.deliver_due(self.bot, self.services, self.name, FAR_FUTURE)
            self._recovered = True
        elif polled:
            async with self.services.store.transaction() as tx:
                if not await tx.relay_work_due(self.services.clock.now()):
                    return
        await self.advance_timers()
        await self.deliver_due()
        await care_outbox.deliver_due(self.bot, self.services, self.name)  # relayed messages

    # ------------------------------------------------------------------ delivery
    async def deliver_due(self, until: dt.datetime | None = None) -> None:
        for delivery in await self._claim_due(until):
            try:
                await self._deliver(delivery)
            except Exception as error:  # one bad delivery must not hold up the others
                log.exception("alert delivery %s failed unexpectedly", delivery.id)
                await self._retry_later(delivery, repr(error))

    async def _deliver(self, delivery: Delivery) -> None:
        store, texts = self.services.store, self.services.content.texts
        now = self.services.clock.now()
        async with store.transaction() as tx:
            escalation = await tx.escalation(delivery.escalation_id)
            if escalation is None:
                return
            history = await tx.incidents_for_patient(escalation.patient_id)
            who = await acknowledger_name(tx, escalation)
            info = await tx.incident_info(escalation.id)
            card = await tx.patient_card(escalation.patient_id)
            reader = await reader_for(tx, self.services.settings, delivery.chat_id)
        if escalation.state == RESOLVED:
            await self._drop(delivery, escalation, "resolved before delivery")
            return
        if routing.is_patient_reply(delivery.step):
            await self._deliver_patient_reply(delivery, escalation)
            return
        text, keyboard = delivery_message(
            escalation, delivery.step, info, card, history, texts, reader, now, who
        )
        if claims.may_repeat(delivery):  # the first copy may have arrived: say so
            text = f"{text}\n\n{texts.get(reader.language, 'care.alert.sent_again')}"
        try:
            message = await self.bot.send_message(
                delivery.chat_id,
                text,
                reply_markup=keyboard,
                rate_limit_args=SAFETY_RETRIES,
            )
        except Forbidden as error:
            log.critical(
                "ALERT UNDELIVERABLE to chat %s for escalation %s (%s): Telegram refused "
                "(%s). Ask them to open the bot and press Start; moving to the next level.",
                delivery.chat_id,
                escalation.id,
                escalation.patient_code,
                error,
            )
            await self._refused(delivery, str(error))
            return
        except TimedOut as error:
            await self._timed_out(delivery, str(error))
            return
        except Exception as error:  # TelegramError, a 5xx, anything: retry with backoff
            log.error(
                "alert delivery to %s failed (attempt %s), retrying: %s",
                delivery.chat_id,
                delivery.attempts + 1,
                error,
            )
            await self._retry_later(delivery, str(error))
            return
        await self._delivered(delivery, message.message_id)
        if routing.step_kind(delivery.step) is routing.StepKind.TRIGGER:
            # A trigger joined the incident: this chat's copy of the alert shows it now.
            await refresh_alert_messages(
                self.bot, self.services, escalation.id, chat_id=delivery.chat_id
            )

    # ------------------------------------------------------------------ leases
    async def _claim_due(self, until: dt.datetime | None = None) -> list[Delivery]:
        return await claims.claim_due(self.services, self.name, until)

    async def _timed_out(self, delivery: Delivery, error: str) -> None:
        if claims.retry_after_timeout(delivery):
            await self._retry_later(delivery, claims.timed_out(error))
        else:
            await self._delivered(delivery, 0)

    async def _delivered(self, delivery: Delivery, message_id: int) -> None:
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            await tx.mark_delivered(delivery.id, message_id, now)
            current = await tx.escalation(delivery.escalation_id, for_update=True)
            if current is None:
                return
            kind = routing.step_kind(delivery.step)
            patient = kind is routing.StepKind.PATIENT_REPLY
            action = "escalation.patient_replied" if patient else "escalation.delivered"
            await tx.add_audit(
                _audit(action, current, chat=delivery.chat_id, step=delivery.step), now
            )
            if current.state == EscalationState.OPEN.value and kind is routing.StepKind.ALERT:
                fire(current, "notify")
                await tx.update_escalation(current)
                await tx.add_audit(_audit("escalation.notified", current), now)

    async def _retry_later(self, delivery: Delivery, error: str) -> None:
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            await tx.mark_failed(
                delivery.id, error[:500], now + backoff(delivery.attempts), False, now
            )

    async def _drop(self, delivery: Delivery, escalation: Escalation, reason: str) -> None:
        """A delivery that must not go out any more (resolved, or a stale patient reply)."""
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            await tx.mark_failed(delivery.id, reason, None, True, now)
            await tx.add_audit(
                _audit(
                    "escalation.delivery_dropped",
                    escalation,
                    chat=delivery.chat_id,
                    step=delivery.step,
                    reason=reason,
                ),
                now,
            )

    async def _deliver_patient_reply(self, delivery: Delivery, escalation: Escalation) -> None:
        """The crisis reply the handler could not send (outage, crash): sent now instead."""
        services = self.services
        now = services.clock.now()
        if now - escalation.created_at > PATIENT_REPLY_MAX_AGE:
            await self._drop(delivery, escalation, "crisis reply too old to send")
            return
        async with services.store.transaction() as tx:
            state = await tx.load_patient_by_id(escalation.patient_id, now)
        if state is None:
            return
        ctx = DialogContext(state=state, outcome=Outcome(), deps=services.deps)
        safety.crisis_reply(ctx, EscalationTrigger(escalation.trigger))
        texts, language = services.content.texts, state.patient.language
        try:
            message_id = 0
            for screen in ctx.outcome.replies:
                rendered = render(screen, texts, language)
                for index, part in enumerate(rendered.parts):
                    last = index == len(rendered.parts) - 1
                    sent = await self.bot.send_message(
                        delivery.chat_id,
                        part,
                        reply_markup=rendered.keyboard if last else None,
                        rate_limit_args=SAFETY_RETRIES,
                    )
                    message_id = sent.message_id
        except Forbidden as error:
            log.critical(
                "CRISIS REPLY UNDELIVERABLE to patient %s (%s); supervisors have the alert",
                escalation.patient_code,
                error,
            )
            now = services.clock.now()
            async with services.store.transaction() as tx:
                await tx.mark_failed(delivery.id, str(error), None, True, now)
                await tx.add_audit(
                    _audit("escalation.patient_unreachable", escalation, error=str(error)), now
                )
            return
        except TimedOut as error:
            await self._timed_out(delivery, str(error))
            return
        except Exception as error:
            log.error(
                "crisis reply to patient %s failed, retrying: %s", escalation.patient_code, error
            )
            await self._retry_later(delivery, str(error))
            return
        await self._delivered(delivery, message_id)

    async def _refused(self, delivery: Delivery, error: str) -> None:
        """Telegram will not deliver to this chat: record it and tell the next level now."""
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            await tx.mark_failed(delivery.id, error, None, True, now)
            current = await tx.escalation(delivery.escalation_id, for_update=True)
            if current is None:
                return
            await tx.add_audit(
                _audit(
                    "escalation.delivery_refused",
                    current,
                    chat=delivery.chat_id,
                    step=delivery.step,
                    error=error,
                ),
                now,
            )
            if current.state in UNACKNOWLEDGED:
                await self._next_level_now(tx, current, now)
            elif current.state == ACKNOWLEDGED:
                await self._remind_everyone(tx, current, delivery, now)

    async def _next_level_now(
        self, tx: Transaction, escalation: Escalation, now: dt.datetime
    ) -> None:
        """Everyone the next level adds who has not been asked yet; nobody twice."""
        known = {d.chat_id for d in await tx.deliveries_for(escalation.id)}
        settings = self.services.settings
        chats = [c for c in routing.level_people(settings, escalation.level + 1) if c not in known]
        if not chats:
            log.critical(
                "escalation %s (%s): no one else to tell; everyone told is reminded at the "
                "next deadline",
                escalation.id,
                escalation.patient_code,
            )
            return
        fire(escalation, "re_escalate")
        await tx.add_deliveries(escalation.id, escalation.level, chats, now)
        await tx.update_escalation(escalation)  # the acknowledgement deadline stays as it was
        await tx.add_audit(
            _audit(
                "escalation.re_escalated",
                escalation,
                level=escalation.level,
                to=chats,
                reason="delivery refused",
            ),
            now,
        )

    async def _remind_everyone(
        self, tx: Transaction, escalation: Escalation, refused: Delivery, now: dt.datetime
    ) -> None:
        """A reminder the acknowledging supervisor cannot receive goes to every supervisor."""
        known = {
            d.chat_id for d in await tx.deliveries_for(escalation.id) if d.step == refused.step
        }
        chats = [c for c in self.services.settings.all_supervisor_ids if c not in known]
        if chats:
            await tx.add_deliveries(escalation.id, refused.step, chats, now)
            await tx.add_audit(
                _audit("escalation.reminded", escalation, to=chats, reason="delivery refused"),
                now,
            )

    # ------------------------------------------------------------------ timers
    async def advance_timers(self) -> None:
        """Re-escalate unacknowledged urgent alerts; remind about unresolved ones.

        One transaction per escalation, each re-read under a row lock: a supervisor's
        acknowledgement committed meanwhile is seen, never overwritten.
        """
        store, clock = self.services.store, self.services.clock
        async with store.transaction() as tx:
            due = [e.id for e in await tx.due_escalations(clock.now())]
        for escalation_id in due:
            try:
                async with store.transaction() as tx:
                    await self._advance(tx, escalation_id, clock.now())
            except Exception:
                log.exception("escalation %s: timer step failed", escalation_id)

    async def _advance(self, tx: Transaction, escalation_id: int, now: dt.datetime) -> None:
        escalation = await tx.escalation(escalation_id, for_update=True)
        if escalation is None or escalation.state == RESOLVED:
            return
        if escalation.next_action_at is None or escalation.next_action_at > now:
            return  # acknowledged or moved meanwhile
        settings = self.services.settings
        if routing.next_action(escalation, settings, now) is None:  # routine: never chased
            escalation.next_action_at = None
            await tx.update_escalation(escalation)
            return
        levels = len(settings.escalation_levels)
        try:
            if escalation.state in UNACKNOWLEDGED and escalation.level < levels - 1:
                await self._escalate(tx, escalation, now)
            else:
                await self._remind(tx, escalation, now)
        except InvalidTransition:
            log.exception("escalation %s in unexpected state", escalation.id)

    async def _escalate(self, tx: Transaction, escalation: Escalation, now: dt.datetime) -> None:
        """Not acknowledged in time: the next level's people get the alert, each once."""
        fire(escalation, "re_escalate")
        settings = self.services.settings
        told = await routing.told_chats(tx, escalation.id)
        chats = [c for c in routing.level_people(settings, escalation.level) if c not in told]
        await tx.add_deliveries(escalation.id, escalation.level, chats, now)
        escalation.next_action_at = routing.next_action(escalation, settings, now)
        await tx.update_escalation(escalation)
        await tx.add_audit(
            _audit(
                "escalation.re_escalated",
                escalation,
                level=escalation.level,
                to=chats,
                reason="not acknowledged in time",
            ),
            now,
        )

    async def _remind(self, tx: Transaction, escalation: Escalation, now: dt.datetime) -> None:
        """One short reminder with the buttons, at most one per incident per interval:
        to everyone told while unacknowledged; to whoever acknowledged (or handles it) after."""
        settings = self.services.settings
        info = await tx.incident_info(escalation.id)
        if info is None:
            return
        acknowledged = escalation.state == ACKNOWLEDGED
        if acknowledged:
            fire(escalation, "remind")
        chats = await routing.reminder_chats(tx, escalation, info, settings)
        info.reminders += 1
        info.reminded_at = now
        await tx.save_incident_info(info)
        await tx.add_deliveries(escalation.id, routing.REMINDER_STEP + info.reminders, chats, now)
        escalation.next_action_at = now + routing.reminder_delay(
            settings, info.reminders, acknowledged
        )
        await tx.update_escalation(escalation)
        await tx.add_audit(_audit("escalation.reminded", escalation, to=chats), now)
