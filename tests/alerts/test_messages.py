"""What an alert says and which buttons it carries, in each state of its life."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.alerts.messages import alert_keyboard, alert_text, callback_data, is_reminder
from bot.storage.outbox import Delivery, DeliveryStatus
from content.loader import shipped_content
from dialogs.records import Escalation, EscalationTrigger, Priority

T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
TEXTS = shipped_content().texts


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


def delivery(step: int, queued: dt.datetime) -> Delivery:
    return Delivery(1, 7, step, 900001, DeliveryStatus.SENT, 1, None, 11, None, queued)


def labels(e: Escalation, who: str | None = None) -> list[str]:
    markup = alert_keyboard(e, TEXTS, who=who)
    return [b.text for row in markup.inline_keyboard for b in row] if markup else []


def test_an_item9_alert_has_the_code_the_answer_the_total_and_the_time() -> None:
    text = alert_text(escalation(), 0, [escalation()], TEXTS)
    assert text.startswith("URGENT: patient S-ABC123")
    assert "PHQ-9 item 9 answered 1 or more" in text
    assert "PHQ-9 item 9 = 2, total = 17" in text
    assert "2026-11-02 09:30 UTC" in text
    assert "Earlier alerts: —" in text


def test_a_risk_language_alert_quotes_the_message_and_where_it_was_seen() -> None:
    risky = escalation(
        trigger=EscalationTrigger.RISK_LANGUAGE,
        details={"reason": "goodbye:goodbye_everyone", "message": "bye all", "where": "group"},
    )
    text = alert_text(risky, 0, [], TEXTS)
    assert "[group] «bye all» (goodbye:goodbye_everyone)" in text


def test_earlier_alerts_are_only_the_earlier_ones() -> None:
    older = escalation(id=3, trigger=EscalationTrigger.SOS, state="resolved")
    newer = escalation(id=9, trigger=EscalationTrigger.SOS, state="open")
    text = alert_text(escalation(), 0, [older, escalation(), newer], TEXTS)
    assert "Earlier alerts: 2026-11-02 sos (resolved)" in text
    assert "(open)" not in text


def test_routine_flags_read_as_for_review() -> None:
    flag = escalation(
        trigger=EscalationTrigger.DETERIORATION,
        priority=Priority.ROUTINE,
        details={"phq9_total": 19, "baseline": 12},
    )
    text = alert_text(flag, 0, [], TEXTS)
    assert text.startswith("For review: patient S-ABC123")
    assert "PHQ-9 total = 19, baseline 12" in text


def test_later_steps_say_whether_they_are_a_re_escalation_or_a_reminder() -> None:
    acked = escalation(state="acknowledged", acknowledged_by=900002, acknowledged_at=T0)
    before = delivery(1, T0 - dt.timedelta(minutes=1))
    after = delivery(2, T0 + dt.timedelta(minutes=1))
    assert not is_reminder(acked, before) and is_reminder(acked, after)
    assert not is_reminder(escalation(), after)
    resent = alert_text(acked, 1, [], TEXTS, reminder=is_reminder(acked, before))
    assert resent.startswith("Not acknowledged in time: now sent at escalation level 1.")
    assert "Acknowledged by 900002 at 2026-11-02 09:30 UTC." in resent
    reminder = alert_text(acked, 2, [], TEXTS, reminder=True)
    assert reminder.startswith("Reminder: this alert is acknowledged but not yet resolved.")


def test_the_patients_answer_is_shown_in_the_words_of_their_button() -> None:
    text = alert_text(escalation(patient_response="safe_now"), 0, [], TEXTS)
    assert "Patient: I'm safe right now" in text


def test_buttons_through_the_lifecycle() -> None:
    assert labels(escalation(state="open")) == ["Acknowledge", "Resolve"]
    assert labels(escalation()) == ["Acknowledge", "Resolve"]
    acked = escalation(state="acknowledged", acknowledged_by=900002, acknowledged_at=T0)
    assert labels(acked, who="Sam (900002)") == [
        "✓ Acknowledged by Sam (900002) at 09:30 UTC.",
        "Resolve",
    ]
    assert labels(acked)[0].startswith("✓ Acknowledged by 900002")
    assert labels(escalation(state="resolved")) == []
    markup = alert_keyboard(escalation(id=2**31), TEXTS)
    assert markup is not None
    for row in markup.inline_keyboard:
        for button in row:
            assert button.callback_data is not None
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
    text = alert_text(flag, 0, [], TEXTS)
    assert text.startswith("For review: patient S-ABC123")
    assert "Warning sign in a message (concern)" in text
    assert "burden: I «feel like a burden» to everyone" in text
