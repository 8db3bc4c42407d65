"""Which slots the planner adds: kinds, check-in cadence, rotation, horizon, idempotence."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from dialogs.nudges import NudgeKind, SlotStatus, plan, planned_until
from dialogs.records import CheckinKind
from tests.nudges.helpers import (
    EVERY_DAY,
    at,
    checkin,
    content,
    local,
    make_state,
    of_kind,
    plan_days,
)

NY = "America/New_York"
MONDAY = dt.date(2026, 3, 2)
SUNDAY = dt.date(2026, 3, 8)


def baseline_on(day: dt.date) -> list:  # type: ignore[type-arg]
    return [checkin(local(NY, day.year, day.month, day.day, 12, 0))]


def kinds_on(slots: list, day: dt.date) -> list[tuple[NudgeKind, dt.time]]:  # type: ignore[type-arg]
    return [
        (s.kind, s.due_at.astimezone(dt.timezone(dt.timedelta(hours=-5))).time())
        for s in slots
        if s.day == day
    ]


def test_a_training_day_with_a_due_check_in() -> None:
    state = make_state(training_days=[0], checkins=baseline_on(MONDAY - dt.timedelta(days=14)))
    slots = plan(at(state, local(NY, 2026, 3, 2, 0, 5)), content())
    assert kinds_on(slots, MONDAY) == [
        (NudgeKind.SESSION, dt.time(9, 0)),
        (NudgeKind.CHECKIN, dt.time(10, 0)),
        (NudgeKind.FOLLOWUP, dt.time(19, 0)),
    ]
    assert kinds_on(slots, MONDAY + dt.timedelta(days=1)) == [
        (NudgeKind.CHECKIN_AGAIN, dt.time(10, 0))
    ]
    assert [s.key for s in slots] == [
        "session:2026-03-02",
        "checkin:2026-03-02",
        "followup:2026-03-02",
        "checkin_again:2026-03-03",
    ]
    assert [s.rank for s in slots] == [0, 1, 3, 2]
    assert {s.status for s in slots} == {SlotStatus.PLANNED}


def test_check_ins_every_14_days_from_the_baseline() -> None:
    baseline = dt.date(2026, 2, 20)
    state = make_state(training_days=[], checkins=baseline_on(baseline))
    slots = plan_days(state, dt.date(2026, 2, 21), 40)
    due = [s.day for s in of_kind(slots, NudgeKind.CHECKIN)]
    again = [s.day for s in of_kind(slots, NudgeKind.CHECKIN_AGAIN)]
    assert due == [dt.date(2026, 3, 6), dt.date(2026, 3, 20)]
    assert again == [dt.date(2026, 3, 7), dt.date(2026, 3, 21)]


def test_a_recent_check_in_counts_for_the_due_date() -> None:
    baseline = dt.date(2026, 2, 20)
    early = checkin(local(NY, 2026, 3, 4, 12), kind=CheckinKind.ON_DEMAND)  # 2 days early
    state = make_state(training_days=[], checkins=[*baseline_on(baseline), early])
    slots = plan_days(state, dt.date(2026, 3, 5), 4)
    assert of_kind(slots, NudgeKind.CHECKIN) == []
    assert of_kind(slots, NudgeKind.CHECKIN_AGAIN) == []


def test_no_programme_no_nudges() -> None:
    for journey in ("new", "consent", "onboarding"):
        assert plan(make_state(journey=journey), content()) == []
    assert plan(make_state(age=None), content()) == []


def test_planning_twice_adds_nothing() -> None:
    state = make_state(training_days=EVERY_DAY)
    first = plan(state, content())
    assert first
    assert plan(state, content(), first) == []


def test_summary_on_sunday_evening_only() -> None:
    state = make_state(training_days=[])
    slots = plan_days(state, MONDAY, 14)
    summaries = of_kind(slots, NudgeKind.SUMMARY)
    assert [s.day for s in summaries] == [SUNDAY, SUNDAY + dt.timedelta(days=7)]
    assert {
        s.due_at.astimezone(dt.timezone(dt.timedelta(hours=-4))).time() for s in summaries
    } == {dt.time(18, 0)}


def test_no_follow_up_before_a_late_session() -> None:
    state = make_state(training_days=[0], preferred_time="19:30")
    slots = plan(at(state, local(NY, 2026, 3, 2, 0, 5)), content())
    assert [s.kind for s in slots if s.day == MONDAY] == [NudgeKind.SESSION]


def test_slots_already_past_the_grace_period_are_not_planned() -> None:
    state = make_state(training_days=[0])
    late = plan(at(state, local(NY, 2026, 3, 2, 11, 30)), content())  # 2 h 30 after 09:00
    assert NudgeKind.SESSION not in [s.kind for s in late if s.day == MONDAY]
    within = plan(at(state, local(NY, 2026, 3, 2, 10, 30)), content())
    assert NudgeKind.SESSION in [s.kind for s in within if s.day == MONDAY]


def test_horizon_ends_at_the_next_local_midnight() -> None:
    state = at(make_state(), local(NY, 2026, 3, 7, 15, 0))
    assert planned_until(state, content()) == local(NY, 2026, 3, 8, 0, 0)
    kathmandu = at(make_state(timezone="UTC+05:45"), dt.datetime(2026, 3, 7, 20, tzinfo=dt.UTC))
    assert planned_until(kathmandu, content()) == dt.datetime(2026, 3, 8, 18, 15, tzinfo=dt.UTC)


def test_paused_patients_are_still_planned_and_held_when_due() -> None:
    """Planning ignores a pause: it may end before the day comes (decide holds the slot)."""
    state = make_state(journey="paused", paused_until=dt.date(2026, 3, 10))
    assert plan(at(state, local(NY, 2026, 3, 2, 0, 5)), content())


def test_variants_rotate_and_never_repeat_on_consecutive_days() -> None:
    state = make_state(
        training_days=EVERY_DAY,
        checkins=baseline_on(dt.date(2026, 2, 14)),
        phase_id=3,  # four to five sessions a week
        phase_started=dt.date(2026, 2, 2),
    )
    slots = plan_days(state, MONDAY, 28)
    for kind in (NudgeKind.SESSION, NudgeKind.FOLLOWUP, NudgeKind.SUMMARY):
        series = sorted(of_kind(slots, kind), key=lambda s: s.day)
        assert len(series) >= 4
        for before, after in pairwise(series):
            assert before.variant != after.variant, (kind, before.day, after.day)
        count = len(content().texts.variants("en", content().nudges.session.text_key))
        if kind is NudgeKind.SESSION:
            assert {s.variant for s in series} == set(range(count))
    consecutive = [
        (a, b)
        for a, b in pairwise(sorted(of_kind(slots, NudgeKind.SESSION), key=lambda s: s.day))
        if b.day - a.day == dt.timedelta(days=1)
    ]
    assert consecutive  # the check above covered days running, not only gaps
