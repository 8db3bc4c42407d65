"""What every flow dialog shares: declared options, one question per state, one press path.

A dialog declares, for the state its model is in, a `Question`: the lines to show, the
`Option`s (value, trigger, label) and, if typed answers are accepted, a parser. The same
declaration renders the buttons and reads a press, so nothing is encoded twice. Every press
and typed answer goes through `apply`: check, fire the trigger on the machine, run the
option's effect, save the model, then `after` decides what comes next — or the question is
asked again, kindly, and nothing changes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from dialogs.context import CONVERSATION, MENU, DialogContext
from dialogs.events import Contact
from dialogs.flow import Flow
from dialogs.screens import Choice, Line, say
from state_machines.engine import FlowTable, InvalidTransition
from state_machines.model import Versioned

M = TypeVar("M", bound=Versioned)
T = TypeVar("T")


class UnreadableFlow(Exception):
    """A stored place that no longer loads (corrupted, or from an unknown future format).

    The router drops it and says so, rather than leave the patient stuck on every message."""

    def __init__(self, flow: Flow, reason: str) -> None:
        super().__init__(f"{flow}: {reason}")
        self.flow = flow
        self.reason = reason


Effect = Callable[[DialogContext, Any], None]
Check = Callable[[DialogContext, Any], Line | None]


@dataclass(frozen=True)
class Option:
    """One answer a question accepts: a button (with a label) or a parsed typed answer.

    `trigger` is fired on the flow's machine with `args` (None: no transition, only the
    effect, e.g. ticking a box); `check` may refuse kindly before anything changes; `effect`
    runs after the trigger fired (storing the answer in the profile, for instance). `edit`
    redraws the same message instead of asking anew (a ticked box). `always` buttons stay
    valid on older messages (they use the menu namespace, e.g. the crisis buttons).
    """

    value: str
    trigger: str | None
    key: str | None = None
    literal: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    args: Mapping[str, object] = field(default_factory=dict)
    check: Check | None = None
    effect: Effect | None = None
    own_row: bool = False
    edit: bool = False
    always: bool = False


@dataclass(frozen=True)
class Question:
    """What a state asks: lines, options laid out `columns` to a row, and an optional
    typed-answer parser returning the option it stands for, or a line saying what is wrong."""

    lines: Sequence[Line]
    options: Sequence[Option] = ()
    columns: int = 1
    text: Callable[[str], Option | Line] | None = None
    # Safety screens: never held by quiet hours, a pause or the per-chat rate limit.
    urgent: bool = False

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def typed_option(self, ctx: DialogContext, text: str) -> Option | None:
        """The one button whose label the patient typed instead of tapping it ("not at all",
        "Nearly every day", "más de la mitad de los días"): the same answer as the tap.
        Case, accents, punctuation and emoji aside, the whole label, nothing looser: a
        PHQ-9 answer must be the instrument's own words, and a patient who types item 9's
        answer must be heard as if they had pressed it. None when no label or several match."""
        buttons = (o for o in self.options if not o.always)
        return typed_choice(text, ((o, option_label(ctx, o)) for o in buttons))


def typed_choice(text: str, labelled: Iterable[tuple[T, str]]) -> T | None:
    """What `text` chose when it is one of the labels whole (`plain_label` on both sides);
    None when it matches none, or labels standing for different choices."""
    wanted = plain_label(text)
    if not wanted:
        return None
    found = [choice for choice, label in labelled if plain_label(label) == wanted]
    if not found or any(choice != found[0] for choice in found):
        return None
    return found[0]


def option_label(ctx: DialogContext, option: Option) -> str:
    if option.literal is not None:
        return option.literal
    if option.key is None:
        return ""
    return ctx.texts.get(ctx.language, option.key, **option.params)


def plain_label(text: str) -> str:
    """Letters and digits only, lower case, accents dropped, words single-spaced."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def rows(ctx: DialogContext, question: Question) -> list[list[Choice]]:
    """Buttons in rows of `columns`; an `own_row` option takes a row of its own."""
    laid: list[list[Choice]] = []
    current: list[Choice] = []
    for option in question.options:
        data = (
            f"{MENU}:{option.value}"
            if option.always
            else f"{CONVERSATION}:{ctx.state.conversation.seq}:{option.value}"
        )
        choice = Choice(data=data, key=option.key, literal=option.literal, params=option.params)
        if option.own_row:
            if current:
                laid.append(current)
                current = []
            laid.append([choice])
            continue
        current.append(choice)
        if len(current) == question.columns:
            laid.append(current)
            current = []
    if current:
        laid.append(current)
    return laid


class FlowDialog(Generic[M]):
    """A flow's dialog: its machine, its model type and how it behaves on the flow stack.

    - `interrupts`: starting it keeps the running flow to return to (a check-in, a crisis);
      otherwise the running flow is abandoned (its `abandon` may keep what it has).
    - `resumable`: it may wait beneath an interrupting flow; a flow that is not (a crisis
      question, a pause question) is dropped when anything else starts over it.
    - `waits`: never abandoned; any other flow started over it is stacked on top of it
      (onboarding: a patient must always be able to come back and finish it).
    """

    flow: ClassVar[Flow]
    table: ClassVar[FlowTable]
    model_type: type[M]
    interrupts: ClassVar[bool] = False
    resumable: ClassVar[bool] = True
    waits: ClassVar[bool] = False
    # Warning signs in a safety plan are often risk language: the entry is kept as well.
    keeps_risk_text: ClassVar[bool] = False
    # Typed text, or a press on the question still open beneath, means the patient has moved
    # on: the flow steps aside and the input goes to the flow beneath (a crisis question).
    steps_aside: ClassVar[bool] = False
    # The flows it may hand over to when it finishes (`ctx.finish(then=...)`), declared so the
    # stack refuses any other and the diagram in docs/flows/stack.md shows them.
    hands_over: ClassVar[frozenset[Flow]] = frozenset()

    # --- the model ------------------------------------------------------------------------

    def transients(self, ctx: DialogContext) -> dict[str, Any]:
        """Model fields rebuilt from content every update (never stored)."""
        return {}

    def model(self, ctx: DialogContext) -> M:
        conversation = ctx.state.conversation
        try:
            return self.model_type.load(
                conversation.state, conversation.data, **self.transients(ctx)
            )
        except ValueError as error:  # pydantic's ValidationError, an unknown state
            raise UnreadableFlow(self.flow, str(error)) from error

    def save(self, ctx: DialogContext, model: M) -> None:
        conversation = ctx.state.conversation
        conversation.state = model.state.value  # type: ignore[attr-defined]
        conversation.data = model.dump()

    # --- life on the stack (called by dialogs.stack) ---------------------------------------

    def begin(self, ctx: DialogContext, **kwargs: Any) -> M | None:
        """The model a new run starts from; None when there is nothing to start (the dialog
        has already said why). Runs before the stack changes."""
        raise NotImplementedError

    def opened(self, ctx: DialogContext, model: M, **kwargs: Any) -> None:
        """The flow is now running: show its first question."""
        self.ask(ctx)

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        """Started again while running: by default, leave the old run and begin anew."""
        model = self.begin(ctx, **kwargs)
        if model is None:
            return
        self.abandon(ctx)
        self.save(ctx, model)
        self.opened(ctx, model, **kwargs)

    def resume(self, ctx: DialogContext, finished: Flow) -> None:
        """A flow that interrupted this one has finished: carry on where it stopped."""
        ctx.show(say("flow.carry_on"))
        self.ask(ctx)

    def abandon(self, ctx: DialogContext) -> None:
        """The patient left this flow for another; keep what is worth keeping."""
        return

    def keep_risk_text(self, ctx: DialogContext, text: str) -> None:
        """Text that also raised a crisis, when `keeps_risk_text`: keep it quietly."""
        return

    # --- questions and answers -------------------------------------------------------------

    def question(self, ctx: DialogContext, model: M) -> Question:
        raise NotImplementedError

    def ask(self, ctx: DialogContext, *, fresh: bool = True, edit: bool = False) -> None:
        """Show the current question; `fresh` numbers it anew, so older buttons go stale."""
        if fresh:
            ctx.new_question()
        question = self.question(ctx, self.model(ctx))
        ctx.show(*question.lines, rows=rows(ctx, question), edit=edit, urgent=question.urgent)

    def on_press(self, ctx: DialogContext, value: str) -> None:
        model = self.model(ctx)
        option = self.question(ctx, model).option(value)
        if option is None:
            ctx.show(say("common.button_unknown"))
            self.ask(ctx, fresh=False)
            return
        self.apply(ctx, model, option)

    def on_contact(self, ctx: DialogContext, contact: Contact) -> bool:
        """True when the current question takes a shared contact (only the phone question)."""
        return False

    def on_text(self, ctx: DialogContext, text: str) -> bool:
        """True when the current question takes typed answers (answered or kindly re-asked);
        False when it does not, and the router decides what the text was."""
        model = self.model(ctx)
        question = self.question(ctx, model)
        parse = question.text
        if parse is None:
            option = question.typed_option(ctx, text)
            if option is None:
                return False
            self.apply(ctx, model, option)
            return True
        parsed = parse(text)
        if isinstance(parsed, Line):
            ctx.show(parsed)
            self.ask(ctx, fresh=False)
            return True
        self.apply(ctx, model, parsed)
        return True

    def apply(self, ctx: DialogContext, model: M, option: Option) -> None:
        """The one path for every answer: check, fire, effect, save, then `after`."""
        if option.check is not None:
            problem = option.check(ctx, model)
            if problem is not None:
                ctx.show(problem)
                self.ask(ctx, fresh=False)
                return
        if option.trigger is not None:
            try:
                self.table.fire(model, option.trigger, **option.args)  # type: ignore[arg-type]
            except InvalidTransition:
                ctx.show(say("common.button_unknown"))
                self.ask(ctx, fresh=False)
                return
        if option.effect is not None:
            option.effect(ctx, model)
        self.save(ctx, model)
        self.after(ctx, model, option)

    def after(self, ctx: DialogContext, model: M, option: Option) -> None:
        """What follows an accepted answer; by default the next question (or a redraw)."""
        if option.edit:
            self.ask(ctx, fresh=False, edit=True)
        else:
            self.ask(ctx)
