"""What an incident alert says and which buttons it carries, in each state of its life."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.alerts import routing
from bot.alerts.messages import (
    Reader,
    alert_keyboard,
    alert_text,
    callback_data,
    delivery_message,
    outcome_keyboard,
)
from bot.storage.care import PatientCard
from bot.storage.escalations import IncidentInfo
from content.loader import shipped_content
from dialogs.records import Escalation, EscalationTrigger, Priority

T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
TEXTS = shipped_content().texts
EN = Reader("en", "UTC")
CARD = PatientCard(
    id=1,
    code="S-ABC123",
    chat_id=5,
    language="es",
    country="MX",
    timezone="America/Mexico_City",
    journey="active",
    clinic_ref="MRN-0042",
    phone="+52 55 1234 5678",
)


def escalation(**changes: object) -> Escalation:
    base = Escalation(
        id=7,
        patient_id=1,
        patient_code="S-ABC123",
        trigger=EscalationTrigger.ITEM9,
        priority=Priority.URGENT,
        state="notified",
        details={"phq9_total": 17, "item9": 2, "answered": 9},
        created_at=T0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def text(e: Escalation, history: list[Escalation] | None = None, **kw: object) -> str:
    info = kw.pop("info", None)
    reader = kw.pop("reader", EN)
    return alert_text(e, info, CARD, history or [], TEXTS, reader, T0, **kw)  # type: ignore[arg-type]


def labels(e: Escalation, who: str | None = None) -> list[str]:
    markup = alert_keyboard(e, TEXTS, who=who)
    return [b.text for row in markup.inline_keyboard for b in row] if markup else []


def test_an_item9_alert_shows_who_the_answer_the_total_and_the_time() -> None:
    alert = text(escalation())
    assert alert.startswith("URGENT: patient S-ABC123 (incident opened 2026-11-02 09:30 UTC)")
    assert "Clinic ref: MRN-0042 · Phone: +52 55 1234 5678 · Language: es · Country: MX" in alert
    assert "Their time: 03:30 (America/Mexico_City)" in alert
    assert "PHQ-9 item 9 answered 1 or more: PHQ-9 item 9 = 2, total = 17" in alert
    assert "Earlier incidents: —" in alert


def test_times_are_in_the_supervisors_time_zone_and_language() -> None:
    madrid = Reader("es", "Europe/Madrid")
    alert = text(escalation(), reader=madrid)
    assert alert.startswith("URGENTE: paciente S-ABC123 (incidente abierto 2026-11-02 10:30 CET)")
    assert "Ref. clínica: MRN-0042" in alert


def test_a_risk_language_alert_quotes_their_own_words_and_where() -> None:
    risky = escalation(
        trigger=EscalationTrigger.RISK_LANGUAGE,
        details={"reason": "goodbye:goodbye_everyone", "message": "bye all", "where": "group"},
    )
    assert "[group] «bye all» (goodbye:goodbye_everyone)" in text(risky)


def test_every_trigger_of_the_incident_is_listed_and_the_new_one_announced() -> None:
    added = escalation(
        id=8,
        trigger=EscalationTrigger.RISK_LANGUAGE,
        details={"message": "no point", "reason": "x", "where": "private"},
        created_at=T0 + dt.timedelta(minutes=5),
    )
    info = IncidentInfo(id=7, triggers=[added])
    alert = text(escalation(), info=info)
    assert "• 09:30 UTC PHQ-9 item 9" in alert and "• 09:35 UTC Risk language" in alert
    line, keyboard = delivery_message(
        escalation(), routing.TRIGGER_STEP + 1, info, CARD, [], TEXTS, EN, T0
    )
    assert (
        line.startswith("New trigger for S-ABC123: • 09:35 UTC Risk language")
        and "no point" in line
    )
    assert keyboard is None and "\n" not in line


def test_earlier_incidents_are_only_the_earlier_ones() -> None:
    older = escalation(id=3, trigger=EscalationTrigger.SOS, state="resolved")
    newer = escalation(id=9, trigger=EscalationTrigger.SOS, state="open")
    alert = text(escalation(), [older, escalation(), newer])
    assert "Earlier incidents: 2026-11-02 sos (resolved)" in alert
    assert "(open)" not in alert


def test_routine_flags_read_as_for_review() -> None:
    flag = escalation(
        trigger=EscalationTrigger.DETERIORATION,
        priority=Priority.ROUTINE,
        details={"phq9_total": 19, "baseline": 12},
    )
    alert = text(flag)
    assert alert.startswith("For review: patient S-ABC123")
    assert "PHQ-9 total = 19, baseline 12" in alert
    assert "Please contact the patient" not in alert


def test_re_escalations_say_so_and_reminders_are_one_short_line_with_buttons() -> None:
    resent, _ = delivery_message(escalation(), 1, None, CARD, [], TEXTS, EN, T0)
    assert resent.startswith("Not acknowledged in time: now sent at escalation level 1.")
    acked = escalation(state="acknowledged", acknowledged_by=900002, acknowledged_at=T0)
    reminder, keyboard = delivery_message(
        acked, routing.REMINDER_STEP + 1, None, CARD, [], TEXTS, EN, T0
    )
    assert reminder == (
        "Reminder: S-ABC123's incident (since 2026-11-02 09:30 UTC) is acknowledged but not "
        "resolved."
    )
    assert keyboard is not None


def test_the_patients_answer_is_shown_in_the_words_of_their_button() -> None:
    assert "Patient: I'm safe right now" in text(escalation(patient_response="safe_now"))


def test_a_resolution_shows_its_outcome_and_note() -> None:
    done = escalation(
        state="resolved", resolved_by=900001, resolved_at=T0, resolution_note="called"
    )
    alert = text(done, info=IncidentInfo(id=7, outcome="emergency"))
    assert "Resolved by 900001 at 2026-11-02 09:30 UTC. Outcome: Referred to emergency" in alert


def test_buttons_through_the_lifecycle() -> None:
    assert labels(escalation(state="open")) == ["Acknowledge", "Message patient", "Resolve"]
    acked = escalation(state="acknowledged", acknowledged_by=900002, acknowledged_at=T0)
    assert labels(acked, who="Sam (900002)")[0] == "✓ Sam (900002)"
    assert labels(escalation(state="resolved")) == []
    markups = [alert_keyboard(escalation(id=2**31), TEXTS), outcome_keyboard(2**31, TEXTS, "es")]
    for markup in markups:
        assert markup is not None
        for row in markup.inline_keyboard:
            for button in row:
                assert len(str(button.callback_data).encode()) <= 64
    assert callback_data(7, "ack") == "esc:7:ack"


def test_a_concern_flag_names_the_warning_sign_and_the_words() -> None:
    flag = escalation(
        trigger=EscalationTrigger.CONCERN,
        priority=Priority.ROUTINE,
        details={
            "reason": "burden: I «feel like a burden» to everyone",
            "message": "I feel like a burden to everyone",
            "where": "private",
            "answer": "no",
        },
    )
    body = text(flag)
    assert "S-ABC123" in body.splitlines()[0]
    assert "Warning sign in a message (concern)" in body
    assert "burden: I «feel like a burden» to everyone" in body
