"""The flow stack: how flows start over one another, finish, and hand back.

Rules (each flow declares `interrupts`, `resumable` and `waits`, see `dialogs.base`):
1. A running flow that is not resumable (a crisis question, a pause question) is dropped
   when another flow starts: nothing waits on it.
2. Starting the flow that is already running lets it decide (`restart`): a check-in says
   it is resuming; a new session offer replaces the old one.
3. A flow that interrupts (check-in, crisis, safety plan) keeps the running one beneath
   it; so does any flow started over one that `waits` (onboarding). Anything else
   abandons the running flow (its `abandon` keeps what is worth keeping) — except inside
   a flow that waits: mid-onboarding, a baseline check-in left for /settings carries on
   after it.
4. When a flow finishes, the one beneath resumes where it stopped (`resume`), or the
   finishing flow names what comes next (`finish(then=...)`: a skipped session opens the
   barrier talk in its place).
At most `MAX_DEPTH` flows wait; a deeper interruption abandons the running flow instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dialogs.flow import Flow
from dialogs.records import IDLE, Frame

if TYPE_CHECKING:
    from dialogs.base import FlowDialog
    from dialogs.context import DialogContext

MAX_DEPTH = 4


def _dialog(ctx: DialogContext, name: str) -> FlowDialog[Any] | None:
    try:
        return ctx.deps.flows.get(Flow(name))
    except ValueError:
        return None  # a flow name from an older release that no longer exists


def current(ctx: DialogContext) -> FlowDialog[Any] | None:
    return _dialog(ctx, ctx.state.conversation.flow)


def start(ctx: DialogContext, flow: Flow, **kwargs: Any) -> None:
    conversation = ctx.state.conversation
    dialog = ctx.dialog(flow)
    running = current(ctx)
    while running is not None and running.flow is not flow and not running.resumable:
        running.abandon(ctx)
        _pop(ctx)
        running = current(ctx)
    if running is not None and running.flow is flow:
        running.restart(ctx, **kwargs)
        return
    model = dialog.begin(ctx, **kwargs)
    if model is None:
        return
    if running is not None:
        keep = dialog.interrupts or running.waits or _inside_waiting(ctx)
        if keep and len(conversation.stack) < MAX_DEPTH:
            conversation.stack.append(
                Frame(conversation.flow, conversation.state, conversation.data)
            )
        else:
            running.abandon(ctx)
    elif conversation.flow != IDLE:
        conversation.flow = IDLE  # unknown flow from an older release: nothing to keep
    conversation.flow = flow.value
    dialog.save(ctx, model)
    dialog.opened(ctx, model, **kwargs)


def _inside_waiting(ctx: DialogContext) -> bool:
    """Inside a flow that waits (onboarding): nothing above it is abandoned either."""
    return any(
        (dialog := _dialog(ctx, frame.flow)) is not None and dialog.waits
        for frame in ctx.state.conversation.stack
    )


def finish(ctx: DialogContext, then: Flow | None = None, **kwargs: Any) -> None:
    """End the running flow. With `then`, start it in the running flow's place; otherwise
    the flow beneath (if any) resumes."""
    finished = ctx.state.conversation.flow
    if finished == IDLE:
        return
    running = current(ctx)
    if then is not None and running is not None and then not in running.hands_over:
        raise ValueError(f"{finished} does not declare that it hands over to {then}")
    _pop(ctx)
    if then is not None:
        start(ctx, then, **kwargs)
        return
    beneath = current(ctx)
    if beneath is not None:
        beneath.resume(ctx, Flow(finished))


def drop(ctx: DialogContext) -> None:
    """Drop the running flow without resuming the one beneath (it simply becomes current)."""
    _pop(ctx)


def _pop(ctx: DialogContext) -> None:
    """Drop the running flow; the last waiting one (if any) becomes the running flow."""
    conversation = ctx.state.conversation
    if conversation.stack:
        frame = conversation.stack.pop()
        conversation.flow, conversation.state, conversation.data = (
            frame.flow,
            frame.state,
            frame.data,
        )
    else:
        conversation.flow, conversation.state, conversation.data = IDLE, IDLE, {}


def waiting(ctx: DialogContext) -> list[Flow]:
    """The flows waiting beneath the running one, innermost last."""
    return [Flow(frame.flow) for frame in ctx.state.conversation.stack]
