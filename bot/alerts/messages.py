"""What a supervisor sees: the incident alert, its reminders and "new trigger" lines, buttons.

No names: the patient is their code plus whatever the clinic put on the invite. Texts are in
the supervisor's language and times in their time zone. The buttons carry the incident id;
the handler looks the incident up and checks the sender, so a button itself is never trusted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.alerts.routing import TRIGGER_STEP, StepKind, step_kind
from bot.config import Settings
from bot.storage.care import PatientCard
from bot.storage.escalations import IncidentInfo
from bot.storage.repository import Transaction
from content.texts import Texts
from dialogs.records import Escalation, EscalationTrigger, Priority
from dialogs.timezones import tz_for

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
OUTCOMES = ("safe", "emergency", "unreachable", "no_risk")


@dataclass(frozen=True)
class Reader:
    """Who reads a message: their language and time zone."""

    language: str = "en"
    timezone: str = "UTC"

    def time(self, when: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        local = when.astimezone(tz_for(self.timezone))
        zone = f" {local.tzname() or ''}" if "%H" in fmt else ""
        return f"{local:{fmt}}{zone}".strip()


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


def trigger_line(escalation: Escalation, texts: Texts, reader: Reader) -> str:
    """One trigger: what, the details (the patient's own words for risk language), when."""
    return texts.get(
        reader.language,
        "care.alert.trigger",
        trigger=texts.get(reader.language, f"supervisor.trigger.{escalation.trigger.value}"),
        details=_details(escalation, texts, reader.language),
        time=reader.time(escalation.created_at, "%H:%M"),
    )


def who_line(card: PatientCard | None, texts: Texts, reader: Reader, now: dt.datetime) -> str:
    """Clinic reference, phone if shared, language, country and the patient's local time."""
    if card is None:
        return ""
    local = now.astimezone(tz_for(card.timezone))
    return texts.get(
        reader.language,
        "care.alert.who",
        ref=card.clinic_ref or "—",
        phone=card.phone or texts.get(reader.language, "care.alert.no_phone"),
        language=card.language,
        country=card.country,
        local=f"{local:%H:%M} ({card.timezone})",
    )


def history_line(escalation: Escalation, history: list[Escalation], reader: Reader) -> str:
    earlier = [e for e in history if e.id < escalation.id]
    return (
        "; ".join(
            f"{reader.time(e.created_at, '%Y-%m-%d')} {e.trigger.value} ({e.state})"
            for e in earlier[-5:]
        )
        or "—"
    )


def alert_text(
    escalation: Escalation,
    info: IncidentInfo | None,
    card: PatientCard | None,
    history: list[Escalation],
    texts: Texts,
    reader: Reader,
    now: dt.datetime,
    *,
    level: int = 0,
) -> str:
    """The whole incident: who, every trigger, what the patient said, earlier incidents."""
    language = reader.language
    urgent = escalation.priority is Priority.URGENT
    triggers = [escalation, *(info.triggers if info else [])]
    lines = [
        texts.get(
            language,
            "care.alert.urgent" if urgent else "care.alert.routine",
            code=escalation.patient_code,
            time=reader.time(escalation.created_at),
        ),
        who_line(card, texts, reader, now),
        "\n".join(trigger_line(t, texts, reader) for t in triggers),
    ]
    response = next(
        (r for t in reversed(triggers) if (r := patient_response(t, texts, language))), None
    )
    if response:
        lines.append(texts.get(language, "supervisor.alert.patient_said", response=response))
    lines.append(
        texts.get(
            language, "care.alert.history", history=history_line(escalation, history, reader)
        )
    )
    if level > 0:
        lines.insert(0, texts.get(language, "supervisor.alert.reescalated", level=level))
    lines.extend(status_lines(escalation, info, texts, reader))
    if urgent and escalation.state in ("open", "notified"):
        lines.append(texts.get(language, "care.alert.ask"))
    return "\n\n".join(line for line in lines if line)


def reminder_text(
    escalation: Escalation, info: IncidentInfo | None, texts: Texts, reader: Reader
) -> str:
    """One short line: which incident, since when, and what it waits for."""
    key = (
        "care.reminder.unacknowledged"
        if escalation.state in ("open", "notified")
        else "care.reminder.unresolved"
    )
    if info is not None and info.outcome == "unreachable":
        key = "care.reminder.unreachable"
    return texts.get(
        reader.language,
        key,
        code=escalation.patient_code,
        since=reader.time(escalation.created_at),
    )


def new_trigger_text(
    escalation: Escalation, info: IncidentInfo | None, texts: Texts, reader: Reader, step: int
) -> str:
    """The "new trigger" line: the trigger the step announces (the alert above is edited)."""
    triggers = info.triggers if info else []
    index = step - TRIGGER_STEP - 1
    added = triggers[index] if 0 <= index < len(triggers) else (triggers or [escalation])[-1]
    return texts.get(
        reader.language,
        "care.alert.new_trigger",
        code=escalation.patient_code,
        line=trigger_line(added, texts, reader),
    )


def status_lines(
    escalation: Escalation, info: IncidentInfo | None, texts: Texts, reader: Reader
) -> list[str]:
    language = reader.language
    lines = []
    if escalation.acknowledged_by is not None and escalation.acknowledged_at is not None:
        lines.append(
            texts.get(
                language,
                "supervisor.alert.acknowledged_by",
                who=escalation.acknowledged_by,
                time=reader.time(escalation.acknowledged_at),
            )
        )
    if info is not None and info.outcome == "unreachable" and escalation.state != "resolved":
        lines.append(texts.get(language, "care.outcome.unreachable_open"))
    if escalation.resolved_by is not None and escalation.resolved_at is not None:
        outcome = info.outcome if info and info.outcome else ""
        lines.append(
            texts.get(
                language,
                "care.alert.resolved_by",
                who=escalation.resolved_by,
                time=reader.time(escalation.resolved_at),
                outcome=texts.get(language, f"care.outcome.{outcome}") if outcome else "—",
                note=escalation.resolution_note or "",
            )
        )
    return lines


def alert_keyboard(
    escalation: Escalation, texts: Texts, language: str = "en", who: str | None = None
) -> InlineKeyboardMarkup | None:
    """Acknowledge (or who did), Message patient, Resolve; nothing once resolved."""
    if escalation.state == "resolved":
        return None
    if escalation.state in ("open", "notified"):
        first = texts.get(language, "supervisor.button.acknowledge")
    else:
        first = "✓ " + (who or str(escalation.acknowledged_by))
    button = InlineKeyboardButton
    return InlineKeyboardMarkup(
        [
            [
                button(
                    first[:BUTTON_LABEL_LIMIT], callback_data=callback_data(escalation.id, "ack")
                ),
                button(
                    texts.get(language, "care.button.message"),
                    callback_data=callback_data(escalation.id, "msg"),
                ),
            ],
            [
                button(
                    texts.get(language, "supervisor.button.resolve"),
                    callback_data=callback_data(escalation.id, "resolve"),
                ),
            ],
        ]
    )


def outcome_keyboard(escalation_id: int, texts: Texts, language: str) -> InlineKeyboardMarkup:
    """The four outcomes a resolution records, one per row."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.get(language, f"care.outcome.{outcome}"),
                    callback_data=callback_data(escalation_id, f"out-{outcome}"),
                )
            ]
            for outcome in OUTCOMES
        ]
    )


def delivery_message(
    escalation: Escalation,
    step: int,
    info: IncidentInfo | None,
    card: PatientCard | None,
    history: list[Escalation],
    texts: Texts,
    reader: Reader,
    now: dt.datetime,
    who: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of one outbox step (see `routing` for the step numbers)."""
    kind = step_kind(step)
    keyboard = alert_keyboard(escalation, texts, reader.language, who)
    if kind is StepKind.REMINDER:
        return reminder_text(escalation, info, texts, reader), keyboard
    if kind is StepKind.TRIGGER:
        return new_trigger_text(escalation, info, texts, reader, step), None
    text = alert_text(escalation, info, card, history, texts, reader, now, level=step)
    return text, keyboard


async def reader_for(tx: Transaction, settings: Settings, chat_id: int) -> Reader:
    """A supervisor's language and time zone as they set them, else the defaults."""
    prefs = await tx.supervisor_prefs(chat_id)
    if prefs is None:
        return Reader(settings.default_language, settings.default_timezone)
    return Reader(prefs.language, prefs.timezone)


async def acknowledger_name(tx: Transaction, escalation: Escalation) -> str | None:
    """The name the acknowledging supervisor had in Telegram, from the audit log."""
    if escalation.acknowledged_by is None:
        return None
    for event in reversed(await tx.audit_events(escalation.patient_code)):
        if event.action == ACK_ACTION and event.details.get("id") == escalation.id:
            name = event.details.get("name")
            return f"{name} ({escalation.acknowledged_by})" if name else None
    return None
