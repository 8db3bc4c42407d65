"""Data rights engines, told as the stories the chat will wire onto them: /mydata,
withdrawal, re-consent on a new version, discharge by a supervisor (forget-me is in
test_erasure)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.records.dataset import load_dataset
from bot.records.export import write_fhir
from bot.records.rights import build_patient_export
from bot.storage import Store
from bot.storage.nudges import NewSlot
from bot.storage.standing import discharge, renew_consent, withdraw_consent
from content.consent import needs_reconsent
from content.loader import Content
from content.schemas.consent import ConsentDocument
from dialogs.nudges import NudgeKind, Slot
from dialogs.records import ConsentRecord
from tests.records.seed import ANA_TELEGRAM, NOW, Seeded

SUPERVISOR = 555


async def test_mydata_gives_everything_readable_in_the_patients_language(
    store: Store, seeded: Seeded, content: Content
) -> None:
    data, summaries, filename = await build_patient_export(store, seeded.ana, content, NOW)
    document = json.loads(data)
    assert filename == f"stride-{seeded.ana_code}-2026-11-30.json"
    assert document["you"]["code"] == seeded.ana_code
    assert document["you"]["name_you_gave"] == "ZQX-ANA-NAME"  # their own data, all of it
    assert document["you"]["phone_shared_with_care_team"] == "ZQX-ANA-PHONE"
    assert document["profile"]["what_matters_to_you"] == "ZQX-ANA-VALUES"
    assert document["safety_plan"] == {"Things I can do on my own": ["ZQX-ANA-SAFETY"]}
    assert [s["note"] for s in document["sessions"] if s["note"]] == ["ZQX-ANA-NOTE"]
    first = document["phq9_check_ins"][0]
    assert first["total"] == 16 and first["severity"] == "moderately severe"
    assert first["answers"][0] == {
        "question": "Little interest or pleasure in doing things",
        "answer": "Nearly every day",
        "score": 3,
    }
    assert first["difficulty"]["answer"] == "Somewhat difficult"
    assert "14 session(s) with 278 minutes" in summaries["en"]
    assert "latest PHQ-9 total was 6 on November 23, 2026" in summaries["en"]
    assert "Su código es" in summaries["es"] and "23 de noviembre de 2026" in summaries["es"]


async def test_mydata_includes_messages_with_the_care_team_without_naming_supervisors(
    store: Store, seeded: Seeded, content: Content
) -> None:
    async with store.transaction() as tx:
        sent = await tx.add_care_message(
            seeded.ana, ANA_TELEGRAM, SUPERVISOR, "How are the walks going?", NOW
        )
        await tx.add_care_message(
            seeded.ana, SUPERVISOR, SUPERVISOR, "ZQX-ANA-REPLY", NOW, to_supervisor=True
        )
        await tx.mark_care_message_sent(sent, 4242, NOW)
    data, _, _ = await build_patient_export(store, seeded.ana, content, NOW)
    text = data.decode()
    messages = json.loads(text)["messages_with_your_care_team"]
    assert [(m["from"], m["text"], m["status"]) for m in messages] == [
        ("your care team", "How are the walks going?", "sent"),
        ("you", "ZQX-ANA-REPLY", "pending"),
    ]
    assert messages[0]["delivered_at"] == NOW.isoformat()
    assert str(SUPERVISOR) not in text  # who on the team wrote is theirs, not the patient's
    other, _, _ = await build_patient_export(store, seeded.ben, content, NOW)
    assert json.loads(other)["messages_with_your_care_team"] == []


async def test_mydata_in_spanish_without_other_peoples_data(
    store: Store, seeded: Seeded, content: Content
) -> None:
    data, _, _ = await build_patient_export(store, seeded.ben, content, NOW)
    text = data.decode()
    document = json.loads(text)
    first = document["phq9_check_ins"][0]["answers"][0]
    assert first["question"] == "Poco interés o placer en hacer cosas"
    assert [a["why"] for a in document["safety_alerts"]] == ["item9", "risk_language"]
    assert str(SUPERVISOR) not in text and "ZQX-BEN-RESOLUTION" not in text
    with pytest.raises(LookupError):
        await build_patient_export(store, 999_999, content, NOW)


async def _plan_a_nudge(store: Store, patient_id: int, chat_id: int) -> None:
    day = NOW.date() + dt.timedelta(days=1)
    slot = Slot(NudgeKind.SESSION, f"session:{day}", day, NOW + dt.timedelta(days=1), 1, 0)
    async with store.transaction() as tx:
        await tx.add_slots([NewSlot(patient_id, chat_id, slot)], NOW)


async def test_withdrawal_stops_nudges_tells_the_team_and_can_be_undone(
    store: Store, seeded: Seeded
) -> None:
    await _plan_a_nudge(store, seeded.ana, ANA_TELEGRAM)
    async with store.transaction() as tx:
        assert seeded.ana in await tx.nudge_states([seeded.ana], NOW)
    change = await withdraw_consent(store, seeded.ana, NOW)
    assert change.changed and change.nudges_dropped == 1 and change.open_escalations == []
    async with store.transaction() as tx:
        assert await tx.nudge_states([seeded.ana], NOW) == {}  # the planner skips her
        assert await tx.due_slots(NOW + dt.timedelta(days=2), 10) == []
        actions = [e.action for e in await tx.audit_events(seeded.ana_code)]
    assert actions[-1] == "consent.withdrawn"
    assert not (await withdraw_consent(store, seeded.ana, NOW)).changed  # said twice
    ben = await withdraw_consent(store, seeded.ben, NOW)
    assert ben.open_escalations == [seeded.ben_open_escalation]  # the care team keeps them
    async with store.transaction() as tx:
        assert [e.id for e in await tx.open_escalations()] == [seeded.ben_open_escalation]
    # records stay (retention), and a fresh consent lifts the withdrawal
    [ana] = (await load_dataset(store, patient_code=seeded.ana_code)).patients
    assert ana.consent_withdrawn_at == NOW and len(ana.checkins) == 3
    renewed = await renew_consent(store, seeded.ana, "stride-consent", "2026-11", NOW)
    assert renewed.changed
    async with store.transaction() as tx:
        assert seeded.ana in await tx.nudge_states([seeded.ana], NOW)


async def test_only_a_supervisor_discharges_and_records_are_kept(
    store: Store, seeded: Seeded, content: Content, tmp_path: object
) -> None:
    await _plan_a_nudge(store, seeded.ana, ANA_TELEGRAM)
    with pytest.raises(PermissionError):
        await discharge(store, seeded.ana, ANA_TELEGRAM, [SUPERVISOR], NOW)
    async with store.transaction() as tx:
        assert seeded.ana in await tx.nudge_states([seeded.ana], NOW)  # nothing changed
    change = await discharge(store, seeded.ana, SUPERVISOR, [SUPERVISOR], NOW)
    assert change.changed and change.nudges_dropped == 1
    async with store.transaction() as tx:
        assert await tx.nudge_states([seeded.ana], NOW) == {}
        [event] = [
            e for e in await tx.audit_events(seeded.ana_code) if e.action == "patient.discharged"
        ]
    assert event.actor == f"supervisor:{SUPERVISOR}"
    dataset = await load_dataset(store, patient_code=seeded.ana_code)
    [ana] = dataset.patients
    assert ana.discharged_at == NOW and len(ana.sessions) == 15
    from pathlib import Path

    [path] = write_fhir(dataset, content, Path(str(tmp_path)), NOW + dt.timedelta(days=14))
    bundle = json.loads(path.read_text())
    plan = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"
    )
    assert plan["status"] == "completed" and plan["period"]["end"].startswith("2026-11-30")
    assert len(plan["activity"]) == 6  # no weeks after the discharge


def _consent(*versions: tuple[str, bool]) -> ConsentDocument:
    return ConsentDocument.model_validate(
        {
            "schema_version": 1,
            "id": "stride-consent",
            "text_keys": ["consent.what"],
            "versions": [
                {
                    "version": v,
                    "effective": f"2026-{i + 1:02d}-01",
                    "reconsent": r,
                    "changes": {"en": "x", "es": "x"},
                }
                for i, (v, r) in enumerate(versions)
            ],
        }
    )


def _accepted(*versions: str) -> list[ConsentRecord]:
    return [ConsentRecord("stride-consent", v, NOW) for v in versions]


def test_reconsent_on_a_material_new_version_only() -> None:
    one = _consent(("v1", True))
    assert not needs_reconsent(_accepted("v1"), one)
    assert needs_reconsent([], one)  # never agreed
    assert needs_reconsent([ConsentRecord("other", "v1", NOW)], one)
    typo = _consent(("v1", True), ("v1.1", False))
    assert not needs_reconsent(_accepted("v1"), typo)
    material = _consent(("v1", True), ("v1.1", False), ("v2", True))
    assert needs_reconsent(_accepted("v1"), material)
    assert needs_reconsent(_accepted("v1.1"), material)
    assert not needs_reconsent(_accepted("v1", "v2"), material)
    assert needs_reconsent(_accepted("unknown"), material)  # cannot be placed: ask


def test_shipped_consent_is_current_for_todays_patients(content: Content) -> None:
    assert content.consent.current.version == "2026-12"
    assert not needs_reconsent(_accepted("2026-12"), content.consent)
    # 2026-12 names /mydata, /forgetme and /withdraw: everyone who agreed before is asked again.
    assert needs_reconsent(_accepted("2026-11"), content.consent)
    with pytest.raises(ValueError, match="oldest first"):
        ConsentDocument.model_validate(
            {
                **content.consent.model_dump(mode="json"),
                "versions": [
                    {
                        "version": "b",
                        "effective": "2026-12-01",
                        "reconsent": True,
                        "changes": {"en": "x", "es": "x"},
                    },
                    {
                        "version": "a",
                        "effective": "2026-01-01",
                        "reconsent": True,
                        "changes": {"en": "x", "es": "x"},
                    },
                ],
            }
        )
