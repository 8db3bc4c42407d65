"""Sharing the patient's phone number with their care team: optional, and revocable.

Asked once near the end of onboarding (after the profile, never before the crisis path) and
from /settings. The number comes only through Telegram's contact button, which sends the
patient's *own* account's number: a number typed by hand could be anyone's (a mistyped digit
sends a worried clinician to a stranger), and a forwarded contact card is someone else's —
both get a kind line and change nothing. "Not now" (tapped or typed) is always fine. The
keyboard under the input field is taken away once answered. Sharing and stopping are both
audited (without the number itself); the alert and the patient view show it while shared.
"""

from __future__ import annotations

import re
from typing import Any

from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.events import Contact
from dialogs.flow import Flow
from dialogs.screens import Line, ReplyButton, say
from state_machines.question import QUESTION, QuestionModel, QuestionState

SHARE = "shared"
SKIP = "skip"
BUTTONS = (ReplyButton("phone.button.share", contact=True), ReplyButton("phone.button.not_now"))
# Typed answers that mean "not now", in every language's word list (a patient may mix them).
SKIP_WORDS_KEY = "phone.skip_words"
# Six digits or more in a typed answer: a number typed by hand.
_TYPED_NUMBER = re.compile(r"\d[\d\s().+-]{4,}\d")
_STOP, _START = "phone:stop", "phone:share"


class SharePhoneDialog(FlowDialog[QuestionModel]):
    flow = Flow.SHARE_PHONE
    table = QUESTION
    model_type = QuestionModel
    # From /settings the menu comes back afterwards; a crisis started over it comes first and
    # the question is asked again after it (the keyboard is still there).
    interrupts = True

    def begin(self, ctx: DialogContext, **kwargs: Any) -> QuestionModel:
        return QuestionModel(QuestionState.ASKED)

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        self.ask(ctx)

    def resume(self, ctx: DialogContext, finished: Flow) -> None:
        if ctx.state.patient.phone:  # shared meanwhile, with the keyboard still showing
            ctx.finish()
            return
        super().resume(ctx, finished)

    def question(self, ctx: DialogContext, model: QuestionModel) -> Question:
        return Question(
            [say("phone.ask")],
            [_answer(SKIP)],
            text=lambda text: _typed(ctx, text),
        )

    def ask(self, ctx: DialogContext, *, fresh: bool = True, edit: bool = False) -> None:
        """The reply keyboard (contact button and "Not now") instead of inline buttons: only
        Telegram's own contact button can send the patient's number."""
        if fresh:
            ctx.new_question()
        ctx.show(say("phone.ask"), reply_buttons=BUTTONS)

    def on_contact(self, ctx: DialogContext, contact: Contact) -> bool:
        if not contact.own:
            ctx.show(say("phone.not_yours"))
            self.ask(ctx, fresh=False)
            return True
        self.apply(ctx, self.model(ctx), _answer(SHARE, effect=_keep(contact.phone)))
        return True

    def after(self, ctx: DialogContext, model: QuestionModel, option: Option) -> None:
        if model.answer == SHARE:
            ctx.show(say("phone.shared"), remove_reply_keyboard=True)
        else:
            ctx.audit("phone.not_shared")
            ctx.show(say("phone.skipped"), remove_reply_keyboard=True)
        ctx.finish()


def take_while_waiting(ctx: DialogContext, contact: Contact) -> bool:
    """An own contact sent while the phone question waits beneath another flow (a crisis
    started over it, with the keyboard still showing): kept, since the patient pressed the
    explained button; the waiting question then ends itself when it resumes."""
    waiting = any(frame.flow == Flow.SHARE_PHONE.value for frame in ctx.state.conversation.stack)
    if not waiting or not contact.own:
        return False
    _keep(contact.phone)(ctx, None)
    ctx.show(say("phone.shared"), remove_reply_keyboard=True)
    return True


def settings_option(ctx: DialogContext) -> Option:
    """The /settings menu line: stop sharing when shared, share otherwise."""
    if ctx.state.patient.phone:
        return Option(_STOP, "switch", key="settings.button.phone_stop", effect=_stop)
    return Option(_START, "switch", key="settings.button.phone_share")


def on_settings(ctx: DialogContext, option: Option) -> bool:
    """True when the settings menu's answer was "Share my phone number" (the question is
    started over the menu, which comes back after it)."""
    if option.value != _START:
        return False
    ctx.start(Flow.SHARE_PHONE)
    return True


def _answer(value: str, effect: Any = None) -> Option:
    return Option(value, "answer", args={"value": value}, effect=effect)


def _keep(phone: str) -> Any:
    def keep(ctx: DialogContext, model: Any) -> None:
        ctx.state.patient.phone = phone.strip()[:32]
        ctx.audit("phone.shared")

    return keep


def _stop(ctx: DialogContext, model: Any) -> None:
    ctx.state.patient.phone = None
    ctx.audit("phone.stopped")
    ctx.show(say("phone.stopped"))


def _typed(ctx: DialogContext, text: str) -> Option | Line:
    """A "Not now" (the button's label, or a word like "skip" / "no") skips; a number typed
    by hand is refused kindly (it could be anyone's); anything else points to the buttons."""
    words = _normal(text)
    skip = {_normal(ctx.texts.get(lang, "phone.button.not_now")) for lang in ctx.texts.languages}
    for lang in ctx.texts.languages:
        skip |= {_normal(w) for w in ctx.texts.get(lang, SKIP_WORDS_KEY).split(",")}
    if words in skip:
        return _answer(SKIP)
    if _TYPED_NUMBER.search(text):
        return say("phone.typed_number")
    return say("phone.use_buttons")


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
