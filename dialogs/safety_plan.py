"""/safetyplan: the patient builds and edits their own Stanley–Brown style safety plan."""

from __future__ import annotations

from typing import Any

from dialogs import safety
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.screens import Line, say
from state_machines.safety_plan import SAFETY_PLAN, SafetyPlanModel, SafetyPlanState

SECTIONS = safety.SAFETY_PLAN_SECTIONS
MAX_ENTRIES = 10
MAX_ENTRY_LENGTH = 200


class SafetyPlanDialog(FlowDialog[SafetyPlanModel]):
    flow = Flow.SAFETY_PLAN
    table = SAFETY_PLAN
    model_type = SafetyPlanModel
    # Opened from a crisis reply or mid-onboarding: what was running waits and carries on.
    interrupts = True
    # Warning signs are often written in risk language ("when I think everyone would be
    # better off without me"): the router still escalates, and the entry is kept too.
    keeps_risk_text = True

    def transients(self, ctx: DialogContext) -> dict[str, Any]:
        return {"sections": len(SECTIONS)}

    def begin(self, ctx: DialogContext, **kwargs: Any) -> SafetyPlanModel:
        model = SafetyPlanModel(SafetyPlanState.SHOWING, sections=len(SECTIONS))
        SAFETY_PLAN.fire(model, "edit")
        return model

    def opened(self, ctx: DialogContext, model: SafetyPlanModel, **kwargs: Any) -> None:
        plan = ctx.state.safety_plan
        if not plan.sections.get("professionals"):
            plan.sections["professionals"] = _prefilled_services(ctx)
        ctx.show(say("safety_plan.intro"))
        self.ask(ctx)

    def question(self, ctx: DialogContext, model: SafetyPlanModel) -> Question:
        section = SECTIONS[model.section]
        entries = ctx.state.safety_plan.sections.get(section) or []
        lines = [
            say("safety_plan.step", number=model.section + 1, count=len(SECTIONS)),
            say(f"safety_plan.title.{section}"),
            say(f"safety_plan.hint.{section}"),
        ]
        if entries:
            lines.append(say("safety_plan.so_far", entries="; ".join(entries)))
        return Question(
            lines,
            [
                Option("next", "next_section", key="safety_plan.button.next"),
                Option("clear", None, key="safety_plan.button.clear", effect=_clear),
            ],
            text=lambda text: _entry(ctx, text),
        )

    def after(self, ctx: DialogContext, model: SafetyPlanModel, option: Option) -> None:
        if option.value == "typed":
            ctx.show(say("safety_plan.added"))
            self.ask(ctx, fresh=False)
        elif option.value == "clear":
            self.ask(ctx, fresh=False)
        elif model.state is SafetyPlanState.SAVED:
            ctx.state.safety_plan.updated_at = ctx.state.now
            ctx.audit("safety_plan.saved")
            ctx.show(say("safety_plan.saved"))
            safety.show_plan(ctx)
            ctx.finish()
        else:
            self.ask(ctx)

    def keep_risk_text(self, ctx: DialogContext, text: str) -> None:
        parsed = _entry(ctx, text)
        if isinstance(parsed, Option) and parsed.effect is not None:
            parsed.effect(ctx, self.model(ctx))


def _section(ctx: DialogContext) -> str:
    return SECTIONS[
        SafetyPlanModel.load(ctx.state.conversation.state, ctx.conversation_data).section
    ]


def _entry(ctx: DialogContext, text: str) -> Option | Line:
    entries = ctx.state.safety_plan.sections.setdefault(_section(ctx), [])
    if len(text) > MAX_ENTRY_LENGTH or len(entries) >= MAX_ENTRIES:
        return say("safety_plan.too_much", limit=MAX_ENTRY_LENGTH, count=MAX_ENTRIES)
    return Option("typed", "add_entry", effect=lambda ctx, model: _add(ctx, entries, text))


def _add(ctx: DialogContext, entries: list[str], text: str) -> None:
    entries.append(text)
    ctx.state.safety_plan.updated_at = ctx.state.now


def _clear(ctx: DialogContext, model: SafetyPlanModel) -> None:
    ctx.state.safety_plan.sections[SECTIONS[model.section]] = []


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
        ctx.start(Flow.SAFETY_PLAN)
        return
    safety.show_plan(ctx)
