"""Today's session (/today) and a session outside the plan (/log), as one flow.

/today shows the prescribed session as a card: what, how long, how hard (a heart-rate range
with its %HRR, or the effort and talk test when pacing is by feel), examples from the
patient's preferences, warm-up and cool-down, with Done / Did part of it / Can't today.
Done or partial asks minutes → effort → mood before → mood after, then stores one
`SessionRecord`, celebrates, and tells the patient in one sentence if their phase changed; a
mood after of 0–2, or 3+ lower than before, adds a gentle check and the low-mood offer.
Can't today stores a skipped record and opens the barrier conversation in its place.
While paused, /today says so (and how to resume) instead of showing a session.

Effort is stored in `SessionRecord.exertion` as a number on Borg's 6–20 scale, at the scale's
own verbal anchors (`protocol.yaml` effort_buttons: Easy = 11 "light", About right = 13
"somewhat hard", Hard = 15 "hard", Very hard = 17 "very hard"), so it can be read against the
prescription's RPE range and steer the dose (content/clinical/progression.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from content.clinical.mood_rules import mood_after_session_needs_check
from content.clinical.weekly_plan import PlannedSession
from dialogs import programme
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.records import SessionRecord, SessionStatus
from dialogs.screens import Line, say
from dialogs.session_card import (
    MINUTE_CHOICES,
    MINUTES_RANGE,
    MOOD_RANGE,
    MOOD_ROW,
    card_body,
    decision_line,
    effort_rpe,
    modality_name,
    next_session_line,
    not_ready,
    week_line,
    whole_number,
)
from state_machines.journey import JourneyState
from state_machines.session import SESSION, SessionModel, SessionState

__all__ = ["MOOD_RANGE", "MOOD_ROW", "SessionDialog", "effort_rpe", "log", "today", "whole_number"]

S = SessionState


class SessionDialog(FlowDialog[SessionModel]):
    flow = Flow.SESSION
    table = SESSION
    model_type = SessionModel
    hands_over = frozenset({Flow.BARRIER, Flow.MOOD})

    def begin(self, ctx: DialogContext, **kwargs: Any) -> SessionModel | None:
        if not programme.has_programme(ctx.state):
            not_ready(ctx)
            return None
        if kwargs.get("log"):
            model = SessionModel(S.ASK_ACTIVITY, planned=False, day=ctx.state.today.isoformat())
            if kwargs.get("modality"):  # told in words ("walked 20 min"): ask only the rest
                model.answers["modality"] = str(kwargs["modality"])
                model.state = S.ASK_MINUTES
                if kwargs.get("minutes"):
                    model.answers["minutes"] = int(kwargs["minutes"])
                    model.state = S.ASK_EXERTION
            return model
        return self._offer(ctx)

    def _offer(self, ctx: DialogContext) -> SessionModel | None:
        state, content = ctx.state, ctx.content
        if state.patient.journey is JourneyState.PAUSED:
            until = state.patient.paused_until
            ctx.show(
                say("flow.today_paused", until=until.isoformat() if until else "—"),
                rows=[[menu("cmd:resume", "flow.button.resume")]],
            )
            return None
        before = programme.current_step(state, content)
        decision = programme.apply_progression(state, content)
        changed = decision_line(ctx, before, decision)
        if decision is not None and decision.open_barrier_conversation:
            # Three planned sessions in a row not done: one step back, then the barrier talk.
            if changed is not None:
                ctx.show(changed)
            ctx.start(Flow.BARRIER)
            return None
        if changed is not None:
            ctx.show(changed)  # the step moved since the last contact: say why, once
        planned = programme.planned_session(state, content, state.today)
        if planned is None:
            lines = [say("today.rest_day")]
            upcoming = next_session_line(ctx)
            if upcoming is not None:
                lines.append(upcoming)
            lines.append(say("today.rest_day_log"))
            ctx.show(*lines, rows=[[menu("cmd:log", "today.button.log")]])
            return None
        already = programme.best_of_day([r for r in state.sessions if r.planned], state.today)
        if already is not None and already.status in (SessionStatus.DONE, SessionStatus.PARTIAL):
            lines = [say("today.already_done", minutes=already.minutes or 0), week_line(ctx)]
            upcoming = next_session_line(ctx)
            if upcoming is not None:
                lines.append(upcoming)
            ctx.show(*lines, rows=[[menu("cmd:log", "today.button.log")]])
            return None
        return SessionModel(
            S.OFFERED,
            planned=True,
            day=state.today.isoformat(),
            modality=planned.modality,
            planned_minutes=planned.minutes,
        )

    def question(self, ctx: DialogContext, model: SessionModel) -> Question:
        if model.state is S.OFFERED:
            return Question(
                self._card(ctx, model),
                [
                    Option("done", "done", key="today.button.done"),
                    Option("partial", "partial", key="today.button.partial"),
                    Option("cant", "cant", key="today.button.cant"),
                ],
            )
        if model.state is S.ASK_ACTIVITY:
            return Question([say("log.ask_activity")], self._activities(ctx), columns=2)
        if model.state is S.ASK_MINUTES:
            key = "today.ask_minutes_partial" if model.status == "partial" else "today.ask_minutes"
            return Question(
                [say(key), say("today.minutes_hint")],
                [
                    Option(
                        f"min{m}",
                        "give_minutes",
                        key="today.button.minutes",
                        params={"minutes": m},
                        args={"value": m},
                    )
                    for m in MINUTE_CHOICES
                ],
                columns=len(MINUTE_CHOICES),
                text=_number(MINUTES_RANGE, "give_minutes", "today.minutes_range"),
            )
        if model.state is S.ASK_EXERTION:
            return Question(
                [say("today.ask_effort")],
                [
                    Option(
                        f"eff_{button.id}",
                        "give_exertion",
                        key=button.label_key,
                        args={"value": button.rpe},
                    )
                    for button in ctx.content.protocol.effort_buttons
                ],
            )
        before = model.state is S.ASK_MOOD_BEFORE
        trigger = "give_mood_before" if before else "give_mood_after"
        low, high = MOOD_RANGE
        return Question(
            [
                say("today.ask_mood_before" if before else "today.ask_mood_after"),
                say("today.mood_scale"),
            ],
            [
                Option(f"mood{n}", trigger, literal=str(n), args={"value": n})
                for n in range(low, high + 1)
            ],
            columns=MOOD_ROW,
            text=_number(MOOD_RANGE, trigger, "today.mood_range"),
        )

    def _card(self, ctx: DialogContext, model: SessionModel) -> list[Line]:
        state, content = ctx.state, ctx.content
        day = dt.date.fromisoformat(model.day)
        planned = programme.planned_session(state, content, day)
        if planned is None:  # the plan changed since the offer: fall back to what was offered
            planned = PlannedSession(
                date=day,
                time=programme.session_time(state, content),
                modality=str(model.modality),
                minutes=int(model.planned_minutes or 0),
                activities=(),
            )
        prescription = programme.prescription_on(state, content, day)
        lines = [
            say(
                "today.heading",
                modality=modality_name(ctx, planned.modality),
                minutes=planned.minutes,
            )
        ]
        if prescription.start_low:
            lines.append(say("today.start_low"))
        if prescription.hold_key is not None:
            lines.append(say(prescription.hold_key))
        if prescription.effort_lowered:
            lines.append(say("prescription.effort_lowered"))
        examples = programme.example_names(
            ctx.content, ctx.language, planned.modality, planned.activities
        )
        if examples:
            lines.append(say("today.examples", activities=examples))
        lines += card_body(ctx, prescription, planned)
        return lines

    def _activities(self, ctx: DialogContext) -> list[Option]:
        preferred = ctx.state.profile.preferred_modalities
        modalities = sorted(ctx.content.modalities.modalities, key=lambda m: m.id not in preferred)
        return [
            Option(f"mod_{m.id}", "give_activity", key=m.name_key, args={"value": m.id})
            for m in modalities
        ]

    def after(self, ctx: DialogContext, model: SessionModel, option: Option) -> None:
        if model.state is S.LOGGED:
            self._logged(ctx, model)
        elif model.state is S.SKIPPED:
            self._skipped(ctx, model)
        else:
            self.ask(ctx)

    # --- endings --------------------------------------------------------------------------

    def _record(self, ctx: DialogContext, model: SessionModel, status: SessionStatus) -> None:
        """Store the session; a planned day's earlier record (a skip, a miss) is updated."""
        day = dt.date.fromisoformat(model.day)
        answers = model.answers
        modality = answers.get("modality") or model.modality
        earlier = None
        if model.planned:
            earlier = next(
                (
                    r
                    for r in ctx.state.sessions
                    if r.day == day
                    and r.planned
                    and r.status in (SessionStatus.SKIPPED, SessionStatus.MISSED)
                ),
                None,
            )
        record = earlier or SessionRecord(day=day, status=status, planned=model.planned)
        record.status = status
        record.modality = str(modality) if modality else None
        record.minutes = answers.get("minutes")
        record.exertion = answers.get("exertion")
        record.mood_before = answers.get("mood_before")
        record.mood_after = answers.get("mood_after")
        record.logged_at = ctx.state.now
        if earlier is None:
            ctx.state.sessions.append(record)
        ctx.outcome.store(record)

    def _logged(self, ctx: DialogContext, model: SessionModel) -> None:
        status = SessionStatus(model.status or SessionStatus.DONE.value)
        self._record(ctx, model, status)
        before = programme.current_step(ctx.state, ctx.content)
        decision = programme.apply_progression(ctx.state, ctx.content)
        minutes = int(model.answers["minutes"])
        if not model.planned:
            modality = str(model.answers["modality"])
            first = say("log.logged", minutes=minutes, modality=modality_name(ctx, modality))
        elif status is SessionStatus.PARTIAL:
            first = say("today.logged_partial", minutes=minutes)
        else:
            first = say("today.logged_done", minutes=minutes)
        lines = [first, week_line(ctx)]
        changed = decision_line(ctx, before, decision)
        if changed is not None:
            lines.append(changed)
        after = model.answers.get("mood_after")
        check = after is not None and mood_after_session_needs_check(
            ctx.content.protocol, model.answers.get("mood_before"), int(after)
        )
        if check:  # a low mood after, or a drop: a gentle check, not a celebration alone
            lines.append(say("mood_check.after_session"))
        ctx.show(*lines)
        if check:
            ctx.finish(then=Flow.MOOD, offer=True)  # the low-mood offer
        else:
            ctx.finish()

    def _skipped(self, ctx: DialogContext, model: SessionModel) -> None:
        self._record(ctx, model, SessionStatus.SKIPPED)
        before = programme.current_step(ctx.state, ctx.content)
        decision = programme.apply_progression(ctx.state, ctx.content)
        lines = [say("today.skipped")]
        changed = decision_line(ctx, before, decision)
        if changed is not None:
            lines.append(changed)
        ctx.show(*lines)
        ctx.finish(then=Flow.BARRIER)

    def abandon(self, ctx: DialogContext) -> None:
        """Leaving mid-way keeps what the patient told: minutes are enough for a record."""
        model = self.model(ctx)
        if "minutes" not in model.answers:
            return
        status = SessionStatus(model.status or SessionStatus.DONE.value)
        self._record(ctx, model, status)
        ctx.audit("session.abandoned", answered=sorted(model.answers))


def _number(bounds: tuple[int, int], trigger: str, range_key: str) -> Any:
    """A typed whole number within `bounds` answers `trigger`; else the range, kindly."""
    low, high = bounds

    def parse(text: str) -> Option | Line:
        number = whole_number(text)
        if number is None or not low <= number <= high:
            return say(range_key, low=low, high=high)
        return Option("typed", trigger, args={"value": number})

    return parse


def today(ctx: DialogContext, args: str = "") -> None:
    """/today: today's prescribed session, or the rest day and the next session."""
    ctx.start(Flow.SESSION)


def log(ctx: DialogContext, args: str = "") -> None:
    """/log: a session outside the plan."""
    ctx.start(Flow.SESSION, log=True)
