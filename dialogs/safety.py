"""The crisis reply: what a patient gets at once when a safety trigger fires.

The escalation is added to the outcome, so it is stored in the same transaction as the
answer that raised it; the reply tells the patient a person has been told. Nothing here
closes an escalation: only a supervisor resolves it (CLINICAL_SPEC 6–7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from content.clinical.excerpt import excerpt
from content.clinical.risk import RiskFinding
from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.records import EscalationRequest, EscalationTrigger, Priority
from dialogs.screens import Line, say

SAFETY_PLAN_SECTIONS = (
    "warning_signs",
    "coping",
    "distractions",
    "people_to_ask",
    "professionals",
    "environment",
    "reasons",
)


@dataclass(frozen=True)
class CrisisTrigger:
    trigger: EscalationTrigger
    details: dict[str, Any] = field(default_factory=dict)


def risk_language_trigger(
    finding: RiskFinding, text: str, where: str = "private"
) -> CrisisTrigger:
    return CrisisTrigger(
        EscalationTrigger.RISK_LANGUAGE,
        # The warning-sign category and the quoted words, for the care team; the message
        # quoted around the matched words (a long message's risk may be at its end).
        {
            "reason": finding.describe(text) or finding.reason,
            "message": excerpt(text, finding.matched),
            "where": where,
        },
    )


def crisis(ctx: DialogContext, trigger: CrisisTrigger) -> None:
    """Escalate durably and reply at once (the crisis flow, over whatever was running); no
    quiet hours or pause ever apply here."""
    ctx.start(Flow.CRISIS, trigger=trigger.trigger, details=trigger.details)


def escalate(ctx: DialogContext, trigger: CrisisTrigger) -> None:
    """The urgent escalation, stored in the same transaction as the answer that raised it."""
    ctx.outcome.escalations.append(
        EscalationRequest(
            trigger=trigger.trigger, priority=Priority.URGENT, details=dict(trigger.details)
        )
    )
    ctx.audit("safety.triggered", trigger=trigger.trigger.value)


def crisis_reply(ctx: DialogContext, trigger: EscalationTrigger) -> None:
    """The reply itself (CLINICAL_SPEC 6.1), in order: a calm acknowledgement; the country's
    emergency number and crisis lines; the patient's safety plan, if any; that a person from
    the care team has been told; that Stride is not an emergency service; then the three
    buttons. Also used to re-send a reply Telegram did not deliver the first time."""
    lines = [say(f"safety.ack.{trigger.value}"), *resource_lines(ctx)]
    lines.extend(plan_lines(ctx))
    lines += [say("safety.team_told"), say("safety.not_emergency"), say("safety.are_you_safe")]
    ctx.show(*lines, rows=crisis_buttons(), urgent=True)


def crisis_buttons() -> list[list[Any]]:
    return [
        [menu("safe", "safety.button.safe")],
        [menu("help", "safety.button.help")],
        [menu("plan", "safety.button.plan")],
    ]


def resource_lines(ctx: DialogContext) -> list[Line]:
    """Emergency number and crisis lines for the patient's country, or the fallback."""
    country = ctx.state.patient.country or ctx.deps.default_country
    resources = ctx.content.crisis.for_country(country)
    if resources is None:
        return [say(ctx.content.crisis.fallback_key)]
    lines = [say("crisis.emergency", number=resources.emergency, country=resources.name)]
    for line in resources.lines:
        if line.call and line.text:
            lines.append(
                say(
                    "crisis.line_call_text",
                    name=line.name,
                    call=line.call,
                    text=line.text,
                    hours=line.hours,
                )
            )
        elif line.call:
            lines.append(say("crisis.line_call", name=line.name, call=line.call, hours=line.hours))
        else:
            lines.append(say("crisis.line_text", name=line.name, text=line.text, hours=line.hours))
    return lines


def plan_lines(ctx: DialogContext) -> list[Line]:
    plan = ctx.state.safety_plan
    if plan.is_empty:
        return []
    lines = [say("safety_plan.yours")]
    for section in SAFETY_PLAN_SECTIONS:
        entries = plan.sections.get(section) or []
        if entries:
            lines.append(
                say(
                    "safety_plan.section_entries",
                    title=ctx.texts.get(ctx.language, f"safety_plan.title.{section}"),
                    entries="; ".join(entries),
                )
            )
    return lines


def sos(ctx: DialogContext, _args: str = "") -> None:
    crisis(ctx, CrisisTrigger(EscalationTrigger.SOS))


def show_plan(ctx: DialogContext) -> None:
    lines = plan_lines(ctx)
    if not lines:
        ctx.show(
            say("safety_plan.none_yet"), rows=[[menu("safetyplan", "safety_plan.button.make")]]
        )
        return
    ctx.show(*lines, rows=[[menu("safetyplan", "safety_plan.button.edit")]])
