"""The alert outbox: queue once per chat and step, send when due, retry with backoff."""

from __future__ import annotations

import datetime as dt

from bot.storage import Delivery, DeliveryStatus, Store
from dialogs.records import EscalationRequest, EscalationTrigger, Priority
from dialogs.state import Outcome

from .conftest import NOW, NewPatient

SECOND = dt.timedelta(seconds=1)


async def _escalation(store: Store, new_patient: NewPatient) -> int:
    state = await new_patient()
    request = EscalationRequest(EscalationTrigger.SOS, Priority.URGENT, {})
    async with store.transaction() as tx:
        [escalation_id] = await tx.save(state, Outcome(escalations=[request]), NOW)
    return escalation_id


async def test_adding_a_step_twice_keeps_one_row_per_chat(
    store: Store, new_patient: NewPatient
) -> None:
    escalation_id = await _escalation(store, new_patient)
    async with store.transaction() as tx:
        await tx.add_deliveries(escalation_id, 0, [10, 20, 20], NOW)
    async with store.transaction() as tx:
        await tx.add_deliveries(escalation_id, 0, [20, 30], NOW + SECOND)
        await tx.add_deliveries(escalation_id, 1, [10], NOW + SECOND)
        await tx.add_deliveries(escalation_id, 1, [], NOW + SECOND)
        deliveries = await tx.deliveries_for(escalation_id)
    assert [(d.step, d.chat_id) for d in deliveries] == [(0, 10), (0, 20), (0, 30), (1, 10)]
    assert deliveries[0] == Delivery(
        id=deliveries[0].id,
        escalation_id=escalation_id,
        step=0,
        chat_id=10,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=NOW,
        telegram_message_id=None,
        last_error=None,
    )


async def test_due_delivered_failed_and_retried(store: Store, new_patient: NewPatient) -> None:
    escalation_id = await _escalation(store, new_patient)
    async with store.transaction() as tx:
        await tx.add_deliveries(escalation_id, 0, [10, 20, 30], NOW)
        assert await tx.due_deliveries(NOW - SECOND) == []
        due = await tx.due_deliveries(NOW)
        assert [d.chat_id for d in due] == [10, 20, 30]
        assert [d.chat_id for d in await tx.due_deliveries(NOW, limit=2)] == [10, 20]
        sent, retried, refused = due
        await tx.mark_delivered(sent.id, message_id=777, now=NOW)
        await tx.mark_failed(retried.id, "429", NOW + 30 * SECOND, permanent=False, now=NOW)
        await tx.mark_failed(refused.id, "403 blocked", None, permanent=True, now=NOW)

    async with store.transaction() as tx:
        assert await tx.due_deliveries(NOW + 29 * SECOND) == []
        [again] = await tx.due_deliveries(NOW + 30 * SECOND)
        assert (again.id, again.attempts, again.last_error) == (retried.id, 1, "429")
        await tx.mark_failed(again.id, "timeout", NOW + 90 * SECOND, permanent=False, now=NOW)
        by_id = {d.id: d for d in await tx.deliveries_for(escalation_id)}

    assert by_id[sent.id].status == DeliveryStatus.SENT
    assert (by_id[sent.id].telegram_message_id, by_id[sent.id].attempts) == (777, 1)
    assert by_id[retried.id].status == DeliveryStatus.PENDING
    assert (by_id[retried.id].attempts, by_id[retried.id].next_attempt_at) == (
        2,
        NOW + 90 * SECOND,
    )
    assert by_id[refused.id].status == DeliveryStatus.FAILED
    assert (by_id[refused.id].last_error, by_id[refused.id].next_attempt_at) == (
        "403 blocked",
        None,
    )


async def test_a_leased_delivery_is_skipped_by_a_second_sender_until_the_lease_ends(
    store: Store, new_patient: NewPatient
) -> None:
    """Two processes: the second never picks an alert the first is sending."""
    escalation_id = await _escalation(store, new_patient)
    lease = dt.timedelta(seconds=90)
    async with store.transaction() as tx:
        await tx.add_deliveries(escalation_id, 0, [10, 20], NOW)
    async with store.transaction() as tx:
        first = await tx.claim_due_deliveries(NOW, "first", lease, NOW)
    assert [d.chat_id for d in first] == [10, 20]
    async with store.transaction() as tx:
        assert await tx.claim_due_deliveries(NOW + 89 * SECOND, "second", lease, NOW) == []
        await tx.mark_delivered(first[0].id, 555, NOW + SECOND)  # recorded: the lease ends
    async with store.transaction() as tx:  # the first died before sending to 20
        later = NOW + lease
        assert [
            d.chat_id for d in await tx.claim_due_deliveries(later, "second", lease, later)
        ] == [20]
