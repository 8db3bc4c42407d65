"""/progress (how the weeks are going, with a chart) and /plan (this week, one line a session).

The streak forgives: a week is kept when the sessions done reach the sessions planned minus
the forgiven misses (content: one), at least one session, so one miss a week never breaks
it. Only planned sessions are counted as due — rest days never are — and a week with nothing
planned (the days before the programme started) neither keeps nor breaks it. The current
week counts once it is kept, and breaks the streak as soon as it can no longer be kept, so a
summary after 0 of 3 never reads "on track" (content/clinical/feedback.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date

from content.clinical import feedback
from content.clinical.feedback import WeekStatus
from content.clinical.plural import plural_key
from content.loader import Content
from dialogs import programme
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.screens import Line, say
from dialogs.session_card import progression_at_contact
from dialogs.state import PatientState

# The chart covers the current week and the seven before it (storage loads 56 days of
# sessions). A presentation choice, not a clinical number.
CHART_WEEKS = 8
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class WeekMinutes:
    """One bar: minutes moved in the calendar week starting `week_start` (a Monday).

    `label` is that Monday as a short date in the patient's language ("23 Nov", "23 nov").
    """

    week_start: dt.date
    minutes: int
    target_low: int
    target_high: int
    label: str


@dataclass(frozen=True)
class Phq9Point:
    """A completed check-in; `label` is its date, short, in the patient's language."""

    day: dt.date
    total: int
    label: str


@dataclass(frozen=True)
class ProgressChart:
    """What the progress chart shows; `bot/` draws it, labels come from the text keys.

    `weeks` runs oldest first, the current week last; its target band is the weekly minutes
    the prescription asks for (0–0 before the programme started). `phq9` are the completed
    check-ins, oldest first; `phq9_max` fixes the axis and `weekly_minimum` is the minimum
    effective weekly dose, drawn as a labelled line. `phq9_bands` are (low, high, label) in
    the patient's language, shaded behind the scores.
    """

    weeks: tuple[WeekMinutes, ...]
    phq9: tuple[Phq9Point, ...]
    phq9_max: int
    weekly_minimum: int
    phq9_bands: tuple[tuple[int, int, str], ...] = ()
    title_key: str = "progress.chart.title"
    minutes_key: str = "progress.chart.minutes"
    target_key: str = "progress.chart.target"
    phq9_key: str = "progress.chart.phq9"
    minimum_key: str = "chart.minimum"
    lower_better_key: str = "chart.lower_better"


def _done_in_week(state: PatientState, monday: dt.date, until: dt.date | None = None) -> list[int]:
    """Minutes of each session done (whole or in part, planned or not) in the week."""
    sunday = monday + WEEK - dt.timedelta(days=1)
    last = min(until, sunday) if until else sunday
    return [r.minutes or 0 for r in programme.completed(state.sessions) if monday <= r.day <= last]


def week_status(state: PatientState, content: Content, monday: dt.date) -> WeekStatus:
    """Kept, lost (can no longer be kept), open, or nothing planned, as of today."""
    sessions = programme.planned_sessions(state, content, monday)
    to_come = sum(1 for s in sessions if s.date >= state.today)
    done = len(_done_in_week(state, monday, until=state.today))
    return feedback.week_status(content.protocol, len(sessions), done, to_come)


def week_kept(state: PatientState, content: Content, monday: dt.date) -> bool | None:
    """True kept, False broken, None when nothing was planned that week."""
    status = week_status(state, content, monday)
    if status is WeekStatus.NOTHING_PLANNED:
        return None
    return status is WeekStatus.KEPT


def streak(state: PatientState, content: Content) -> int:
    """Weeks kept in a row, counting back from last week (this week too, once kept).

    A current week that can no longer be kept ends the streak at once.
    """
    start = state.profile.programme_start
    if start is None:
        return 0
    this_week = programme.week_start(state.today)
    now = week_status(state, content, this_week)
    if now is WeekStatus.LOST:
        return 0
    weeks = 1 if now is WeekStatus.KEPT else 0
    monday = this_week - WEEK
    while monday >= programme.week_start(start):
        kept = week_kept(state, content, monday)
        if kept is False:
            break
        weeks += 1 if kept else 0
        monday -= WEEK
    return weeks


def short_date(day: dt.date, language: str) -> str:
    return str(format_date(day, "d MMM", locale=language))


def chart(state: PatientState, content: Content, language: str) -> ProgressChart:
    """Weekly minutes of the last `CHART_WEEKS` weeks against their targets, and PHQ-9 totals.

    Targets are the prescription's for each week. Only the current phase is stored, so a past
    week's target uses it too (after a step back, earlier weeks show the lower target).
    """
    this_week = programme.week_start(state.today)
    start = state.profile.programme_start or state.today
    weeks = []
    for back in range(CHART_WEEKS - 1, -1, -1):
        monday = this_week - back * WEEK
        if monday + WEEK <= start:
            continue  # the chart starts at the patient's first week
        band = programme.target_band(programme.prescription_on(state, content, max(monday, start)))
        low, high = band.low, band.high
        minutes = sum(_done_in_week(state, monday))
        weeks.append(WeekMinutes(monday, minutes, low, high, short_date(monday, language)))
    checkins = sorted(
        (c for c in state.checkins if c.total is not None), key=lambda c: c.started_at
    )
    zone = state.local_now.tzinfo
    points = tuple(
        Phq9Point(day, c.total, short_date(day, language))
        for c in checkins
        if c.total is not None
        for day in [(c.completed_at or c.started_at).astimezone(zone).date()]
    )
    return ProgressChart(
        weeks=tuple(weeks),
        phq9=points,
        phq9_max=content.phq9.max_total,
        weekly_minimum=content.protocol.weekly_dose.minimum_minutes,
        phq9_bands=tuple(
            (band.range.low, band.range.high, band.label.get(language))
            for band in content.phq9.bands
        ),
    )


def phq9_line(state: PatientState, content: Content) -> Line:
    """The check-in trend in kind words: never a diagnosis, never a verdict."""
    latest, baseline = state.latest_checkin, state.baseline
    if latest is None or latest.total is None:
        return say("progress.phq9_none")
    if baseline is None or baseline is latest or baseline.total is None:
        return say("progress.phq9_first", total=latest.total, maximum=content.phq9.max_total)
    key = feedback.phq9_trend_key(content.phq9, baseline.total, latest.total)
    return say(
        key,
        total=latest.total,
        baseline=baseline.total,
        maximum=content.phq9.max_total,
        points=abs(latest.total - baseline.total),
    )


def summary_lines(
    state: PatientState, content: Content, day: dt.date, language: str | None = None
) -> list[Line]:
    """The week containing `day` against its target, the streak and the check-in trend.

    Shared by /progress and the weekly summary nudge, so both always say the same thing.
    """
    monday = programme.week_start(day)
    planned = programme.planned_sessions(state, content, day)
    done = _done_in_week(state, monday, until=day)
    weeks = streak(state, content)
    lang = language or state.patient.language
    return [
        say(
            plural_key(content.texts, lang, "progress_week", len(planned)),
            sessions=len(done),
            planned=len(planned),
            minutes=sum(done),
            target=sum(s.minutes for s in planned),
        ),
        say("progress.streak", weeks=weeks) if weeks else say("progress.streak_start"),
        phq9_line(state, content),
    ]


def progress(ctx: DialogContext, args: str = "") -> None:
    """/progress: this week against its target, the streak, the check-in trend, a chart."""
    state, content = ctx.state, ctx.content
    if not programme.has_programme(state):
        ctx.show(say("today.not_ready"))
        return
    changed, step_back = progression_at_contact(ctx)  # the dose as the record makes it today
    lines = [say("progress.heading"), *summary_lines(state, content, state.today, ctx.language)]
    if changed is not None:
        lines.insert(1, changed)
    ctx.show(*lines, chart=chart(state, content, ctx.language))
    if step_back:
        ctx.start(Flow.BARRIER)


def plan(ctx: DialogContext, args: str = "") -> None:
    """/plan: the week's sessions, one line each, in the patient's language."""
    state, content = ctx.state, ctx.content
    if not programme.has_programme(state):
        ctx.show(say("today.not_ready"))
        return
    changed, step_back = progression_at_contact(ctx)
    week_plan = programme.week_plan(state, content, state.today)
    sessions = programme.as_on_their_days(
        state, content, programme.planned_sessions(state, content, state.today)
    )
    done_days = {r.day for r in programme.completed(state.sessions)}
    lines: list[Line] = [say("plan.heading", week=programme.programme_week(state, state.today))]
    for session in sessions:
        key = "plan.session_done" if session.date in done_days else "plan.session"
        lines.append(
            say(
                key,
                day=programme.day_name(ctx.language, session.date),
                time=session.time.strftime("%H:%M"),
                modality=programme.modality_name(content, ctx.language, session.modality),
                minutes=session.minutes,
            )
        )
    if not sessions:
        lines.append(say("plan.none"))
    lines.extend(say(note.key, **dict(note.params)) for note in week_plan.notes)
    lines.append(say("plan.change"))
    if changed is not None:
        lines.insert(1, changed)
    ctx.show(*lines)
    if step_back:
        ctx.start(Flow.BARRIER)
