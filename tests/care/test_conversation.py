"""'Message patient': a supervisor's next message reaches the patient through the bot, the
patient's replies come back while the incident is open, still risk-screened, all audited."""

from __future__ import annotations

from bot.care.incidents import record_outcome
from tests.alerts.conftest import PATIENT, SECOND_SUPERVISOR, SUPERVISOR, audit_of, escalation_of
from tests.alerts.test_supervisor import NURSE, World, buttons


async def test_message_patient_round_trip_is_relayed_both_ways_and_audited(world: World) -> None:
    escalation = await world.patient_sos()
    code = escalation.patient_code
    alert = await world.alert(SUPERVISOR)
    await world.press(SUPERVISOR, alert["message_id"], by=SUPERVISOR, text="Message patient")
    prompt = await world.last(SUPERVISOR)
    assert f"Send your message for {code} now" in prompt["text"]
    assert await world.command(SUPERVISOR, "Hi, this is Sam. Are you somewhere safe?") == (
        f"Sent to {code}. Their replies will come here while the incident is open."
    )
    to_patient = await world.last(PATIENT)
    assert (
        to_patient["text"]
        == "From your care team, Sup One: Hi, this is Sam. Are you somewhere safe?"
    )
    # The patient's reply goes to the supervisor handling it, and the patient is told so.
    await world.users.send_text(PATIENT, "yes, at home with my sister")
    await world.pump()
    assert (await world.last(PATIENT))["text"] == "Sent to your care team."
    relayed = await world.last(SUPERVISOR)
    assert relayed["text"] == f"{code} (—) replied: «yes, at home with my sister»"
    await world.press(SUPERVISOR, relayed["message_id"], by=SUPERVISOR, text="Reply")
    assert await world.command(SUPERVISOR, "Good. I'll call you at 5.") == (
        f"Sent to {code}. Their replies will come here while the incident is open."
    )
    assert (await world.last(PATIENT))["text"].endswith("Good. I'll call you at 5.")
    assert "yes, at home" not in (await world.last(SECOND_SUPERVISOR)).get("text", "")
    events = await audit_of(world.services, code)
    sent = [e for e in events if e.action == "care.message_to_patient"]
    back = [e for e in events if e.action == "care.message_from_patient"]
    assert len(sent) == 2 and sent[0].details["text"] == "Hi, this is Sam. Are you somewhere safe?"
    assert sent[0].actor == f"supervisor:{SUPERVISOR}"
    assert back[0].details == {
        "text": "yes, at home with my sister",
        "to": SUPERVISOR,
        "incident": escalation.id,
        "risk": False,
    }
    view = await world.command(SUPERVISOR, f"/patient {code}")
    assert "→ Hi, this is Sam. Are you somewhere safe?" in view
    assert "← yes, at home with my sister" in view
    # Once resolved, the patient's messages go to the bot as usual again.
    result = await record_outcome(world.services, escalation.id, SUPERVISOR, "safe", "talked")
    assert result.changed  # "Message patient" showed them the incident
    await world.users.send_text(PATIENT, "thanks")
    await world.pump()
    assert "thanks" not in (await world.last(SUPERVISOR))["text"]
    assert (await world.last(PATIENT))["text"] != "Sent to your care team."


async def test_a_relayed_reply_is_still_screened_for_risk(world: World) -> None:
    escalation = await world.patient_sos()
    await world.press(
        SUPERVISOR,
        (await world.alert(SUPERVISOR))["message_id"],
        by=SUPERVISOR,
        text="Message patient",
    )
    await world.command(SUPERVISOR, "How are you doing right now?")
    await world.users.send_text(PATIENT, "honestly I want to kill myself")
    await world.pump()
    patient_texts = [m["text"] for m in await world.users.messages(PATIENT) if m.get("by_bot")]
    assert any("988" in t for t in patient_texts[-3:])  # the crisis reply, at once
    assert patient_texts[-1] == "Sent to your care team."
    assert "kill myself" in (await world.last(SUPERVISOR))["text"]
    async with world.services.store.transaction() as tx:
        info = await tx.incident_info(escalation.id)
        assert [t.trigger.value for t in info.triggers] == ["risk_language"]  # same incident
        assert len(await tx.open_escalations()) == 1


async def test_only_supervisors_can_message_a_patient(world: World) -> None:
    escalation = await world.patient_sos()
    team_alert = await world.alert(world.team)
    answer = await world.press(
        world.team, team_alert["message_id"], by=NURSE, text="Message patient"
    )
    assert answer["answer"]["text"] == "Sorry, this is only for the care team."
    await world.users.send_text(NURSE, "hello patient")
    await world.pump()
    assert "hello patient" not in " ".join(
        m.get("text", "") for m in await world.users.messages(PATIENT)
    )
    after = await escalation_of(world.services, escalation.id)
    assert after.state == "notified"
    async with world.services.store.transaction() as tx:
        assert (await tx.incident_info(escalation.id)).handler_id is None  # type: ignore[union-attr]


async def test_cancel_drops_the_pending_message(world: World) -> None:
    escalation = await world.patient_sos()
    await world.press(
        SUPERVISOR,
        (await world.alert(SUPERVISOR))["message_id"],
        by=SUPERVISOR,
        data=f"esc:{escalation.id}:msg",
    )
    assert await world.command(SUPERVISOR, "/cancel") == "Cancelled."
    reply = await world.command(SUPERVISOR, "this should not be sent")
    assert reply.startswith("Use the buttons on an alert")
    patient = " ".join(m.get("text", "") for m in await world.users.messages(PATIENT))
    assert "this should not be sent" not in patient
    assert buttons(await world.alert(SUPERVISOR))[1] == "Message patient"
