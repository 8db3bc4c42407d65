"""What the session card and the session replies say: pure presentation over the programme.

Why apart from the session flow: the same lines (intensity, warm-up, the week's minutes, a
phase change) are shown by /today, after a logged session and by the barrier talk.
"""

from __future__ import annotations

import datetime as dt

from content.clinical.ladder import Step
from content.clinical.prescription import Prescription
from content.clinical.progression import ProgressionDecision
from content.clinical.session_card import card_lines, session_card
from content.clinical.weekly_plan import PlannedSession
from content.loader import Content
from dialogs import programme
from dialogs.context import DialogContext
from dialogs.screens import Line, say

# Quick answers and the accepted range for minutes: input validation and presentation, not
# clinical numbers (a session above five hours is a typing slip).
MINUTE_CHOICES = (10, 20, 30, 45, 60)
MINUTES_RANGE = (1, 300)
# Mood is rated 0 (very low) to 10 (very good), the same scale as /mood.
MOOD_RANGE = (0, 10)
MOOD_ROW = 6


def effort_rpe(content: Content) -> dict[str, int]:
    """Effort button id → Borg score, from content (protocol.yaml effort_buttons)."""
    return {button.id: button.rpe for button in content.protocol.effort_buttons}


def whole_number(text: str, digits: int = 4) -> int | None:
    """A short run of ASCII digits as a number; anything else (including "²" or "½") is None."""
    cleaned = text.strip()
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= digits:
        return int(cleaned)
    return None


def modality_name(ctx: DialogContext, modality: str) -> str:
    return programme.modality_name(ctx.content, ctx.language, modality)


def day_name(ctx: DialogContext, day: dt.date) -> str:
    return programme.day_name(ctx.language, day)


def card_body(
    ctx: DialogContext, prescription: Prescription, planned: PlannedSession
) -> list[Line]:
    """Intensity, effort, warm-up, main part (or rounds), cool-down and total, by modality."""
    content = ctx.content
    card = session_card(content.modalities, prescription, planned.modality, planned.minutes)
    return [
        say(key, **params)
        for key, params in card_lines(
            ctx.texts, content.protocol, content.modalities, card, ctx.language
        )
    ]


def next_session_line(ctx: DialogContext) -> Line | None:
    upcoming = programme.next_session(ctx.state, ctx.content, ctx.state.today)
    if upcoming is None:
        return None
    return say(
        "today.next_session",
        day=day_name(ctx, upcoming.date),
        time=upcoming.time.strftime("%H:%M"),
        modality=modality_name(ctx, upcoming.modality),
        minutes=upcoming.minutes,
    )


def week_line(ctx: DialogContext) -> Line:
    """Minutes moved this calendar week against the week's planned minutes."""
    state, content = ctx.state, ctx.content
    first = programme.week_start(state.today)
    done = programme.minutes_between(state.sessions, first, first + dt.timedelta(days=6))
    planned = programme.planned_sessions(state, content, state.today)
    target = sum(s.minutes for s in programme.as_on_their_days(state, content, planned))
    if target and done >= target:
        return say("today.week_met", minutes=done, target=target)
    return say("today.week_progress", minutes=done, target=target)


def decision_line(
    ctx: DialogContext, before: Step, decision: ProgressionDecision | None
) -> Line | None:
    """One sentence when the phase moved (or repeats), with the numbers behind it."""
    if decision is None or not programme.phase_changed(before, decision):
        return None
    return say(decision.reason_key, **decision.params, phase=decision.phase_id or "")


def progression_at_contact(ctx: DialogContext) -> tuple[Line | None, bool]:
    """Apply what the record says now (a contact that shows a dose: /progress, /plan).

    Returns the sentence to say if the step moved, and whether the barrier conversation
    opens (three planned sessions not done: a step back, whatever was or was not pressed).
    """
    before = programme.current_step(ctx.state, ctx.content)
    decision = programme.apply_progression(ctx.state, ctx.content)
    step_back = decision is not None and decision.open_barrier_conversation
    return decision_line(ctx, before, decision), step_back


def not_ready(ctx: DialogContext) -> None:
    ctx.show(say("today.not_ready"))
