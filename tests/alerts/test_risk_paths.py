"""Every way free text reaches Stride is screened: captions, edited messages, the words after
a command; and the crisis reply is never held back by a pause or the per-chat rate limit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram import Update

from bot.pipeline import Sender
from bot.rate_limit import SAFETY_RETRIES, StrideRateLimiter
from bot.services import Services
from bot.telegram_events import event_of
from dialogs.events import Command, Event, Unsupported

from .conftest import PATIENT

RISKY = "I want to end my life, goodbye everyone"
# A weaker warning sign (a goodbye without a method): the direct question, not yet an alert.
CONCERN = "goodbye everyone, thanks for everything"


def update(**fields: Any) -> Update:
    base = {"message_id": 1, "date": 0, "chat": {"id": PATIENT, "type": "private"}}
    key = "edited_message" if "edit_date" in fields else "message"
    return Update.de_json({"update_id": 1, key: {**base, **fields}}, None)


def test_captions_and_edits_carry_their_words_to_the_screen() -> None:
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    assert event_of(update(photo=photo, caption=RISKY), None) == Unsupported("photo", RISKY)
    edited = update(text=RISKY, edit_date=1)
    assert event_of(edited, None) == Unsupported("edited", RISKY)


@pytest.mark.parametrize(
    "event",
    [
        Unsupported("photo", RISKY),
        Unsupported("edited", RISKY),
        Command("mood", RISKY),
    ],
    ids=["caption", "edited", "command-words"],
)
async def test_risk_language_anywhere_escalates(services: Services, event: Event) -> None:
    handled = await services.pipeline.handle(Sender(PATIENT, PATIENT, "en"), event, None)
    assert len(handled.escalation_ids) == 1
    keys = [key for screen in handled.replies for key in screen.keys]
    assert "safety.ack.risk_language" in keys and "safety.team_told" in keys
    assert all(screen.urgent for screen in handled.replies if "safety.team_told" in screen.keys)


@pytest.mark.parametrize(
    "event",
    [Unsupported("photo", CONCERN), Unsupported("edited", CONCERN), Command("mood", CONCERN)],
    ids=["caption", "edited", "command-words"],
)
async def test_a_concern_anywhere_asks_the_direct_question(
    services: Services, event: Event
) -> None:
    handled = await services.pipeline.handle(Sender(PATIENT, PATIENT, "en"), event, None)
    question = [s for s in handled.replies if "concern.question" in s.keys]
    assert question and all(screen.urgent for screen in question)
    assert "understanding.fallback" not in [k for s in handled.replies for k in s.keys]


async def test_an_ordinary_photo_is_not_an_alert(services: Services) -> None:
    handled = await services.pipeline.handle(
        Sender(PATIENT, PATIENT, "en"), Unsupported("photo", "after my run today"), None
    )
    assert handled.escalation_ids == []


async def test_safety_messages_go_at_once_then_first_in_the_chat_queue() -> None:
    """A crisis burst to one chat: at once up to what Telegram tolerates, then paced (never
    a 429, whose retry_after would hold every message longer), ahead of ordinary ones."""
    limiter = StrideRateLimiter()
    calls: list[tuple[str, float]] = []
    start = time.monotonic()

    def sender(kind: str) -> Any:
        async def send(*_: Any, **__: Any) -> dict[str, Any]:
            calls.append((kind, time.monotonic() - start))
            return {}

        return send

    await limiter.initialize()
    ordinary = asyncio.create_task(
        limiter.process_request(
            sender("ordinary"), (), {}, "sendMessage", {"chat_id": PATIENT}, None
        )
    )
    await asyncio.sleep(0)
    for _ in range(5):
        await limiter.process_request(
            sender("safety"), (), {}, "sendMessage", {"chat_id": PATIENT}, SAFETY_RETRIES
        )
    await ordinary
    kinds = [kind for kind, _ in calls]
    assert kinds == ["ordinary", "safety", "safety", "safety", "safety", "safety"]
    assert [at < 0.2 for _, at in calls[:3]] == [True, True, True]  # within the burst
    assert 0.9 < calls[3][1] < 1.6  # then about one a second, each first in line
    await limiter.shutdown()
