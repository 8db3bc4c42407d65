"""The direct question after a *concern*: "…is that happening for you?" Yes / Not sure / No.

A concern is a weaker warning sign in a message (hopelessness, feeling a burden, a goodbye
without a method). Asking directly does not put the idea in anyone's head; it tells the
person they may talk about it. What each answer does is content (`data/risk/concern.yaml`),
decided by the pure rules in `content.clinical.risk.concern`:
- Yes or Not sure: the urgent path (the crisis reply, an urgent escalation);
- No: a routine flag to the care team, and kind words; then back to what was on;
- a second concern within the policy's window (or a concern after a recent risk, item 9 or
  /sos escalation — the safer reading of the rule): urgent at once, without asking again,
  as risk language (the message itself is the reason).
The question interrupts whatever was running and hands back to it.

The routine flag is raised when the question is *asked*, not when it is answered: a patient
who never answers (closes the app) is still seen by the care team, at once rather than after
the policy's `unanswered_after_minutes` (there is no timer for that yet) — the safer reading.
The answer is then recorded on it (`patient_response`, e.g. "concern_no"); Yes / Not sure
add the urgent escalation on top.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from content.clinical.risk import RiskFinding
from content.clinical.risk.concern import (
    ConcernDecision,
    on_answer,
    on_concern,
)
from dialogs import safety
from dialogs.base import Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.one_question import OneQuestionDialog
from dialogs.records import EscalationRequest, EscalationTrigger, Priority
from dialogs.screens import Line, say
from state_machines.question import QuestionModel, QuestionState

ANSWER_RESPONSE = "concern_{answer}"


@dataclass
class ConcernModel(QuestionModel):
    """The question, with what raised it (for the escalation whatever the answer)."""

    details: dict[str, Any] = field(default_factory=dict)
    asked_at: dt.datetime | None = None


def concern_details(finding: RiskFinding, text: str, where: str) -> dict[str, Any]:
    """What the care team reads: the warning-sign category and the quoted words."""
    return {"reason": finding.describe(text), "message": text[:500], "where": where}


def found(ctx: DialogContext, finding: RiskFinding, text: str, where: str = "private") -> None:
    """A concern in `text`: ask the question, or go urgent at once if one came recently."""
    details = concern_details(finding, text, where)
    step = on_concern(ctx.content.concern, ctx.state.now, _earlier(ctx))
    if step.decision is not None:
        _decide(ctx, step.decision, details)
        return
    ctx.audit("safety.concern_asked", where=where)
    asked = {**details, "rule": "asked", "answer": "pending"}
    ctx.outcome.escalations.append(
        EscalationRequest(
            trigger=EscalationTrigger.CONCERN, priority=Priority.ROUTINE, details=asked
        )
    )
    ctx.state.recent_safety.append(ctx.state.now)
    ctx.start(Flow.CONCERN, details=details, asked_at=ctx.state.now)


def _earlier(ctx: DialogContext) -> list[Any]:
    earlier = list(ctx.state.recent_safety)
    if ctx.state.conversation.flow == Flow.CONCERN:
        earlier.append(ctx.state.now)  # a question still open is a concern this moment
    return earlier


def _decide(ctx: DialogContext, decision: ConcernDecision, details: dict[str, Any]) -> None:
    details = {**details, "rule": decision.reason}
    if decision.answer is not None:
        details["answer"] = decision.answer
    ctx.state.recent_safety.append(ctx.state.now)
    if decision.urgent:
        # Straight from a message (repeat): risk language; from the patient's answer: concern.
        trigger = EscalationTrigger.CONCERN if decision.answer else EscalationTrigger.RISK_LANGUAGE
        safety.crisis(ctx, safety.CrisisTrigger(trigger, details))
        return
    ctx.outcome.escalations.append(
        EscalationRequest(
            trigger=EscalationTrigger.CONCERN, priority=Priority.ROUTINE, details=details
        )
    )
    ctx.audit("safety.concern_flagged", rule=decision.reason)


class ConcernDialog(OneQuestionDialog):
    flow = Flow.CONCERN
    model_type = ConcernModel
    interrupts = True

    def begin(self, ctx: DialogContext, **kwargs: Any) -> ConcernModel:
        return ConcernModel(
            QuestionState.ASKED,
            details=dict(kwargs.get("details") or {}),
            asked_at=kwargs.get("asked_at"),
        )

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        """Never reached through `found` (a second concern is urgent); asks again if it is."""
        model = self.begin(ctx, **kwargs)
        self.save(ctx, model)
        self.opened(ctx, model, **kwargs)

    def options(self, ctx: DialogContext) -> list[Option]:
        return [
            Option(answer, "answer", key=rule.button_key, args={"value": answer})
            for answer, rule in ctx.content.concern.answers.items()
        ]

    def question(self, ctx: DialogContext, model: QuestionModel) -> Question:
        return Question(
            [say(ctx.content.concern.question_key)],
            self.options(ctx),
            columns=3,
            text=self._typed(ctx),
            urgent=True,
        )

    def _typed(self, ctx: DialogContext) -> Any:
        """A typed answer that reads like one of the buttons ("no", "not sure", "sí")."""
        labels = {
            _plain(ctx.texts.get(ctx.language, option.key or "")): option
            for option in self.options(ctx)
        }

        def parse(text: str) -> Option | Line:
            return labels.get(_plain(text)) or say("common.use_buttons")

        return parse

    def answered(self, ctx: DialogContext, answer: str) -> None:
        model = self.model(ctx)
        assert isinstance(model, ConcernModel)
        asked_at = model.asked_at
        earlier = [t for t in ctx.state.recent_safety if asked_at is None or t < asked_at]
        decision = on_answer(ctx.content.concern, answer, ctx.state.now, earlier)  # type: ignore[arg-type]
        ctx.audit("safety.concern_answered", answer=answer)
        ctx.outcome.responses.append(ANSWER_RESPONSE.format(answer=answer))
        if decision.urgent:
            _decide(ctx, decision, model.details)
            return
        # Routine: the flag raised when the question was asked carries the answer now.
        ctx.show(say("concern.thanks_no"), say("concern.team_will_see"))

    def abandon(self, ctx: DialogContext) -> None:
        """Left unanswered: the routine flag raised on asking already told the care team."""
        model = self.model(ctx)
        if model.state is QuestionState.ASKED:
            ctx.audit("safety.concern_unanswered")


def _plain(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum() or ch == " ").strip()
