"""When a mood rating calls for a gentle check or a small offer (numbers in `protocol.yaml`).

Pure decisions for the conversations that ask about mood: after a session, in the opt-in
daily check, and the one follow-up nudge after a just-in-time offer.
"""

from __future__ import annotations

import datetime as dt

from content.schemas.protocol import Protocol


def is_low_mood(protocol: Protocol, score: int) -> bool:
    """A 0–10 rating at or below the low-mood threshold (3): offer one small step now."""
    return score <= protocol.mood.low_mood


def mood_after_session_needs_check(protocol: Protocol, before: int | None, after: int) -> bool:
    """Mood after a session of 0–2, or 3+ lower than before: a gentle check and the offer."""
    rules = protocol.mood
    if after <= rules.after_session_low:
        return True
    return before is not None and before - after >= rules.after_session_drop


def offer_minutes(protocol: Protocol) -> int:
    """How long the just-in-time activity is (10 minutes)."""
    return protocol.mood.offer_minutes


def follow_up_due(
    protocol: Protocol,
    offered_at: dt.datetime,
    now: dt.datetime,
    logged_since_offer: bool,
    in_quiet_hours: bool,
) -> bool:
    """The one follow-up nudge after a low-mood offer: hours later, nothing logged, not quiet."""
    if logged_since_offer or in_quiet_hours:
        return False
    return now >= offered_at + dt.timedelta(hours=protocol.mood.follow_up_hours)


def barrier_follow_up_at(
    protocol: Protocol, when_id: str, planned_at: dt.datetime
) -> dt.datetime | None:
    """When to ask "How did it go?" (Done / Not yet / Change my plan) after a barrier plan.

    `planned_at` is when the plan was made, in the patient's local time zone; None for a
    `when` the content does not know (then the promise must not be made).
    """
    rule = protocol.barrier_follow_up.after_plan.get(when_id)
    if rule is None:
        return None
    if rule.hours is not None:
        return planned_at + dt.timedelta(hours=rule.hours)
    assert rule.at is not None  # the schema gives exactly one of hours and at
    day = planned_at.date() + dt.timedelta(days=rule.days)
    return dt.datetime.combine(day, dt.time.fromisoformat(rule.at), planned_at.tzinfo)
