"""Ordinary replies survive a crash between the commit and the send: stored with the inbox
row, sent after the restart once (not twice, not never), in order per chat."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import handlers, pipeline, sending
from bot.inbox import current as inbox_current
from bot.inbox import replies
from bot.inbox.serve import release_dead_leases, send_unsent_replies
from bot.leases import instance_name
from bot.pipeline import Sender
from bot.render import Rendered, render
from bot.storage.inbox_models import InboxRow
from dialogs.events import Command
from dialogs.screens import Screen
from tests.alerts.conftest import PATIENT
from tests.inbox.conftest import Rig
from tests.storage.test_statement_budget import counted


class Killed(Exception):
    """The process died right after the commit, before any reply went out."""


async def killed_before_sending(*_args: object, **_kwargs: object) -> None:
    raise Killed


async def reply_states(rig: Rig) -> list[str | None]:
    async with rig.services.store.transaction() as tx:
        rows = await tx._session.scalars(select(InboxRow).order_by(InboxRow.id))
        return [row.replies_state for row in rows]


async def test_a_reply_cut_off_after_the_commit_arrives_once_after_the_restart(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers, "send_screens", killed_before_sending)
    await rig.store(1, "/help")
    await rig.handle_next()
    assert await rig.bot_texts(PATIENT) == []  # committed, nothing sent
    assert await reply_states(rig) == ["pending"]
    monkeypatch.undo()

    # The dead process's lease on the replies runs out (a restart on this host releases it
    # at once: `release_dead_leases`); the start-up sweep sends them.
    assert await replies.sweep(rig.services, rig.app.bot) == 0  # still leased: left alone
    rig.clock.advance(replies.REPLY_LEASE)
    assert await replies.sweep(rig.services, rig.app.bot) == 1
    assert await replies.sweep(rig.services, rig.app.bot) == 0  # at most once more
    texts = await rig.bot_texts(PATIENT)
    assert len(texts) == 1
    assert "/today" in texts[0]
    assert await reply_states(rig) == ["sent"]


async def test_replies_sent_by_the_handler_are_marked_and_never_sent_again(rig: Rig) -> None:
    await rig.store(1, "/help")
    await rig.handle_next()
    assert await reply_states(rig) == ["sent"]
    rig.clock.advance(replies.REPLY_LEASE)
    assert await replies.sweep(rig.services, rig.app.bot) == 0
    assert len(await rig.bot_texts(PATIENT)) == 1


async def test_the_handler_sends_the_replies_as_rendered_for_the_row_rendering_each_once(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rendered once (issue 17): what the row stores is what the handler sends."""
    rendered: list[str] = []

    def counting(screen: Screen, *args: Any, **kwargs: Any) -> Rendered:
        rendered.append(screen.keys[0])
        return render(screen, *args, **kwargs)

    monkeypatch.setattr(pipeline, "render", counting)
    monkeypatch.setattr(sending, "render", counting)
    await rig.store(1, "/help")
    await rig.handle_next()
    assert rendered and len(rendered) == len(set(rendered)), rendered
    async with rig.services.store.transaction() as tx:
        [row] = await tx._session.scalars(select(InboxRow))
    stored = [part for message in row.replies["messages"] for part in message["parts"]]
    assert await rig.bot_texts(PATIENT) == stored


async def test_an_old_reply_is_dropped_once_a_later_update_was_answered(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers, "send_screens", killed_before_sending)
    await rig.store(1, "/help")
    await rig.handle_next()
    monkeypatch.undo()
    await rig.store(2, "/help")  # answered by a live process on another host meanwhile
    await rig.handle_next()
    rig.clock.advance(replies.REPLY_LEASE)
    assert await replies.sweep(rig.services, rig.app.bot) == 1
    assert await reply_states(rig) == ["dropped", "sent"]
    assert len(await rig.bot_texts(PATIENT)) == 1  # never an old answer after a newer one


async def test_a_stored_reply_that_cannot_be_sent_again_is_dropped_not_retried_forever(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handlers, "send_screens", killed_before_sending)
    await rig.store(1, "/help")
    await rig.handle_next()

    async def blocked(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Forbidden: bot was blocked by the user")

    monkeypatch.setattr(replies, "send_stored", blocked)
    rig.clock.advance(replies.REPLY_LEASE)
    assert await replies.sweep(rig.services, rig.app.bot) == 1
    assert await reply_states(rig) == ["dropped"]
    rig.clock.advance(replies.REPLY_LEASE)
    assert await replies.sweep(rig.services, rig.app.bot) == 0


async def test_a_restart_sends_a_crashed_process_s_replies_at_once_and_once(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start-up path of `serve` (and the sandbox): the dead process's lease is released
    at once, and its replies go out before the dispatcher handles anything new."""
    monkeypatch.setattr(handlers, "send_screens", killed_before_sending)
    await rig.store(1, "/help")
    await rig.handle_next()
    monkeypatch.undo()
    instance_name.cache_clear()  # the restarted process: a new lease holder on this host
    try:
        await release_dead_leases(rig.services)
        await send_unsent_replies(rig.services, rig.app)
        await send_unsent_replies(rig.services, rig.app)  # a second start sends nothing
    finally:
        instance_name.cache_clear()
    assert len(await rig.bot_texts(PATIENT)) == 1
    assert await reply_states(rig) == ["sent"]


async def test_storing_the_replies_costs_no_sql_statement(rig: Rig) -> None:
    """The claim that marks the row done carries the replies (issue 17's budget holds)."""
    sender = Sender(PATIENT, PATIENT, "en", "Zelda")
    await rig.services.pipeline.handle(sender, Command("help"), None)  # the patient exists
    await rig.store(1, "/help")
    await rig.store(2, "/help")
    async with rig.services.store.transaction() as tx:
        first, second = await tx.queue_items(PATIENT, rig.clock.now())
    costs = []
    for item, chat in ((first, PATIENT), (second, None)):
        handling = inbox_current.Handling(item.id, item.update_id, item.risk, reply_chat=chat)
        token = inbox_current.CURRENT.set(handling)
        try:
            with counted(rig.services.store) as statements:
                await rig.services.pipeline.handle(sender, Command("help"), item.update_id)
        finally:
            inbox_current.CURRENT.reset(token)
        costs.append(len(statements))
    assert costs[0] == costs[1], costs  # with the replies stored, and without
    assert await reply_states(rig) == ["pending", None]


@pytest.mark.parametrize(
    "markup",
    [
        InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="o:1")]]),
        ReplyKeyboardMarkup([[KeyboardButton("Share", request_contact=True)]]),
        ReplyKeyboardRemove(),
    ],
    ids=["inline", "contact-button", "remove"],
)
def test_a_stored_reply_keeps_its_kind_of_keyboard(
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove,
) -> None:
    # The phone question's contact button must not come back as inline buttons (or vanish).
    restored = replies.stored_markup(markup.to_dict(), None)  # type: ignore[arg-type]
    assert type(restored) is type(markup)
    assert restored is not None and restored.to_dict() == markup.to_dict()
