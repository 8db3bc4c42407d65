"""The patient's data rights in the chat: /mydata, /forgetme, /withdraw and re-consent.

The dialogs decide and confirm; the work that leaves the transaction (a file sent, an
erasure, a withdrawal with the care team told) is an effect (`dialogs.effects`) that `bot/`
carries out after the commit, replying only once it is done. /mydata and /forgetme work
in every state, before consent and after a withdrawal too: they are the patient's rights,
not part of the programme.

Re-consent: when `content/data/consent.yaml` gains a version marked `reconsent: true`, a
patient who agreed to an earlier one is asked again at their next contact, before anything
else but /sos, /help, the crisis buttons and risk language. The question interrupts the
running flow and hands back to it; declining is a withdrawal of consent.
"""

from __future__ import annotations

from typing import Any

from content.consent import needs_reconsent
from dialogs import consent, stack
from dialogs.context import MENU, DialogContext
from dialogs.crisis import VALUES as CRISIS_BUTTONS
from dialogs.effects import EraseOwnData, SendOwnData, WithdrawConsent
from dialogs.events import Command, Event, Press, Text
from dialogs.flow import Flow
from dialogs.one_question import OneQuestionDialog
from dialogs.screens import say
from state_machines.question import QuestionModel

# Commands a patient may use whatever their standing: their rights, and help in danger.
ALWAYS = frozenset({"mydata", "forgetme"})
# Flows whose question may be answered before consent or after a withdrawal.
OPEN_WITHOUT_CONSENT = frozenset({Flow.FORGETME.value})
# Left through during a due re-consent (safety first; help explains).
_PASS_COMMANDS = frozenset({"sos", "help", "mydata", "forgetme"})


def _leave_everything(ctx: DialogContext) -> None:
    """After an erasure or a withdrawal nothing is waiting: no flow resumes and asks."""
    while ctx.state.conversation.flow != "idle" or ctx.state.conversation.stack:
        stack.drop(ctx)


def mydata(ctx: DialogContext, _args: str = "") -> None:
    """/mydata: the file and summary are sent by `bot/` once this update is committed."""
    ctx.show(say("data_rights.chat.mydata.preparing"))
    ctx.audit("data.copy_requested")
    ctx.outcome.effects.append(SendOwnData())


def forgetme(ctx: DialogContext, _args: str = "") -> None:
    ctx.start(Flow.FORGETME)


def withdraw(ctx: DialogContext, _args: str = "") -> None:
    """/withdraw (or /stop): only reached while consent stands (the router asks it first)."""
    ctx.start(Flow.WITHDRAW)


class ForgetMeDialog(OneQuestionDialog):
    """Erase / Cancel; a cancel hands back to what was on."""

    flow = Flow.FORGETME
    interrupts = True
    resumable = False
    prompt = ("data_rights.forgetme.confirm",)
    answers = (
        ("erase", "data_rights.forgetme.button.confirm"),
        ("cancel", "data_rights.forgetme.button.cancel"),
    )

    def answered(self, ctx: DialogContext, answer: str) -> None:
        if answer != "erase":
            ctx.show(say("data_rights.forgetme.cancelled"))
            return
        ctx.audit("erasure.confirmed")
        _leave_everything(ctx)
        ctx.outcome.effects.append(EraseOwnData())


class WithdrawDialog(OneQuestionDialog):
    """Withdraw / Carry on; confirming stops everything but the reply to it."""

    flow = Flow.WITHDRAW
    interrupts = True
    resumable = False
    prompt = ("data_rights.withdraw.confirm",)
    answers = (
        ("withdraw", "data_rights.withdraw.button.confirm"),
        ("cancel", "data_rights.withdraw.button.cancel"),
    )

    def answered(self, ctx: DialogContext, answer: str) -> None:
        if answer != "withdraw":
            ctx.show(say("data_rights.withdraw.cancelled"))
            return
        _leave_everything(ctx)
        ctx.outcome.effects.append(WithdrawConsent())


class ReconsentDialog(OneQuestionDialog):
    """The consent again, with what changed; agreeing hands back, declining withdraws."""

    flow = Flow.RECONSENT
    interrupts = True
    resumable = False
    answers = (
        ("agree", "consent.button.agree"),
        ("decline", "data_rights.chat.reconsent.decline"),
    )

    def question(self, ctx: DialogContext, model: QuestionModel) -> Any:
        question = super().question(ctx, model)
        lines = (
            say("data_rights.reconsent.intro", changes=changes(ctx)),
            *(say(key) for key in ctx.content.consent.text_keys),
            say("data_rights.chat.reconsent.decline_means"),
            say("consent.question"),
        )
        return type(question)(lines, question.options, columns=question.columns)

    def answered(self, ctx: DialogContext, answer: str) -> None:
        if answer == "agree":
            consent.accept(ctx)
            ctx.show(say("data_rights.chat.reconsent.thanks"))
            return
        ctx.audit("consent.declined_again")
        _leave_everything(ctx)
        ctx.outcome.effects.append(WithdrawConsent())


def changes(ctx: DialogContext) -> str:
    """What changed since the newest version the patient accepted, in their language."""
    document = ctx.content.consent
    accepted = {c.version for c in ctx.state.consents or () if c.what == document.id}
    later: list[str] = []
    for version in reversed(document.versions):
        if version.version in accepted:
            break
        if version.reconsent:
            later.insert(0, version.changes.get(ctx.language))
    return " ".join(later)


def reconsent_due(ctx: DialogContext) -> bool:
    state = ctx.state
    return (
        state.consents is not None
        and consent.stands(ctx)
        and needs_reconsent(state.consents, ctx.content.consent)
    )


def intercepts(ctx: DialogContext, event: Event | None) -> bool:
    """Ask a due re-consent before anything else; True when the event was taken for it.

    Left through: /sos, /help and the rights commands, crisis buttons, risk language (the
    router screens it), anything while a crisis question is open, and any answer while the
    re-consent question is open.
    """
    if event is None or not reconsent_due(ctx):
        return False
    current = ctx.current
    if current is not None and current.flow is Flow.CRISIS:
        return False  # a crisis question is never pushed aside; asked at the next contact
    if isinstance(event, Command) and event.name.lower() in _PASS_COMMANDS:
        return False
    if isinstance(event, Press):
        namespace, _, value = event.data.partition(":")
        if namespace == MENU and value in CRISIS_BUTTONS:
            return False
        if ctx.state.conversation.flow == Flow.RECONSENT.value:
            return False
    if isinstance(event, Text):
        if ctx.deps.risk.screen(event.text[:10_000], ctx.language).flagged:
            return False
        if ctx.state.conversation.flow == Flow.RECONSENT.value:
            return False  # "please use the buttons" and the question again
    if current is not None and current.flow is Flow.RECONSENT:
        current.ask(ctx, fresh=False)
    else:
        ctx.start(Flow.RECONSENT)
    return True
