"""The entry point of every patient update: one event in, screens and records out.

Order matters and is deliberate:
1. every free text is screened for risk language first, whatever flow is running;
2. /sos and the crisis buttons work in every state, before consent too;
3. before consent, anything else (a greeting, a command, a sticker, an old button) shows
   the consent — except /help and /start, which answer;
4. a button carries its question's number: a stale or forged one changes nothing;
5. typed text goes to the running flow's question if it takes typed answers; anything no
   open question accepts goes to `on_unmatched_text`, the one place that decides what
   free text means (the hook for understanding intents).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dialogs import commands, concern, consent, phone, rights, safety, stack, understanding
from dialogs.base import FlowDialog, UnreadableFlow
from dialogs.context import CONVERSATION, MENU, DialogContext, DialogDeps
from dialogs.crisis import typed_button as typed_crisis_button
from dialogs.events import MAX_TEXT_LENGTH, Command, Contact, Event, Press, Text, Unsupported
from dialogs.flow import Flow
from dialogs.screens import say
from dialogs.state import Outcome, PatientState

ALWAYS = {"sos", "help", "start", "safetyplan"} | rights.ALWAYS
# How many unreadable stored flows one update may drop (the stack is never deeper).
MAX_UNREADABLE = stack.MAX_DEPTH + 1


def handle(state: PatientState, event: Event, deps: DialogDeps) -> Outcome:
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps)
    step: Event | None = event
    for _ in range(MAX_UNREADABLE):
        try:
            _dispatch(ctx, step)
            break
        except UnreadableFlow as error:
            # A stored place that no longer loads is dropped, said, and the next flow down
            # asked again; escalations and records already in the outcome stay.
            ctx.audit("conversation.unreadable", flow=error.flow.value, reason=error.reason[:200])
            stack.drop(ctx)
            ctx.show(say("common.stale_button"))
            step = None
    return ctx.outcome


def _dispatch(ctx: DialogContext, event: Event | None) -> None:
    if rights.intercepts(ctx, event):  # a new consent version is asked first
        return
    if event is None:
        _reask(ctx)
    elif isinstance(event, Text):
        _on_text(ctx, event.text)
    elif isinstance(event, Command):
        _on_command(ctx, event)
    elif isinstance(event, Press):
        _on_press(ctx, event.data)
    elif isinstance(event, Contact):
        _on_contact(ctx, event)
    elif isinstance(event, Unsupported) and not (event.text and _screen(ctx, event.text)):
        ctx.show(say("common.unsupported", kind=event.kind))
        if _consented(ctx):
            _reask(ctx)
        else:
            consent.ask_consent(ctx)


def handle_group_risk(state: PatientState, text: str, deps: DialogDeps) -> Outcome:
    """Risk language seen in a group: escalate and answer in private, never in the group."""
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps)
    finding = deps.risk.screen(text[:10_000], state.patient.language)
    if finding.flagged and not finding.urgent and ctx.state.conversation.flow != Flow.CRISIS:
        concern.found(ctx, finding, text, where="group")  # the direct question, in private
    else:
        safety.crisis(ctx, safety.risk_language_trigger(finding, text, where="group"))
    return ctx.outcome


def _consented(ctx: DialogContext) -> bool:
    return consent.stands(ctx)  # not withdrawn either


def _screen(ctx: DialogContext, text: str) -> bool:
    """Risk language anywhere starts the safety protocol; True when it did.

    Risk (`urgent`): the crisis path. A concern (a weaker sign): the direct question
    (dialogs.concern) — or the crisis path again if a crisis is already open."""
    finding = ctx.deps.risk.screen(text[:10_000], ctx.language)
    if finding.flagged:
        current = ctx.current
        if current is not None and current.keeps_risk_text and len(text) <= MAX_TEXT_LENGTH:
            current.keep_risk_text(ctx, text.strip())  # e.g. a safety plan's warning sign
        if finding.urgent or ctx.state.conversation.flow == Flow.CRISIS:
            safety.crisis(ctx, safety.risk_language_trigger(finding, text))
        else:
            concern.found(ctx, finding, text)
    return finding.flagged


def _on_text(ctx: DialogContext, text: str) -> None:
    if _screen(ctx, text):
        return
    crisis_button = typed_crisis_button(ctx, text)
    if crisis_button is not None:  # as the press of that always-valid button
        commands.on_menu(ctx, crisis_button)
        return
    if len(text) > MAX_TEXT_LENGTH:
        ctx.show(say("common.too_long", limit=MAX_TEXT_LENGTH))
        _reask(ctx)
        return
    if not _consented(ctx):
        answer = consent.typed_answer(ctx, text)
        if answer is not None:  # "I agree" typed: the button's own words
            consent.on_menu(ctx, answer)
        else:
            consent.ask_consent(ctx)
        return
    current = _step_aside(ctx)
    if current is not None and current.on_text(ctx, text.strip()):
        return
    on_unmatched_text(ctx, text.strip())


def on_unmatched_text(ctx: DialogContext, text: str) -> None:
    """Typed text that no open question accepts: the one place that decides what it means
    (already screened for risk): understood and acted on by `dialogs.understanding`."""
    understanding.on_unmatched_text(ctx, text)


def _on_command(ctx: DialogContext, command: Command) -> None:
    name = command.name.lower()
    if name != "sos" and command.args and _screen(ctx, command.args):
        return  # words after a command are free text too
    if not _consented(ctx) and name not in ALWAYS:
        ctx.show(say("consent.first"))
        consent.ask_consent(ctx)
        return
    action: Callable[[DialogContext, str], None] | None = commands.COMMANDS.get(name)
    if action is None:
        ctx.show(say("common.unknown_command", command=name[:32]))
        commands.show_help(ctx)
        return
    action(ctx, command.args)


def _on_press(ctx: DialogContext, data: str) -> None:
    namespace, _, rest = data.partition(":")
    if namespace == MENU and (commands.on_menu(ctx, rest) or understanding.on_menu(ctx, rest)):
        return
    if not _consented(ctx) and ctx.state.conversation.flow not in rights.OPEN_WITHOUT_CONSENT:
        consent.ask_consent(ctx)  # a button from an old chat, before consent
        return
    if namespace != CONVERSATION:
        ctx.show(say("common.button_unknown"))
        return
    seq_text, _, value = rest.partition(":")
    current = ctx.current
    if not seq_text.isdigit() or int(seq_text) != ctx.state.conversation.seq or current is None:
        ctx.show(say("common.stale_button"))
        _reask(ctx)
        return
    current = _step_aside(ctx)
    if current is None:
        ctx.show(say("common.stale_button"))
        return
    current.on_press(ctx, value)


def _on_contact(ctx: DialogContext, contact: Contact) -> None:
    """A contact card: kept only as the answer to the phone question (dialogs/phone.py);
    anywhere else it is not kept, and the patient is told so kindly."""
    if not _consented(ctx):
        ctx.show(say("phone.not_asked"))
        consent.ask_consent(ctx)
        return
    current = _step_aside(ctx)
    if current is not None and current.on_contact(ctx, contact):
        return
    if phone.take_while_waiting(ctx, contact):
        return
    ctx.show(say("phone.not_asked"))
    _reask(ctx)


def _step_aside(ctx: DialogContext) -> FlowDialog[Any] | None:
    """A flow that steps aside (the crisis question) leaves when the patient moves on."""
    current = ctx.current
    if current is not None and current.steps_aside:
        current.abandon(ctx)
        stack.drop(ctx)
        current = ctx.current
    return current


def _reask(ctx: DialogContext) -> None:
    current = ctx.current
    if current is not None:
        current.ask(ctx, fresh=False)
