"""/safetyplan: the patient builds and edits their own Stanley–Brown style safety plan."""

from __future__ import annotations

from dialogs import flows, safety
from dialogs.context import DialogContext
from dialogs.flows import BaseFlow
from dialogs.screens import say
from state_machines.engine import InvalidTransition
from state_machines.safety_plan import SAFETY_PLAN, SafetyPlanModel, SafetyPlanState

FLOW = "safety_plan"
SECTIONS = safety.SAFETY_PLAN_SECTIONS
MAX_ENTRIES = 10
MAX_ENTRY_LENGTH = 200


class SafetyPlanDialog(BaseFlow):
    name = FLOW
    # Warning signs are often written in risk language ("when I think everyone would be
    # better off without me"): the router still escalates, and the entry is kept too.
    keeps_risk_text = True

    def _model(self, ctx: DialogContext) -> SafetyPlanModel:
        return SafetyPlanModel(
            state=SafetyPlanState(ctx.state.conversation.state),
            sections=len(SECTIONS),
            section=int(ctx.conversation_data.get("section", 0)),
        )

    def _save(self, ctx: DialogContext, model: SafetyPlanModel) -> None:
        ctx.state.conversation.state = model.state.value
        ctx.conversation_data["section"] = model.section

    def start_editing(self, ctx: DialogContext) -> None:
        flows.enter(ctx, FLOW, SafetyPlanState.SHOWING.value, {"section": 0})
        model = self._model(ctx)
        SAFETY_PLAN.fire(model, "edit")
        self._save(ctx, model)
        plan = ctx.state.safety_plan
        if not plan.sections.get("professionals"):
            plan.sections["professionals"] = _prefilled_services(ctx)
        ctx.show(say("safety_plan.intro"))
        self.ask(ctx)

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        if fresh:
            ctx.new_question()
        section = SECTIONS[self._model(ctx).section]
        entries = ctx.state.safety_plan.sections.get(section) or []
        lines = [
            say("safety_plan.step", number=self._model(ctx).section + 1, count=len(SECTIONS)),
            say(f"safety_plan.title.{section}"),
            say(f"safety_plan.hint.{section}"),
        ]
        if entries:
            lines.append(say("safety_plan.so_far", entries="; ".join(entries)))
        ctx.show(
            *lines,
            rows=[
                [ctx.button("next", "safety_plan.button.next")],
                [ctx.button("clear", "safety_plan.button.clear")],
            ],
        )

    def on_text(self, ctx: DialogContext, text: str) -> None:
        section = SECTIONS[self._model(ctx).section]
        entries = ctx.state.safety_plan.sections.setdefault(section, [])
        if len(text) > MAX_ENTRY_LENGTH or len(entries) >= MAX_ENTRIES:
            ctx.show(say("safety_plan.too_much", limit=MAX_ENTRY_LENGTH, count=MAX_ENTRIES))
            return
        entries.append(text)
        ctx.state.safety_plan.updated_at = ctx.state.now
        ctx.show(say("safety_plan.added"))
        self.ask(ctx, fresh=False)

    def on_press(self, ctx: DialogContext, value: str) -> None:
        model = self._model(ctx)
        if value == "clear":
            ctx.state.safety_plan.sections[SECTIONS[model.section]] = []
            self.ask(ctx, fresh=False)
            return
        try:
            if value != "next":
                raise InvalidTransition(value)
            SAFETY_PLAN.fire(model, "next_section")
        except InvalidTransition:
            super().on_press(ctx, value)
            return
        self._save(ctx, model)
        if model.state is SafetyPlanState.SAVED:
            ctx.state.safety_plan.updated_at = ctx.state.now
            ctx.audit("safety_plan.saved")
            flows.finish(ctx)
            ctx.show(say("safety_plan.saved"))
            safety.show_plan(ctx)
            return
        self.ask(ctx)


def _prefilled_services(ctx: DialogContext) -> list[str]:
    """The professionals section starts with the country's crisis lines and emergency number,
    worded as in the crisis reply (patients may edit). No known country: nothing guessed."""
    country = ctx.state.patient.country or ctx.deps.default_country
    resources = ctx.content.crisis.for_country(country)
    if resources is None:
        return []
    entries = [
        f"{line.name}: {line.call or line.text}"
        for line in resources.lines
        if line.call or line.text
    ]
    emergency = ctx.texts.get(
        ctx.language, "crisis.emergency", number=resources.emergency, country=resources.name
    )
    return [*entries, emergency]


def command(ctx: DialogContext, _args: str = "") -> None:
    plan = ctx.state.safety_plan
    if plan.is_empty:
        ctx.show(say("safety_plan.explain"))
        SAFETY_PLAN_DIALOG.start_editing(ctx)
        return
    safety.show_plan(ctx)


SAFETY_PLAN_DIALOG = SafetyPlanDialog()
flows.register(SAFETY_PLAN_DIALOG)
