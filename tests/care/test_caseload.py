"""The caseload and the patient view: the rules per line (pure), and the commands and
buttons through the real Application."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.care.caseload import Filter, case_row
from bot.storage.care import PatientCard
from dialogs.records import Escalation, EscalationTrigger, Priority, SessionStatus
from tests.alerts.conftest import PATIENT, SUPERVISOR
from tests.alerts.test_supervisor import World, buttons
from tests.dialogs.factories import NOW, checkin, make_state, session

CARD = PatientCard(
    id=1,
    code="P-TEST",
    chat_id=100,
    language="en",
    country="ES",
    timezone="Europe/Madrid",
    journey="active",
    clinic_ref="MRN-1",
    created_at=NOW - dt.timedelta(days=30),
)
TODAY = NOW.date()  # Wednesday 25 November 2026


def incident() -> Escalation:
    return Escalation(1, 1, "P-TEST", EscalationTrigger.SOS, Priority.URGENT, "notified", {}, NOW)


def test_a_line_counts_sessions_this_week_and_over_four_weeks() -> None:
    sessions = [
        session(TODAY),
        session(TODAY - dt.timedelta(days=2)),  # Monday: this week
        session(TODAY - dt.timedelta(days=3)),  # last Sunday: not this week
        session(TODAY - dt.timedelta(days=10), SessionStatus.SKIPPED),
        session(TODAY - dt.timedelta(days=40)),  # outside four weeks
    ]
    state = make_state(started_days_ago=30, sessions=sessions)
    row = case_row(CARD, state, None, None)
    assert (row.done_week, row.planned_week, row.done_4w, row.planned_4w) == (2, 3, 3, 12)
    assert (row.week, row.phase) == (5, 1)
    assert row.matches(Filter.ALL) and not row.matches(Filter.NOT_STARTED)


def test_overdue_deteriorating_and_incident_filters() -> None:
    checkins = [
        checkin(TODAY - dt.timedelta(days=30), 10, "moderate"),
        checkin(TODAY - dt.timedelta(days=16), 16, "moderately_severe"),
    ]
    row = case_row(CARD, make_state(started_days_ago=30, checkins=checkins), incident(), None)
    assert row.totals == (10, 16) and row.band == "moderately_severe"
    assert row.overdue and row.deteriorating and row.incident == "notified"
    assert all(row.matches(f) for f in (Filter.OVERDUE, Filter.DETERIORATING, Filter.INCIDENTS))
    fresh = [checkin(TODAY - dt.timedelta(days=3), 12, "moderate")]
    calm = case_row(CARD, make_state(started_days_ago=30, checkins=fresh), None, None)
    assert not calm.overdue and not calm.deteriorating and not calm.matches(Filter.INCIDENTS)


def test_someone_who_stopped_mid_setup_shows_as_stuck() -> None:
    state = make_state(journey="onboarding")
    stuck = case_row(
        dataclasses.replace(CARD, created_at=NOW - dt.timedelta(days=16)), state, incident(), None
    )
    assert (stuck.week, stuck.stuck_days, stuck.overdue) == (None, 16, False)
    assert stuck.matches(Filter.NOT_STARTED) and stuck.matches(Filter.INCIDENTS)
    new = case_row(
        dataclasses.replace(CARD, created_at=NOW - dt.timedelta(hours=5)), state, None, None
    )
    assert new.stuck_days is None


async def test_patients_lists_pages_and_filters_with_buttons(world: World) -> None:
    escalation = await world.patient_sos()
    code = escalation.patient_code
    for n in range(9):
        await world.users.create_user(6200 + n, f"Other {n}", language_code="en")
        await world.users.send_text(6200 + n, "hello")
    await world.pump()
    listing = await world.command(SUPERVISOR, "/patients")
    assert listing.startswith("Patients (All): 10, page 1 of 2")
    first = await world.last(SUPERVISOR)
    labels = buttons(first)
    assert code in labels and "▶" in labels and "Open incidents" in labels
    await world.press(SUPERVISOR, first["message_id"], by=SUPERVISOR, text="▶")
    second = await world.last(SUPERVISOR)
    assert second["text"].startswith("Patients (All): 10, page 2 of 2") and "◀" in buttons(second)
    only = await world.command(SUPERVISOR, "/patients incidents")
    assert only.startswith("Patients (Open incidents): 1, page 1 of 1")
    assert f"{code} (—)" in only and "open incident (notified)" in only
    assert "not started (new)" in only  # /sos before consent
    assert (await world.command(SUPERVISOR, "/patients nonsense")).startswith("Send /patients")


async def test_the_patient_view_shows_the_record_and_offers_actions(world: World) -> None:
    escalation = await world.patient_sos("I want to kill myself")
    code = escalation.patient_code
    await world.command(SUPERVISOR, "/patients incidents")
    listing = await world.last(SUPERVISOR)
    await world.press(SUPERVISOR, listing["message_id"], by=SUPERVISOR, text=code)
    view = await world.last(SUPERVISOR)
    text = view["text"]
    assert text.startswith(f"{code} (—)")
    assert "Open incident (notified):" in text and "I want to kill myself" in text
    assert "Readiness cleared: — · HRmax formula: — · Treatment-resistant: no" in text
    assert "Audit trail (latest):" in text and "escalation.opened" in text
    assert buttons(view) == ["Message patient", "Adjust plan", "Caseload"]
    assert await world.command(SUPERVISOR, f"/patient {code.lower()}") == text
    async with world.services.store.transaction() as tx:  # viewing counts as seen
        info = await tx.incident_info(escalation.id)
        assert info is not None and info.has_seen(SUPERVISOR)
    assert "No patient found" in await world.command(SUPERVISOR, "/patient NOPE42")
    assert (
        await world.command(PATIENT, f"/patient {code}")
        == "Sorry, this is only for the care team."
    )
