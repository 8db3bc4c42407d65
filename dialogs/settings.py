"""/settings: change training days, time, timezone, language and group sharing."""

from __future__ import annotations

from dialogs import flows, questions
from dialogs.context import DialogContext
from dialogs.flows import BaseFlow
from dialogs.screens import say

FLOW = "settings"
EDITABLE = ("days", "time", "timezone")
TOGGLES = ("share_name_in_groups", "celebrate_in_groups")


class SettingsDialog(BaseFlow):
    name = FLOW

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        state = ctx.state.conversation.state
        if state in questions.QUESTIONS:
            questions.ask(ctx, questions.QUESTIONS[state], fresh=fresh)
            return
        if fresh:
            ctx.new_question()
        profile = ctx.state.profile
        rows = [[ctx.button(f"edit:{q}", f"settings.button.{q}")] for q in EDITABLE]
        other = "es" if ctx.language == "en" else "en"
        rows.append([ctx.button(f"lang:{other}", f"language.switch_to.{other}")])
        for toggle in TOGGLES:
            on = bool(getattr(profile, toggle))
            rows.append(
                [
                    ctx.button(
                        f"toggle:{toggle}",
                        f"settings.button.{toggle}",
                        state=ctx.texts.get(ctx.language, "common.on" if on else "common.off"),
                    )
                ]
            )
        rows.append([ctx.button("close", "settings.button.close")])
        ctx.show(
            say(
                "settings.menu",
                days=_days(ctx),
                time=profile.preferred_time or "—",
                timezone=ctx.state.patient.timezone,
            ),
            rows=rows,
        )

    def on_press(self, ctx: DialogContext, value: str) -> None:
        state = ctx.state.conversation.state
        if state in questions.QUESTIONS:
            if questions.on_press(ctx, questions.QUESTIONS[state], value):
                self._saved(ctx)
            return
        kind, _, argument = value.partition(":")
        if kind == "edit" and argument in EDITABLE:
            ctx.state.conversation.state = argument
            self.ask(ctx)
        elif kind == "lang" and argument in ctx.texts.languages:
            ctx.state.patient.language = argument
            self._saved(ctx)
        elif kind == "toggle" and argument in TOGGLES:
            setattr(ctx.state.profile, argument, not getattr(ctx.state.profile, argument))
            self._saved(ctx)
        elif kind == "close":
            flows.finish(ctx)
            ctx.show(say("settings.closed"))
        else:
            super().on_press(ctx, value)

    def on_text(self, ctx: DialogContext, text: str) -> None:
        state = ctx.state.conversation.state
        if state in questions.QUESTIONS:
            if questions.on_text(ctx, questions.QUESTIONS[state], text):
                self._saved(ctx)
            return
        super().on_text(ctx, text)

    def _saved(self, ctx: DialogContext) -> None:
        ctx.audit("settings.changed")
        ctx.state.conversation.state = "menu"
        ctx.show(say("settings.saved"))
        self.ask(ctx)


def _days(ctx: DialogContext) -> str:
    options = {
        o.value: o.literal for o in questions.QUESTIONS["days"].options(ctx.content, ctx.language)
    }
    return ", ".join(str(options[str(d)]) for d in ctx.state.profile.training_days) or "—"


def command(ctx: DialogContext, _args: str = "") -> None:
    flows.enter(ctx, FLOW, "menu", {})
    SETTINGS_DIALOG.ask(ctx)


SETTINGS_DIALOG = SettingsDialog()
flows.register(SETTINGS_DIALOG)
