"""What `bot.data_rights.carry_out` does and says for each effect, on the seeded store."""

from __future__ import annotations

import json

from bot.config import load_settings
from bot.data_rights import Outgoing, carry_out
from bot.storage import Store
from content.loader import Content
from dialogs.effects import Effect, EraseOwnData, SendOwnData, WithdrawConsent
from tests.records.seed import NOW, Seeded

PATIENT_CHAT = 4242
SETTINGS = load_settings(
    {"SUPERVISOR_IDS": "901", "BACKUP_SUPERVISOR_IDS": "902", "SUPERVISOR_CHAT_ID": "-100777"}
)


async def _run(
    store: Store, content: Content, patient_id: int, language: str, *effects: Effect
) -> list[Outgoing]:
    return await carry_out(
        store,
        content,
        SETTINGS,
        NOW,
        patient_id=patient_id,
        chat_id=PATIENT_CHAT,
        language=language,
        effects=list(effects),
    )


def _by_chat(sent: list[Outgoing]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for message in sent:
        out.setdefault(message.chat_id, []).append(message.key)
    return out


async def test_own_data_is_a_json_file_and_a_summary_in_the_patients_language(
    store: Store, seeded: Seeded, content: Content
) -> None:
    sent = await _run(store, content, seeded.ben, "es", SendOwnData())
    file, summary = sent
    assert file.chat_id == summary.chat_id == PATIENT_CHAT
    assert (
        file.document is not None and file.filename == f"stride-{seeded.ben_code}-2026-11-30.json"
    )
    assert json.loads(file.document)["you"]["code"] == seeded.ben_code
    assert file.text.startswith("Aquí tiene una copia")
    assert summary.text.startswith(f"Su código es {seeded.ben_code}")


async def test_erasure_with_an_open_alert_tells_the_patient_then_the_whole_team(
    store: Store, seeded: Seeded, content: Content
) -> None:
    sent = await _run(store, content, seeded.ben, "es", EraseOwnData())
    assert _by_chat(sent) == {
        PATIENT_CHAT: ["data_rights.forgetme.done_with_incident"],
        901: ["data_rights.team.handed_over"],
        902: ["data_rights.team.handed_over"],
        -100777: ["data_rights.team.handed_over"],
    }
    assert "Su equipo" in sent[0].text
    team = sent[1].text
    assert seeded.ben_code in team and "1 open safety alert" in team and "ZQX" not in team
    async with store.transaction() as tx:
        assert [e.id for e in await tx.open_escalations()] == [seeded.ben_open_escalation]
    assert await _run(store, content, seeded.ben, "es", EraseOwnData()) == []  # said once


async def test_erasure_without_an_alert_and_withdrawal_said_once_to_the_team(
    store: Store, seeded: Seeded, content: Content
) -> None:
    withdrawn = await _run(store, content, seeded.ana, "en", WithdrawConsent())
    assert _by_chat(withdrawn)[PATIENT_CHAT] == ["data_rights.withdraw.done"]
    assert _by_chat(withdrawn)[901] == ["data_rights.team.withdrawn"]
    again = await _run(store, content, seeded.ana, "en", WithdrawConsent())
    assert _by_chat(again) == {PATIENT_CHAT: ["data_rights.withdraw.done"]}
    async with store.transaction() as tx:
        assert await tx.nudge_states([seeded.ana], NOW) == {}
    erased = await _run(store, content, seeded.ana, "en", EraseOwnData())
    assert _by_chat(erased)[PATIENT_CHAT] == ["data_rights.forgetme.done"]
    assert _by_chat(erased)[-100777] == ["data_rights.team.erased"]
    async with store.transaction() as tx:
        assert await tx.load_patient_by_id(seeded.ana, NOW) is None


async def test_withdrawal_with_an_open_alert_says_so_to_the_team(
    store: Store, seeded: Seeded, content: Content
) -> None:
    sent = await _run(store, content, seeded.ben, "es", WithdrawConsent())
    assert _by_chat(sent)[902] == ["data_rights.team.withdrawn_open"]
    assert sent[0].text.startswith("Su consentimiento está retirado")
