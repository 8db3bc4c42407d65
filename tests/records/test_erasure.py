"""Forget me: nothing of the patient is left in any table, on SQLite and on PostgreSQL.

The check walks every table of the metadata (tables added later are covered without
editing this test) and looks in every column for the patients' Telegram ids and for the
markers seeded into their names and free text.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.records.dataset import load_dataset
from bot.storage import Store
from bot.storage.erasure import erase_patient, scrub_details
from bot.storage.models import Base, ErasureTombstoneRow, PatientRow
from bot.storage.nudges import NewSlot
from bot.storage.updates import NewUpdate
from dialogs.nudges import NudgeKind, Slot
from tests.records.seed import (
    ANA_TELEGRAM,
    BEN_TELEGRAM,
    CHLOE_TELEGRAM,
    MARKERS,
    NOW,
    Seeded,
)

ERASED_IDS = {ANA_TELEGRAM, BEN_TELEGRAM}
ALL_MARKERS = (*MARKERS["ana"], *MARKERS["ben"])


async def _every_row(store: Store) -> dict[str, list[dict[str, Any]]]:
    async with AsyncSession(store.engine) as session:
        dump: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            dump[table.name] = [dict(row._mapping) for row in result]
        return dump


def _values(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [v for value in node.values() for v in _values(value)]
    if isinstance(node, list):
        return [v for value in node for v in _values(value)]
    return [node]


def _patient_columns() -> dict[str, list[str]]:
    patients = PatientRow.__table__
    return {
        table.name: [fk.parent.name for fk in table.foreign_keys if fk.column.table is patients]
        for table in Base.metadata.sorted_tables
        if any(fk.column.table is patients for fk in table.foreign_keys)
    }


def _update(update_id: int, telegram_id: int, text: str) -> NewUpdate:
    """A raw private message as the inbox stores it: the sender's name and words."""
    payload = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": telegram_id, "type": "private"},
            "from": {"id": telegram_id, "is_bot": False, "first_name": text},
            "text": text,
        },
    }
    return NewUpdate(1, update_id, f"d{update_id}", payload, "message", telegram_id, False)


async def _inbox(store: Store) -> dict[str, int]:
    """Their messages in the inbox, handled every way a row can end, and one not handled
    yet; Chloé's too. Returns the row ids by name."""
    rows = {
        "ana_done": _update(1, ANA_TELEGRAM, "ZQX-ANA-NAME wrote this"),
        "ana_failed": _update(2, ANA_TELEGRAM, "ZQX-ANA-NAME again"),
        "ben_poison": _update(3, BEN_TELEGRAM, "ZQX-BEN-NAME here"),
        "ben_replies_unsent": _update(4, BEN_TELEGRAM, "ZQX-BEN-NAME pressed"),
        "ben_coalesced": _update(5, BEN_TELEGRAM, "ZQX-BEN-NAME twice"),
        "chloe_done": _update(6, CHLOE_TELEGRAM, "Chloé's words"),
    }
    async with store.transaction() as tx:
        stored = await tx.store_updates(list(rows.values()), NOW)
        ids = {name: item.id for name, item in zip(rows, stored, strict=True)}
        owed = {"chat": BEN_TELEGRAM, "messages": [{"parts": ["Well done, ZQX-BEN-NAME"]}]}
        for name, status in (
            ("ana_done", "done"),
            ("ana_failed", "failed"),
            ("ben_poison", "poison"),
            ("ben_coalesced", "coalesced"),
            ("chloe_done", "done"),
        ):
            assert await tx.finish_inbox_item(ids[name], NOW, status)
        assert await tx.finish_inbox_item(ids["ben_replies_unsent"], NOW, replies=owed)
    return ids


async def _more_places(store: Store, seeded: Seeded) -> None:
    """A peer-group board with their names, nudges planned for their chats, and their
    messages in the inbox."""
    await _inbox(store)
    async with store.transaction() as tx:
        group = await tx.register_group(
            -100_777, title="Walkers", language="en", timezone="UTC", now=NOW
        )
        await tx.join_group(group.id, seeded.ana, "ZQX-ANA-NAME", NOW)
        await tx.join_group(group.id, seeded.ben, "ZQX-BEN-NAME", NOW)
        await tx.join_group(group.id, seeded.chloe, "Chloé", NOW)
        day = NOW.date() + dt.timedelta(days=1)
        slot = Slot(NudgeKind.SESSION, f"session:{day}", day, NOW + dt.timedelta(days=1), 1, 0)
        await tx.add_slots(
            [NewSlot(seeded.ana, ANA_TELEGRAM, slot), NewSlot(seeded.chloe, CHLOE_TELEGRAM, slot)],
            NOW,
        )


async def test_nothing_of_an_erased_patient_remains_in_any_table(
    store: Store, seeded: Seeded
) -> None:
    await _more_places(store, seeded)
    before = await _every_row(store)
    assert any(m in json.dumps(before, default=str) for m in ALL_MARKERS)  # the check can fail

    ana = await erase_patient(store, seeded.ana, "patient_request", NOW)
    ben = await erase_patient(store, seeded.ben, "patient_request", NOW)
    assert (ana.handed_over, ana.kept_escalations) == ([], 0)
    assert (ben.handed_over, ben.kept_escalations) == ([seeded.ben_open_escalation], 2)

    after = await _every_row(store)
    for table, rows in after.items():
        for row in rows:
            text = json.dumps(row, default=str)
            for marker in ALL_MARKERS:
                assert marker not in text, (table, row)
            assert not ERASED_IDS & set(_values(row)), (table, row)
    for table, columns in _patient_columns().items():
        for row in after[table]:
            refs = {row[c] for c in columns}
            assert seeded.ana not in refs, (table, row)
            if table not in ("escalations", "profiles", "conversations"):
                assert seeded.ben not in refs, (table, row)
    # The anchor's profile and conversation are the empty defaults, nothing of his.
    [profile] = [r for r in after["profiles"] if r["patient_id"] == seeded.ben]
    assert (profile["age"], profile["values_text"], profile["barriers"]) == (None, None, [])
    [conversation] = [r for r in after["conversations"] if r["patient_id"] == seeded.ben]
    assert (conversation["flow"], conversation["data"]) == ("idle", {})
    patients = {row["id"]: row for row in after["patients"]}
    assert seeded.ana not in patients  # no escalation to anchor: the row went
    anchor = patients[seeded.ben]  # kept, wiped, only as the anchor of his incidents
    assert (anchor["telegram_id"], anchor["chat_id"], anchor["display_name"]) == (
        -seeded.ben,
        0,
        None,
    )
    assert (anchor["language"], anchor["country"], anchor["journey"]) == ("en", "", "erased")
    # Chloé is untouched: her row, her consent, her membership, her nudge.
    assert patients[seeded.chloe]["telegram_id"] == CHLOE_TELEGRAM
    assert [r["patient_id"] for r in after["group_memberships"]] == [seeded.chloe]
    assert [r["chat_id"] for r in after["nudge_slots"]] == [CHLOE_TELEGRAM]
    # Their inbox rows keep only what recognises a redelivery; Chloé's is as it was.
    inbox = {row["update_id"]: row for row in after["inbox"]}
    assert sorted(inbox) == [1, 2, 3, 4, 5, 6]
    for update_id in (1, 2, 3, 4, 5):
        row = inbox[update_id]
        assert (row["payload"], row["queue_key"], row["replies"]) == ({"erased": True}, None, None)
        assert row["digest"] == f"d{update_id}"
    assert [inbox[n]["status"] for n in (1, 2, 3, 4, 5)] == [
        "done",
        "failed",
        "poison",
        "done",
        "coalesced",
    ]
    assert inbox[4]["replies_state"] == "dropped"  # never sent to an erased person
    assert inbox[6]["payload"]["message"]["text"] == "Chloé's words"
    assert inbox[6]["queue_key"] == CHLOE_TELEGRAM


async def test_a_message_not_handled_yet_is_left_for_the_inbox(
    store: Store, seeded: Seeded
) -> None:
    """Sent after the request (the queue is in order): it is handled as a new person's."""
    async with store.transaction() as tx:
        [later] = await tx.store_updates([_update(9, ANA_TELEGRAM, "hello again")], NOW)
    await erase_patient(store, seeded.ana, "patient_request", NOW)
    async with store.transaction() as tx:
        row = await tx.inbox_item(later.id)
    assert row is not None
    assert (row.status, row.queue_key, row.payload["message"]["text"]) == (
        "pending",
        ANA_TELEGRAM,
        "hello again",
    )


async def test_tombstones_audit_and_the_open_incident_stay_with_the_care_team(
    store: Store, seeded: Seeded
) -> None:
    await erase_patient(store, seeded.ben, "patient_request", NOW)
    async with store.transaction() as tx:
        assert [e.id for e in await tx.open_escalations()] == [seeded.ben_open_escalation]
        closed = await tx.escalation(seeded.ben_closed_escalation)
        opened = await tx.escalation(seeded.ben_open_escalation)
        events = await tx.audit_events(seeded.ben_code)
    assert closed is not None and opened is not None
    assert closed.resolution_note is None and closed.patient_response == "safe_now"
    assert closed.acknowledged_at is not None and closed.level == 1  # the timeline stays
    assert opened.details == {"reason": "explicit", "where": "private"}  # not his words
    actions = [e.action for e in events]
    assert actions[-2:] == ["escalation.handed_over", "patient.erased"]
    delivered = next(e for e in events if e.action == "escalation.delivered")
    assert delivered.details["chat"] == "erased"
    async with AsyncSession(store.engine) as session:
        [tombstone] = await session.scalars(select(ErasureTombstoneRow))
    assert tombstone.patient_code == seeded.ben_code
    assert tombstone.erased_at == NOW and tombstone.reason == "patient_request"
    assert tombstone.kept["escalations"] == 2 and "clinical safety record" in tombstone.kept["why"]
    async with store.transaction() as tx:  # a supervisor's /resolve still finds the code
        state = await tx.load_patient_by_code(seeded.ben_code, NOW)
        assert state is not None and state.checkins == [] and state.profile.age is None
        assert len(await tx.escalations_for_patient(state.patient.id)) == 2
    dataset = await load_dataset(store)
    assert seeded.ben_code not in {p.code for p in dataset.patients}
    assert dataset.erased == 1
    again = await erase_patient(store, seeded.ben, "patient_request", NOW)
    assert again.already_erased


async def test_a_returning_user_starts_afresh(store: Store, seeded: Seeded) -> None:
    await erase_patient(store, seeded.ben, "patient_request", NOW)
    async with store.transaction() as tx:
        assert await tx.load_patient(BEN_TELEGRAM, NOW) is None
        fresh = await tx.create_patient(
            telegram_id=BEN_TELEGRAM,
            chat_id=BEN_TELEGRAM,
            language="es",
            country="ES",
            timezone="UTC",
            now=NOW,
        )
    assert fresh.patient.code != seeded.ben_code and fresh.checkins == []


def test_scrub_details_keeps_codes_and_numbers_only() -> None:
    details = {
        "reason": "explicit",
        "message": "I want to die",
        "where": "private",
        "item9": 2,
        "phq9_total": 19,
        "answered_yes": ["chest_pain", "dizziness"],
        "button": "needs_help_now",
        "extra": {"nested": "text"},
    }
    assert scrub_details(details) == {
        "reason": "explicit",
        "where": "private",
        "item9": 2,
        "phq9_total": 19,
        "answered_yes": ["chest_pain", "dizziness"],
        "button": "needs_help_now",
    }
    assert scrub_details({"reason": "words with spaces", "band": "x" * 65}) == {}
