"""/settings: days, time, timezone, quiet hours, mood check, language, groups, phone.

A menu; each setting is edited by the same declared question onboarding uses, and every
change goes back to the menu. The settings machine's table says which moves exist. Quiet
hours are two questions in a row (from, then until); nudges read them, safety replies never
wait for them.
"""

from __future__ import annotations

from typing import Any

from dialogs import mood_check, phone, questions, quiet_hours
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.screens import say
from state_machines.settings import SETTINGS, SettingsModel, SettingsState

EDITABLE = ("days", "time", "timezone", "quiet", "mood_check")
# The questions each editing state asks, by the state's name.
SPECS = {**questions.QUESTIONS, **quiet_hours.QUESTIONS, **mood_check.QUESTIONS}
TOGGLES = ("share_name_in_groups", "celebrate_in_groups")


class SettingsDialog(FlowDialog[SettingsModel]):
    flow = Flow.SETTINGS
    table = SETTINGS
    model_type = SettingsModel

    def begin(self, ctx: DialogContext, **kwargs: Any) -> SettingsModel:
        return SettingsModel(SettingsState.MENU)

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        self.save(ctx, SettingsModel(SettingsState.MENU))
        self.ask(ctx)

    def question(self, ctx: DialogContext, model: SettingsModel) -> Question:
        if model.state is not SettingsState.MENU:
            spec = SPECS[model.state.value]
            trigger = "next" if model.state is SettingsState.QUIET_START else "save"
            return questions.as_question(ctx, spec, model.selected, trigger)
        profile = ctx.state.profile
        options = [Option(f"edit:{q}", f"edit_{q}", key=f"settings.button.{q}") for q in EDITABLE]
        other = "es" if ctx.language == "en" else "en"
        if other in ctx.texts.languages:
            options.append(
                Option(
                    f"lang:{other}",
                    "switch",
                    key=f"language.switch_to.{other}",
                    effect=_language(other),
                )
            )
        for toggle in TOGGLES:
            on = bool(getattr(profile, toggle))
            options.append(
                Option(
                    f"toggle:{toggle}",
                    "switch",
                    key=f"settings.button.{toggle}",
                    params={
                        "state": ctx.texts.get(ctx.language, "common.on" if on else "common.off")
                    },
                    effect=_toggle(toggle),
                )
            )
        options.append(phone.settings_option(ctx))  # share / stop sharing with the care team
        options.append(Option("close", "close", key="settings.button.close"))
        menu = say(
            "settings.menu",
            days=_days(ctx),
            time=profile.preferred_time or "—",
            timezone=ctx.state.patient.timezone,
        )
        quiet = say("settings.quiet.line", start=profile.quiet_start, end=profile.quiet_end)
        return Question([menu, quiet, mood_check.settings_line(ctx.state)], options)

    def after(self, ctx: DialogContext, model: SettingsModel, option: Option) -> None:
        if option.edit:
            self.ask(ctx, fresh=False, edit=True)
        elif phone.on_settings(ctx, option):
            return
        elif model.state is SettingsState.CLOSED:
            ctx.show(say("settings.closed"))
            ctx.finish()
        elif model.state is SettingsState.MENU:
            ctx.audit("settings.changed")
            ctx.show(say("settings.saved"))
            self.ask(ctx)
        else:  # a setting opened for editing: its choices start from the current ones
            spec = SPECS[model.state.value]
            model.selected = questions.initial_selection(ctx, spec)
            self.save(ctx, model)
            self.ask(ctx)


def _language(language: str) -> Any:
    def switch(ctx: DialogContext, model: SettingsModel) -> None:
        ctx.state.patient.language = language

    return switch


def _toggle(name: str) -> Any:
    def switch(ctx: DialogContext, model: SettingsModel) -> None:
        setattr(ctx.state.profile, name, not getattr(ctx.state.profile, name))

    return switch


def _days(ctx: DialogContext) -> str:
    options = {
        o.value: o.literal for o in questions.QUESTIONS["days"].options(ctx.content, ctx.language)
    }
    return ", ".join(str(options[str(d)]) for d in ctx.state.profile.training_days) or "—"


def command(ctx: DialogContext, _args: str = "") -> None:
    ctx.start(Flow.SETTINGS)
