"""Add a day? Asked at most once a week, on /today or /plan, when the plan falls short.

When the chosen days give fewer sessions than the step needs (or, from phase 3, a week below
the minimum weekly dose), the first /today or /plan of the week asks first — saying what the
minimum dose is for — with two buttons: add a day (the free weekday that spreads the week
best, picked for the patient and named; /settings changes it) or keep my days. The week it
was asked is kept on the profile so the question never comes twice in one week, and the
answer is audited. Then what the patient asked for follows: today's session or the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from content.clinical.weekly_plan import (
    EXTRA_DAY_KEY,
    ExtraDayOffer,
    best_extra_day,
    extra_day_offer,
)
from dialogs import programme, progress, today
from dialogs.base import Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.one_question import OneQuestionDialog
from dialogs.screens import say
from state_machines.journey import JourneyState
from state_machines.question import QuestionModel, QuestionState

ADD, KEEP = "add", "keep"

# What the patient asked for, run once the question is answered (by command name).
THEN: dict[str, Callable[[DialogContext, str], None]] = {
    "today": today.today,
    "plan": progress.plan,
}


@dataclass
class ExtraDayModel(QuestionModel):
    """The one question, and the command it stands in front of."""

    then: str | None = None


def due(ctx: DialogContext) -> ExtraDayOffer | None:
    """This week's offer, if the plan falls short and it was not asked this week."""
    state, content = ctx.state, ctx.content
    if not programme.has_programme(state) or state.patient.journey is not JourneyState.ACTIVE:
        return None
    if state.profile.extra_day_week == programme.week_start(state.today):
        return None
    prescription = programme.current_prescription(state, content)
    days = programme.training_days(state, content, prescription)
    plan = programme.week_plan(state, content, state.today)
    return extra_day_offer(content.protocol, prescription, plan, days)


class ExtraDayDialog(OneQuestionDialog):
    flow = Flow.EXTRA_DAY
    model_type = ExtraDayModel
    answers = ((ADD, "plan.button.add_day"), (KEEP, "plan.button.keep_days"))
    hands_over = frozenset({Flow.SESSION})

    def begin(self, ctx: DialogContext, **kwargs: Any) -> ExtraDayModel | None:
        if due(ctx) is None:
            return None
        ctx.state.profile.extra_day_week = programme.week_start(ctx.state.today)
        then = kwargs.get("then")
        return ExtraDayModel(QuestionState.ASKED, then=str(then) if then in THEN else None)

    def question(self, ctx: DialogContext, model: QuestionModel) -> Question:
        offer = due_params(ctx)
        return Question([say(EXTRA_DAY_KEY, **offer)], self.options(ctx), columns=2)

    def options(self, ctx: DialogContext) -> list[Option]:
        return [
            Option(value, "answer", key=key, args={"value": value}) for value, key in self.answers
        ]

    def answered(self, ctx: DialogContext, answer: str) -> None:
        profile = ctx.state.profile
        days = programme.training_days(
            ctx.state, ctx.content, programme.current_prescription(ctx.state, ctx.content)
        )
        added = best_extra_day(days) if answer == ADD else None
        if added is None:
            ctx.audit("plan.extra_day", answer=KEEP)
            ctx.show(say("extra_day.kept"))
            return
        profile.training_days = sorted({*days, added})
        ctx.audit("plan.extra_day", answer=ADD, day=added)
        ctx.show(
            say(
                "extra_day.added",
                day=weekday_name(ctx, added),
                days=", ".join(weekday_name(ctx, d) for d in profile.training_days),
            )
        )

    def after(self, ctx: DialogContext, model: QuestionModel, option: Option) -> None:
        assert isinstance(model, ExtraDayModel) and model.answer is not None
        self.answered(ctx, model.answer)
        if ctx.state.conversation.flow != self.flow:
            return
        if model.then == "today":
            ctx.finish(then=Flow.SESSION)
            return
        ctx.finish()
        if model.then is not None:
            THEN[model.then](ctx, "")


def due_params(ctx: DialogContext) -> dict[str, int]:
    """The numbers the question names; computed from the plan as it stands now."""
    state, content = ctx.state, ctx.content
    prescription = programme.current_prescription(state, content)
    days = programme.training_days(state, content, prescription)
    plan = programme.week_plan(state, content, state.today)
    offer = extra_day_offer(content.protocol, prescription, plan, days)
    if offer is not None:
        return offer.params
    # The plan no longer falls short (days changed meanwhile): the same words, today's numbers.
    return ExtraDayOffer(
        chosen_days=len(set(days)),
        minimum_sessions=prescription.sessions_per_week.low,
        weekly_minimum=content.protocol.weekly_dose.minimum_minutes,
        planned_minutes=plan.total_minutes,
    ).params


def weekday_name(ctx: DialogContext, weekday: int) -> str:
    monday = programme.week_start(ctx.state.today)
    return programme.day_name(ctx.language, monday + dt.timedelta(days=weekday))


def asking_first(name: str) -> Callable[[DialogContext, str], None]:
    """The command `name`, with this week's add-a-day question first when it is due."""
    action = THEN[name]

    def command(ctx: DialogContext, args: str = "") -> None:
        if due(ctx) is not None:
            ctx.start(Flow.EXTRA_DAY, then=name)
            return
        action(ctx, args)

    command.__doc__ = action.__doc__
    return command


today_command = asking_first("today")
plan_command = asking_first("plan")
