"""Presses on the care team's own buttons (`care:<verb>:<args>`) and the typed input they ask
for. The caller has checked the sender is a supervisor; ids in the data are looked up here."""

from __future__ import annotations

from bot.callback_ids import row_id
from bot.care import caseload, conversation, patient_view, plan
from bot.care.commands import Call, Reply
from bot.storage.care import CareSession


async def on_press(call: Call, data: str) -> Reply | None:
    verb, _, rest = data.removeprefix("care:").partition(":")
    patient_id = row_id(rest)
    if verb == "msg" and patient_id is not None:
        code = await conversation.start_message(call.services, call.user_id, patient_id, None)
        if code is None:
            return Reply(call.text("supervisor.unknown_alert"))
        return Reply(call.text("care.message.prompt", code=code, name=call.first_name))
    if verb == "view" and patient_id is not None:
        return await patient_view.view_by_id(call, patient_id)
    if verb == "adj":
        return await plan.on_press(call, rest)
    if verb == "list":
        return await caseload.show_page(call, rest)
    return Reply(call.text("supervisor.unknown_alert"))


async def on_text(call: Call, pending: CareSession, text: str) -> Reply:
    """Typed input for a pending step this module owns."""
    if pending.kind == plan.REASON:
        return await plan.apply(call, pending, text)
    async with call.services.store.transaction() as tx:
        await tx.clear_care_session(call.user_id)
    return Reply(call.text("care.no_pending"))
