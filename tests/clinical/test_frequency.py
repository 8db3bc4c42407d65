"""Frequency: enough default days for the step, and never silently below 150 minutes."""

from __future__ import annotations

import datetime as dt

from content.clinical.prescription import ClinicalParts, PrescriptionInput, prescribe
from content.clinical.weekly_plan import default_days, extra_day_offer, weekly_plan
from content.loader import Content

MONDAY = dt.date(2026, 1, 5)


def _plan(shipped: Content, parts: ClinicalParts, week: int, days: list[int]) -> tuple:  # type: ignore[type-arg]
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=week))
    plan = weekly_plan(
        p, days, MONDAY, dt.time(8), catalogue=shipped.modalities, protocol=shipped.protocol
    )
    return p, plan


def test_default_days_cover_the_step(shipped: Content, parts: ClinicalParts) -> None:
    for week in range(1, 14):
        p = prescribe(parts, PrescriptionInput(age=40, week=week))
        days = default_days(shipped.protocol, p)
        assert len(days) >= p.sessions_per_week.low
        plan = weekly_plan(p, days, MONDAY, dt.time(8), protocol=shipped.protocol)
        if week >= 5:  # phase 3 on: the default plan reaches the minimum weekly dose
            assert plan.total_minutes >= shipped.protocol.weekly_dose.minimum_minutes


def test_three_days_in_phase_3_say_so_and_offer_a_day(
    shipped: Content, parts: ClinicalParts
) -> None:
    p, plan = _plan(shipped, parts, 5, [0, 2, 4])
    assert plan.total_minutes == 120
    notes = {note.key: dict(note.params) for note in plan.notes}
    assert notes["plan.fewer_days"] == {"chosen": 3, "minimum": 4}
    assert notes["plan.below_weekly_minimum"] == {"planned": 120, "minimum": 150}
    offer = extra_day_offer(shipped.protocol, p, plan, [0, 2, 4])
    assert offer is not None
    assert offer.params == {"chosen": 3, "minimum": 4, "weekly": 150, "planned": 120}


def test_enough_days_need_no_offer(shipped: Content, parts: ClinicalParts) -> None:
    p, plan = _plan(shipped, parts, 5, [0, 1, 3, 5])
    assert extra_day_offer(shipped.protocol, p, plan, [0, 1, 3, 5]) is None
    assert "plan.below_weekly_minimum" not in {n.key for n in plan.notes}


def test_early_phases_below_150_are_not_flagged(shipped: Content, parts: ClinicalParts) -> None:
    p, plan = _plan(shipped, parts, 1, [0, 2, 4])
    assert plan.total_minutes < 150
    assert plan.notes == ()
    assert extra_day_offer(shipped.protocol, p, plan, [0, 2, 4]) is None


def test_every_day_chosen_never_asks_for_another(shipped: Content, parts: ClinicalParts) -> None:
    days = list(range(7))
    p, plan = _plan(shipped, parts, 5, days)
    assert extra_day_offer(shipped.protocol, p, plan, days) is None
