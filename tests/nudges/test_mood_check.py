"""The daily mood check and the low-mood follow-up as nudges: planning (DST-correct, quiet
hours, once per offer), deciding at the due time, the daily cap, and a restart in between."""

from __future__ import annotations

import copy
import datetime as dt

from bot.nudges.runner import NudgeRunner
from bot.pipeline import Sender
from bot.services import Services
from dialogs import mood_check, programme
from dialogs.events import Press
from dialogs.nudges import DayLoad, NudgeKind, Send, Skip, Slot, SlotStatus, decide, plan
from dialogs.records import ConsentRecord, SessionRecord, SessionStatus
from dialogs.state import Outcome, PatientState
from tests.nudges.conftest import FakeBot, MovableClock, NewPatient, slots_of
from tests.nudges.helpers import at, content, local, make_state, of_kind

NY = "America/New_York"
TUESDAY = dt.date(2026, 3, 3)


def ny(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(NY, 2026, 3, day, hour, minute)


def offered(at_time: dt.datetime, **overrides: object) -> PatientState:
    # Training on Mondays only: no session nudges on Tuesday.
    return make_state(
        now=at_time,
        training_days=[0],
        mood_check_time="12:00",
        mood_offer_at=at_time,
        **overrides,  # type: ignore[arg-type]
    )


def buttons(decision: object) -> list[str]:
    assert isinstance(decision, Send)
    return [c.data for row in decision.screen.choices for c in row]


# ----------------------------------------------------------------------------- the check


def test_the_check_is_planned_at_the_local_time_across_the_dst_change() -> None:
    # New York springs forward on Sunday 8 March 2026: 20:00 is 01:00 UTC, then 00:00 UTC.
    state = make_state(now=ny(7, 0, 5), mood_check_time="20:00")
    saturday, sunday = of_kind(plan(state, content()), NudgeKind.MOOD_CHECK)
    assert saturday.due_at == ny(7, 20) == dt.datetime(2026, 3, 8, 1, tzinfo=dt.UTC)
    assert sunday.due_at == ny(8, 20) == dt.datetime(2026, 3, 9, 0, tzinfo=dt.UTC)
    assert sunday.due_at - saturday.due_at == dt.timedelta(hours=23)
    decision = decide(saturday, at(state, ny(7, 20)), content(), DayLoad())
    assert buttons(decision) == [f"m:mck:{n}" for n in range(11)]
    assert isinstance(decision, Send)
    assert decision.screen.keys == ["nudge.mood_check.text", "today.mood_scale"]


def test_no_check_without_opting_in_and_none_after_opting_out() -> None:
    assert of_kind(plan(make_state(now=ny(7, 0, 5)), content()), NudgeKind.MOOD_CHECK) == []
    state = make_state(now=ny(7, 0, 5), mood_check_time="20:00")
    slot = of_kind(plan(state, content()), NudgeKind.MOOD_CHECK)[0]
    state.profile.mood_check_time = None
    assert decide(slot, at(state, ny(7, 20)), content(), DayLoad()) == Skip(
        SlotStatus.DROPPED, "not_needed"
    )


def test_the_mood_kinds_are_outside_the_daily_cap() -> None:
    state = make_state(now=ny(7, 0, 5), mood_check_time="20:00")
    check = of_kind(plan(state, content()), NudgeKind.MOOD_CHECK)[0]
    full = DayLoad(sent=content().nudges.max_per_day)
    assert isinstance(decide(check, at(state, ny(7, 20)), content(), full), Send)
    # ... and a mood check already sent does not use up a session reminder's place.
    monday = make_state(now=ny(2, 0, 5), mood_check_time="20:00")
    session = of_kind(plan(monday, content()), NudgeKind.SESSION)[0]
    load = DayLoad(sent=1).after_sending(check)
    assert (load.sent, load.mood_sent) == (1, 1)
    assert isinstance(decide(session, at(monday, session.due_at), content(), load), Send)
    assert decide(session, at(monday, session.due_at), content(), DayLoad(sent=2)) == Skip(
        SlotStatus.DROPPED, "daily_cap"
    )


# ----------------------------------------------------------------------------- the follow-up


def test_one_follow_up_two_hours_after_the_offer_with_start_and_not_now() -> None:
    state = offered(ny(3, 14))
    (slot,) = of_kind(plan(state, content()), NudgeKind.MOOD_FOLLOWUP)
    assert slot.due_at == ny(3, 16)
    decision = decide(slot, at(state, ny(3, 16)), content(), DayLoad(sent=2))  # cap: no matter
    assert buttons(decision) == ["m:mck:start", "m:mck:not_now"]
    assert isinstance(decision, Send)
    assert decision.screen.lines[0].params == {"minutes": 10}
    # Once planned (and then sent), the same offer never gets a second one.
    sent = Slot(**{**slot.__dict__, "status": SlotStatus.SENT})
    assert of_kind(plan(at(state, ny(3, 17)), content(), [sent]), NudgeKind.MOOD_FOLLOWUP) == []


def test_not_sent_when_a_session_was_logged_since_the_offer() -> None:
    state = offered(ny(3, 14))
    (slot,) = of_kind(plan(state, content()), NudgeKind.MOOD_FOLLOWUP)
    walked = SessionRecord(
        day=TUESDAY, status=SessionStatus.DONE, planned=False, minutes=15, logged_at=ny(3, 15)
    )
    state.sessions.append(walked)
    assert decide(slot, at(state, ny(3, 16)), content(), DayLoad()) == Skip(
        SlotStatus.DROPPED, "not_needed"
    )
    assert of_kind(plan(state, content()), NudgeKind.MOOD_FOLLOWUP) == []
    # A session logged before the offer does not count.
    earlier = offered(ny(3, 14))
    earlier.sessions.append(
        SessionRecord(TUESDAY, SessionStatus.DONE, planned=False, minutes=15, logged_at=ny(3, 9))
    )
    assert len(of_kind(plan(earlier, content()), NudgeKind.MOOD_FOLLOWUP)) == 1


def test_quiet_hours_drop_it_rather_than_move_it() -> None:
    # 19:30 + 2 h = 21:30, inside quiet hours (21:00–08:00): dropped at planning.
    (late,) = of_kind(plan(offered(ny(3, 19, 30)), content()), NudgeKind.MOOD_FOLLOWUP)
    assert (late.status, late.reason) == (SlotStatus.DROPPED, "quiet_hours")
    # 05:30 + 2 h = 07:30: within the grace period of 08:00, yet still dropped (not moved).
    (early,) = of_kind(plan(offered(ny(3, 5, 30)), content()), NudgeKind.MOOD_FOLLOWUP)
    assert (early.status, early.reason) == (SlotStatus.DROPPED, "quiet_hours")
    # Quiet hours changed after planning to cover the due time: dropped at the due time.
    state = offered(ny(3, 14))
    (slot,) = of_kind(plan(state, content()), NudgeKind.MOOD_FOLLOWUP)
    state.profile.quiet_start = "15:00"
    assert decide(slot, at(state, ny(3, 16)), content(), DayLoad()) == Skip(
        SlotStatus.DROPPED, "quiet_hours"
    )


# ----------------------------------------------------------------------- the dose in a nudge


def test_a_session_nudge_shows_the_stepped_back_dose_after_three_silent_misses() -> None:
    """Phase 2 from Monday 16 February (Mon/Wed/Fri): done that day, then nothing pressed on
    three planned days: Wednesday's reminder shows the lower step, not the stale one."""
    monday = dt.date(2026, 2, 16)
    wednesday = dt.date(2026, 2, 25)
    state = make_state(
        now=local(NY, 2026, 2, 25, 0, 5),
        training_days=[0, 2, 4],
        phase_id=2,
        phase_started=monday,
        start_step=False,
        sessions=[
            SessionRecord(monday, SessionStatus.DONE, planned=True, modality="aerobic", minutes=30)
        ],
    )
    stale = programme.planned_session(state, content(), wednesday)
    assert stale is not None
    (slot,) = [s for s in of_kind(plan(state, content()), NudgeKind.SESSION) if s.day == wednesday]
    reading = at(copy.deepcopy(state), slot.due_at)
    decision = decide(slot, reading, content(), DayLoad())
    assert isinstance(decision, Send)
    minutes = decision.screen.lines[0].params["minutes"]
    assert isinstance(minutes, int) and minutes < stale.minutes
    assert reading.profile.phase_id == 1  # stepped back on the copy read for the nudge
    assert state.profile.phase_id == 2  # the stored record moves at the next contact


# ----------------------------------------------------------------------------- restart


async def test_the_follow_up_survives_a_restart(
    services: Services, clock: MovableClock, bot: FakeBot, onboarded: NewPatient
) -> None:
    chat = 1001
    clock.set(ny(3, 0, 5))  # a Tuesday: no session that day
    await onboarded(chat, mood_check_time="12:00")
    terms = content().consent
    agreed = ConsentRecord(terms.id, terms.versions[-1].version, clock.now())
    async with services.store.transaction() as tx:
        state = await tx.load_patient(chat, clock.now())
        assert state is not None
        await tx.save(state, Outcome(records=[agreed]), clock.now())
    await NudgeRunner(services, per_second=1000.0).tick(bot)
    clock.set(ny(3, 12))
    await NudgeRunner(services, per_second=1000.0).tick(bot)
    (check,) = bot.to(chat)
    assert check.buttons == [f"m:mck:{n}" for n in range(11)]
    sender = Sender(user_id=chat, chat_id=chat)
    handled = await services.pipeline.handle(sender, Press("m:mck:2"), None)
    assert handled.replies[-1].keys == ["mood_check.offer"]
    # A new process (the old runner is gone): the schedule lives in the database.
    fresh = NudgeRunner(services, per_second=1000.0)
    await fresh.tick(bot)
    kinds = [s.slot.kind for s in await slots_of(services.store, chat)]
    assert kinds.count(NudgeKind.MOOD_FOLLOWUP) == 1
    clock.set(ny(3, 13, 59))
    await fresh.tick(bot)
    assert len(bot.to(chat)) == 1  # not yet
    clock.set(ny(3, 14))
    await NudgeRunner(services, per_second=1000.0).tick(bot)
    follow_up = bot.to(chat)[-1]
    assert follow_up.buttons == ["m:mck:start", "m:mck:not_now"]
    for later in (ny(3, 15), ny(3, 18)):
        clock.set(later)
        await NudgeRunner(services, per_second=1000.0).tick(bot)
    assert len(bot.to(chat)) == 2  # one follow-up per offer, never a second


def test_ten_minutes_after_a_low_mood_do_not_cancel_the_days_session_reminder() -> None:
    state = make_state(now=ny(2, 0, 5), training_days=[0], mood_check_time="12:00")
    state.sessions.append(
        SessionRecord(
            dt.date(2026, 3, 2),
            SessionStatus.PARTIAL,
            planned=False,
            minutes=10,
            note=mood_check.NOTE,
            logged_at=ny(2, 7),
        )
    )
    (session,) = [s for s in of_kind(plan(state, content()), NudgeKind.SESSION) if s.day.day == 2]
    assert isinstance(decide(session, at(state, session.due_at), content(), DayLoad()), Send)
