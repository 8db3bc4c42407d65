"""The barrier conversation: what got in the way, one short script, then a tiny plan.

The scripts are data (`barriers.yaml`): one idea per message, answered with buttons. On a step
marked `offer_short_session` the *first* button accepts the short version of today's session
(its minutes from the catalogue, at an easy pace); the other buttons carry on with the script.
Script texts may use `{values}` (what matters to the patient, in their own words from
onboarding) and `{progress}` (a sentence about their own sessions). Every conversation ends
with a stored `BarrierPlan` — what, and when — confirmed in one message.
"""

from __future__ import annotations

from typing import Any

from content.clinical.plural import plural
from content.clinical.prescription_text import span
from content.schemas.barriers import ScriptStep
from dialogs import programme
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.records import BarrierPlan
from dialogs.screens import Line, say
from state_machines.barrier import BARRIER, BarrierModel, BarrierState

# The plan a "try the short one" answer stands for: the catalogue's own plan choice id.
SHORT_SESSION = "short_session"

S = BarrierState


def values_text(ctx: DialogContext) -> str:
    own = (ctx.state.profile.values_text or "").strip()
    return own or ctx.texts.get(ctx.language, "barrier.values_generic")


def progress_text(ctx: DialogContext) -> str:
    """Evidence against "I can't" from the patient's own log, as one sentence."""
    sessions = sorted(programme.completed(ctx.state.sessions), key=lambda r: r.day)
    text = ctx.texts.get
    if not sessions:
        return text(ctx.language, "barrier.progress.none")
    minutes = [r.minutes or 0 for r in sessions]
    sentence = plural(ctx.texts, ctx.language, "moved", len(sessions), minutes=sum(minutes))
    if max(minutes) > minutes[0]:
        sentence += " " + text(
            ctx.language, "barrier.progress.longer", first=minutes[0], longest=max(minutes)
        )
    return sentence


def _script_params(ctx: DialogContext) -> dict[str, object]:
    expectations = ctx.content.protocol.expectations
    return {
        "values": values_text(ctx),
        "progress": progress_text(ctx),
        "minutes": ctx.content.barriers.short_session_minutes,
        "first_benefit": span(expectations.first_benefit_weeks),
        "full_effect": span(expectations.full_effect_weeks),
    }


class BarrierDialog(FlowDialog[BarrierModel]):
    flow = Flow.BARRIER
    table = BARRIER
    model_type = BarrierModel

    def begin(self, ctx: DialogContext, **kwargs: Any) -> BarrierModel:
        """From the start (what got in the way?), or with `barrier` and `script` straight to
        the tiny plan (the mood check offers it), skipping the script; with `open_script`
        too, straight into the barrier's script (a patient typed "I'm too tired")."""
        if kwargs.get("barrier") and kwargs.get("open_script"):
            script = ctx.content.barriers.script(str(kwargs["script"]))
            return BarrierModel(
                S.SCRIPT,
                barrier=str(kwargs["barrier"]),
                script=script.id,
                steps=len(script.steps),
            )
        if kwargs.get("barrier"):
            return BarrierModel(
                S.PLAN_WHAT, barrier=str(kwargs["barrier"]), script=str(kwargs["script"])
            )
        return BarrierModel(S.CHOOSE)

    def _step(self, ctx: DialogContext, model: BarrierModel) -> ScriptStep:
        return ctx.content.barriers.script(str(model.script)).steps[model.step]

    def question(self, ctx: DialogContext, model: BarrierModel) -> Question:
        catalogue = ctx.content.barriers
        if model.state is S.CHOOSE:
            options = []
            named_values = bool((ctx.state.profile.values_text or "").strip())
            for b in catalogue.barriers:
                if b.needs_values and not named_values:
                    continue
                script = catalogue.script(b.script)
                args = {"barrier": b.id, "script": script.id, "steps": len(script.steps)}
                options.append(Option(f"bar_{b.id}", "choose", key=b.label_key, args=args))
            return Question([say(catalogue.intro_key)], options)
        if model.state is S.SCRIPT:
            step = self._step(ctx, model)
            options = []
            for index, key in enumerate(step.buttons):
                if step.offer_short_session and index == 0:
                    short = Option(
                        "b0", "try_short", key=key, args={"value": SHORT_SESSION}, effect=_short
                    )
                    options.append(short)
                else:
                    options.append(Option(f"b{index}", "continue_script", key=key))
            return Question([say(step.text_key, **_script_params(ctx))], options)
        if model.state is S.PLAN_WHAT:
            return Question(
                [say(catalogue.plan_what_key)],
                [
                    Option(f"what_{c.id}", "pick_what", key=c.label_key, args={"value": c.id})
                    for c in catalogue.plan_what
                ],
            )
        return Question(
            [say(catalogue.plan_when_key)],
            [
                Option(f"when_{c.id}", "pick_when", key=c.label_key, args={"value": c.id})
                for c in catalogue.plan_when
            ],
        )

    def after(self, ctx: DialogContext, model: BarrierModel, option: Option) -> None:
        if model.state is S.PLANNED:
            self._planned(ctx, model)
        else:
            self.ask(ctx)

    def _planned(self, ctx: DialogContext, model: BarrierModel) -> None:
        catalogue = ctx.content.barriers
        assert model.what is not None and model.when is not None
        plan = BarrierPlan(
            barrier=model.barrier or "",
            script=model.script or "",
            what=model.what,
            when=model.when,
            created_at=ctx.state.now,
        )
        ctx.outcome.store(plan)
        ctx.state.barrier_plan = plan
        whats = {c.id: c.label_key for c in catalogue.plan_what}
        whens = {c.id: c.label_key for c in catalogue.plan_when}
        text = ctx.texts.get
        what = text(ctx.language, whats[model.what]) if model.what in whats else model.what
        if model.what == SHORT_SESSION and model.short_activity:
            what = text(
                ctx.language,
                "barrier.short.what",
                minutes=catalogue.short_session_minutes,
                activity=model.short_activity,
            )
        ctx.show(
            say("barrier.plan_summary", what=what, when=text(ctx.language, whens[model.when])),
            say(catalogue.plan_done_key),
        )
        ctx.finish()


def _short(ctx: DialogContext, model: BarrierModel) -> None:
    """The short version of today's session: same kind of movement, easy pace."""
    lines, activity = short_session(ctx)
    model.short_activity = activity
    ctx.show(*lines)


def short_session(ctx: DialogContext) -> tuple[list[Line], str | None]:
    """Minutes from the catalogue, today's modality (or the first offered), one activity."""
    state, content = ctx.state, ctx.content
    minutes = content.barriers.short_session_minutes
    if not programme.has_programme(state):
        return [say("barrier.short.plain", minutes=minutes)], None
    _, activity = programme.todays_easy_activity(state, content, ctx.language)
    lines: list[Line] = [say("barrier.short.heading", minutes=minutes, activity=activity)]
    lines.append(say("barrier.short.easy"))
    return lines, activity


def barrier_command(ctx: DialogContext, args: str = "") -> None:
    """/barrier: talk through what is getting in the way."""
    ctx.start(Flow.BARRIER)
