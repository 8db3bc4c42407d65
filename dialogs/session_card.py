"""What the session card and the session replies say: pure presentation over the programme.

Why apart from the session flow: the same lines (intensity, warm-up, the week's minutes, a
phase change) are shown by /today, after a logged session and by the barrier talk.
"""

from __future__ import annotations

import datetime as dt

from content.clinical.prescription import Prescription
from content.clinical.prescription_text import span
from content.clinical.progression import ProgressionDecision
from dialogs import programme
from dialogs.context import DialogContext
from dialogs.screens import Line, say

# Borg 6–20 anchors for the four effort buttons (see dialogs.today).
EFFORT_RPE: dict[str, int] = {"easy": 11, "right": 13, "hard": 15, "very_hard": 17}
# Quick answers and the accepted range for minutes: input validation and presentation, not
# clinical numbers (a session above five hours is a typing slip).
MINUTE_CHOICES = (10, 20, 30, 45, 60)
MINUTES_RANGE = (1, 300)
# Mood is rated 0 (very low) to 10 (very good), the same scale as /mood.
MOOD_RANGE = (0, 10)
MOOD_ROW = 6


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


def intensity_lines(ctx: DialogContext, prescription: Prescription, modality: str) -> list[Line]:
    """Heart-rate range for steady heart-rate work; otherwise the effort and talk test."""
    catalogue = ctx.content.modalities
    rpe = prescription.rpe
    exertion = say(
        prescription.exertion_key,
        rpe=str(rpe.low) if rpe.low == rpe.high else f"{rpe.low}–{rpe.high}",
    )
    steady = catalogue.modality(modality).intensity == "heart_rate" and modality != catalogue.hiit
    bpm = prescription.target_bpm
    if steady and bpm is not None:
        return [
            say(
                "today.target_hr",
                bpm_low=bpm.low,
                bpm_high=bpm.high,
                percent=span(prescription.hrr_percent),
            ),
            exertion,
        ]
    if steady:
        return [say("today.by_feel"), exertion]
    return [exertion]


def template_lines(ctx: DialogContext, modality: str) -> list[Line]:
    template = ctx.content.modalities.modality(modality).template
    text = ctx.texts.get
    return [
        say(
            "today.warm_up",
            minutes=template.warm_up_minutes,
            text=text(ctx.language, template.warm_up_key),
        ),
        say("today.main", text=text(ctx.language, template.main_key)),
        say(
            "today.cool_down",
            minutes=template.cool_down_minutes,
            text=text(ctx.language, template.cool_down_key),
        ),
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
    target = sum(s.minutes for s in programme.planned_sessions(state, content, state.today))
    if target and done >= target:
        return say("today.week_met", minutes=done, target=target)
    return say("today.week_progress", minutes=done, target=target)


def decision_line(
    ctx: DialogContext, before: int, decision: ProgressionDecision | None
) -> Line | None:
    """One sentence when the phase moved (or repeats), with the numbers behind it."""
    if decision is None or not programme.phase_changed(before, decision):
        return None
    return say(decision.reason_key, **decision.params, phase=decision.phase_id or "")


def not_ready(ctx: DialogContext) -> None:
    ctx.show(say("today.not_ready"))
