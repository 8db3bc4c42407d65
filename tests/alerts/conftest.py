"""Alert tests: real storage and the real pipeline, a scriptable fake Telegram, a movable clock.

`FakeBot` stands in for python-telegram-bot's `ExtBot` where the relay needs exact control of
what Telegram answers (a 502 three times, a 403 for one chat); the supervisor tests use the
in-process Bot API emulator and a real `Application` instead (see test_supervisor.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import Forbidden, NetworkError

from bot.alerts import routing
from bot.alerts.relay import EscalationRelay
from bot.clock import ShiftedClock
from bot.config import Settings, load_settings
from bot.emulator.core import DEFAULT_TOKEN
from bot.pipeline import Handled, Sender
from bot.services import Services
from bot.storage import Store
from bot.storage.outbox import Delivery
from dialogs.events import Command
from dialogs.records import (
    AuditEvent,
    Escalation,
    EscalationRequest,
    EscalationTrigger,
    Priority,
)
from dialogs.state import Outcome

SUPERVISOR = 900001
SECOND_SUPERVISOR = 900002
BACKUP = 900003
PATIENT = 5001
PATIENT_NAME = "Zelda Quux"
ACK_SECONDS = 600
RESOLVE_SECONDS = 3600
REMIND_SECONDS = 900


def settings_for(
    database_url: str, api_url: str = "http://127.0.0.1:9/bot", **extra: str
) -> Settings:
    return load_settings(
        {
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": database_url,
            "SUPERVISOR_IDS": f"{SUPERVISOR},{SECOND_SUPERVISOR}",
            "BACKUP_SUPERVISOR_IDS": str(BACKUP),
            "ESCALATION_ACK_SECONDS": str(ACK_SECONDS),
            "ESCALATION_RESOLVE_SECONDS": str(RESOLVE_SECONDS),
            "ESCALATION_REMIND_SECONDS": str(REMIND_SECONDS),
            "DEFAULT_COUNTRY": "US",
            **extra,
        }
    )


@dataclass
class Sent:
    chat_id: int
    text: str
    reply_markup: Any
    message_id: int


@dataclass
class FakeBot:
    """Answers like Telegram would, as scripted: `refuse` → 403, `outage` → 502 for every
    send, `fail[chat]` → that many 502s for one chat first. Records what got through."""

    sent: list[Sent] = field(default_factory=list)
    refuse: set[int] = field(default_factory=set)
    fail: dict[int, int] = field(default_factory=dict)
    outage: bool = False
    attempts: int = 0

    async def send_message(
        self, chat_id: int, text: str, reply_markup: Any = None, **_: Any
    ) -> SimpleNamespace:
        self.attempts += 1
        if self.outage:
            raise NetworkError("Bad Gateway")
        if chat_id in self.refuse:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if self.fail.get(chat_id, 0) > 0:
            self.fail[chat_id] -= 1
            raise NetworkError("Bad Gateway")
        message = Sent(chat_id, text, reply_markup, len(self.sent) + 1)
        self.sent.append(message)
        return SimpleNamespace(message_id=message.message_id)

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def chats(self) -> list[int]:
        return sorted(s.chat_id for s in self.sent)


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture
def services(settings: Settings, store: Store, clock: ShiftedClock) -> Services:
    return Services.build(settings, clock, store=store)


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def relay(fake_bot: FakeBot, services: Services) -> EscalationRelay:
    return EscalationRelay(fake_bot, services)  # type: ignore[arg-type]


async def sos(
    services: Services, user_id: int = PATIENT, name: str = PATIENT_NAME, *, replied: bool = True
) -> Handled:
    """A patient sends /sos through the real pipeline: escalation + outbox in one commit.

    `replied`: the handler then sent the crisis reply itself and marked it sent, as in the
    bot; False leaves it to the relay (Telegram failed, or the process died first).
    """
    handled = await services.pipeline.handle(
        Sender(user_id, user_id, "en", name), Command("sos"), update_id=None
    )
    if replied:
        await routing.patient_reply_sent(
            services.store, services.clock, handled.escalation_ids, message_id=1
        )
    return handled


async def routine_flag(services: Services, user_id: int = PATIENT) -> int:
    """A routine flag (severe PHQ-9 total), stored and queued as the pipeline does."""
    sender = Sender(user_id, user_id, "en", PATIENT_NAME)
    await services.pipeline.handle(sender, Command("help"), None)
    now = services.clock.now()
    request = EscalationRequest(
        EscalationTrigger.SEVERE_SCORE, Priority.ROUTINE, {"phq9_total": 22, "band": "severe"}
    )
    async with services.store.transaction() as tx:
        state = await tx.load_patient(user_id, now)
        assert state is not None
        [escalation_id] = await tx.save(state, Outcome(escalations=[request]), now)
        await routing.open_escalations(tx, [escalation_id], services.settings, now)
    return escalation_id


async def escalation_of(services: Services, escalation_id: int) -> Escalation:
    async with services.store.transaction() as tx:
        found = await tx.escalation(escalation_id)
    assert found is not None
    return found


async def deliveries_of(services: Services, escalation_id: int) -> list[Delivery]:
    async with services.store.transaction() as tx:
        return await tx.deliveries_for(escalation_id)


async def audit_of(services: Services, code: str) -> list[AuditEvent]:
    async with services.store.transaction() as tx:
        return await tx.audit_events(code)


def later(clock: ShiftedClock, seconds: float) -> None:
    clock.advance(dt.timedelta(seconds=seconds))
