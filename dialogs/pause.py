"""/pause and /resume: a break from the programme; safety never pauses.

The pause length is a one-question flow, so its buttons belong to that one question: an
old "3 days" button pressed after /resume is stale and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dialogs.base import Option
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.one_question import OneQuestionDialog
from dialogs.screens import say
from state_machines.engine import InvalidTransition
from state_machines.journey import JOURNEY, JourneyModel, JourneyState
from state_machines.question import QuestionModel

PAUSE_CHOICES = (3, 7, 14)


class PauseDialog(OneQuestionDialog):
    flow = Flow.PAUSE
    prompt = ("pause.ask",)
    columns = len(PAUSE_CHOICES)

    def begin(self, ctx: DialogContext, **kwargs: Any) -> QuestionModel | None:
        if ctx.state.patient.journey is not JourneyState.ACTIVE:
            ctx.show(say("pause.not_active"))
            return None
        return super().begin(ctx, **kwargs)

    def options(self, ctx: DialogContext) -> list[Option]:
        return [
            Option(
                f"pause:{days}",
                "answer",
                key="pause.button.days",
                params={"days": days},
                args={"value": str(days)},
            )
            for days in PAUSE_CHOICES
        ]

    def answered(self, ctx: DialogContext, answer: str) -> None:
        journey = JourneyModel(ctx.state.patient.journey)
        try:
            JOURNEY.fire(journey, "pause")
        except InvalidTransition:
            ctx.show(say("pause.not_active"))
            return
        ctx.state.patient.journey = journey.state
        until = ctx.state.today + dt.timedelta(days=int(answer))
        ctx.state.patient.paused_until = until
        ctx.audit("journey.paused", until=until.isoformat())
        ctx.show(say("pause.done", until=until.isoformat()), say("pause.safety_still_on"))


def pause(ctx: DialogContext, args: str = "") -> None:
    ctx.start(Flow.PAUSE)


def resume(ctx: DialogContext, _args: str = "") -> None:
    journey = JourneyModel(ctx.state.patient.journey)
    try:
        JOURNEY.fire(journey, "resume")
    except InvalidTransition:
        ctx.show(say("resume.not_paused"))
        return
    ctx.state.patient.journey = journey.state
    ctx.state.patient.paused_until = None
    ctx.audit("journey.resumed")
    ctx.show(say("resume.done"))
