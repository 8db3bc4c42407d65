"""Who may start using Stride: anyone (ENROLMENT=open) or only people with an invitation
(ENROLMENT=invite), checked before any dialog runs.

An invitation is a single-use, expiring deep link `t.me/<bot>?start=<code>`. Used by a new
person, the patient record is created with the clinic's reference and clinician on it, in the
transaction that uses up the invite. In invite mode a stranger gets one polite line and
nothing is stored about them. Supervisors are never enrolled as patients.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from telegram.ext import ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.pipeline import Sender
from bot.services import Services
from bot.storage.care import Invite
from bot.storage.repository import Store, Transaction
from content.texts import negotiate_language
from dialogs.events import Command, Event
from dialogs.records import AuditEvent

log = logging.getLogger(__name__)
MAX_REF = 64


def invite_link(bot_username: str | None, code: str) -> str:
    return f"https://t.me/{bot_username or '<bot>'}?start={code}"


async def create_invite(
    store: Store,
    clock: Clock,
    settings: Settings,
    clinic_ref: str,
    clinician_id: int | None,
    created_by: str,
) -> Invite:
    """A new single-use invite valid for INVITE_DAYS; the code is 16 random URL-safe
    characters (Telegram allows A-Z, a-z, 0-9, _ and - in a start parameter)."""
    ref = clinic_ref.strip()[:MAX_REF]
    if not ref:
        raise ValueError("an invite needs the clinic's reference")
    now = clock.now()
    invite = Invite(
        code=secrets.token_urlsafe(12),
        clinic_ref=ref,
        clinician_id=clinician_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.invite_days),
    )
    async with store.transaction() as tx:
        await tx.add_invite(invite)
        await tx.add_audit(
            AuditEvent(
                "invite.created",
                created_by,
                ref,
                {"clinician": clinician_id, "expires": invite.expires_at.isoformat()},
            ),
            now,
        )
    return invite


def _start_code(event: Event) -> str | None:
    if isinstance(event, Command) and event.name == "start" and event.args:
        return event.args.split()[0][:64]
    return None


async def gate(bot: ExtBot[Any], services: Services, sender: Sender, event: Event) -> bool:
    """True when the update is fully handled here (the dialogs must not run)."""
    if services.is_supervisor(sender.user_id):
        return True  # a supervisor's stray sticker or photo: never a patient record
    code = _start_code(event)
    if code is None and services.settings.enrolment == "open":
        return False  # no invite to use and everyone may enrol: nothing to read (per update)
    now = services.clock.now()
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(sender.user_id)
        invite = await tx.invite(code, for_update=True) if code else None
        usable = invite is not None and invite.usable(now)
        if card is not None:
            if usable and invite is not None and card.clinic_ref is None:
                await _attach(tx, card.id, card.code, invite, now)
            return False
        if usable and invite is not None:
            language = negotiate_language(
                sender.language_code or services.settings.default_language,
                services.content.texts.languages,
            )
            state = await tx.create_patient(
                telegram_id=sender.user_id,
                chat_id=sender.chat_id,
                language=language,
                country=services.settings.default_country,
                timezone=services.settings.default_timezone,
                now=now,
            )
            await _attach(tx, state.patient.id, state.patient.code, invite, now)
            return False
    if services.settings.enrolment == "open":
        return False
    language = negotiate_language(sender.language_code, services.content.texts.languages)
    key = "care.enrolment.expired" if invite is not None else "care.enrolment.invite_only"
    log.info("turned away a stranger in invite mode (%s)", "bad invite" if code else "no invite")
    await bot.send_message(sender.chat_id, services.content.texts.get(language, key))
    return True


async def _attach(
    tx: Transaction, patient_id: int, code: str, invite: Invite, now: dt.datetime
) -> None:
    await tx.set_enrolment(patient_id, invite.clinic_ref, invite.clinician_id)
    await tx.use_invite(invite.code, patient_id, now)
    await tx.add_audit(
        AuditEvent(
            "invite.used",
            f"patient:{code}",
            code,
            {"clinic_ref": invite.clinic_ref, "clinician": invite.clinician_id},
        ),
        now,
    )
