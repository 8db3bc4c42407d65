"""A week of sessions from a prescription: days, minutes, modalities and notes."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.clinical.prescription import ClinicalParts, PrescriptionInput, prescribe
from content.clinical.weekly_plan import session_for, weekly_plan
from content.schemas.modalities import ProfileCondition

MONDAY = date(2026, 1, 5)
MORNING = time(8, 0)
MON_WED_FRI = [0, 2, 4]


def test_first_week_mon_wed_fri(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=1))
    plan = weekly_plan(p, MON_WED_FRI, MONDAY, MORNING)
    assert [s.date for s in plan.sessions] == [MONDAY + timedelta(days=d) for d in (0, 2, 4)]
    assert {s.minutes for s in plan.sessions} == {20}  # first week of the phase: the low end
    assert {s.modality for s in plan.sessions} == {"aerobic"}
    assert {s.time for s in plan.sessions} == {MORNING}
    assert plan.notes == ()
    assert plan.total_minutes == 60


def test_second_week_takes_the_middle(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=2))
    plan = weekly_plan(p, MON_WED_FRI, MONDAY, MORNING)
    assert {s.minutes for s in plan.sessions} == {25}


@pytest.mark.parametrize(("week", "minutes"), [(4, 35), (6, 45), (10, 50)])
def test_middle_is_rounded_to_five_ties_down(
    parts: ClinicalParts, week: int, minutes: int
) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=week))
    plan = weekly_plan(p, [0, 1, 2, 3, 4], MONDAY, MORNING)
    assert {s.minutes for s in plan.sessions} == {minutes}  # phase 4: 52.5 → 50


def test_the_start_step_plans_the_bottom(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=1, low_energy=True))
    plan = weekly_plan(p, [0, 1, 2, 3, 4, 5, 6], MONDAY, MORNING)
    assert len(plan.sessions) == 3
    assert {s.minutes for s in plan.sessions} == {20}


def test_never_more_than_the_upper_sessions(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=3))  # 3–4 a week
    plan = weekly_plan(p, list(range(7)), MONDAY, MORNING)
    assert len(plan.sessions) == 4
    assert [s.date.weekday() for s in plan.sessions] == [0, 1, 3, 5]  # spread, not bunched


def test_fewer_days_than_the_lower_bound_give_a_note(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=5))  # 4–5 a week
    plan = weekly_plan(p, [1, 3], MONDAY, MORNING)
    assert len(plan.sessions) == 2
    assert [(n.key, dict(n.params)) for n in plan.notes] == [
        ("plan.fewer_days", {"chosen": 2, "minimum": 4})
    ]


def test_other_modalities_alternate_with_the_backbone(parts: ClinicalParts) -> None:
    conditions = frozenset({ProfileCondition.ANXIETY, ProfileCondition.LOW_SELF_ESTEEM})
    p = prescribe(parts, PrescriptionInput(age=40, week=5, conditions=conditions))
    five = weekly_plan(p, [0, 1, 2, 3, 4], MONDAY, MORNING)
    assert [s.modality for s in five.sessions] == [
        "aerobic",
        "mind_body",
        "aerobic",
        "resistance",
        "aerobic",
    ]
    three = weekly_plan(p, MON_WED_FRI, MONDAY, MORNING)
    assert [s.modality for s in three.sessions] == ["aerobic", "mind_body", "aerobic"]
    mind_body = next(c for c in p.modalities if c.modality == "mind_body")
    assert three.sessions[1].activities == mind_body.activities


def test_a_stated_preference_gets_the_first_other_session(parts: ClinicalParts) -> None:
    p = prescribe(
        parts,
        PrescriptionInput(
            age=40,
            preferred_modalities=("resistance",),
            conditions=frozenset({ProfileCondition.ANXIETY}),
        ),
    )
    plan = weekly_plan(p, MON_WED_FRI, MONDAY, MORNING)
    assert [s.modality for s in plan.sessions] == ["aerobic", "resistance", "aerobic"]


def test_week_may_start_on_any_day(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=1))
    thursday = MONDAY + timedelta(days=3)
    plan = weekly_plan(p, MON_WED_FRI, thursday, MORNING)
    assert [s.date for s in plan.sessions] == [
        thursday + timedelta(days=1),  # Friday
        thursday + timedelta(days=4),  # Monday
        thursday + timedelta(days=6),  # Wednesday
    ]


def test_session_for_a_day(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=1))
    plan = weekly_plan(p, MON_WED_FRI, MONDAY, MORNING)
    today = session_for(plan, MONDAY + timedelta(days=2))
    assert today is not None and today.date.weekday() == 2
    assert session_for(plan, MONDAY + timedelta(days=1)) is None


def test_bad_days_are_refused(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=1))
    for days in ([], [7], [-1]):
        with pytest.raises(ValueError):
            weekly_plan(p, days, MONDAY, MORNING)


@given(days=st.sets(st.integers(0, 6), min_size=1))
def test_maintenance_weeks_total_150_to_300(parts: ClinicalParts, days: set[int]) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=20))
    plan = weekly_plan(p, sorted(days), MONDAY, MORNING)
    for session in plan.sessions:
        assert 30 <= session.minutes <= 60
    if len(days) >= 3:
        assert 150 <= plan.total_minutes <= 300
        assert plan.notes == ()
    else:
        assert plan.total_minutes < 150
        assert "plan.below_weekly_minimum" in {n.key for n in plan.notes}


@given(
    week=st.integers(1, 30),
    days=st.sets(st.integers(0, 6), min_size=1),
    conditions=st.frozensets(st.sampled_from(list(ProfileCondition))),
)
def test_plans_stay_within_the_prescription(
    parts: ClinicalParts, week: int, days: set[int], conditions: frozenset[ProfileCondition]
) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, week=week, conditions=conditions))
    plan = weekly_plan(p, sorted(days), MONDAY, MORNING)
    assert len(plan.sessions) == min(len(days), p.sessions_per_week.high)
    assert all(s.date.weekday() in days for s in plan.sessions)
    assert all(p.minutes.low <= s.minutes <= p.minutes.high for s in plan.sessions)
    aerobic = sum(s.modality == "aerobic" for s in plan.sessions)
    assert 2 * aerobic >= len(plan.sessions)  # the backbone keeps the majority
    assert all(MONDAY <= s.date < MONDAY + timedelta(days=7) for s in plan.sessions)
    assert [s.date for s in plan.sessions] == sorted(s.date for s in plan.sessions)
