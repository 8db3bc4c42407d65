"""Escalations are opened by `save` and then moved by the supervisor loop."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.storage import Store
from dialogs.records import Escalation, EscalationRequest, EscalationTrigger, Priority
from dialogs.state import Outcome

from .conftest import NOW, NewPatient

MINUTE = dt.timedelta(minutes=1)


async def _open(store: Store, new_patient: NewPatient, telegram_id: int, at: dt.datetime) -> int:
    state = await new_patient(telegram_id=telegram_id)
    request = EscalationRequest(
        EscalationTrigger.ITEM9, Priority.URGENT, {"item": "phq9_9", "answer": 2}
    )
    async with store.transaction() as tx:
        [escalation_id] = await tx.save(state, Outcome(escalations=[request]), at)
    return escalation_id


async def test_save_opens_escalations_with_the_patient_code(
    store: Store, new_patient: NewPatient
) -> None:
    state = await new_patient()
    outcome = Outcome(
        escalations=[
            EscalationRequest(EscalationTrigger.SOS, Priority.URGENT, {"source": "button"}),
            EscalationRequest(EscalationTrigger.READINESS, Priority.ROUTINE, {}),
        ]
    )
    async with store.transaction() as tx:
        ids = await tx.save(state, outcome, NOW)
    assert len(ids) == 2
    async with store.transaction() as tx:
        first = await tx.escalation(ids[0])
        missing = await tx.escalation(9999)
    assert missing is None
    assert first == Escalation(
        id=ids[0],
        patient_id=state.patient.id,
        patient_code=state.patient.code,
        trigger=EscalationTrigger.SOS,
        priority=Priority.URGENT,
        state="open",
        details={"source": "button"},
        created_at=NOW,
        level=0,
        next_action_at=NOW,
    )


async def test_open_due_and_per_patient_lists(store: Store, new_patient: NewPatient) -> None:
    older = await _open(store, new_patient, 1, NOW - MINUTE)
    newer = await _open(store, new_patient, 2, NOW)
    async with store.transaction() as tx:
        assert [e.id for e in await tx.open_escalations()] == [older, newer]
        assert [e.id for e in await tx.due_escalations(NOW - MINUTE)] == [older]
        assert [e.id for e in await tx.due_escalations(NOW)] == [older, newer]
        latest = await tx.escalation(newer)
        assert latest is not None
        for_patient = await tx.escalations_for_patient(latest.patient_id)
        assert [e.id for e in for_patient] == [newer]


async def test_update_escalation_writes_the_lifecycle(
    store: Store, new_patient: NewPatient
) -> None:
    escalation_id = await _open(store, new_patient, 1, NOW)
    async with store.transaction() as tx:
        escalation = await tx.escalation(escalation_id)
    assert escalation is not None
    acknowledged = dataclasses.replace(
        escalation,
        state="acknowledged",
        level=1,
        acknowledged_by=555,
        acknowledged_at=NOW + MINUTE,
        patient_response="safe",
        next_action_at=NOW + 60 * MINUTE,
        details={"ignored": True},  # what raised an escalation never changes
    )
    async with store.transaction() as tx:
        await tx.update_escalation(acknowledged)
    async with store.transaction() as tx:
        assert await tx.escalation(escalation_id) == dataclasses.replace(
            acknowledged, details=escalation.details
        )
        assert await tx.due_escalations(NOW + MINUTE) == []
        assert len(await tx.due_escalations(NOW + 60 * MINUTE)) == 1

    resolved = dataclasses.replace(
        acknowledged,
        state="resolved",
        resolved_by=555,
        resolved_at=NOW + 2 * MINUTE,
        resolution_note="called, safe, GP informed",
        details=escalation.details,
    )
    async with store.transaction() as tx:
        await tx.update_escalation(resolved)
    async with store.transaction() as tx:
        assert await tx.open_escalations() == []
        assert await tx.due_escalations(NOW + 999 * MINUTE) == []
        assert await tx.escalation(escalation_id) == resolved


async def test_relay_work_due_sees_each_kind_of_work_as_the_ticks_do(
    store: Store, new_patient: NewPatient
) -> None:
    """The relay's idle probe must say yes whenever a full tick would find work: an
    escalation's next action, an alert delivery, a relayed care message, each at its time."""
    async with store.transaction() as tx:
        assert not await tx.relay_work_due(NOW)
    escalation_id = await _open(store, new_patient, 1, NOW + MINUTE)
    async with store.transaction() as tx:
        assert not await tx.relay_work_due(NOW)
        assert await tx.relay_work_due(NOW + MINUTE)  # its first notification is due
        escalation = await tx.escalation(escalation_id)
        assert escalation is not None
        await tx.update_escalation(dataclasses.replace(escalation, next_action_at=None))
        await tx.add_deliveries(escalation_id, 0, [555], NOW + 2 * MINUTE)
    async with store.transaction() as tx:
        assert not await tx.relay_work_due(NOW + MINUTE)
        assert await tx.relay_work_due(NOW + 2 * MINUTE)  # the delivery
        [claimed] = await tx.claim_due_deliveries(
            NOW + 2 * MINUTE, "relay", 10 * MINUTE, NOW + 2 * MINUTE
        )
    async with store.transaction() as tx:  # leased to a live sender: not due again
        assert not await tx.relay_work_due(NOW + 3 * MINUTE)
        assert await tx.relay_work_due(NOW + 12 * MINUTE)  # the lease ran out
        await tx.mark_delivered(claimed.id, 77, NOW + 3 * MINUTE)
    state = await new_patient(telegram_id=2)
    async with store.transaction() as tx:
        await tx.add_care_message(state.patient.id, 2, 555, "Hello", NOW, due_at=NOW + 20 * MINUTE)
    async with store.transaction() as tx:
        assert not await tx.relay_work_due(NOW + 19 * MINUTE)
        assert await tx.relay_work_due(NOW + 20 * MINUTE)  # the care message
