"""The supervisor's commands, declared once as a table: name, menu text key, what it does.

The same table builds the supervisor's help, the command menu set for each supervisor's chat
(`setMyCommands` with a chat scope, in their language) and the dispatch in
`bot.alerts.supervisor`. Every command answers with a `Reply`; nothing here checks the sender
(the handler has done that before any command runs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.alerts.messages import Reader
from bot.services import Services


@dataclass(frozen=True)
class Reply:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Call:
    """One supervisor command as typed: who, in which chat, with which arguments."""

    services: Services
    bot: ExtBot[Any]
    user_id: int
    name: str
    args: str
    reader: Reader
    first_name: str = ""

    def text(self, key: str, **params: object) -> str:
        return self.services.content.texts.get(self.reader.language, key, **params)


Run = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class SupervisorCommand:
    name: str
    run: Run
    in_menu: bool = True
    aliases: tuple[str, ...] = field(default=())

    @property
    def menu_key(self) -> str:
        return f"care.menu.{self.name}"


def build_table() -> tuple[SupervisorCommand, ...]:
    """Imported lazily: each command's module imports what it needs, this table only names."""
    from bot.care import caseload, dose_view, invites, patient_view, plan, prefs, triage

    return (
        SupervisorCommand("alerts", triage.alerts),
        SupervisorCommand("patients", caseload.patients),
        SupervisorCommand("patient", patient_view.patient),
        SupervisorCommand("dose", dose_view.dose),
        SupervisorCommand("resolve", triage.resolve),
        SupervisorCommand("invite", invites.command),
        SupervisorCommand("adjust", plan.command),
        SupervisorCommand("cancel", triage.cancel),
        SupervisorCommand("language", prefs.language),
        SupervisorCommand("timezone", prefs.timezone),
        SupervisorCommand("help", help_command, aliases=("start",)),
    )


async def help_command(call: Call) -> Reply:
    lines = [call.text("care.help.title")]
    lines += [f"/{c.name} - {call.text(c.menu_key)}" for c in build_table() if c.in_menu]
    return Reply("\n".join(lines))


def find(name: str) -> SupervisorCommand | None:
    for command in build_table():
        if name == command.name or name in command.aliases:
            return command
    return None


def names() -> set[str]:
    """Every name a supervisor command answers to (for refusing them to anyone else)."""
    return {n for c in build_table() for n in (c.name, *c.aliases)}
