"""Welcome and consent: what Stride does and does not do, before anything else happens."""

from __future__ import annotations

from dialogs import flows
from dialogs.context import DialogContext, menu
from dialogs.records import ConsentRecord
from dialogs.screens import say
from state_machines.journey import JOURNEY, JourneyModel, JourneyState

CONSENT_ID = "stride-consent"
CONSENT_VERSION = "2026-11"


def _journey(ctx: DialogContext) -> JourneyModel:
    return JourneyModel(JourneyState(ctx.state.patient.journey))


def _set_journey(ctx: DialogContext, model: JourneyModel) -> None:
    ctx.state.patient.journey = model.state.value


def start(ctx: DialogContext, _args: str = "") -> None:
    journey = _journey(ctx)
    if journey.state in (JourneyState.NEW, JourneyState.CONSENT):
        JOURNEY.fire(journey, "start")
        _set_journey(ctx, journey)
        ask_consent(ctx)
        return
    ctx.show(say("welcome.back"))
    handler = flows.dialog_for(ctx.state.conversation.flow)
    if handler is not None:
        handler.ask(ctx)
    elif journey.state is JourneyState.ACTIVE:
        ctx.show(say("welcome.active_hint"))


def ask_consent(ctx: DialogContext) -> None:
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
    journey = _journey(ctx)
    if value.startswith("lang:"):
        language = value.removeprefix("lang:")
        if language not in ctx.texts.languages:
            return False
        ctx.state.patient.language = language
        if journey.state in (JourneyState.NEW, JourneyState.CONSENT):
            ask_consent(ctx)
        else:
            ctx.show(say("language.changed"))
        return True
    if value not in ("agree", "decline"):
        return False
    if journey.state is not JourneyState.CONSENT:
        ctx.show(say("common.stale_button"))
        return True
    if value == "decline":
        JOURNEY.fire(journey, "decline")
        _set_journey(ctx, journey)
        ctx.audit("consent.declined")
        ctx.show(say("consent.declined"))
        return True
    JOURNEY.fire(journey, "agree")
    _set_journey(ctx, journey)
    ctx.outcome.store(
        ConsentRecord(what=CONSENT_ID, version=CONSENT_VERSION, accepted_at=ctx.state.now)
    )
    ctx.audit("consent.accepted", version=CONSENT_VERSION)
    from dialogs import onboarding

    onboarding.start(ctx)
    return True
