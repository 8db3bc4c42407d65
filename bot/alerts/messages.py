"""What a supervisor sees: pseudonymous code, trigger, details, time, history, buttons.

No names: the patient is only their code. The buttons carry the escalation id; the handler
looks the escalation up and checks the sender, so the button itself is never trusted.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.storage.outbox import Delivery
from bot.storage.repository import Transaction
from content.texts import Texts
from dialogs.records import Escalation, EscalationTrigger, Priority

ACK_ACTION = "escalation.acknowledged"
# The patient's answers to the crisis reply, shown in the words of the button they pressed.
RESPONSE_KEYS = {
    "safe_now": "safety.button.safe",
    "needs_help_now": "safety.button.help",
    # Answers to the direct question after a concern (dialogs.concern).
    "concern_yes": "concern.answer.yes",
    "concern_not_sure": "concern.answer.not_sure",
    "concern_no": "concern.answer.no",
}
BUTTON_LABEL_LIMIT = 60


def callback_data(escalation_id: int, action: str) -> str:
    return f"esc:{escalation_id}:{action}"


def _details(escalation: Escalation, texts: Texts, language: str) -> str:
    details = escalation.details
    total = details.get("phq9_total")
    if escalation.trigger is EscalationTrigger.ITEM9:
        return texts.get(
            language, "supervisor.details.item9", item9=details.get("item9"), total=total
        )
    if escalation.trigger in (EscalationTrigger.RISK_LANGUAGE, EscalationTrigger.CONCERN):
        return texts.get(
            language,
            "supervisor.details.risk_language",
            where=details.get("where", "private"),
            message=details.get("message", ""),
            reason=details.get("reason", ""),
        )
    if escalation.trigger in (EscalationTrigger.SEVERE_SCORE, EscalationTrigger.DETERIORATION):
        baseline = details.get("baseline")
        if baseline is None:
            return texts.get(language, "supervisor.details.score", total=total)
        return texts.get(
            language, "supervisor.details.score_baseline", total=total, baseline=baseline
        )
    if escalation.trigger is EscalationTrigger.READINESS:
        return ", ".join(str(a) for a in details.get("answered_yes", []))
    if details.get("button"):
        return str(details["button"])
    return "—"


def patient_response(escalation: Escalation, texts: Texts, language: str = "en") -> str | None:
    """The patient's latest answer to the crisis reply, as the button read; never closes."""
    response = escalation.patient_response
    if not response:
        return None
    key = RESPONSE_KEYS.get(response)
    return texts.get(language, key) if key else response


def is_reminder(escalation: Escalation, delivery: Delivery) -> bool:
    """A later step queued once the alert was acknowledged is a reminder, not a re-escalation."""
    acknowledged = escalation.acknowledged_at
    return (
        delivery.step > 0
        and acknowledged is not None
        and delivery.created_at is not None
        and delivery.created_at >= acknowledged
    )


def alert_text(
    escalation: Escalation,
    step: int,
    history: list[Escalation],
    texts: Texts,
    language: str = "en",
    *,
    reminder: bool = False,
) -> str:
    trigger = texts.get(language, f"supervisor.trigger.{escalation.trigger.value}")
    time = escalation.created_at.strftime("%Y-%m-%d %H:%M UTC")
    earlier = [e for e in history if e.id < escalation.id]
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
    response = patient_response(escalation, texts, language)
    if response:
        lines.append(texts.get(language, "supervisor.alert.patient_said", response=response))
    if reminder:
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
    escalation: Escalation, texts: Texts, language: str = "en", who: str | None = None
) -> InlineKeyboardMarkup | None:
    """Acknowledge and Resolve; once acknowledged, the first button names who did it."""
    if escalation.state == "resolved":
        return None
    if escalation.state in ("open", "notified"):
        first = texts.get(language, "supervisor.button.acknowledge")
    else:
        first = "✓ " + texts.get(
            language,
            "supervisor.alert.acknowledged_by",
            who=who or escalation.acknowledged_by,
            time=f"{escalation.acknowledged_at:%H:%M UTC}" if escalation.acknowledged_at else "",
        )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    first[:BUTTON_LABEL_LIMIT], callback_data=callback_data(escalation.id, "ack")
                ),
                InlineKeyboardButton(
                    texts.get(language, "supervisor.button.resolve"),
                    callback_data=callback_data(escalation.id, "resolve"),
                ),
            ]
        ]
    )


async def acknowledger_name(tx: Transaction, escalation: Escalation) -> str | None:
    """The name the acknowledging supervisor had in Telegram, from the audit log."""
    if escalation.acknowledged_by is None:
        return None
    for event in reversed(await tx.audit_events(escalation.patient_code)):
        if event.action == ACK_ACTION and event.details.get("id") == escalation.id:
            name = event.details.get("name")
            return f"{name} ({escalation.acknowledged_by})" if name else None
    return None
