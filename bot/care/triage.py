"""Incident commands: /alerts (open incidents), /resolve CODE, /cancel."""

from __future__ import annotations

from bot.alerts.messages import outcome_keyboard, patient_response
from bot.care.alert_view import mark_seen, render_alert
from bot.care.commands import Call, Reply
from bot.care.incidents import open_incident_of


async def alerts(call: Call) -> Reply:
    services, texts, reader = call.services, call.services.content.texts, call.reader
    async with services.store.transaction() as tx:
        incidents = await tx.open_escalations()
        cards = {e.patient_id: await tx.patient_card(e.patient_id) for e in incidents}
    if not incidents:
        return Reply(call.text("supervisor.alerts.none"))
    lines = []
    for incident in incidents:
        card = cards.get(incident.patient_id)
        response = patient_response(incident, texts, reader.language)
        lines.append(
            call.text(
                "care.alerts.line",
                code=incident.patient_code,
                ref=(card.clinic_ref if card else None) or "—",
                trigger=call.text(f"supervisor.trigger.{incident.trigger.value}"),
                state=call.text(f"care.state.{incident.state}"),
                time=reader.time(incident.created_at),
            )
            + (f" - {response}" if response else "")
        )
    return Reply("\n".join(lines))


async def resolve(call: Call) -> Reply:
    """/resolve CODE: the outcome buttons of the patient's open incident — but only once the
    supervisor has seen everything in it; otherwise the incident is shown first."""
    code = call.args.strip().partition(" ")[0].upper()
    if not code:
        return Reply(call.text("care.resolve.usage"))
    known, incident = await open_incident_of(call.services, code)
    if not known:
        return Reply(call.text("supervisor.patient.unknown", code=code))
    if incident is None:
        return Reply(call.text("supervisor.alerts.none"))
    async with call.services.store.transaction() as tx:
        info = await tx.incident_info(incident.id)
        if info is not None and not info.has_seen(call.user_id):
            text, keyboard = await render_alert(tx, call.services, incident, call.reader)
            await mark_seen(tx, incident.id, call.user_id)
            return Reply(call.text("care.resolve.unseen") + "\n\n" + text, keyboard)
    return Reply(
        call.text("care.resolve.choose", code=code),
        outcome_keyboard(incident.id, call.services.content.texts, call.reader.language),
    )


async def cancel(call: Call) -> Reply:
    async with call.services.store.transaction() as tx:
        pending = await tx.care_session(call.user_id)
        await tx.clear_care_session(call.user_id)
    return Reply(call.text("care.cancelled" if pending else "care.nothing_to_cancel"))
