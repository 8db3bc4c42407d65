"""Plan adjustments: each with a reason, written to the fields the dose rules read, recorded,
audited, and the patient told in one sentence where it changes what they see."""

from __future__ import annotations

import datetime as dt

from tests.alerts.conftest import PATIENT, SUPERVISOR, audit_of
from tests.alerts.test_supervisor import World, buttons


async def adjust(world: World, code: str, *labels: str) -> dict:  # type: ignore[type-arg]
    await world.command(SUPERVISOR, f"/adjust {code}")
    for label in labels:
        message = await world.last(SUPERVISOR)
        await world.press(SUPERVISOR, message["message_id"], by=SUPERVISOR, text=label)
    return await world.last(SUPERVISOR)


async def test_each_change_needs_a_reason_and_is_recorded_and_audited(world: World) -> None:
    escalation = await world.patient_sos()
    code, patient_id = escalation.patient_code, escalation.patient_id
    await world.command(SUPERVISOR, f"/adjust {code}")
    assert buttons(await world.last(SUPERVISOR)) == [
        "Clear readiness (medically cleared)",
        "Heart-rate formula",
        "Treatment-resistant depression",
        "Set phase",
        "Hold phase",
        "Pause",
        "Discharge",
    ]
    ask = await adjust(world, code, "Heart-rate formula", "classic")
    assert ask["text"].startswith(
        f"Heart-rate formula: classic for {code}: please send the reason"
    )
    before = len(await world.users.messages(PATIENT))
    assert await world.command(SUPERVISOR, "cardiologist prefers 220 - age") == (
        f"Done for {code}; recorded with your reason."
    )
    assert len(await world.users.messages(PATIENT)) == before  # nothing they see changed
    await adjust(world, code, "Treatment-resistant depression", "on")
    await world.command(SUPERVISOR, "two adequate trials without response")
    await adjust(world, code, "Hold phase", "on")
    await world.command(SUPERVISOR, "knee pain, hold progression")
    await adjust(world, code, "Set phase", "2")
    await world.command(SUPERVISOR, "tolerating well")
    assert (await world.last(PATIENT))["text"].startswith(
        "Your care team has moved your plan to phase 2"
    )
    await adjust(world, code, "Clear readiness (medically cleared)")
    await world.command(SUPERVISOR, "GP letter 2026-11-30")
    assert (await world.last(PATIENT))["text"].startswith(
        "Good news: your care team has cleared you"
    )
    async with world.services.store.transaction() as tx:
        flags = await tx.profile_flags(patient_id)
        records = await tx.plan_adjustments(patient_id)
    assert flags["hrmax_formula"] == "classic" and flags["treatment_resistant"] is True
    assert flags["phase_held"] is True and flags["phase_id"] == 2
    assert flags["medical_clearance_at"] is not None
    assert (records[0].kind, records[0].reason, records[0].by) == (
        "hrmax",
        "cardiologist prefers 220 - age",
        SUPERVISOR,
    )
    assert [r.kind for r in records] == ["hrmax", "trd", "hold", "phase", "clear"]
    events = [e for e in await audit_of(world.services, code) if e.action == "plan.adjusted"]
    assert [e.details["kind"] for e in events] == ["hrmax", "trd", "hold", "phase", "clear"]
    assert events[0].details["reason"] == "cardiologist prefers 220 - age"


async def test_pause_applies_only_to_an_active_programme_and_discharge_is_recorded(
    world: World,
) -> None:
    escalation = await world.patient_sos()
    code, patient_id = escalation.patient_code, escalation.patient_id
    await adjust(world, code, "Pause", "14")
    assert (await world.command(SUPERVISOR, "holiday")).startswith("That cannot be applied")
    async with world.services.store.transaction() as tx:
        await tx.set_patient_fields(patient_id, journey="active")
    await adjust(world, code, "Pause", "14")
    await world.command(SUPERVISOR, "surgery next week")
    told = (await world.last(PATIENT))["text"]
    assert told.startswith("Your care team has paused your reminders until ") and "/sos" in told
    await adjust(world, code, "Discharge")
    assert (await world.command(SUPERVISOR, "programme completed")).startswith("Done for")
    async with world.services.store.transaction() as tx:
        card = await tx.patient_card(patient_id)
    assert card is not None and card.journey == "paused" and card.discharged_at is not None
    today = world.services.clock.now().date()
    records = await audit_of(world.services, code)
    paused = [e for e in records if e.action == "plan.adjusted" and e.details["kind"] == "pause"]
    assert paused[0].details["paused_until"] == (today + dt.timedelta(days=14)).isoformat()
    # A discharged patient leaves the caseload.
    assert code not in await world.command(SUPERVISOR, "/patients")


async def test_forged_or_stale_adjustment_buttons_change_nothing(world: World) -> None:
    escalation = await world.patient_sos()
    alert = await world.alert(SUPERVISOR)
    for data in (
        f"care:adj:{escalation.patient_id}:hrmax:made-up",
        f"care:adj:{escalation.patient_id}:explode",
        "care:adj:999999",
    ):
        await world.press(SUPERVISOR, alert["message_id"], by=SUPERVISOR, data=data)
        assert (await world.last(SUPERVISOR))["text"] == "I can't find that alert."
    answer = await world.press(
        PATIENT, alert["message_id"], by=PATIENT, data=f"care:adj:{escalation.patient_id}:clear"
    )
    assert answer["answer"]["text"] == "Sorry, this is only for the care team."
    async with world.services.store.transaction() as tx:
        assert await tx.plan_adjustments(escalation.patient_id) == []
        assert await tx.care_session(SUPERVISOR) is None
