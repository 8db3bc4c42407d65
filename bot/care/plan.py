"""Plan adjustments a supervisor makes, each with a reason, audited, and the patient told in
one kind sentence where it changes what they see.

Declared once in `KINDS`: what can be changed, the values offered as buttons, the fields it
writes and the sentence for the patient. The fields are what the dose rules read:

    profiles.medical_clearance_at   clear readiness after medical clearance (a time, or NULL)
    profiles.hrmax_formula          a formula id from protocol.yaml (e.g. tanaka, classic)
    profiles.treatment_resistant    treatment-resistant depression (bool)
    profiles.phase_id, phase_started  set the phase (from today)
    profiles.phase_held             hold the phase: no progression while true (bool)
    patients.journey, paused_until  pause (as the patient's own /pause does)
    patients.discharged_at          discharge (a time)

Every change is also a `plan_adjustments` row (kind, value, reason, by, at) and an audit
event `plan.adjusted`. Flow: /adjust CODE or "Adjust plan" → kind → value → the reason typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_ids import row_id
from bot.care.commands import Call, Reply
from bot.rate_limit import SAFETY_RETRIES
from bot.storage.care import CareSession, PatientCard, PlanAdjustment
from bot.storage.repository import Transaction
from content.loader import Content
from dialogs.records import AuditEvent
from dialogs.timezones import tz_for
from state_machines.engine import InvalidTransition
from state_machines.journey import JOURNEY, JourneyModel, JourneyState

REASON = "reason"
MAX_REASON = 500


@dataclass(frozen=True)
class Kind:
    name: str
    values: Callable[[Content], list[str]]
    patient_key: str | None  # the sentence the patient gets, if what they see changes


def _none(_: Content) -> list[str]:
    return []


def _on_off(_: Content) -> list[str]:
    return ["on", "off"]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("clear", _none, "care.patient.plan.clear"),
        Kind("hrmax", lambda c: list(c.protocol.hrmax_formulas), None),
        Kind("trd", _on_off, None),
        Kind("phase", lambda c: [str(p.id) for p in c.protocol.phases], "care.patient.plan.phase"),
        Kind("hold", _on_off, None),
        Kind("pause", lambda _: ["7", "14", "28"], "care.patient.plan.pause"),
        Kind("discharge", _none, "care.patient.plan.discharge"),
    )
}


async def command(call: Call) -> Reply:
    """/adjust CODE"""
    code = call.args.strip().partition(" ")[0].upper()
    async with call.services.store.transaction() as tx:
        card = await tx.patient_card_by_code(code) if code else None
    if card is None:
        return Reply(call.text("care.plan.usage"))
    return menu(call, card)


def menu(call: Call, card: PatientCard) -> Reply:
    rows = [
        [
            InlineKeyboardButton(
                call.text(f"care.plan.kind.{name}"), callback_data=f"care:adj:{card.id}:{name}"
            )
        ]
        for name in KINDS
    ]
    return Reply(call.text("care.plan.choose", code=card.code), InlineKeyboardMarkup(rows))


async def on_press(call: Call, rest: str) -> Reply:
    """care:adj:PID[:kind[:value]]"""
    parts = rest.split(":")
    patient_id = row_id(parts[0])
    if patient_id is None:
        return Reply(call.text("supervisor.unknown_alert"))
    async with call.services.store.transaction() as tx:
        card = await tx.patient_card(patient_id)
    if card is None:
        return Reply(call.text("supervisor.unknown_alert"))
    if len(parts) == 1:
        return menu(call, card)
    kind = KINDS.get(parts[1])
    if kind is None:
        return Reply(call.text("supervisor.unknown_alert"))
    values = kind.values(call.services.content)
    if len(parts) == 2 and values:
        buttons = [
            InlineKeyboardButton(value, callback_data=f"care:adj:{card.id}:{kind.name}:{value}")
            for value in values
        ]
        return Reply(
            call.text(f"care.plan.kind.{kind.name}"),
            InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)]),
        )
    value = parts[2] if len(parts) > 2 else ""
    if (values and value not in values) or (not values and value):
        return Reply(call.text("supervisor.unknown_alert"))
    async with call.services.store.transaction() as tx:
        await tx.set_care_session(
            CareSession(
                call.user_id,
                REASON,
                card.id,
                None,
                f"{kind.name}={value}",
                call.services.clock.now(),
            )
        )
    return Reply(
        call.text(
            "care.plan.reason",
            change=call.text(f"care.plan.kind.{kind.name}") + (f": {value}" if value else ""),
            code=card.code,
        )
    )


async def apply(call: Call, pending: CareSession, reason: str) -> Reply:
    """The typed reason completes the change: fields, record, audit, then the patient."""
    reason = reason.strip()[:MAX_REASON]
    name, _, value = (pending.outcome or "").partition("=")
    kind = KINDS.get(name)
    services = call.services
    now = services.clock.now()
    async with services.store.transaction() as tx:
        await tx.clear_care_session(call.user_id)
        card = await tx.patient_card(pending.patient_id)
        if kind is None or card is None or not reason:
            return Reply(call.text("care.plan.usage"))
        changed = await _write(tx, card, kind.name, value, now, call.user_id)
        if changed is None:
            return Reply(call.text("care.plan.not_now", code=card.code))
        await tx.add_plan_adjustment(
            card.id,
            PlanAdjustment(kind.name, {"value": value, **changed}, reason, call.user_id, now),
        )
        await tx.add_audit(
            AuditEvent(
                "plan.adjusted",
                f"supervisor:{call.user_id}",
                card.code,
                {"kind": kind.name, "value": value, "reason": reason, **changed},
            ),
            now,
        )
    if kind.patient_key is not None:
        sentence = services.content.texts.get(
            card.language, kind.patient_key, value=value, until=changed.get("paused_until", "")
        )
        try:
            await call.bot.send_message(card.chat_id, sentence, rate_limit_args=SAFETY_RETRIES)
        except Exception as error:  # recorded already; the view shows the change
            return Reply(call.text("care.plan.done_untold", code=card.code, error=str(error)[:80]))
    return Reply(call.text("care.plan.done", code=card.code))


async def _write(
    tx: Transaction,
    card: PatientCard,
    kind: str,
    value: str,
    now: dt.datetime,
    supervisor_id: int,
) -> dict[str, Any] | None:
    """Write the fields; what was written (JSON-friendly), or None if it cannot apply now."""
    today = now.astimezone(tz_for(card.timezone)).date()
    if kind == "clear":
        # The dose rules (content/clinical/progression) lift the readiness hold from here.
        await tx.set_profile_fields(
            card.id, medical_clearance_at=now, medical_clearance_by=f"supervisor:{supervisor_id}"
        )
        return {"medical_clearance_at": now.isoformat()}
    if kind == "hrmax":
        await tx.set_profile_fields(card.id, hrmax_formula=value)
        return {"hrmax_formula": value}
    if kind in ("trd", "hold"):
        field = "treatment_resistant" if kind == "trd" else "phase_held"
        await tx.set_profile_fields(card.id, **{field: value == "on"})
        return {field: value == "on"}
    if kind == "phase":
        await tx.set_profile_fields(card.id, phase_id=int(value), phase_started=today)
        return {"phase_id": int(value), "phase_started": today.isoformat()}
    if kind == "pause":
        journey = JourneyModel(JourneyState(card.journey))
        try:
            JOURNEY.fire(journey, "pause")
        except InvalidTransition:
            return None
        until = today + dt.timedelta(days=int(value))
        await tx.set_patient_fields(card.id, journey=journey.state.value, paused_until=until)
        return {"paused_until": until.isoformat()}
    await tx.set_patient_fields(card.id, discharged_at=now)
    return {"discharged_at": now.isoformat()}
