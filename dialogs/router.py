"""The entry point of every patient update: one event in, screens and records out.

Order matters and is deliberate:
1. every free text is screened for risk language first, whatever flow is running;
2. /sos and the crisis buttons work in every state, before consent too;
3. before consent only /start, /help and /sos do anything;
4. a button carries its question's number: a stale or forged one changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

# `onboarding` registers its flow on import and nothing else here imports it eagerly
# (consent does, lazily): after a restart mid-check-in, the suspended onboarding could not be
# resumed and the patient got no next question. Importing it here registers it at start-up.
from dialogs import commands, consent, onboarding, safety  # noqa: F401
from dialogs.context import CONVERSATION, MENU, DialogContext, DialogDeps
from dialogs.events import MAX_TEXT_LENGTH, Command, Event, Press, Text, Unsupported
from dialogs.flows import dialog_for
from dialogs.screens import say
from dialogs.state import Outcome, PatientState
from state_machines.journey import JourneyModel, JourneyState

ALWAYS = {"sos", "help", "start", "safetyplan"}


def handle(state: PatientState, event: Event, deps: DialogDeps) -> Outcome:
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps)
    if isinstance(event, Text):
        _on_text(ctx, event.text)
    elif isinstance(event, Command):
        _on_command(ctx, event)
    elif isinstance(event, Press):
        _on_press(ctx, event.data)
    elif isinstance(event, Unsupported) and not (event.text and _screen(ctx, event.text)):
        ctx.show(say("common.unsupported", kind=event.kind))
        _reask(ctx)
    return ctx.outcome


def handle_group_risk(state: PatientState, text: str, deps: DialogDeps) -> Outcome:
    """Risk language seen in a group: escalate and answer in private, never in the group."""
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps)
    finding = deps.risk.screen(text[:10_000], state.patient.language)
    safety.crisis(ctx, safety.risk_language_trigger(finding, text, where="group"))
    return ctx.outcome


def _consented(ctx: DialogContext) -> bool:
    return JourneyModel(JourneyState(ctx.state.patient.journey)).consented


def _screen(ctx: DialogContext, text: str) -> bool:
    """Risk language anywhere starts the safety protocol; True when it did."""
    finding = ctx.deps.risk.screen(text[:10_000], ctx.language)
    if finding.flagged:
        safety.crisis(ctx, safety.risk_language_trigger(finding, text))
    return finding.flagged


def _on_text(ctx: DialogContext, text: str) -> None:
    if _screen(ctx, text):
        handler = dialog_for(ctx.state.conversation.flow)
        keeps = handler is not None and getattr(handler, "keeps_risk_text", False)
        if handler is not None and keeps and len(text) <= MAX_TEXT_LENGTH:
            handler.on_text(ctx, text.strip())  # e.g. a safety plan's warning sign is kept
        return
    if len(text) > MAX_TEXT_LENGTH:
        ctx.show(say("common.too_long", limit=MAX_TEXT_LENGTH))
        _reask(ctx)
        return
    if not _consented(ctx):
        consent.ask_consent(ctx)
        return
    handler = dialog_for(ctx.state.conversation.flow)
    if handler is None:
        ctx.show(say("common.idle_text"))
        commands.show_help(ctx)
        return
    handler.on_text(ctx, text.strip())


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
    if namespace == MENU:
        if not commands.on_menu(ctx, rest):
            ctx.show(say("common.button_unknown"))
        return
    if namespace != CONVERSATION:
        ctx.show(say("common.button_unknown"))
        return
    seq_text, _, value = rest.partition(":")
    conversation = ctx.state.conversation
    if not seq_text.isdigit() or int(seq_text) != conversation.seq:
        ctx.show(say("common.stale_button"))
        _reask(ctx)
        return
    handler = dialog_for(conversation.flow)
    if handler is None:
        ctx.show(say("common.stale_button"))
        return
    handler.on_press(ctx, value)


def _reask(ctx: DialogContext) -> None:
    handler = dialog_for(ctx.state.conversation.flow)
    if handler is not None:
        handler.ask(ctx, fresh=False)
