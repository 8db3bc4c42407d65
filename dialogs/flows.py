"""How the router talks to a flow's dialog, and how flows start, suspend and finish.

A flow dialog is a module-level object with `ask`, `on_press`, `on_text` and `resume`.
Only onboarding is ever suspended (by /checkin or /sos mid-way) and resumed later; any
other flow interrupted by a new command is abandoned (its `abandon` may keep what it has).
"""

from __future__ import annotations

from typing import Protocol

from dialogs.context import DialogContext
from dialogs.records import Conversation
from dialogs.screens import say

SUSPENDABLE = {"onboarding"}


class FlowDialog(Protocol):
    name: str

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        """Show the current question (fresh: as a new question, older buttons go stale)."""

    def on_press(self, ctx: DialogContext, value: str) -> None: ...

    def on_text(self, ctx: DialogContext, text: str) -> None: ...

    def resume(self, ctx: DialogContext, finished: str) -> None:
        """Called when a flow that interrupted this one has finished."""

    def abandon(self, ctx: DialogContext) -> None:
        """Called when the patient leaves this flow for another command."""


_REGISTRY: dict[str, FlowDialog] = {}


def register(dialog: FlowDialog) -> FlowDialog:
    _REGISTRY[dialog.name] = dialog
    return dialog


def dialog_for(flow: str) -> FlowDialog | None:
    return _REGISTRY.get(flow)


def enter(ctx: DialogContext, flow: str, state: str, data: dict[str, object]) -> None:
    """Make `flow` the current one, suspending onboarding or abandoning anything else."""
    current = ctx.state.conversation
    suspended = current.suspended
    if current.flow in SUSPENDABLE and current.flow != flow:
        suspended = {"flow": current.flow, "state": current.state, "data": current.data}
    elif current.flow not in ("idle", flow):
        handler = dialog_for(current.flow)
        if handler is not None:
            handler.abandon(ctx)
    ctx.state.conversation = Conversation(
        flow=flow, state=state, data=dict(data), seq=current.seq, suspended=suspended
    )


def finish(ctx: DialogContext) -> None:
    """End the current flow; resume a suspended one, if any."""
    current = ctx.state.conversation
    finished = current.flow
    if current.suspended:
        saved = current.suspended
        ctx.state.conversation = Conversation(
            flow=str(saved["flow"]),
            state=str(saved["state"]),
            data=dict(saved["data"]),
            seq=current.seq,
            suspended=None,
        )
        handler = dialog_for(ctx.state.conversation.flow)
        if handler is not None:
            handler.resume(ctx, finished)
        return
    ctx.state.conversation = Conversation(seq=current.seq)


class BaseFlow:
    """Defaults for flows that need no resume or abandon behaviour."""

    name = "base"

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        raise NotImplementedError

    def on_press(self, ctx: DialogContext, value: str) -> None:
        ctx.show(say("common.button_unknown"))

    def on_text(self, ctx: DialogContext, text: str) -> None:
        ctx.show(say("common.use_buttons"))
        self.ask(ctx, fresh=False)

    def resume(self, ctx: DialogContext, finished: str) -> None:
        self.ask(ctx)

    def abandon(self, ctx: DialogContext) -> None:
        return None
