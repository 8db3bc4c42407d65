"""The dispatcher when a dialog fails: a crisis is escalated anyway; anyone else is told
to try again, and the update is kept for inspection."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.inbox.dispatcher import MAX_ATTEMPTS
from dialogs import router
from tests.alerts.conftest import PATIENT
from tests.inbox.conftest import Rig


def broken_dialog(*_args: Any) -> Any:
    raise RuntimeError("a bug in a dialog")


async def test_a_flagged_message_is_escalated_even_when_its_dialog_fails(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "handle", broken_dialog)
    await rig.store(1, "I can't go on, I want to end my life")
    await rig.handle_next()
    async with rig.services.store.transaction() as tx:
        [escalation] = await tx.open_escalations()
        counts = await tx.inbox_counts()
    assert escalation.trigger.value == "risk_language"
    assert counts == {"failed": 1}  # kept for inspection, not retried into a second alert
    assert any("988" in text for text in await rig.bot_texts(PATIENT))


async def test_another_failing_update_is_retried_then_kept_and_the_patient_told(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "handle", broken_dialog)
    await rig.store(1, "hello")
    for _ in range(MAX_ATTEMPTS):
        await rig.handle_next()
        rig.clock.advance(dt.timedelta(minutes=1))  # past the backoff
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"failed": 1}
        assert await tx.open_escalations() == []
    assert await rig.bot_texts(PATIENT) == [
        "Sorry, something went wrong on my side. Please try that again."
    ]


async def test_a_later_message_waits_behind_one_being_retried(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "handle", broken_dialog)
    await rig.store(1, "first")
    await rig.store(2, "second")
    await rig.handle_next()  # fails once: back off
    async with rig.services.store.transaction() as tx:
        assert await tx.queue_items(PATIENT, rig.clock.now()) == []
    monkeypatch.undo()  # the bug is fixed (say, a restart with a new version)
    rig.clock.advance(dt.timedelta(minutes=1))
    await rig.handle_next()
    await rig.handle_next()
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 2}
