"""The per-update context a dialog works in: state, outcome, content, and the flow stack."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from content.clinical.risk import RiskScreen
from content.loader import Content
from content.texts import Texts
from dialogs import stack
from dialogs.flow import Flow
from dialogs.screens import Choice, Line, Screen
from dialogs.state import Outcome, PatientState

if TYPE_CHECKING:
    from dialogs.base import FlowDialog

# Callback data namespaces. Conversation buttons carry the question's sequence number so a
# press on an old message is recognised; menu buttons act whatever the current question.
CONVERSATION = "c"
MENU = "m"


def _registry() -> Mapping[Flow, FlowDialog[Any]]:
    from dialogs.registry import build_registry  # the one place every flow is listed

    return build_registry()


@dataclass(frozen=True)
class DialogDeps:
    """What dialogs need besides the patient: content, the risk screen and the flows.

    `flows` is built by `dialogs.registry.build_registry()` (the composition root passes it;
    tests get the same registry by default).
    """

    content: Content
    risk: RiskScreen
    default_country: str = "US"
    flows: Mapping[Flow, FlowDialog[Any]] = field(default_factory=_registry)


@dataclass
class DialogContext:
    state: PatientState
    outcome: Outcome
    deps: DialogDeps

    @property
    def content(self) -> Content:
        return self.deps.content

    @property
    def texts(self) -> Texts:
        return self.deps.content.texts

    @property
    def language(self) -> str:
        return self.state.patient.language

    @property
    def conversation_data(self) -> dict[str, Any]:
        return self.state.conversation.data

    def dialog(self, flow: Flow) -> FlowDialog[Any]:
        return self.deps.flows[flow]

    @property
    def current(self) -> FlowDialog[Any] | None:
        """The running flow's dialog, or None when idle (or a flow no longer known)."""
        return stack.current(self)

    def start(self, flow: Flow, **kwargs: Any) -> None:
        """Start `flow` on the flow stack (see `dialogs.stack`)."""
        stack.start(self, flow, **kwargs)

    def finish(self, then: Flow | None = None, **kwargs: Any) -> None:
        """End the running flow; resume the one beneath, or start `then` in its place."""
        stack.finish(self, then, **kwargs)

    def new_question(self) -> int:
        """Every new question gets a new number: older buttons become stale."""
        self.state.conversation.seq += 1
        return self.state.conversation.seq

    def show(
        self,
        *lines: Line,
        rows: Iterable[Iterable[Choice]] = (),
        edit: bool = False,
        **kwargs: Any,
    ) -> None:
        choices = tuple(tuple(row) for row in rows)
        self.outcome.show(Screen(lines=tuple(lines), choices=choices, edit=edit, **kwargs))

    def audit(self, action: str, **details: object) -> None:
        self.outcome.audit(
            action,
            actor=f"patient:{self.state.patient.code}",
            subject=self.state.patient.code,
            **details,
        )


def menu(value: str, key: str, **params: object) -> Choice:
    return Choice(data=f"{MENU}:{value}", key=key, params=params)
