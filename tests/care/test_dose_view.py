"""/dose CODE: the supervisor gets the patient's dose-fidelity chart as an image, by code."""

from __future__ import annotations

from tests.alerts.conftest import PATIENT, SUPERVISOR
from tests.alerts.test_supervisor import World


async def test_a_supervisor_gets_the_dose_chart_as_a_photo_and_nobody_else_does(
    world: World,
) -> None:
    escalation = await world.patient_sos()
    code = escalation.patient_code
    reply = await world.command(SUPERVISOR, f"/dose {code.lower()}")
    assert reply == f"Chart for {code} sent above."
    sent = [m for m in await world.users.messages(SUPERVISOR) if m.get("by_bot")]
    photo = sent[-2]
    assert photo.get("photo"), photo
    assert (photo.get("caption") or "").startswith(f"{code}: prescribed and delivered dose")
    assert "Send /dose CODE" in await world.command(SUPERVISOR, "/dose")
    assert "No patient found" in await world.command(SUPERVISOR, "/dose NOPE42")
    before = len(await world.users.messages(PATIENT))
    assert (
        await world.command(PATIENT, f"/dose {code}") == "Sorry, this is only for the care team."
    )
    patient_messages = await world.users.messages(PATIENT)
    assert not any(m.get("photo") for m in patient_messages[before:])
