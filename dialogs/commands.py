"""The command table: every slash command and menu button a patient can use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from dialogs import (
    barrier,
    consent,
    flows,
    mood,
    progress,
    safety,
    safety_plan,
    settings,
    today,
)
from dialogs.checkin import CHECKIN_DIALOG
from dialogs.context import DialogContext
from dialogs.records import CheckinKind
from dialogs.screens import say
from state_machines.engine import InvalidTransition
from state_machines.journey import JOURNEY, JourneyModel, JourneyState

Action = Callable[[DialogContext, str], None]
PAUSE_CHOICES = (3, 7, 14)

# Shown in Telegram's command menu (setMyCommands), in this order, per language.
MENU_COMMANDS = (
    "today",
    "checkin",
    "log",
    "mood",
    "plan",
    "progress",
    "safetyplan",
    "settings",
    "pause",
    "sos",
    "help",
)


def show_help(ctx: DialogContext, _args: str = "") -> None:
    ctx.show(say("help.text"), say("safety.not_emergency"))


def checkin_command(ctx: DialogContext, _args: str = "") -> None:
    CHECKIN_DIALOG.start(ctx, CheckinKind.ON_DEMAND)


def _journey(ctx: DialogContext) -> JourneyModel:
    return JourneyModel(JourneyState(ctx.state.patient.journey))


def pause(ctx: DialogContext, args: str = "") -> None:
    if _journey(ctx).state is not JourneyState.ACTIVE:
        ctx.show(say("pause.not_active"))
        return
    from dialogs.context import menu

    ctx.show(
        say("pause.ask"),
        rows=[[menu(f"pause:{days}", "pause.button.days", days=days) for days in PAUSE_CHOICES]],
    )


def _pause_for(ctx: DialogContext, days: int) -> None:
    journey = _journey(ctx)
    try:
        JOURNEY.fire(journey, "pause")
    except InvalidTransition:
        ctx.show(say("pause.not_active"))
        return
    ctx.state.patient.journey = journey.state.value
    until = ctx.state.today + dt.timedelta(days=days)
    ctx.state.patient.paused_until = until
    ctx.audit("journey.paused", until=until.isoformat())
    ctx.show(say("pause.done", until=until.isoformat()), say("pause.safety_still_on"))


def resume(ctx: DialogContext, _args: str = "") -> None:
    journey = _journey(ctx)
    try:
        JOURNEY.fire(journey, "resume")
    except InvalidTransition:
        ctx.show(say("resume.not_paused"))
        return
    ctx.state.patient.journey = journey.state.value
    ctx.state.patient.paused_until = None
    ctx.audit("journey.resumed")
    ctx.show(say("resume.done"))


def cancel(ctx: DialogContext, _args: str = "") -> None:
    handler = flows.dialog_for(ctx.state.conversation.flow)
    if handler is None or ctx.state.conversation.flow == "onboarding":
        ctx.show(say("cancel.nothing"))
        return
    handler.abandon(ctx)
    flows.finish(ctx)
    ctx.show(say("cancel.done"))


COMMANDS: dict[str, Action] = {
    "start": consent.start,
    "help": show_help,
    "sos": safety.sos,
    "checkin": checkin_command,
    "today": today.today,
    "log": today.log,
    "mood": mood.mood,
    "plan": progress.plan,
    "progress": progress.progress,
    "barrier": barrier.barrier_command,
    "safetyplan": safety_plan.command,
    "settings": settings.command,
    "pause": pause,
    "resume": resume,
    "cancel": cancel,
}


def on_menu(ctx: DialogContext, value: str) -> bool:
    """Buttons not tied to one question; False when the value is unknown (forged)."""
    if safety.on_menu(ctx, value) or consent.on_menu(ctx, value):
        return True
    if not _journey(ctx).consented:
        return False
    if value == "safetyplan":
        safety_plan.SAFETY_PLAN_DIALOG.start_editing(ctx)
        return True
    kind, _, argument = value.partition(":")
    if kind == "pause" and argument.isdigit() and int(argument) in PAUSE_CHOICES:
        _pause_for(ctx, int(argument))
        return True
    if kind == "cmd" and argument in COMMANDS:
        COMMANDS[argument](ctx, "")
        return True
    return False
