"""Onboarding after consent: timezone, baseline PHQ-9, readiness screen, then the profile.

The step order is the onboarding machine's table; each profile step is a declared question
(`dialogs.questions`). The baseline is the check-in flow started over onboarding, which
resumes here when it finishes. Onboarding `waits`: anything the patient starts mid-way
(a check-in, /settings, a crisis reply) is stacked on top of it, never instead of it.
Finishing builds the first weekly plan and offers today's session.
"""

from __future__ import annotations

from typing import Any

from content.clinical.ladder import is_low_energy
from dialogs import progress, questions
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.records import (
    CheckinKind,
    CheckinRecord,
    EscalationRequest,
    EscalationTrigger,
    Priority,
)
from dialogs.screens import say
from state_machines.journey import JOURNEY, JourneyModel
from state_machines.onboarding import ONBOARDING, STEPS, OnboardingModel, OnboardingStep

# Item 4 ("Feeling tired or having little energy") at "more than half the days" or more
# starts the programme very low (CLINICAL_SPEC 3: low energy → bottom of the lowest range).

S = OnboardingStep


class OnboardingDialog(FlowDialog[OnboardingModel]):
    flow = Flow.ONBOARDING
    table = ONBOARDING
    model_type = OnboardingModel
    waits = True
    hands_over = frozenset({Flow.SESSION})

    def begin(self, ctx: DialogContext, **kwargs: Any) -> OnboardingModel:
        return OnboardingModel(STEPS[0])

    def opened(self, ctx: DialogContext, model: OnboardingModel, **kwargs: Any) -> None:
        ctx.show(say("onboarding.intro"))
        self._enter_step(ctx, model)

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        self.ask(ctx)  # onboarding is never started over: the patient carries on

    def resume(self, ctx: DialogContext, finished: Flow) -> None:
        model = self.model(ctx)
        if model.state is S.PHONE and finished is Flow.SHARE_PHONE:  # shared, or not now
            self._next(ctx, model)
            return
        baseline = _baseline(ctx)
        if model.state is S.BASELINE and baseline is not None and not baseline.safety_positive:
            self._next(ctx, model)
            return
        if model.state is not S.BASELINE or baseline is None:
            ctx.show(say("onboarding.carry_on"))
        self.ask(ctx)

    def ask(self, ctx: DialogContext, *, fresh: bool = True, edit: bool = False) -> None:
        if self.model(ctx).state is S.BASELINE and _baseline(ctx) is None:
            ctx.start(Flow.CHECKIN, kind=CheckinKind.BASELINE)
            return
        if self.model(ctx).state is S.PHONE:  # its own small flow, also used by /settings
            if ctx.state.patient.phone:
                self._next(ctx, self.model(ctx))
            else:
                ctx.start(Flow.SHARE_PHONE)
            return
        super().ask(ctx, fresh=fresh, edit=edit)

    def question(self, ctx: DialogContext, model: OnboardingModel) -> Question:
        if model.state is S.BASELINE:  # taken, item 9 positive: go on when they choose
            return Question(
                [say("onboarding.paused_for_safety")],
                [Option("continue", "next", key="onboarding.button.continue")],
            )
        if model.state is S.READINESS:
            return self._readiness(ctx, model)
        if model.state is S.PHONE:  # asked by the phone flow started over onboarding
            return Question([say("onboarding.carry_on")])
        spec = questions.QUESTIONS[model.state.value]
        return questions.as_question(ctx, spec, model.selected, "next")

    def _readiness(self, ctx: DialogContext, model: OnboardingModel) -> Question:
        screen = ctx.content.readiness
        index = model.readiness_index
        lines = [say(screen.intro_key)] if index == 0 else []
        lines.append(
            say("onboarding.readiness_progress", number=index + 1, count=len(screen.questions))
        )
        lines.append(say(screen.questions[index].text_key))
        last = index + 1 == len(screen.questions)
        return Question(
            lines,
            [
                Option(
                    answer,
                    "next" if last else None,
                    key=f"common.{answer}",
                    effect=_readiness_answer(index, answer == "yes"),
                )
                for answer in ("yes", "no")
            ],
            columns=2,
        )

    def after(self, ctx: DialogContext, model: OnboardingModel, option: Option) -> None:
        if option.edit:
            self.ask(ctx, fresh=False, edit=True)
        elif option.trigger is None:  # another readiness question
            model.readiness_index += 1
            self.save(ctx, model)
            self.ask(ctx)
        else:
            if option.value in ("yes", "no") and ctx.state.profile.readiness_positive:
                _readiness_flag(ctx)
            self._enter_step(ctx, model)

    def _next(self, ctx: DialogContext, model: OnboardingModel) -> None:
        ONBOARDING.fire(model, "next")
        self._enter_step(ctx, model)

    def _enter_step(self, ctx: DialogContext, model: OnboardingModel) -> None:
        """A new step: its multi-choice ticks start from the patient's current choices."""
        if model.state is S.DONE:
            self.save(ctx, model)
            self._finish(ctx)
            return
        spec = questions.QUESTIONS.get(model.state.value)
        model.selected = questions.initial_selection(ctx, spec) if spec else []
        self.save(ctx, model)
        self.ask(ctx)

    def _finish(self, ctx: DialogContext) -> None:
        state = ctx.state
        profile = state.profile
        baseline = state.baseline
        # The low-energy rule lives in content (protocol.yaml, start_low).
        profile.low_energy = is_low_energy(
            ctx.content.protocol, baseline.answers if baseline else {}, profile.activity_level
        )
        profile.programme_start = state.today
        profile.phase_id = 1
        profile.phase_started = state.today
        if not profile.preferred_time:
            profile.preferred_time = ctx.content.protocol.default_session_time
        journey = JourneyModel(state.patient.journey)
        JOURNEY.fire(journey, "complete_onboarding")
        state.patient.journey = journey.state
        ctx.audit("onboarding.completed")
        ctx.show(say("onboarding.done"), say(ctx.content.protocol.expectations.message_key))
        progress.plan(ctx, "")
        ctx.finish(then=Flow.SESSION)


def _baseline(ctx: DialogContext) -> CheckinRecord | None:
    """The baseline check-in once taken (completed, or stopped by a positive item 9)."""
    return next((c for c in ctx.state.checkins if c.kind is CheckinKind.BASELINE), None)


def _readiness_answer(index: int, yes: bool) -> Any:
    def keep(ctx: DialogContext, model: OnboardingModel) -> None:
        question = ctx.content.readiness.questions[index]
        ctx.state.profile.readiness_answers[question.id] = yes

    return keep


def _readiness_flag(ctx: DialogContext) -> None:
    """A "yes" on the readiness screen: the advice, and a routine flag for the care team."""
    ctx.show(say(ctx.content.readiness.positive_advice_key))
    answered_yes = [q for q, a in ctx.state.profile.readiness_answers.items() if a]
    ctx.outcome.escalations.append(
        EscalationRequest(
            EscalationTrigger.READINESS, Priority.ROUTINE, {"answered_yes": answered_yes}
        )
    )
