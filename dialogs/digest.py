"""The supervisors' weekly digest: four lists of pseudonymous codes, nothing else.

Planned in `bot/` (it belongs to no patient); its rules and text are here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from content.clinical import phq9
from content.loader import Content
from dialogs.nudge_time import PAUSED_JOURNEY
from dialogs.screens import Audience, Line, Screen, say
from dialogs.timezones import tz_for


@dataclass(frozen=True)
class DigestFacts:
    """What the digest needs to know about one patient; `code` is the only identity shown."""

    code: str
    journey: str
    has_programme: bool
    timezone: str
    baseline_at: dt.datetime | None
    baseline_total: int | None
    latest_at: dt.datetime | None
    latest_total: int | None
    sessions_last_7_days: int
    open_flags: int


def checkin_overdue(facts: DigestFacts, content: Content, now: dt.datetime) -> bool:
    """The last due check-in is not done `overdue_after_days` after its due day."""
    if facts.baseline_at is None or not facts.has_programme:
        return False
    zone = tz_for(facts.timezone)
    today = now.astimezone(zone).date()
    start = facts.baseline_at.astimezone(zone).date()
    every = content.phq9.readminister_days
    elapsed = (today - start).days
    if elapsed < every:
        return False
    due = start + dt.timedelta(days=elapsed - elapsed % every)
    since = due - dt.timedelta(days=content.nudges.checkin.counts_from_days_before)
    latest = facts.latest_at.astimezone(zone).date() if facts.latest_at else None
    done = latest is not None and latest >= since and facts.latest_at != facts.baseline_at
    return not done and (today - due).days >= content.nudges.checkin.overdue_after_days


def deteriorated(facts: DigestFacts, content: Content) -> bool:
    if facts.baseline_total is None or facts.latest_total is None:
        return False
    return phq9.compare(content.phq9, facts.baseline_total, facts.latest_total).deterioration


def _active(facts: DigestFacts) -> bool:
    return facts.has_programme and facts.journey != PAUSED_JOURNEY


def digest_screen(
    facts: Sequence[DigestFacts], content: Content, now: dt.datetime, day: dt.date
) -> Screen:
    """The weekly digest for supervisors: four lists of pseudonymous codes, nothing else.

    Paused patients are not listed for missing check-ins or sessions (they asked for a
    break); deterioration and open flags are listed whatever the journey.
    """
    groups = (
        ("digest.overdue", [f for f in facts if _active(f) and checkin_overdue(f, content, now)]),
        ("digest.no_sessions", [f for f in facts if _active(f) and f.sessions_last_7_days == 0]),
        ("digest.deterioration", [f for f in facts if deteriorated(f, content)]),
        ("digest.open_flags", [f for f in facts if f.open_flags > 0]),
    )
    lines: list[Line] = [say("digest.heading", date=day.isoformat())]
    for key, listed in groups:
        if listed:
            lines.append(say(key, codes=", ".join(sorted(f.code for f in listed))))
    if len(lines) == 1:
        lines.append(say("digest.nothing"))
    return Screen(lines=tuple(lines), audience=Audience.SUPERVISOR)
