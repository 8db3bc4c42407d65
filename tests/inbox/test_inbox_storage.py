"""The inbox table: idempotent per bot, a reused id kept, per-queue order, exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from bot.inbox import current
from bot.inbox.intake import Intake
from bot.storage import Store
from bot.storage.updates import InboxItem
from content.clinical.risk import shipped_risk_screen
from tests.inbox.conftest import private_text

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
BOT = 123456789


class FixedClock:
    def __init__(self, now: dt.datetime) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now


def message(update_id: int, user: int, text: str, message_id: int = 1) -> dict[str, Any]:
    payload = private_text(user, update_id, text)
    payload["message"]["message_id"] = message_id
    return payload


def press(update_id: int, user: int, message_id: int, data: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{update_id}",
            "from": {"id": user, "is_bot": False, "first_name": "P"},
            "chat_instance": "x",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": user, "type": "private"},
            },
        },
    }


@pytest.fixture
def intake(store: Store) -> Intake:
    return Intake(store, FixedClock(NOW), BOT, shipped_risk_screen())


async def items(store: Store, key: int) -> list[InboxItem]:
    async with store.transaction() as tx:
        return await tx.queue_items(key, NOW)


async def test_a_redelivery_is_stored_once_and_logged(
    intake: Intake, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    assert await intake.store_once([message(1, 5, "hello")]) == 1
    with caplog.at_level(logging.WARNING):
        assert await intake.store_once([message(1, 5, "hello")]) == 0
    assert "update 1 dropped: already in the inbox" in caplog.text
    assert [i.update_id for i in await items(store, 5)] == [1]


async def test_a_reused_id_with_new_content_is_a_new_update(
    intake: Intake, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A new bot token or a restarted Bot API server numbers from the start again."""
    await intake.store_once([message(100001, 5, "hello")])
    with caplog.at_level(logging.WARNING):
        assert await intake.store_once([message(100001, 5, "/help")]) == 1
    assert "reused with different content" in caplog.text
    assert [i.payload["message"]["text"] for i in await items(store, 5)] == ["hello", "/help"]
    other_bot = Intake(store, FixedClock(NOW), BOT + 1, shipped_risk_screen())
    assert await other_bot.store_once([message(100001, 5, "hello")]) == 1  # scoped per bot


async def test_risk_is_screened_at_intake_and_jumps_the_queue(
    intake: Intake, store: Store
) -> None:
    await intake.store_once(
        [message(1, 5, "hi"), message(2, 5, "ok"), message(3, 5, "I want to end my life")]
    )
    await intake.store_once([message(4, 6, "hello")])
    queue = await items(store, 5)
    assert [(i.update_id, i.risk) for i in queue] == [(3, True), (1, False), (2, False)]
    async with store.transaction() as tx:
        assert await tx.ready_queues(NOW) == [(5, True), (6, False)]


async def test_a_row_waiting_for_a_retry_holds_back_the_rows_after_it(
    intake: Intake, store: Store
) -> None:
    await intake.store_once([message(1, 5, "one"), message(2, 5, "two")])
    first = (await items(store, 5))[0]
    async with store.transaction() as tx:
        await tx.retry_inbox_item(first.id, "OperationalError", NOW + dt.timedelta(seconds=5))
    assert await items(store, 5) == []  # never "two" before "one"
    async with store.transaction() as tx:
        assert [i.update_id for i in await tx.queue_items(5, NOW + dt.timedelta(seconds=5))] == [
            1,
            2,
        ]


async def test_a_row_is_handled_exactly_once(intake: Intake, store: Store) -> None:
    await intake.store_once([message(1, 5, "one")])
    (item,) = await items(store, 5)
    token = current.CURRENT.set(current.Handling(item.id, item.update_id, item.risk))
    try:
        async with store.transaction() as tx:
            assert await current.claim(tx, item.update_id, NOW)
        async with store.transaction() as tx:
            assert not await current.claim(tx, item.update_id, NOW)  # a second worker
    finally:
        current.CURRENT.reset(token)
    async with store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 1}
        assert not await tx.lease_inbox_item(item.id, "me", NOW + dt.timedelta(seconds=9), NOW)


async def test_a_claim_that_rolls_back_leaves_the_row_pending(
    intake: Intake, store: Store
) -> None:
    await intake.store_once([message(1, 5, "one")])
    (item,) = await items(store, 5)
    token = current.CURRENT.set(current.Handling(item.id, item.update_id, item.risk))
    try:
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                assert await current.claim(tx, item.update_id, NOW)
                raise RuntimeError("the dialog failed after the claim")
    finally:
        current.CURRENT.reset(token)
    assert [i.id for i in await items(store, 5)] == [item.id]


async def test_a_lease_keeps_a_second_worker_away_until_it_runs_out(
    intake: Intake, store: Store
) -> None:
    await intake.store_once([message(1, 5, "one")])
    (item,) = await items(store, 5)
    until = NOW + dt.timedelta(seconds=60)
    async with store.transaction() as tx:
        assert await tx.lease_inbox_item(item.id, "first", until, NOW)
        assert not await tx.lease_inbox_item(item.id, "second", until, NOW)
        assert await tx.lease_inbox_item(item.id, "second", until + until.resolution, until)


async def test_handled_rows_are_forgotten_after_the_window_but_failed_ones_kept(
    intake: Intake, store: Store
) -> None:
    await intake.store_once([message(1, 5, "one"), message(2, 6, "two"), message(3, 7, "x")])
    async with store.transaction() as tx:
        one, two = (await tx.queue_items(5, NOW))[0], (await tx.queue_items(6, NOW))[0]
        await tx.finish_inbox_item(one.id, NOW)
        await tx.finish_inbox_item(two.id, NOW, "failed", "ValueError")
    async with store.transaction() as tx:
        assert await tx.forget_inbox_before(NOW + dt.timedelta(hours=25)) == 1
        assert await tx.inbox_counts() == {"failed": 1, "pending": 1}


def test_presses_on_one_message_coalesce_to_the_latest() -> None:
    from bot.inbox.dispatcher import coalesce

    def item(i: int, payload: dict[str, object], risk: bool = False) -> InboxItem:
        kind = next(k for k in payload if k != "update_id")
        return InboxItem(i, i, kind, 5, risk, payload, 0)  # type: ignore[arg-type]

    rows = [
        item(1, press(1, 5, 40, "a")),
        item(2, message(2, 5, "typed")),
        item(3, press(3, 5, 40, "b")),
        item(4, press(4, 5, 41, "c")),
    ]
    keep, dropped = coalesce(rows)
    assert [i.id for i in keep] == [2, 3, 4]
    assert [i.id for i in dropped] == [1]


async def test_leases_of_a_crashed_process_on_this_host_are_taken_over(
    intake: Intake, store: Store
) -> None:
    import socket

    from bot.leases import dead_here, instance_name

    await intake.store_once([message(1, 5, "one")])
    (item,) = await items(store, 5)
    crashed = f"{socket.gethostname()}:999999999:abc"  # no such process
    until = NOW + dt.timedelta(seconds=30)
    async with store.transaction() as tx:
        assert await tx.lease_inbox_item(item.id, crashed, until, NOW)
        holders = await tx.lease_holders(NOW)
    assert holders == {crashed}
    assert dead_here(crashed) and not dead_here(instance_name())
    assert not dead_here("another-host:1:abc")
    async with store.transaction() as tx:
        assert await tx.release_leases({crashed}) == 1
    assert [i.id for i in await items(store, 5)] == [item.id]


async def test_a_row_is_leased_only_when_every_older_row_of_its_queue_is_handled(
    intake: Intake, store: Store
) -> None:
    """The check is part of the lease itself: a process with a stale view of a queue (it
    read the queue before another process took the row ahead) cannot take a row early."""
    await intake.store_once([message(1, 5, "one"), message(2, 5, "two")])
    first, second = await items(store, 5)
    until = NOW + dt.timedelta(seconds=30)
    async with store.transaction() as tx:
        assert not await tx.lease_inbox_item(second.id, "b", until, NOW)  # "one" first
        assert await tx.lease_inbox_item(first.id, "a", until, NOW)
        assert not await tx.lease_inbox_item(second.id, "b", until, NOW)  # "one" in progress
        await tx.finish_inbox_item(first.id, NOW)
        assert await tx.lease_inbox_item(second.id, "b", until, NOW)


async def test_a_flagged_row_jumps_waiting_rows_but_never_runs_beside_one_in_progress(
    intake: Intake, store: Store
) -> None:
    await intake.store_once(
        [message(1, 5, "one"), message(2, 5, "I want to end my life", message_id=2)]
    )
    flagged, ordinary = await items(store, 5)  # risk first
    assert flagged.risk and not ordinary.risk
    until = NOW + dt.timedelta(seconds=30)
    async with store.transaction() as tx:
        assert await tx.lease_inbox_item(ordinary.id, "a", until, NOW)
        assert not await tx.lease_inbox_item(flagged.id, "b", until, NOW)  # beside "one"
        await tx.retry_inbox_item(ordinary.id, "OperationalError", NOW)  # "one" waits again
        assert await tx.lease_inbox_item(flagged.id, "b", until, NOW)  # safety jumps it


async def test_a_flagged_row_does_not_wait_for_a_dead_process_to_send_older_replies(
    intake: Intake, store: Store
) -> None:
    """Replies of a handled row still going out (under a lease that may belong to a process
    that died mid-send) hold back the person's ordinary rows, never a crisis."""
    await intake.store_once([message(1, 5, "one")])
    (first,) = await items(store, 5)
    until = NOW + dt.timedelta(seconds=120)
    async with store.transaction() as tx:
        assert await tx.lease_inbox_item(first.id, "a", until, NOW)
        replies = {"chat": 5, "messages": [{"parts": ["Question 2"], "markup": None}]}
        assert await tx.finish_inbox_item(first.id, NOW, replies=replies, lease=("a", until))
    await intake.store_once(
        [message(2, 5, "two"), message(3, 5, "I want to end my life", message_id=3)]
    )
    flagged, ordinary = await items(store, 5)
    assert flagged.risk and not ordinary.risk
    async with store.transaction() as tx:
        assert not await tx.lease_inbox_item(ordinary.id, "b", until, NOW)  # in order
        assert await tx.lease_inbox_item(flagged.id, "b", until, NOW)  # safety does not wait


async def test_many_queues_are_read_in_one_statement_each_under_its_own_rules(
    intake: Intake, store: Store
) -> None:
    """The dispatcher reads the queues the intake just filled together (`queues_items`): each
    queue keeps its order, its flagged rows first, its held-back rows and its batch limit."""
    await intake.store_once(
        [message(1, 5, "one"), message(2, 5, "two"), message(3, 6, "hi")]
        + [message(4, 7, "a"), message(5, 7, "b"), message(6, 7, "I want to end my life")]
        + [message(10 + n, 8, f"m{n}") for n in range(4)]
    )
    first = (await items(store, 5))[0]
    async with store.transaction() as tx:
        await tx.retry_inbox_item(first.id, "OperationalError", NOW + dt.timedelta(seconds=5))
        found = await tx.queues_items([5, 6, 7, 8, 9], NOW, limit=3)
    assert {key: [i.update_id for i in rows] for key, rows in found.items()} == {
        5: [],  # "two" waits behind "one", which waits for its retry
        6: [3],
        7: [6, 4, 5],  # the flagged row first
        8: [10, 11, 12],  # at most `limit` per queue
        9: [],
    }


async def test_rows_of_many_queues_are_leased_in_one_statement_each_in_its_turn(
    intake: Intake, store: Store
) -> None:
    await intake.store_once([message(1, 5, "one"), message(2, 5, "two"), message(3, 6, "hi")])
    first, second = await items(store, 5)
    (other,) = await items(store, 6)
    until = NOW + dt.timedelta(seconds=10)
    async with store.transaction() as tx:
        leased = await tx.lease_inbox_items([first.id, second.id, other.id], "a", until, NOW)
        assert leased == {first.id, other.id}  # "two" waits for "one"
        assert await tx.lease_inbox_items([first.id, other.id], "b", until, NOW) == set()
