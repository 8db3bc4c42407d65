"""Onboarding after consent: baseline PHQ-9, readiness screen, then the profile questions.

The step order is the onboarding machine's table; each step is answered through the shared
question engine. Finishing builds the first weekly plan and offers today's session.
"""

from __future__ import annotations

from content.clinical.ladder import is_low_energy
from dialogs import checkin, flows, questions
from dialogs.context import DialogContext
from dialogs.flows import BaseFlow
from dialogs.records import CheckinKind, EscalationRequest, EscalationTrigger, Priority
from dialogs.screens import say
from state_machines.journey import JOURNEY, JourneyModel, JourneyState
from state_machines.onboarding import ONBOARDING, OnboardingModel, OnboardingStep

FLOW = "onboarding"
# Item 4 ("Feeling tired or having little energy") at "more than half the days" or more
# starts the programme very low (CLINICAL_SPEC 3: low energy → bottom of the lowest range).


class OnboardingDialog(BaseFlow):
    name = FLOW

    def _step(self, ctx: DialogContext) -> OnboardingStep:
        return OnboardingStep(ctx.state.conversation.state)

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        step = self._step(ctx)
        if step is OnboardingStep.BASELINE:
            checkin.CHECKIN_DIALOG.start(ctx, CheckinKind.BASELINE)
        elif step is OnboardingStep.READINESS:
            self._ask_readiness(ctx, fresh=fresh)
        elif step is OnboardingStep.DONE:
            self._finish(ctx)
        else:
            questions.ask(ctx, questions.QUESTIONS[step.value], fresh=fresh)

    def _ask_readiness(self, ctx: DialogContext, *, fresh: bool) -> None:
        screen = ctx.content.readiness
        index = int(ctx.conversation_data.get("readiness_index", 0))
        if fresh:
            ctx.new_question()
        lines = [say(screen.intro_key)] if index == 0 else []
        lines.append(
            say("onboarding.readiness_progress", number=index + 1, count=len(screen.questions))
        )
        lines.append(say(screen.questions[index].text_key))
        ctx.show(*lines, rows=[[ctx.button("yes", "common.yes"), ctx.button("no", "common.no")]])

    def on_press(self, ctx: DialogContext, value: str) -> None:
        step = self._step(ctx)
        if step is OnboardingStep.BASELINE and value == "continue":
            self._advance(ctx)
            return
        if step is OnboardingStep.READINESS:
            if value not in ("yes", "no"):
                super().on_press(ctx, value)
                self.ask(ctx, fresh=False)
                return
            self._readiness_answer(ctx, value == "yes")
            return
        question = questions.QUESTIONS.get(step.value)
        if question is not None and questions.on_press(ctx, question, value):
            self._advance(ctx)

    def on_text(self, ctx: DialogContext, text: str) -> None:
        step = self._step(ctx)
        question = questions.QUESTIONS.get(step.value)
        if question is None:
            super().on_text(ctx, text)
            return
        if questions.on_text(ctx, question, text):
            self._advance(ctx)

    def resume(self, ctx: DialogContext, finished: str) -> None:
        if finished == checkin.FLOW and self._step(ctx) is OnboardingStep.BASELINE:
            latest = ctx.state.checkins[-1] if ctx.state.checkins else None
            if latest is not None and latest.safety_positive:
                # After a crisis reply, onboarding waits until the patient chooses to go on.
                ctx.new_question()
                ctx.show(
                    say("onboarding.paused_for_safety"),
                    rows=[[ctx.button("continue", "onboarding.button.continue")]],
                )
                return
            self._advance(ctx)
            return
        ctx.show(say("onboarding.carry_on"))
        self.ask(ctx)

    def _readiness_answer(self, ctx: DialogContext, yes: bool) -> None:
        screen = ctx.content.readiness
        index = int(ctx.conversation_data.get("readiness_index", 0))
        ctx.state.profile.readiness_answers[screen.questions[index].id] = yes
        if index + 1 < len(screen.questions):
            ctx.conversation_data["readiness_index"] = index + 1
            self._ask_readiness(ctx, fresh=True)
            return
        if ctx.state.profile.readiness_positive:
            ctx.show(say(screen.positive_advice_key))
            answered_yes = [q for q, a in ctx.state.profile.readiness_answers.items() if a]
            ctx.outcome.escalations.append(
                EscalationRequest(
                    EscalationTrigger.READINESS, Priority.ROUTINE, {"answered_yes": answered_yes}
                )
            )
        self._advance(ctx)

    def _advance(self, ctx: DialogContext) -> None:
        model = OnboardingModel(self._step(ctx))
        ONBOARDING.fire(model, "next")
        ctx.state.conversation.state = model.state.value
        self.ask(ctx)

    def _finish(self, ctx: DialogContext) -> None:
        from dialogs import today

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
        journey = JourneyModel(JourneyState(state.patient.journey))
        JOURNEY.fire(journey, "complete_onboarding")
        state.patient.journey = journey.state.value
        ctx.audit("onboarding.completed")
        flows.finish(ctx)
        ctx.show(say("onboarding.done"), say(ctx.content.protocol.expectations.message_key))
        from dialogs import progress

        progress.plan(ctx, "")
        today.today(ctx, "")


def start(ctx: DialogContext) -> None:
    flows.enter(ctx, FLOW, OnboardingStep.BASELINE.value, {})
    ctx.show(say("onboarding.intro"))
    ONBOARDING_DIALOG.ask(ctx)


ONBOARDING_DIALOG = OnboardingDialog()
flows.register(ONBOARDING_DIALOG)
