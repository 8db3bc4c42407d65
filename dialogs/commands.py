"""The command table: every slash command and menu button a patient can use.

Every command answers in every state: those that start a flow go through the flow stack
(`ctx.start`), which decides whether the running flow waits or is left.
"""

from __future__ import annotations

from collections.abc import Callable

from dialogs import (
    barrier,
    consent,
    mood,
    mood_check,
    pause,
    progress,
    rights,
    safety,
    safety_plan,
    settings,
    today,
)
from dialogs.barrier_followup import on_menu as barrier_followup_answer
from dialogs.context import DialogContext
from dialogs.crisis import VALUES as CRISIS_BUTTONS
from dialogs.crisis import CrisisDialog
from dialogs.extra_day import plan_command, today_command
from dialogs.flow import Flow
from dialogs.records import CheckinKind
from dialogs.screens import say

Action = Callable[[DialogContext, str], None]

# Shown in Telegram's command menu (setMyCommands), in this order, per language.
MENU_COMMANDS = (
    "today",
    "checkin",
    "log",
    "mood",
    "barrier",
    "plan",
    "progress",
    "safetyplan",
    "settings",
    "pause",
    "mydata",
    "sos",
    "help",
)


def show_help(ctx: DialogContext, _args: str = "") -> None:
    ctx.show(say("help.text"), say("data_rights.chat.help"), say("safety.not_emergency"))


def checkin_command(ctx: DialogContext, _args: str = "") -> None:
    ctx.start(Flow.CHECKIN, kind=CheckinKind.ON_DEMAND)


def cancel(ctx: DialogContext, _args: str = "") -> None:
    """Leave the running flow; onboarding cannot be left (it waits until finished)."""
    current = ctx.current
    if current is None or current.waits:
        ctx.show(say("cancel.nothing"))
        return
    current.abandon(ctx)
    ctx.show(say("cancel.done"))
    ctx.finish()


COMMANDS: dict[str, Action] = {
    "start": consent.start,
    "help": show_help,
    "sos": safety.sos,
    "checkin": checkin_command,
    "today": today_command,
    "log": today.log,
    "mood": mood.mood,
    "plan": plan_command,
    "progress": progress.progress,
    "barrier": barrier.barrier_command,
    "safetyplan": safety_plan.command,
    "settings": settings.command,
    "pause": pause.pause,
    "resume": pause.resume,
    "cancel": cancel,
    # Data rights (dialogs/rights.py)
    "mydata": rights.mydata,
    "forgetme": rights.forgetme,
    "withdraw": rights.withdraw,
    "stop": rights.withdraw,
}


def on_menu(ctx: DialogContext, value: str) -> bool:
    """Buttons not tied to one question; False when the value is unknown (forged or retired)."""
    if value in CRISIS_BUTTONS:
        crisis = ctx.dialog(Flow.CRISIS)
        assert isinstance(crisis, CrisisDialog)
        crisis.on_always(ctx, value)
        return True
    if consent.on_menu(ctx, value):
        return True
    if not consent.stands(ctx):
        return False
    if barrier_followup_answer(ctx, value):
        return True
    if mood_check.on_menu(ctx, value):
        return True
    if value == "safetyplan":
        ctx.start(Flow.SAFETY_PLAN)
        return True
    kind, _, argument = value.partition(":")
    if kind == "cmd" and argument in COMMANDS:
        COMMANDS[argument](ctx, "")
        return True
    return False
