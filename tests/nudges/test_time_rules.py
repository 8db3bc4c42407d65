"""The reminder stays at the patient's local time across DST changes, offsets and quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogs.nudge_time import QuietHours, deliverable_at, local_instant
from dialogs.nudges import NudgeKind, SlotStatus
from dialogs.timezones import tz_for
from tests.nudges.helpers import local, make_state, of_kind, plan_days

# Saturday, Sunday and Monday: phase 1 plans at most three sessions a week, so all three are
# session days, and every 2026 DST change falls on a Sunday.
WEEKEND = [5, 6, 0]
NINE = dt.time(9, 0)


def session_times(zone: str, first: dt.date, days: int) -> dict[dt.date, tuple[dt.time, int]]:
    """Per day with a reminder: its local time and its UTC hour."""
    state = make_state(timezone=zone, training_days=WEEKEND)
    slots = of_kind(plan_days(state, first, days), NudgeKind.SESSION)
    return {
        s.day: (s.due_at.astimezone(tz_for(zone)).time(), s.due_at.astimezone(dt.UTC).hour)
        for s in slots
    }


@pytest.mark.parametrize(
    ("zone", "saturday", "utc_before", "utc_after"),
    [
        ("America/New_York", dt.date(2026, 3, 7), 14, 13),  # EST → EDT on Sunday 8 March
        ("America/New_York", dt.date(2026, 10, 31), 13, 14),  # EDT → EST on Sunday 1 Nov
        ("Europe/Berlin", dt.date(2026, 3, 28), 8, 7),  # CET → CEST on Sunday 29 March
        ("Europe/Berlin", dt.date(2026, 10, 24), 7, 8),  # CEST → CET on Sunday 25 October
    ],
)
def test_reminder_keeps_local_time_across_dst(
    zone: str, saturday: dt.date, utc_before: int, utc_after: int
) -> None:
    times = session_times(zone, saturday, 3)
    sunday, monday = saturday + dt.timedelta(days=1), saturday + dt.timedelta(days=2)
    assert set(times) == {saturday, sunday, monday}
    assert {local_time for local_time, _ in times.values()} == {NINE}
    assert times[saturday][1] == utc_before
    assert times[sunday][1] == utc_after  # the change happens in the night before 09:00
    assert times[monday][1] == utc_after


@pytest.mark.parametrize("zone", ["UTC+05:45", "Asia/Kathmandu"])
def test_quarter_hour_offset(zone: str) -> None:
    times = session_times(zone, dt.date(2026, 3, 7), 3)
    for day in times:
        due = local_instant(day, NINE, tz_for(zone))
        assert (due.hour, due.minute) == (3, 15)  # 09:00 at UTC+05:45
    assert {local_time for local_time, _ in times.values()} == {NINE}


def test_quiet_hours_span_midnight() -> None:
    quiet = QuietHours(dt.time(21), dt.time(8))
    assert quiet.contains(dt.time(21, 0))
    assert quiet.contains(dt.time(23, 59))
    assert quiet.contains(dt.time(0, 0))
    assert quiet.contains(dt.time(7, 59))
    assert not quiet.contains(dt.time(8, 0))
    assert not quiet.contains(dt.time(20, 59))
    daytime = QuietHours(dt.time(13), dt.time(15))
    assert daytime.contains(dt.time(14)) and not daytime.contains(dt.time(15))
    assert not QuietHours(dt.time(8), dt.time(8)).contains(dt.time(8))


def test_quiet_end_is_the_next_local_morning() -> None:
    zone = tz_for("Europe/Berlin")
    quiet = QuietHours(dt.time(21), dt.time(8))
    late = local("Europe/Berlin", 2026, 3, 28, 22, 30)  # Saturday night, before the change
    assert quiet.end_after(late, zone) == local("Europe/Berlin", 2026, 3, 29, 8, 0)
    early = local("Europe/Berlin", 2026, 3, 29, 3, 30)  # after midnight, clocks gone forward
    assert quiet.end_after(early, zone) == local("Europe/Berlin", 2026, 3, 29, 8, 0)


def test_deliverable_waits_for_quiet_end_within_grace_else_drops() -> None:
    zone, grace = tz_for("America/New_York"), dt.timedelta(hours=2)
    quiet = QuietHours(dt.time(21), dt.time(8))
    seven = local("America/New_York", 2026, 3, 9, 7, 0)
    assert deliverable_at(seven, seven, zone, quiet, grace) == local(
        "America/New_York", 2026, 3, 9, 8, 0
    )
    five = local("America/New_York", 2026, 3, 9, 5, 0)
    assert deliverable_at(five, five, zone, quiet, grace) is None
    # Due 20:30, the bot back at 21:10: inside quiet hours, and their end is far too late.
    evening = local("America/New_York", 2026, 3, 9, 20, 30)
    back = local("America/New_York", 2026, 3, 9, 21, 10)
    assert deliverable_at(evening, back, zone, quiet, grace) is None
    assert deliverable_at(evening, evening, zone, quiet, grace) == evening


def test_early_reminder_moves_to_quiet_end_and_very_early_one_is_dropped() -> None:
    moved = make_state(timezone="Europe/Berlin", training_days=WEEKEND, preferred_time="07:00")
    slots = of_kind(plan_days(moved, dt.date(2026, 3, 28), 2), NudgeKind.SESSION)
    assert [s.due_at for s in slots[:2]] == [
        local("Europe/Berlin", 2026, 3, 28, 8, 0),
        local("Europe/Berlin", 2026, 3, 29, 8, 0),  # 06:00 UTC: CEST already
    ]
    assert {s.status for s in slots} == {SlotStatus.PLANNED}
    dropped = make_state(timezone="Europe/Berlin", training_days=WEEKEND, preferred_time="05:30")
    slots = of_kind(plan_days(dropped, dt.date(2026, 3, 28), 2), NudgeKind.SESSION)
    assert {(s.status, s.reason) for s in slots} == {(SlotStatus.DROPPED, "quiet_hours")}


def test_patient_quiet_hours_override_the_default() -> None:
    state = make_state(
        training_days=WEEKEND, preferred_time="09:00", quiet_start="22:00", quiet_end="09:30"
    )
    slots = of_kind(plan_days(state, dt.date(2026, 3, 7), 1), NudgeKind.SESSION)
    assert slots[0].due_at == local("America/New_York", 2026, 3, 7, 9, 30)
