"""What typed text means when no open question takes it: understood, then acted on.

The router screens every text for risk first (risk always wins); what is left comes here
(`on_unmatched_text`). `content.clinical.understanding.decide` names the intent and what the
routes table (`data/understanding/routes.yaml`) says it leads to; this module only acts:
- idle: a barrier opens its script; an activity report offers to log it (one tap, the
  `LogOfferDialog` below); replies and the not-understood line come with at most three
  buttons — never the command list, never emergency wording;
- today's session open: "done" / "did half" / "can't today" answer the card, an activity
  report logs it, tiredness (any barrier) opens its script, which offers the shorter session;
- any other flow (onboarding, a check-in…): a reply that is worth giving (a medicine
  question, thanks, help) is given; then the current question is asked again, briefly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from content.clinical.understanding import Decision, decide
from dialogs import commands
from dialogs.base import Option, Question
from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.one_question import OneQuestionDialog
from dialogs.screens import Choice, Line, say
from dialogs.session_card import MINUTES_RANGE
from state_machines.engine import InvalidTransition
from state_machines.question import QuestionModel, QuestionState
from state_machines.session import SessionModel, SessionState

# A choice's action (routes.yaml) → the menu button that does it (`m:<value>`).
MENU_VALUES = {
    "show_today": "cmd:today",
    "log_mood": "cmd:mood",
    "show_help": "cmd:help",
    "open_barriers": "cmd:barrier",
    "pause": "cmd:pause",
    "leave_programme": "ft:leave",
}
# Inside another flow these replies are given before the question is asked again.
IN_FLOW_REPLIES = {"medicine_question", "thanks", "greeting"}
LOG_ANSWERS = {"confirm_log": "yes", "change_log": "change", "dismiss": "no"}


def on_unmatched_text(ctx: DialogContext, text: str) -> None:
    """Typed text no open question accepted (already screened for risk)."""
    current = ctx.current
    session = _session_model(ctx)
    decision = decide(
        ctx.content,
        text,
        ctx.language,
        session_open=session is not None and session.state is SessionState.OFFERED,
    )
    ctx.audit("text.understood", intent=decision.intent, route=decision.action)
    if current is None:
        _idle(ctx, decision)
    elif session is not None and _in_session(ctx, session, decision):
        return
    elif current.flow is Flow.BARRIER and decision.action == "barrier_script":
        open_script(ctx, decision)  # "no time" typed at "what got in the way?"
    else:
        _in_flow(ctx, decision)


def _session_model(ctx: DialogContext) -> SessionModel | None:
    current = ctx.current
    if current is None or current.flow is not Flow.SESSION:
        return None
    model = current.model(ctx)
    return model if isinstance(model, SessionModel) else None


def _idle(ctx: DialogContext, decision: Decision) -> None:
    if decision.action == "barrier_script":
        open_script(ctx, decision)
    elif decision.action == "offer_log":
        ctx.start(Flow.LOG_OFFER, decision=decision)
    elif decision.action == "show_help":
        commands.show_help(ctx)
    else:  # reply, fallback (and a session answer with no session: the table sends it here)
        _reply(ctx, decision)


def _reply(ctx: DialogContext, decision: Decision) -> None:
    key = decision.text_key or "understanding.fallback"
    ctx.show(say(key, **decision.params), rows=[choice_buttons(decision)])


def choice_buttons(decision: Decision) -> list[Choice]:
    """At most three buttons, one row, each doing what the routes table names."""
    return [
        menu(MENU_VALUES[c.action], c.label_key)
        for c in decision.choices
        if c.action in MENU_VALUES
    ][:3]


def open_script(ctx: DialogContext, decision: Decision) -> None:
    ctx.start(Flow.BARRIER, barrier=decision.barrier, script=decision.script, open_script=True)


def _in_session(ctx: DialogContext, model: SessionModel, decision: Decision) -> bool:
    """Today's session (or a /log) is open: act on it; False when nothing applied."""
    current = ctx.current
    assert current is not None
    if decision.action == "session_answer" and model.state is SessionState.OFFERED:
        current.on_press(ctx, str(decision.answer))
        return True
    if decision.action == "barrier_script":
        open_script(ctx, decision)  # the energy script offers the shorter session
        return True
    if decision.action == "offer_log":
        return _log_in_session(ctx, model, decision)
    return False


def _log_in_session(ctx: DialogContext, model: SessionModel, decision: Decision) -> bool:
    """ "Walked 20 min" with the session open: log it, asking only what is still unknown."""
    current = ctx.current
    assert current is not None
    steps: list[tuple[SessionState, str, object]] = [(SessionState.OFFERED, "done", None)]
    if "modality" in decision.slots:
        steps.append((SessionState.ASK_ACTIVITY, "give_activity", decision.slots["modality"]))
    low, high = MINUTES_RANGE
    minutes = decision.slots.get("minutes")
    if isinstance(minutes, int) and low <= minutes <= high:
        steps.append((SessionState.ASK_MINUTES, "give_minutes", minutes))
    fired = False
    for state, trigger, value in steps:
        if model.state is not state:
            continue
        kwargs = {} if value is None else {"value": value}
        try:
            current.table.fire(model, trigger, **kwargs)
        except InvalidTransition:
            break
        fired = True
    if not fired:
        return False
    current.save(ctx, model)
    if "minutes" in model.answers:
        ctx.show(say("free_text.logged_from_words", minutes=model.answers["minutes"]))
    current.ask(ctx)
    return True


def _in_flow(ctx: DialogContext, decision: Decision) -> None:
    """Inside another flow: answer what is worth answering, then ask again, briefly."""
    current = ctx.current
    assert current is not None
    if decision.intent in IN_FLOW_REPLIES and decision.text_key:
        ctx.show(say(decision.text_key, **decision.params))
    elif decision.action == "show_help":
        commands.show_help(ctx)
    elif current.question(ctx, current.model(ctx)).options:
        ctx.show(say("free_text.reask_buttons"))  # a button's words typed answer it too
    else:
        ctx.show(say("free_text.reask"))
    current.ask(ctx, fresh=False)


def on_menu(ctx: DialogContext, value: str) -> bool:
    """Menu buttons of this module (`ft:…`); False for any other value."""
    if value == "ft:leave":
        ctx.show(say("free_text.leave"), rows=[[menu("cmd:pause", "understanding.button.pause")]])
        return True
    return False


# --- the one-tap offer to log an activity told in words -------------------------------------


@dataclass
class LogOfferModel(QuestionModel):
    """What was understood: the text to show and the slots to log."""

    text_key: str = ""
    minutes: int | None = None
    modality: str | None = None
    activity_key: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (answer, label key)


class LogOfferDialog(OneQuestionDialog):
    """ "Well done! Shall I log it? Brisk walking, 20 minutes." Yes / Change / No."""

    flow = Flow.LOG_OFFER
    model_type = LogOfferModel
    hands_over = frozenset({Flow.SESSION})

    def begin(self, ctx: DialogContext, **kwargs: Any) -> LogOfferModel:
        decision: Decision = kwargs["decision"]
        minutes = decision.params.get("minutes")
        modality = decision.slots.get("modality")
        return LogOfferModel(
            QuestionState.ASKED,
            text_key=decision.text_key or "",
            minutes=int(minutes) if minutes is not None else None,
            modality=str(modality) if modality else None,
            activity_key=decision.activity_key or "",
            choices=[
                (LOG_ANSWERS[c.action], c.label_key)
                for c in decision.choices
                if c.action in LOG_ANSWERS
            ],
        )

    def question(self, ctx: DialogContext, model: QuestionModel) -> Question:
        assert isinstance(model, LogOfferModel)
        activity = ctx.texts.get(ctx.language, model.activity_key) if model.activity_key else ""
        params: dict[str, object] = {"activity": activity}
        if model.minutes is not None:
            params["minutes"] = model.minutes
        options = [
            Option(answer, "answer", key=key, args={"value": answer})
            for answer, key in model.choices
        ]
        return Question([Line(model.text_key, params)], options, columns=len(options) or 1)

    def answered(self, ctx: DialogContext, answer: str) -> None:
        model = self.model(ctx)
        assert isinstance(model, LogOfferModel)
        if answer == "yes":
            ctx.finish(then=Flow.SESSION, log=True, modality=model.modality, minutes=model.minutes)
        elif answer == "change":
            ctx.finish(then=Flow.SESSION, log=True)
        else:
            ctx.show(say("free_text.log_dismissed"))
