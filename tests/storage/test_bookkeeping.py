"""Update claims, the audit trail and the supervisor summary."""

from __future__ import annotations

import datetime as dt

from bot.storage import PatientSummary, Store
from dialogs.records import (
    AuditEvent,
    CheckinKind,
    CheckinRecord,
    SessionRecord,
    SessionStatus,
)
from dialogs.state import Outcome

from .conftest import NOW, NewPatient

DAY = dt.timedelta(days=1)


async def test_an_update_is_claimed_once(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.claim_update(5_000_000_001, NOW) is True
        assert await tx.claim_update(5_000_000_001, NOW) is False
    async with store.transaction() as tx:
        assert await tx.claim_update(5_000_000_001, NOW) is False
        assert await tx.forget_updates_before(NOW + DAY) == 1
        assert await tx.claim_update(5_000_000_001, NOW) is True


async def test_a_claim_rolled_back_with_its_update_can_be_claimed_again(store: Store) -> None:
    try:
        async with store.transaction() as tx:
            assert await tx.claim_update(7, NOW)
            raise RuntimeError("handler crashed")
    except RuntimeError:
        pass
    async with store.transaction() as tx:
        assert await tx.claim_update(7, NOW) is True


async def test_audit_events_in_order_and_by_subject(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.add_audit(AuditEvent("resolve", "supervisor:9", "S-AAAAAA", {"n": 1}), NOW)
        await tx.add_audit(AuditEvent("export", "admin", "all", at=NOW - DAY), NOW)
        await tx.add_audit(AuditEvent("pause", "patient", "S-AAAAAA"), NOW + DAY)
    async with store.transaction() as tx:
        everything = await tx.audit_events()
        one = await tx.audit_events(subject="S-AAAAAA")
    assert [e.action for e in everything] == ["export", "resolve", "pause"]
    assert one == [
        AuditEvent("resolve", "supervisor:9", "S-AAAAAA", {"n": 1}, NOW),
        AuditEvent("pause", "patient", "S-AAAAAA", {}, NOW + DAY),
    ]


async def test_patient_summaries(store: Store, new_patient: NewPatient) -> None:
    active = await new_patient(telegram_id=1, timezone="Pacific/Auckland")
    quiet = await new_patient(telegram_id=2)
    today = NOW.astimezone(dt.timezone(dt.timedelta(hours=13))).date()  # Auckland, in March

    def phq9(total: int, days_ago: int) -> CheckinRecord:
        at = NOW - days_ago * DAY
        return CheckinRecord("phq9", "phq9-1999", CheckinKind.SCHEDULED, at, {}, at, None, total)

    def session(days_ago: int, status: SessionStatus = SessionStatus.DONE) -> SessionRecord:
        return SessionRecord(day=today - days_ago * DAY, status=status, planned=True)

    records = [
        phq9(15, 14),
        phq9(11, 0),
        phq9(9, 7),
        session(0),
        session(6, SessionStatus.PARTIAL),
        session(7),  # eight days ago counting today: outside the week
        session(1, SessionStatus.SKIPPED),
    ]
    async with store.transaction() as tx:
        await tx.save(active, Outcome(records=list(records)), NOW)
        summaries = await tx.patient_summaries(NOW)
    assert summaries == [
        PatientSummary(active.patient.id, active.patient.code, "new", 11, NOW, 2),
        PatientSummary(quiet.patient.id, quiet.patient.code, "new", None, None, 0),
    ]
