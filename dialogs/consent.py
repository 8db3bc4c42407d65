"""Welcome and consent: what Stride does and does not do, before anything else happens.

Any first message — a greeting, a command, a sticker, an old button — shows the consent,
and showing it always moves the journey to CONSENT, so "I agree" works from whichever
consent message the patient answers (it is a menu button: every copy stays valid).
"No, thanks" goes back to NEW; the next message offers consent again.
"""

from __future__ import annotations

from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.records import ConsentRecord
from dialogs.screens import say
from state_machines.engine import InvalidTransition
from state_machines.journey import JOURNEY, JourneyModel, JourneyState, consented

CONSENT_ID = "stride-consent"
CONSENT_VERSION = "2026-11"


def _fire(ctx: DialogContext, trigger: str) -> bool:
    journey = JourneyModel(ctx.state.patient.journey)
    try:
        JOURNEY.fire(journey, trigger)
    except InvalidTransition:
        return False
    ctx.state.patient.journey = journey.state
    return True


def start(ctx: DialogContext, _args: str = "") -> None:
    """/start: the consent for someone new; a welcome back and the current question else."""
    if not consented(ctx.state.patient.journey):
        ask_consent(ctx)
        return
    ctx.show(say("welcome.back"))
    current = ctx.current
    if current is not None:
        current.ask(ctx, fresh=False)  # the same question again: both copies answer it
    elif ctx.state.patient.journey is JourneyState.ACTIVE:
        ctx.show(say("welcome.active_hint"))


def ask_consent(ctx: DialogContext) -> None:
    _fire(ctx, "start")
    other = "es" if ctx.language == "en" else "en"
    ctx.show(
        say("welcome.hello"),
        say("consent.what"),
        say("consent.not_emergency"),
        say("consent.complements_treatment"),
        say("consent.data"),
        say("consent.question"),
        rows=[
            [menu("agree", "consent.button.agree")],
            [menu("decline", "consent.button.decline")],
            [menu(f"lang:{other}", f"language.switch_to.{other}")],
        ],
    )


def on_menu(ctx: DialogContext, value: str) -> bool:
    if value.startswith("lang:"):
        language = value.removeprefix("lang:")
        if language not in ctx.texts.languages:
            return False
        ctx.state.patient.language = language
        if not consented(ctx.state.patient.journey):
            ask_consent(ctx)
        else:
            ctx.show(say("language.changed"))
        return True
    if value not in ("agree", "decline"):
        return False
    if consented(ctx.state.patient.journey):
        ctx.show(say("flow.consent_already"))
        current = ctx.current
        if current is not None:
            current.ask(ctx, fresh=False)
        return True
    # A consent button proves a consent screen was shown, even where the journey did not
    # record it (rows from an earlier release stayed NEW when consent answered a greeting).
    _fire(ctx, "start")
    if value == "decline":
        _fire(ctx, "decline")
        ctx.audit("consent.declined")
        ctx.show(say("consent.declined"))
        return True
    _fire(ctx, "agree")
    ctx.outcome.store(
        ConsentRecord(what=CONSENT_ID, version=CONSENT_VERSION, accepted_at=ctx.state.now)
    )
    ctx.audit("consent.accepted", version=CONSENT_VERSION)
    ctx.start(Flow.ONBOARDING)
    return True
