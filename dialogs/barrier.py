"""The barrier conversation: what got in the way, one short script, then a tiny plan.

The scripts are data (`barriers.yaml`): one idea per message, answered with buttons. On a step
marked `offer_short_session` the *first* button accepts the short version of today's session
(its minutes from the catalogue, at an easy pace); the other buttons carry on with the script.
Script texts may use `{values}` (what matters to the patient, in their own words from
onboarding) and `{progress}` (a sentence about their own sessions). Every conversation ends
with a stored `BarrierPlan` — what, and when — confirmed in one message.
"""

from __future__ import annotations

from content.clinical.plural import plural
from content.clinical.prescription_text import span
from content.schemas.barriers import Script, ScriptStep
from dialogs import flows, programme
from dialogs.context import DialogContext
from dialogs.flows import BaseFlow
from dialogs.records import BarrierPlan
from dialogs.screens import Line, say
from state_machines.barrier import BARRIER, BarrierModel, BarrierState
from state_machines.engine import InvalidTransition

FLOW = "barrier"
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


class BarrierDialog(BaseFlow):
    name = FLOW

    def start(self, ctx: DialogContext) -> None:
        flows.enter(ctx, FLOW, S.CHOOSE.value, BarrierModel(S.CHOOSE).to_data())
        self.ask(ctx)

    def start_plan(self, ctx: DialogContext, barrier: str, script: str) -> None:
        """Straight to the tiny plan (the mood check offers it), skipping the script."""
        data = BarrierModel(S.PLAN_WHAT, barrier=barrier).to_data()
        flows.enter(ctx, FLOW, S.PLAN_WHAT.value, {**data, "script": script})
        self.ask(ctx)

    def _model(self, ctx: DialogContext) -> BarrierModel:
        data = ctx.conversation_data
        return BarrierModel(
            state=BarrierState(ctx.state.conversation.state),
            steps=int(data.get("steps", 0)),
            step=int(data.get("step", 0)),
            barrier=data.get("barrier"),
            what=data.get("what"),
            when=data.get("when"),
        )

    def _save(self, ctx: DialogContext, model: BarrierModel) -> None:
        ctx.state.conversation.state = model.state.value
        ctx.conversation_data.update(model.to_data())

    def _script(self, ctx: DialogContext) -> Script:
        return ctx.content.barriers.script(str(ctx.conversation_data["script"]))

    def _step(self, ctx: DialogContext, model: BarrierModel) -> ScriptStep:
        return self._script(ctx).steps[model.step]

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        if fresh:
            ctx.new_question()
        catalogue = ctx.content.barriers
        model = self._model(ctx)
        if model.state is S.CHOOSE:
            ctx.show(
                say(catalogue.intro_key),
                rows=[[ctx.button(f"bar_{b.id}", b.label_key)] for b in catalogue.barriers],
            )
        elif model.state is S.SCRIPT:
            step = self._step(ctx, model)
            ctx.show(
                say(step.text_key, **_script_params(ctx)),
                rows=[[ctx.button(f"b{i}", key)] for i, key in enumerate(step.buttons)],
            )
        elif model.state is S.PLAN_WHAT:
            ctx.show(
                say(catalogue.plan_what_key),
                rows=[[ctx.button(f"what_{c.id}", c.label_key)] for c in catalogue.plan_what],
            )
        elif model.state is S.PLAN_WHEN:
            ctx.show(
                say(catalogue.plan_when_key),
                rows=[[ctx.button(f"when_{c.id}", c.label_key)] for c in catalogue.plan_when],
            )

    def on_press(self, ctx: DialogContext, value: str) -> None:
        model = self._model(ctx)
        shown_short = False
        try:
            shown_short = self._fire(ctx, model, value)
        except InvalidTransition:
            ctx.show(say("common.button_unknown"))
            self.ask(ctx, fresh=False)
            return
        self._save(ctx, model)
        if model.state is S.PLANNED:
            self._planned(ctx, model)
            return
        if shown_short:
            self._short_session(ctx)
        self.ask(ctx)

    def _fire(self, ctx: DialogContext, model: BarrierModel, value: str) -> bool:
        """Fire the trigger a button stands for; True when the short session was accepted."""
        catalogue = ctx.content.barriers
        kind, _, rest = value.partition("_")
        if (
            model.state is S.CHOOSE
            and kind == "bar"
            and rest in {b.id for b in catalogue.barriers}
        ):
            script = catalogue.script(catalogue.barrier(rest).script)
            BARRIER.fire(model, "choose", barrier=rest, steps=len(script.steps))
            ctx.conversation_data["script"] = script.id
            return False
        if (
            model.state is S.SCRIPT
            and value[:1] == "b"
            and value[1:].isascii()
            and value[1:].isdigit()
        ):
            step = self._step(ctx, model)
            index = int(value[1:])
            if index >= len(step.buttons):
                raise InvalidTransition(value)
            if step.offer_short_session and index == 0:
                BARRIER.fire(model, "try_short", value=SHORT_SESSION)
                return True
            BARRIER.fire(model, "continue_script")
            return False
        if kind == "what" and rest in {c.id for c in catalogue.plan_what}:
            BARRIER.fire(model, "pick_what", value=rest)
            return False
        if kind == "when" and rest in {c.id for c in catalogue.plan_when}:
            BARRIER.fire(model, "pick_when", value=rest)
            return False
        raise InvalidTransition(value)

    def _short_session(self, ctx: DialogContext) -> None:
        """The short version of today's session: same kind of movement, easy pace."""
        ctx.show(*short_session_lines(ctx))

    def _planned(self, ctx: DialogContext, model: BarrierModel) -> None:
        catalogue = ctx.content.barriers
        assert model.what is not None and model.when is not None
        plan = BarrierPlan(
            barrier=model.barrier or "",
            script=str(ctx.conversation_data.get("script", "")),
            what=model.what,
            when=model.when,
            created_at=ctx.state.now,
        )
        ctx.outcome.store(plan)
        whats = {c.id: c.label_key for c in catalogue.plan_what}
        whens = {c.id: c.label_key for c in catalogue.plan_when}
        text = ctx.texts.get
        what = text(ctx.language, whats[model.what]) if model.what in whats else model.what
        if model.what == SHORT_SESSION and ctx.conversation_data.get("short_activity"):
            what = text(
                ctx.language,
                "barrier.short.what",
                minutes=catalogue.short_session_minutes,
                activity=str(ctx.conversation_data["short_activity"]),
            )
        flows.finish(ctx)
        ctx.show(
            say("barrier.plan_summary", what=what, when=text(ctx.language, whens[model.when])),
            say(catalogue.plan_done_key),
        )


def short_session_lines(ctx: DialogContext) -> list[Line]:
    """Minutes from the catalogue, today's modality (or the first offered), one activity."""
    state, content = ctx.state, ctx.content
    minutes = content.barriers.short_session_minutes
    if not programme.has_programme(state):
        return [say("barrier.short.plain", minutes=minutes)]
    planned = programme.planned_session(state, content, state.today)
    if planned is not None:
        modality, activities = planned.modality, planned.activities
    else:
        choice = programme.current_prescription(state, content).modalities[0]
        modality, activities = choice.modality, choice.activities
    activity = programme.example_names(
        content, ctx.language, modality, activities[:1]
    ) or programme.modality_name(content, ctx.language, modality)
    ctx.conversation_data["short_activity"] = activity
    lines: list[Line] = [say("barrier.short.heading", minutes=minutes, activity=activity)]
    lines.append(say("barrier.short.easy"))
    return lines


BARRIER_DIALOG = BarrierDialog()
flows.register(BARRIER_DIALOG)


def start(ctx: DialogContext) -> None:
    """Open the barrier conversation (after "Can't today", or from /barrier)."""
    BARRIER_DIALOG.start(ctx)


def barrier_command(ctx: DialogContext, args: str = "") -> None:
    """/barrier: talk through what is getting in the way."""
    BARRIER_DIALOG.start(ctx)


def start_plan(ctx: DialogContext, barrier: str, script: str) -> None:
    BARRIER_DIALOG.start_plan(ctx, barrier, script)
