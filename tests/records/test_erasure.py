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


async def _more_places(store: Store, seeded: Seeded) -> None:
    """A peer-group board with their names, and nudges planned for their chats."""
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
