"""One patient, for their care team: `/patient CODE` or a caseload button.

Who (code, clinic reference, phone if shared), the plan and its supervisor-set flags, the open
incident, item-level PHQ-9 history, recent sessions with minutes, effort and mood before/after,
the safety plan's own words, barrier plans, and the audit trail. Opening it counts as having
seen the open incident. Telegram caps a message at 4096 characters; the oldest history goes.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.care.alert_view import mark_seen
from bot.care.caseload import CONTACT_ACTIONS, case_row, line
from bot.care.commands import Call, Reply
from bot.storage.care import PatientCard

MAX_TEXT = 4000
RELAYED = ("care.message_to_patient", "care.message_from_patient")
SHOWN = 6


async def patient(call: Call) -> Reply:
    """/patient CODE"""
    code = call.args.strip().partition(" ")[0].upper()
    if not code:
        return Reply(call.text("care.view.usage"))
    async with call.services.store.transaction() as tx:
        card = await tx.patient_card_by_code(code)
    if card is None:
        return Reply(call.text("supervisor.patient.unknown", code=code))
    return await view(call, card)


async def view_by_id(call: Call, patient_id: int) -> Reply:
    async with call.services.store.transaction() as tx:
        card = await tx.patient_card(patient_id)
    if card is None:
        return Reply(call.text("supervisor.unknown_alert"))
    return await view(call, card)


async def view(call: Call, card: PatientCard) -> Reply:
    services, reader = call.services, call.reader
    now = services.clock.now()
    async with services.store.transaction() as tx:
        state = await tx.load_patient_by_id(card.id, now)
        incident = await tx.open_incident(card.id)
        info = await tx.incident_info(incident.id) if incident else None
        contact = await tx.last_audit(card.code, CONTACT_ACTIONS)
        barriers = await tx.barrier_plans(card.id)
        flags = await tx.profile_flags(card.id)
        events = await tx.audit_events(card.code)
        if incident is not None:
            await mark_seen(tx, incident.id, call.user_id)
    if state is None:
        return Reply(call.text("supervisor.unknown_alert"))
    row = case_row(card, state, incident, contact)
    sections = [
        line(row, call),
        call.text(
            "care.view.who",
            phone=card.phone or call.text("care.alert.no_phone"),
            language=card.language,
            country=card.country,
            timezone=card.timezone,
        ),
        call.text(
            "care.view.flags",
            cleared=reader.time(flags["medical_clearance_at"])
            if flags["medical_clearance_at"]
            else "—",
            formula=flags["hrmax_formula"] or "—",
            trd=call.text("care.yes") if flags["treatment_resistant"] else call.text("care.no"),
            held=call.text("care.yes") if flags["phase_held"] else call.text("care.no"),
        ),
    ]
    if incident is not None:
        triggers = [incident, *(info.triggers if info else [])]
        sections.append(
            call.text("care.view.incident", state=incident.state)
            + "\n"
            + "\n".join(
                f"• {reader.time(t.created_at)} {t.trigger.value}: "
                f"{t.details.get('message') or t.details.get('phq9_total', '')}"
                for t in triggers
            )
        )
    checkins = [c for c in state.checkins if c.total is not None][-SHOWN:]
    sections.append(
        call.text("care.view.phq9")
        + "\n"
        + (
            "\n".join(
                f"{reader.time(c.started_at, '%Y-%m-%d')}: {c.total} ({c.band}) "
                f"[{' '.join(str(c.answers[k]) for k in sorted(c.answers))}]"
                for c in reversed(checkins)
            )
            or "—"
        )
    )
    sessions = [s for s in state.sessions if s.minutes is not None or s.status.value][-SHOWN:]
    sections.append(
        call.text("care.view.sessions")
        + "\n"
        + (
            "\n".join(
                f"{s.day}: {s.status.value} {s.modality or ''} {s.minutes or 0} min, "
                f"RPE {s.exertion or '—'}, mood {s.mood_before or '—'}→{s.mood_after or '—'}"
                for s in reversed(sessions)
            )
            or "—"
        )
    )
    plan = state.safety_plan.sections
    sections.append(
        call.text("care.view.safety_plan")
        + "\n"
        + (
            "\n".join(f"{name}: {'; '.join(items)}" for name, items in plan.items() if items)
            or "—"
        )
    )
    sections.append(
        call.text("care.view.barriers")
        + "\n"
        + ("\n".join(f"{b.barrier}: {b.what} ({b.when})" for b in barriers[-SHOWN:]) or "—")
    )
    relayed = [e for e in events if e.action in RELAYED and e.at][-SHOWN:]
    sections.append(
        call.text("care.view.messages")
        + "\n"
        + (
            "\n".join(
                f"{reader.time(e.at)} {'→' if e.action == RELAYED[0] else '←'} "  # type: ignore[arg-type]
                f"{e.details.get('text', '')}"
                for e in relayed
            )
            or "—"
        )
    )
    sections.append(
        call.text("care.view.audit")
        + "\n"
        + "\n".join(f"{reader.time(e.at)} {e.action} ({e.actor})" for e in events[-SHOWN:] if e.at)
    )
    text = "\n\n".join(sections)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return Reply(text, keyboard(call, card.id))


def keyboard(call: Call, patient_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton
    return InlineKeyboardMarkup(
        [
            [
                button(call.text("care.button.message"), callback_data=f"care:msg:{patient_id}"),
                button(call.text("care.button.adjust"), callback_data=f"care:adj:{patient_id}"),
            ],
            [button(call.text("care.button.caseload"), callback_data="care:list:all:0")],
        ]
    )
