"""A thin wrapper that runs a declared `transitions` table on plain models.

One machine per flow is built once with `model=None`; events are fired on a model without
registering it (`events[name].trigger(model)`), so thousands of patients cost nothing and no
machine is ever pickled (LIBRARY_NOTES: add_model does not scale, AsyncMachine cancels tasks).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, Protocol, TypeVar

from transitions import EventData, Machine, MachineError

M = TypeVar("M")


def model_of(event: EventData, kind: type[M]) -> M:
    """The typed model an event runs on (transitions types it as `object`)."""
    model = event.model
    if not isinstance(model, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(model).__name__}")
    return model


class InvalidTransition(Exception):
    """An input that the current state does not accept; dialogs answer it kindly."""


class FlowModel(Protocol):
    state: Any


class FlowTable:
    """One flow's transitions table, compiled once into a `transitions` machine."""

    def __init__(
        self,
        name: str,
        states: type[Enum],
        transitions: Sequence[dict[str, Any]],
        initial: Enum,
    ) -> None:
        self.name = name
        self.states = states
        self.transitions = list(transitions)
        self.initial = initial
        self._machine = Machine(
            model=None,
            states=states,
            transitions=self.transitions,
            initial=initial,
            auto_transitions=False,  # nothing may skip a question or an escalation step
            send_event=True,
        )

    def fire(self, model: FlowModel, trigger: str, **kwargs: Any) -> None:
        """Run `trigger` on `model`; raise InvalidTransition when no transition accepts it."""
        event = self._machine.events.get(trigger)
        if event is None:
            raise InvalidTransition(f"{self.name}: unknown trigger {trigger!r}")
        try:
            moved = event.trigger(model, **kwargs)
        except MachineError as error:
            raise InvalidTransition(f"{self.name}: {error.value}") from error
        except KeyError as error:  # a trigger fired without the value it records
            raise InvalidTransition(f"{self.name}: {trigger!r} needs {error}") from error
        if not moved:
            raise InvalidTransition(f"{self.name}: {trigger!r} refused in {model.state}")

    def triggers_from(self, state: Enum) -> list[str]:
        return sorted(self._machine.get_triggers(state))

    def mermaid(self) -> str:
        """A mermaid stateDiagram-v2 generated from the table, so diagrams never drift."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.name}"]
        seen: set[str] = set()
        for row in self.transitions:
            sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
            guards = [getattr(c, "__name__", str(c)) for c in _as_list(row.get("conditions"))]
            guards += [f"not {getattr(c, '__name__', c)}" for c in _as_list(row.get("unless"))]
            label = row["trigger"] + (f" [{', '.join(guards)}]" if guards else "")
            for source in sources:
                dest = row["dest"] or source  # None: an internal transition
                line = f"    {source.name} --> {dest.name}: {label}"
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
        finals = [s for s in self.states if not any(_from(row, s) for row in self.transitions)]
        lines.extend(f"    {state.name} --> [*]" for state in finals)
        return "\n".join(lines) + "\n"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _from(row: dict[str, Any], state: Enum) -> bool:
    sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
    return state in sources
