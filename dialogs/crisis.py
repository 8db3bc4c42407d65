"""The crisis flow: after a crisis reply, "Are you safe right now?" and its answers.

It interrupts whatever was running (onboarding, a session, a check-in) and hands back to it
once the patient says they are safe. "I need help now" escalates again and answers with what
to do *now* — the emergency number and lines — never with the same question (which looped).
Its buttons use the menu namespace: on an older crisis reply they still work, and so does a
button's whole label typed (`typed_button`, checked by the router before anything else but
the risk screen). Other typed text, or a press on the question waiting beneath, is not an
answer here: the patient has moved on, so the flow steps aside and the input goes to the
flow beneath (risk language in text has already been screened; the escalation stays open
for the care team either way).
"""

from __future__ import annotations

from typing import Any

from dialogs import safety
from dialogs.base import FlowDialog, Option, Question, typed_choice
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.records import EscalationTrigger
from dialogs.screens import say
from state_machines.crisis import CRISIS, CrisisModel, CrisisState

# Patient answers to the crisis buttons, recorded for the supervisor.
SAFE_NOW = "safe_now"
NEEDS_HELP_NOW = "needs_help_now"
VALUES = ("safe", "help", "plan")


class CrisisDialog(FlowDialog[CrisisModel]):
    flow = Flow.CRISIS
    table = CRISIS
    model_type = CrisisModel
    interrupts = True
    resumable = False
    steps_aside = True

    def begin(self, ctx: DialogContext, **kwargs: Any) -> CrisisModel:
        trigger = EscalationTrigger(kwargs.get("trigger", EscalationTrigger.SOS))
        safety.escalate(ctx, safety.CrisisTrigger(trigger, dict(kwargs.get("details") or {})))
        state = CrisisState.HELP if kwargs.get("help") else CrisisState.ASKED
        return CrisisModel(state, trigger=trigger.value)

    def opened(self, ctx: DialogContext, model: CrisisModel, **kwargs: Any) -> None:
        if model.state is CrisisState.HELP:
            self.ask(ctx)
            return
        safety.crisis_reply(ctx, EscalationTrigger(model.trigger))

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        """Another trigger while the question is open: escalate it and reply again."""
        model = self.begin(ctx, **kwargs)
        self.save(ctx, model)
        self.opened(ctx, model, **kwargs)

    def ask(self, ctx: DialogContext, *, fresh: bool = True, edit: bool = False) -> None:
        """Never numbered anew: its buttons are menu buttons, and the question waiting
        beneath keeps its number, so its buttons still answer it."""
        super().ask(ctx, fresh=False, edit=edit)

    def question(self, ctx: DialogContext, model: CrisisModel) -> Question:
        safe = Option(
            "safe", "safe", key="safety.button.safe", always=True, effect=_response(SAFE_NOW)
        )
        plan = Option("plan", None, key="safety.button.plan", always=True)
        need = Option(
            "help", "need_help", key="safety.button.help", always=True, effect=_needs_help
        )
        if model.state is CrisisState.HELP:
            return Question(
                [say("flow.help_now"), *safety.resource_lines(ctx), say("flow.help_team_told")],
                [safe, need, plan],
                urgent=True,
            )
        return Question([say("safety.are_you_safe")], [safe, need, plan], urgent=True)

    def after(self, ctx: DialogContext, model: CrisisModel, option: Option) -> None:
        if option.value == "plan":
            safety.show_plan(ctx)
        elif model.state is CrisisState.SAFE:
            ctx.show(say("safety.thanks_safe"), say("safety.team_still_in_touch"))
            ctx.finish()
        else:
            self.ask(ctx)

    def on_always(self, ctx: DialogContext, value: str) -> None:
        """A crisis button, on this reply or an older one."""
        if ctx.state.conversation.flow == Flow.CRISIS:
            self.on_press(ctx, value)
        elif value == "safe":
            _response(SAFE_NOW)(ctx, None)
            ctx.show(say("safety.thanks_safe"), say("safety.team_still_in_touch"))
        elif value == "help":
            ctx.outcome.responses.append(NEEDS_HELP_NOW)
            details = {"button": NEEDS_HELP_NOW}
            ctx.start(Flow.CRISIS, trigger=EscalationTrigger.SOS, details=details, help=True)
        else:
            safety.show_plan(ctx)


# Each button's own label, and /sos's description in Telegram's command menu ("Necesito
# ayuda ahora"), which a patient may type as they read it there.
_TYPED_LABELS = (
    *((value, f"safety.button.{value}") for value in VALUES),
    ("help", "menu.sos"),
)


def typed_button(ctx: DialogContext, text: str) -> str | None:
    """The crisis button whose whole label was typed ("I need help now", "I'm safe right
    now"), in the patient's language: the same as pressing it on the crisis reply, where it
    stays valid for good. Typed, "I need help now" would otherwise read as a request for
    the bot's help page. Only these labels: every other typed text is understood as
    usual."""
    return typed_choice(
        text, ((value, ctx.texts.get(ctx.language, key)) for value, key in _TYPED_LABELS)
    )


def _response(response: str) -> Any:
    def record(ctx: DialogContext, model: object) -> None:
        ctx.outcome.responses.append(response)
        ctx.audit("safety.patient_response", response=response)

    return record


def _needs_help(ctx: DialogContext, model: object) -> None:
    ctx.outcome.responses.append(NEEDS_HELP_NOW)
    safety.escalate(ctx, safety.CrisisTrigger(EscalationTrigger.SOS, {"button": NEEDS_HELP_NOW}))
