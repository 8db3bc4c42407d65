"""/dose CODE: one patient's prescribed against delivered dose beside their PHQ-9, as an image.

Why an image: a supervisor reads weeks of dose and scores at a glance on a phone. It is the
clinic report's own figure (`bot.records.charts`), labelled by code only, never a name.
"""

from __future__ import annotations

from bot.care.commands import Call, Reply
from bot.rate_limit import SAFETY_RETRIES
from bot.records.charts import dose_fidelity_png
from bot.records.dataset import load_patient_records
from dialogs.timezones import tz_for


async def dose(call: Call) -> Reply:
    """/dose CODE"""
    code = call.args.strip().partition(" ")[0].upper()
    if not code:
        return Reply(call.text("care.dose.usage"))
    services = call.services
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_code(code)
    records = None if card is None else await load_patient_records(services.store, card.id)
    if card is None or records is None:
        return Reply(call.text("supervisor.patient.unknown", code=code))
    today = services.clock.now().astimezone(tz_for(card.timezone)).date()
    # Drawn on the loop: pyplot keeps global state, and one figure takes milliseconds.
    image = dose_fidelity_png(records, services.content, today)
    await call.bot.send_photo(
        call.user_id,
        image,
        caption=call.text("care.dose.caption", code=card.code),
        rate_limit_args=SAFETY_RETRIES,  # a supervisor waiting on it, like any reply
    )
    return Reply(call.text("care.dose.sent", code=card.code))
