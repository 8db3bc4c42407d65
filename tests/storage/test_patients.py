"""A patient's state goes in and comes back out unchanged, and only whole."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.storage import Store
from bot.storage.codes import CODE_PATTERN
from dialogs.records import (
    AuditEvent,
    BarrierPlan,
    CheckinKind,
    CheckinRecord,
    ConsentRecord,
    EscalationRequest,
    EscalationTrigger,
    Frame,
    MoodRecord,
    Priority,
    SessionRecord,
    SessionStatus,
)
from dialogs.state import Outcome, PatientState

from .conftest import NOW, NewPatient

MADRID = ZoneInfo("Europe/Madrid")
LATER = NOW + dt.timedelta(hours=1)


def _fill(state: PatientState) -> None:
    """Change every part of a new patient's state, with awkward values where possible."""
    state.patient.journey = "active"
    state.patient.display_name = "Lucía"
    state.patient.paused_until = dt.date(2026, 3, 9)
    state.patient.chat_id = -100123
    profile = state.profile
    profile.age = 42
    profile.resting_hr = 61
    profile.beta_blockers = False
    profile.activity_level = "low"
    profile.preferred_modalities = ["walking", "cycling"]
    profile.conditions = ["asthma"]
    profile.values_text = "to play with my kids"
    profile.barriers = ["time", "energy"]
    profile.training_days = [0, 2, 4]
    profile.preferred_time = "07:30"
    profile.readiness_answers = {"chest_pain": False, "dizziness": True}
    profile.programme_start = dt.date(2026, 3, 2)
    profile.phase_id = 2
    profile.phase_started = dt.date(2026, 3, 16)
    profile.hrmax_formula = "tanaka"
    profile.low_energy = True
    profile.quiet_start = "22:00"
    profile.share_name_in_groups = True
    state.conversation.flow = "checkin"
    state.conversation.state = "item_3"
    state.conversation.seq = 17
    state.conversation.data = {
        "answers": {"phq9_1": 2, "phq9_2": 1},
        "meta": {"nested": {"deeper": [1, "two", None, True]}},
    }
    state.conversation.stack = [
        Frame("onboarding", "age", {"x": 1, "v": 2}),
        Frame("session", "ask_minutes", {"planned": True}),
    ]
    state.safety_plan.sections = {"warning_signs": ["not sleeping"], "contacts": ["Ana", "GP"]}
    state.safety_plan.updated_at = NOW.astimezone(MADRID)


def _checkin(**changes: object) -> CheckinRecord:
    record = CheckinRecord(
        instrument_id="phq9",
        instrument_version="phq9-1999",
        kind=CheckinKind.BASELINE,
        started_at=(NOW - dt.timedelta(minutes=5)).astimezone(MADRID),
        answers={f"phq9_{i}": i % 4 for i in range(1, 10)},
        completed_at=NOW.astimezone(MADRID),
        difficulty=2,
        total=12,
        band="moderate",
        safety_positive=True,
    )
    for name, value in changes.items():
        setattr(record, name, value)
    return record


async def test_create_patient_starts_empty(store: Store, new_patient: NewPatient) -> None:
    state = await new_patient()
    assert CODE_PATTERN.match(state.patient.code)
    assert state.patient.journey == "new"
    assert state.patient.created_at == NOW
    assert state.profile.phase_id == 1 and state.profile.preferred_modalities == []
    assert state.conversation.flow == "idle" and state.conversation.data == {}
    assert state.checkins == [] and state.sessions == []
    assert state.safety_plan.is_empty
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, NOW)
    assert loaded == state


async def test_unknown_patient_loads_as_none(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.load_patient(42, NOW) is None
        assert await tx.load_patient_by_id(42, NOW) is None
        assert await tx.load_patient_by_code("S-AAAAAA", NOW) is None


async def test_full_state_and_every_record_round_trip(
    store: Store, new_patient: NewPatient
) -> None:
    state = await new_patient()
    _fill(state)
    checkin = _checkin()
    session = SessionRecord(
        day=dt.date(2026, 3, 1),
        status=SessionStatus.PARTIAL,
        planned=True,
        modality="walking",
        minutes=20,
        exertion=5,
        mood_before=3,
        mood_after=6,
        note="windy, ñ and emoji 🌧",
        logged_at=NOW.astimezone(MADRID),
    )
    outcome = Outcome()
    outcome.store(
        checkin,
        session,
        MoodRecord(at=NOW, score=4),
        BarrierPlan("time", "barrier_time", "walk 10 min", "after lunch", NOW),
        ConsentRecord("terms", "2026-01", NOW),
    )
    outcome.audit("checkin_completed", "patient", state.patient.code, total=12)
    async with store.transaction() as tx:
        assert await tx.save(state, outcome, NOW) == []
    assert checkin.id is not None and session.id is not None

    async with store.transaction() as tx:
        by_telegram = await tx.load_patient(1001, LATER)
        by_id = await tx.load_patient_by_id(state.patient.id, LATER)
        by_code = await tx.load_patient_by_code(state.patient.code, LATER)
        audit = await tx.audit_events(subject=state.patient.code)
    state.checkins, state.sessions, state.now = [checkin], [session], LATER
    state.moods = [MoodRecord(at=NOW, score=4)]  # today's ratings come back with the patient
    # The latest barrier plan comes back too (its follow-up is a nudge).
    state.barrier_plan = BarrierPlan("time", "barrier_time", "walk 10 min", "after lunch", NOW)
    state.consents = [ConsentRecord("terms", "2026-01", NOW)]  # for the re-consent check
    assert by_telegram == by_id == by_code == state
    assert audit == [
        AuditEvent("checkin_completed", "patient", state.patient.code, {"total": 12}, NOW)
    ]

    assert by_telegram is not None
    loaded = by_telegram.checkins[0]
    for moment in (loaded.started_at, loaded.completed_at, by_telegram.safety_plan.updated_at):
        assert moment is not None and moment.utcoffset() == dt.timedelta(0)
    assert isinstance(loaded.kind, CheckinKind)
    assert isinstance(by_telegram.sessions[0].status, SessionStatus)


async def test_records_without_columns_in_state_are_stored(
    store: Store, new_patient: NewPatient
) -> None:
    """Moods, barrier plans and consents are not part of PatientState: read them directly."""
    from sqlalchemy import select

    from bot.storage.models import BarrierPlanRow, ConsentRow, MoodRow

    state = await new_patient()
    outcome = Outcome()
    outcome.store(
        MoodRecord(at=NOW.astimezone(MADRID), score=4),
        BarrierPlan("time", "barrier_time", "walk", "lunch", NOW),
        ConsentRecord("terms", "2026-01", NOW),
    )
    async with store.transaction() as tx:
        await tx.save(state, outcome, NOW)
    async with store.transaction() as tx:
        session = tx._session
        mood = (await session.scalars(select(MoodRow))).one()
        barrier = (await session.scalars(select(BarrierPlanRow))).one()
        consent = (await session.scalars(select(ConsentRow))).one()
    assert (mood.at, mood.score, mood.patient_id) == (NOW, 4, state.patient.id)
    assert (barrier.barrier, barrier.what, barrier.when, barrier.created_at) == (
        "time",
        "walk",
        "lunch",
        NOW,
    )
    assert (consent.what, consent.version, consent.accepted_at) == ("terms", "2026-01", NOW)


async def test_saving_a_stored_record_again_updates_it(
    store: Store, new_patient: NewPatient
) -> None:
    state = await new_patient()
    checkin = _checkin(completed_at=None, total=None)
    async with store.transaction() as tx:
        await tx.save(state, Outcome(records=[checkin]), NOW)
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, NOW)
    assert loaded is not None and loaded.checkins == []  # only completed check-ins load

    checkin.completed_at, checkin.total = NOW, 12
    async with store.transaction() as tx:
        await tx.save(state, Outcome(records=[checkin]), NOW)
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, NOW)
    assert loaded is not None and loaded.checkins == [checkin]


async def test_checkins_are_ordered_and_sessions_limited_to_56_days(
    store: Store, new_patient: NewPatient
) -> None:
    state = await new_patient()
    first = _checkin(started_at=NOW - dt.timedelta(days=14), kind=CheckinKind.SCHEDULED)
    second = _checkin(started_at=NOW - dt.timedelta(days=28))
    today = NOW.astimezone(MADRID).date()
    old = SessionRecord(day=today - dt.timedelta(days=57), status=SessionStatus.DONE, planned=True)
    edge = SessionRecord(
        day=today - dt.timedelta(days=56), status=SessionStatus.MISSED, planned=True
    )
    recent = SessionRecord(day=today, status=SessionStatus.DONE, planned=False)
    async with store.transaction() as tx:
        await tx.save(state, Outcome(records=[first, recent, second, old, edge]), NOW)
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, NOW)
    assert loaded is not None
    assert loaded.checkins == [second, first]
    assert loaded.sessions == [edge, recent]


@pytest.mark.parametrize(
    ("zone", "now"),
    [
        # Local date a day after the UTC date: the widest SQL window must still be cut.
        ("Pacific/Kiritimati", dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)),
        # Local date a day before the UTC date.
        ("Pacific/Pago_Pago", dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)),
        ("America/Los_Angeles", dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)),
    ],
)
async def test_sessions_and_moods_follow_the_patients_local_day(
    store: Store, new_patient: NewPatient, zone: str, now: dt.datetime
) -> None:
    """The one-statement load widens the date windows by a day; what comes back is exact."""
    state = await new_patient(timezone=zone)
    local = ZoneInfo(zone)
    today = now.astimezone(local).date()
    midnight = dt.datetime.combine(today, dt.time(), local)
    old = SessionRecord(day=today - dt.timedelta(days=57), status=SessionStatus.DONE, planned=True)
    edge = SessionRecord(
        day=today - dt.timedelta(days=56), status=SessionStatus.DONE, planned=True
    )
    yesterday = MoodRecord(at=midnight - dt.timedelta(seconds=1), score=3)
    first = MoodRecord(at=midnight, score=5)
    async with store.transaction() as tx:
        await tx.save(state, Outcome(records=[old, edge, yesterday, first]), now)
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, now)
    assert loaded is not None
    assert loaded.sessions == [edge]
    assert [(m.at, m.score) for m in loaded.moods] == [(midnight, 5)]


async def test_save_is_atomic(store: Store, new_patient: NewPatient) -> None:
    state = await new_patient()
    before = await _reload(store)
    _fill(state)
    outcome = Outcome(
        records=[_checkin(), MoodRecord(at=NOW, score=2)],
        escalations=[EscalationRequest(EscalationTrigger.ITEM9, Priority.URGENT, {"item": 9})],
    )
    with pytest.raises(RuntimeError, match="telegram is down"):
        async with store.transaction() as tx:
            assert await tx.save(state, outcome, NOW) != []
            raise RuntimeError("telegram is down")
    assert await _reload(store) == before
    async with store.transaction() as tx:
        assert await tx.open_escalations() == []
        assert await tx.escalations_for_patient(state.patient.id) == []
        assert await tx.audit_events() == []


async def test_a_second_patient_with_the_same_telegram_id_is_refused(
    store: Store, new_patient: NewPatient
) -> None:
    from sqlalchemy.exc import IntegrityError

    await new_patient(telegram_id=7)
    with pytest.raises(IntegrityError):
        await new_patient(telegram_id=7)


async def test_codes_differ_and_ids_are_listed(store: Store, new_patient: NewPatient) -> None:
    states = [await new_patient(telegram_id=i) for i in range(1, 6)]
    assert len({s.patient.code for s in states}) == 5
    async with store.transaction() as tx:
        assert await tx.all_patient_ids() == [s.patient.id for s in states]


async def _reload(store: Store) -> PatientState | None:
    async with store.transaction() as tx:
        return await tx.load_patient(1001, NOW)


async def test_naive_datetimes_are_refused(store: Store, new_patient: NewPatient) -> None:
    """A naive datetime is ambiguous (whose 9:30?): storage refuses it instead of guessing."""
    from sqlalchemy.exc import StatementError

    state = await new_patient()
    with pytest.raises(StatementError, match="naive datetime"):
        async with store.transaction() as tx:
            await tx.save(state, Outcome(records=[MoodRecord(dt.datetime(2026, 3, 2), 3)]), NOW)


@pytest.mark.parametrize(
    ("trigger", "priority", "flagged"),
    [
        (EscalationTrigger.RISK_LANGUAGE, Priority.URGENT, True),
        (EscalationTrigger.SOS, Priority.URGENT, True),
        (EscalationTrigger.ITEM9, Priority.URGENT, True),
        (EscalationTrigger.SEVERE_SCORE, Priority.ROUTINE, False),
    ],
)
async def test_an_urgent_escalation_sets_the_safety_flag(
    store: Store,
    new_patient: NewPatient,
    trigger: EscalationTrigger,
    priority: Priority,
    flagged: bool,
) -> None:
    """Every urgent trigger reaches the prescription the same way: through one saved time."""
    state = await new_patient()
    outcome = Outcome(escalations=[EscalationRequest(trigger, priority, {})])
    async with store.transaction() as tx:
        await tx.save(state, outcome, NOW)
    loaded = await _reload(store)
    assert loaded.profile.safety_flag_at == (NOW if flagged else None)


async def test_a_save_writes_only_what_changed_and_keeps_the_care_teams_edit(
    store: Store, new_patient: NewPatient
) -> None:
    """The care team's edit between a patient's load and save (the same transaction) is
    not written back over with the value the dialog loaded: `save` writes only the columns
    the dialog changed."""
    await new_patient()
    async with store.transaction() as tx:
        state = await tx.load_patient(1001, NOW)
        assert state is not None
        await tx.set_patient_fields(state.patient.id, clinic_ref="MRN-7", display_name="Ana")
        await tx.set_profile_fields(state.patient.id, phase_id=3)
        state.patient.display_name = "Lucía"  # the dialog's own change wins over the team's
        state.conversation.seq += 1
        await tx.save(state, Outcome(), LATER)
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, LATER)
        card = await tx.patient_card(state.patient.id)
    assert loaded is not None and card is not None
    assert card.clinic_ref == "MRN-7"
    assert loaded.profile.phase_id == 3
    assert loaded.patient.display_name == "Lucía"
    assert loaded.conversation.seq == 1


async def test_a_second_save_in_one_transaction_writes_in_place_changes(
    store: Store, new_patient: NewPatient
) -> None:
    """What a transaction holds as loaded is a copy: a dialog that changes a dict in place
    after one save still has the change written by the next."""
    await new_patient()
    async with store.transaction() as tx:
        state = await tx.load_patient(1001, NOW)
        assert state is not None
        state.conversation.data = {"answers": {"phq9_1": 1}}
        state.safety_plan.sections = {"contacts": ["Ana"]}
        await tx.save(state, Outcome(), NOW)
        state.conversation.data["answers"]["phq9_2"] = 3
        state.safety_plan.sections["contacts"].append("GP")
        state.profile.preferred_modalities.append("walking")
        await tx.save(state, Outcome(), LATER)
    async with store.transaction() as tx:
        loaded = await tx.load_patient(1001, LATER)
    assert loaded is not None
    assert loaded.conversation.data == {"answers": {"phq9_1": 1, "phq9_2": 3}}
    assert loaded.safety_plan.sections == {"contacts": ["Ana", "GP"]}
    assert loaded.profile.preferred_modalities == ["walking"]
