"""What a supervisor sees: pseudonymous code, trigger, details, time, history, buttons.

No names: the patient is only their code. The buttons carry the escalation id; the handler
looks the escalation up and checks the sender, so the button itself is never trusted.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from content.texts import Texts
from dialogs.records import Escalation, EscalationTrigger, Priority


def _details(escalation: Escalation, texts: Texts, language: str) -> str:
    details = escalation.details
    if escalation.trigger is EscalationTrigger.ITEM9:
        return f"PHQ-9 item 9 = {details.get('item9')}, total = {details.get('phq9_total')}"
    if escalation.trigger is EscalationTrigger.RISK_LANGUAGE:
        where = details.get("where", "private")
        return f"[{where}] «{details.get('message', '')}» ({details.get('reason', '')})"
    if escalation.trigger in (EscalationTrigger.SEVERE_SCORE, EscalationTrigger.DETERIORATION):
        baseline = details.get("baseline")
        extra = f", baseline {baseline}" if baseline is not None else ""
        return f"PHQ-9 total = {details.get('phq9_total')}{extra}"
    if escalation.trigger is EscalationTrigger.READINESS:
        return ", ".join(str(a) for a in details.get("answered_yes", []))
    if details.get("button"):
        return str(details["button"])
    return "—"


def alert_text(
    escalation: Escalation,
    step: int,
    history: list[Escalation],
    texts: Texts,
    language: str = "en",
) -> str:
    trigger = texts.get(language, f"supervisor.trigger.{escalation.trigger.value}")
    time = escalation.created_at.strftime("%Y-%m-%d %H:%M UTC")
    earlier = [e for e in history if e.id != escalation.id]
    past = (
        "; ".join(f"{e.created_at:%Y-%m-%d} {e.trigger.value} ({e.state})" for e in earlier[-5:])
        or "—"
    )
    key = (
        "supervisor.alert.urgent"
        if escalation.priority is Priority.URGENT
        else "supervisor.alert.routine"
    )
    lines = [
        texts.get(
            language,
            key,
            code=escalation.patient_code,
            trigger=trigger,
            details=_details(escalation, texts, language),
            time=time,
            history=past,
        )
    ]
    if escalation.patient_response:
        lines.append(f"Patient: {escalation.patient_response}")
    if escalation.state == "acknowledged" and step > 0:
        lines.insert(0, texts.get(language, "supervisor.alert.reminder"))
    elif step > 0:
        lines.insert(0, texts.get(language, "supervisor.alert.reescalated", level=step))
    lines.extend(status_lines(escalation, texts, language))
    return "\n\n".join(lines)


def status_lines(escalation: Escalation, texts: Texts, language: str) -> list[str]:
    lines = []
    if escalation.acknowledged_by is not None and escalation.acknowledged_at is not None:
        lines.append(
            texts.get(
                language,
                "supervisor.alert.acknowledged_by",
                who=escalation.acknowledged_by,
                time=f"{escalation.acknowledged_at:%Y-%m-%d %H:%M UTC}",
            )
        )
    if escalation.resolved_by is not None and escalation.resolved_at is not None:
        lines.append(
            texts.get(
                language,
                "supervisor.alert.resolved_by",
                who=escalation.resolved_by,
                time=f"{escalation.resolved_at:%Y-%m-%d %H:%M UTC}",
                note=escalation.resolution_note or "",
            )
        )
    return lines


def alert_keyboard(
    escalation: Escalation, texts: Texts, language: str = "en"
) -> InlineKeyboardMarkup | None:
    if escalation.state == "resolved":
        return None
    buttons = []
    if escalation.state in ("open", "notified"):
        buttons.append(
            InlineKeyboardButton(
                texts.get(language, "supervisor.button.acknowledge"),
                callback_data=f"esc:{escalation.id}:ack",
            )
        )
    buttons.append(
        InlineKeyboardButton(
            texts.get(language, "supervisor.button.resolve"),
            callback_data=f"esc:{escalation.id}:resolve",
        )
    )
    return InlineKeyboardMarkup([buttons])
