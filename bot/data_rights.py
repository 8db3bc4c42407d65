"""Carries out the data-rights effects a dialog asked for, after the update's commit.

`dialogs.rights` confirms; this module does the work that leaves the update's transaction,
each through its engine (one transaction each, see docs/data-rights.md), and only then says
so — to the patient in their language, and to the care team (by code, never a name or the
patient's words; in English, like every supervisor message):

- `SendOwnData`: `build_patient_export` → the JSON file (`sendDocument`) and a summary;
- `EraseOwnData`: `erase_patient` (open incidents handed to the care team first) → "done"
  (or "done, your care team keeps the open alert") and the team told; the next message
  from that person starts as a new patient;
- `WithdrawConsent`: `withdraw_consent` → the last message they get, and the team told.

`carry_out` is transport-free (it returns the messages), so stories check it without
Telegram; `run` sends them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.error import TelegramError

from bot.config import Settings
from bot.records.rights import build_patient_export
from bot.storage.erasure import erase_patient
from bot.storage.repository import Store
from bot.storage.standing import withdraw_consent
from content.loader import Content
from dialogs.effects import Effect, EraseOwnData, SendOwnData, WithdrawConsent

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from bot.pipeline import Handled
    from bot.services import Services

log = logging.getLogger(__name__)
TEAM_LANGUAGE = "en"
ERASURE_REASON = "the patient asked for erasure in the chat (/forgetme)"


@dataclass(frozen=True)
class Outgoing:
    """One message to send: text (or a document with the text as its caption)."""

    chat_id: int
    key: str
    """The text key it says (stories and logs check this)."""
    text: str
    document: bytes | None = None
    filename: str | None = None


def team_chats(settings: Settings) -> list[int]:
    """Every supervisor and the team chat: a patient's standing concerns all of them."""
    chats = settings.all_supervisor_ids
    if settings.supervisor_chat_id is not None and settings.supervisor_chat_id not in chats:
        chats.append(settings.supervisor_chat_id)
    return chats


async def carry_out(
    store: Store,
    content: Content,
    settings: Settings,
    now: dt.datetime,
    *,
    patient_id: int,
    chat_id: int,
    language: str,
    effects: list[Effect],
) -> list[Outgoing]:
    """Run each effect's engine, in order; return what must be said, patient first."""
    texts = content.texts
    out: list[Outgoing] = []

    def patient(key: str, **params: object) -> None:
        out.append(Outgoing(chat_id, key, texts.get(language, key, **params)))

    def team(key: str, **params: object) -> None:
        text = texts.get(TEAM_LANGUAGE, key, **params)
        out.extend(Outgoing(chat, key, text) for chat in team_chats(settings))

    for effect in effects:
        match effect:
            case SendOwnData():
                export = await build_patient_export(store, patient_id, content, now)
                caption = "data_rights.mydata.caption"
                out.append(
                    Outgoing(
                        chat_id,
                        caption,
                        texts.get(language, caption),
                        document=export.json_bytes,
                        filename=export.filename,
                    )
                )
                summary = export.summaries.get(language) or next(iter(export.summaries.values()))
                out.append(Outgoing(chat_id, "data_rights.mydata.summary", summary))
            case EraseOwnData():
                report = await erase_patient(store, patient_id, ERASURE_REASON, now)
                if report.already_erased:
                    continue
                if report.handed_over:
                    patient("data_rights.forgetme.done_with_incident")
                    team(
                        "data_rights.team.handed_over",
                        code=report.patient_code,
                        count=len(report.handed_over),
                    )
                else:
                    patient("data_rights.forgetme.done")
                    team("data_rights.team.erased", code=report.patient_code)
                return out  # nothing of the patient is left for a later effect
            case WithdrawConsent():
                change = await withdraw_consent(store, patient_id, now)
                patient("data_rights.withdraw.done")
                if not change.changed:
                    continue
                if change.open_escalations:
                    team(
                        "data_rights.team.withdrawn_open",
                        code=change.patient_code,
                        count=len(change.open_escalations),
                    )
                else:
                    team("data_rights.team.withdrawn", code=change.patient_code)
    return out


async def send(bot: ExtBot[Any], messages: list[Outgoing]) -> None:
    """Send each message; one chat refusing (a supervisor who blocked the bot) stops none."""
    for message in messages:
        try:
            if message.document is not None:
                await bot.send_document(
                    message.chat_id,
                    document=message.document,
                    filename=message.filename,
                    caption=message.text,
                )
            else:
                await bot.send_message(message.chat_id, message.text)
        except TelegramError as error:
            log.warning(
                "data-rights message %s to %s failed: %s", message.key, message.chat_id, error
            )


async def run(bot: ExtBot[Any], services: Services, chat_id: int, handled: Handled) -> None:
    """The hook `bot.handlers` calls after a committed update whose outcome has effects."""
    if handled.patient_id is None:
        return
    messages = await carry_out(
        services.store,
        services.content,
        services.settings,
        services.clock.now(),
        patient_id=handled.patient_id,
        chat_id=chat_id,
        language=handled.language,
        effects=handled.effects,
    )
    await send(bot, messages)
