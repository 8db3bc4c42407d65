"""Welcome and consent: what Stride does and does not do, before anything else happens.

Any first message — a greeting, a command, a sticker, an old button — shows the consent,
and showing it always moves the journey to CONSENT, so "I agree" works from whichever
consent message the patient answers (it is a menu button: every copy stays valid).
"No, thanks" goes back to NEW; the next message offers consent again.

The consent is content (`content/data/consent.yaml`): its texts and current version come
from there. A patient who withdrew their consent is shown it again at any message and, on
"I agree", carries on where they were (consent renewed, nothing else changes).
"""

from __future__ import annotations

from content.schemas.consent import ConsentDocument
from dialogs.base import typed_choice
from dialogs.context import DialogContext, menu
from dialogs.flow import Flow
from dialogs.records import ConsentRecord
from dialogs.screens import say
from state_machines.engine import InvalidTransition
from state_machines.journey import JOURNEY, JourneyModel, JourneyState, consented

CHOICES = ("agree", "decline")  # the consent buttons' values (menu namespace)


def current_version(document: ConsentDocument) -> str:
    """The version a patient agrees to now: the last one listed."""
    return document.versions[-1].version


def stands(ctx: DialogContext) -> bool:
    """Past the consent and not withdrawn: the patient takes part."""
    patient = ctx.state.patient
    return consented(patient.journey) and patient.consent_withdrawn_at is None


def accept(ctx: DialogContext) -> None:
    """Record agreement to the current version (and lift a withdrawal)."""
    document = ctx.content.consent
    record = ConsentRecord(
        what=document.id, version=current_version(document), accepted_at=ctx.state.now
    )
    ctx.outcome.store(record)
    if ctx.state.consents is not None:
        ctx.state.consents.append(record)
    renewed = ctx.state.patient.consent_withdrawn_at is not None
    ctx.state.patient.consent_withdrawn_at = None
    ctx.audit("consent.accepted", version=record.version, renewed=renewed)


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
    if not stands(ctx):
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
        *(say(key) for key in ctx.content.consent.text_keys),
        say("consent.question"),
        rows=[
            [menu("agree", "consent.button.agree")],
            [menu("decline", "consent.button.decline")],
            [menu(f"lang:{other}", f"language.switch_to.{other}")],
        ],
    )


def typed_answer(ctx: DialogContext, text: str) -> str | None:
    """ "agree" or "decline" when the patient typed that button's whole label ("I agree",
    "acepto") instead of tapping it: the same explicit answer in the same words. Anything
    looser ("yes", "ok") is not consent; the consent is shown again."""
    return typed_choice(
        text,
        ((value, ctx.texts.get(ctx.language, f"consent.button.{value}")) for value in CHOICES),
    )


def on_menu(ctx: DialogContext, value: str) -> bool:
    if value.startswith("lang:"):
        language = value.removeprefix("lang:")
        if language not in ctx.texts.languages:
            return False
        ctx.state.patient.language = language
        if not stands(ctx):
            ask_consent(ctx)
        else:
            ctx.show(say("language.changed"))
        return True
    if value not in CHOICES:
        return False
    if stands(ctx):
        ctx.show(say("flow.consent_already"))
        current = ctx.current
        if current is not None:
            current.ask(ctx, fresh=False)
        return True
    # A consent button proves a consent screen was shown, even where the journey did not
    # record it (rows from an earlier release stayed NEW when consent answered a greeting).
    if consented(ctx.state.patient.journey):  # withdrawn earlier
        if value == "agree":
            accept(ctx)
            ctx.show(say("welcome.back"))
            current = ctx.current
            if current is not None:
                current.ask(ctx, fresh=False)
        else:
            ctx.show(say("consent.declined"))
        return True
    _fire(ctx, "start")
    if value == "decline":
        _fire(ctx, "decline")
        ctx.audit("consent.declined")
        ctx.show(say("consent.declined"))
        return True
    _fire(ctx, "agree")
    accept(ctx)
    ctx.start(Flow.ONBOARDING)
    return True
