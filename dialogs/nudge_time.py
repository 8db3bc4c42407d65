"""Nudge time rules: local wall-clock instants, quiet hours, the grace period and pauses.

Pure functions of a patient's state and the nudge policy (see `dialogs.nudges`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from content.schemas.nudges import NudgePolicy, as_time
from dialogs.state import PatientState
from state_machines.journey import JourneyState

PAUSED_JOURNEY = JourneyState.PAUSED


def local_instant(day: dt.date, at: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant of a local wall-clock time; zoneinfo resolves DST gaps and folds."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time

    def contains(self, local: dt.time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight

    def end_after(self, instant: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
        """When the quiet period holding `instant` ends (UTC)."""
        local = instant.astimezone(zone)
        day = local.date() if local.time() < self.end else local.date() + dt.timedelta(days=1)
        return local_instant(day, self.end, zone)


def quiet_hours(state: PatientState, policy: NudgePolicy) -> QuietHours:
    """The patient's quiet hours; the policy's defaults for anything unreadable."""
    profile = state.profile
    try:
        return QuietHours(as_time(profile.quiet_start), as_time(profile.quiet_end))
    except ValueError:
        return QuietHours(as_time(policy.quiet_hours.start), as_time(policy.quiet_hours.end))


def deliverable_at(
    due: dt.datetime,
    now: dt.datetime,
    zone: dt.tzinfo,
    quiet: QuietHours,
    grace: dt.timedelta,
) -> dt.datetime | None:
    """The earliest time from `now` a nudge due at `due` may go, or None: too late, drop it.

    Inside quiet hours it waits for their end; either way it may not go later than `grace`
    after it was due.
    """
    at = max(due, now)
    if quiet.contains(at.astimezone(zone).time()):
        at = quiet.end_after(at, zone)
    return at if at - due <= grace else None


def paused_on(state: PatientState, day: dt.date) -> bool:
    """Paused patients get no nudges until `paused_until` (the day they resume)."""
    if state.patient.journey != PAUSED_JOURNEY:
        return False
    until = state.patient.paused_until
    return until is None or day < until
