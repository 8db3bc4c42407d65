"""Erasure at the patient's request ("forget me"): everything of them goes, except what the
care team must keep — and that is kept pseudonymous, and said so in a tombstone.

In one transaction:
1. open incidents are handed to the care team first: an audit entry per incident, and their
   ids returned so the caller tells the supervisors (the incident itself stays open in the
   relay until a supervisor resolves it — erasure never closes an escalation);
2. every escalation (open or closed) is kept as the clinical safety record, stripped of
   free text: the patient's own words (`details.message`), the supervisor's note, and any
   answer that is not one of the crisis buttons' codes;
3. every row of every table that refers to the patient is deleted — found from the
   metadata's foreign keys, so a table added later is erased too — and every alert or nudge
   addressed to their chat;
3a. their handled updates in the inbox (the raw Telegram update, with their name and words,
   and the replies stored with it) are emptied: the row keeps only its ids, digest and
   status, so a redelivery of the same update is still recognised until the inbox is pruned.
   Rows not handled yet stay: they were sent after the request and are handled as a new
   person's. Replies not yet sent are dropped;
4. the patient row goes; if escalations are kept it stays as their anchor, with the Telegram
   ids, name, language, country and time zone wiped (telegram_id becomes -id: Telegram's user
   ids are positive, so it can never match anyone) and an empty default profile and
   conversation, so supervisors' commands (`/resolve CODE …`) still find the code;
5. a tombstone records the code, when they joined and were erased, why, and what was kept.

The audit trail stays: it names patients by code only. The one exception is a chat id (the
relay records where each alert step went, and the crisis reply goes to the patient's chat):
those values are replaced by "erased" in the patient's entries — the only change erasure ever
makes to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import convert
from bot.storage.inbox_models import InboxRow
from bot.storage.models import (
    AuditRow,
    Base,
    ConversationRow,
    DeliveryRow,
    ErasureTombstoneRow,
    EscalationRow,
    PatientRow,
    ProfileRow,
)
from bot.storage.repository import Store
from bot.storage.updates import PENDING, REPLIES_DROPPED, REPLIES_PENDING
from content.texts import FALLBACK_LANGUAGE
from dialogs.records import Conversation, Profile
from state_machines.journey import JourneyState

RESOLVED = "resolved"
ERASED_JOURNEY = JourneyState.ERASED.value
ERASED = "erased"
# Escalation details kept after erasure: codes and numbers, never the patient's words.
# (Keys written by dialogs: item9/phq9_total/baseline/answered are numbers; `answered_yes`
# lists readiness question ids; `button` is a crisis button's code.)
SAFE_DETAIL_KEYS = frozenset(
    {"reason", "where", "item", "answer", "band", "trigger", "button", "answered_yes"}
)
_CODE_LENGTH = 64
ERASED_PAYLOAD = {"erased": True}  # an inbox row's update, once its sender erased their data
BUTTON_RESPONSES = frozenset({"safe_now", "needs_help_now"})
KEPT_WHY = (
    "safety incidents are kept, pseudonymous and without free text, as the care team's "
    "clinical safety record"
)


@dataclass(frozen=True)
class ErasureReport:
    patient_code: str
    handed_over: list[int] = field(default_factory=list)
    """Open escalations now in the care team's hands: tell the supervisors about them."""
    kept_escalations: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    already_erased: bool = False


def _patient_tables() -> list[tuple[Table, list[Any]]]:
    """Every table with a foreign key to patients.id, children first, and those columns."""
    patients = PatientRow.__table__
    found: list[tuple[Table, list[Any]]] = []
    for table in reversed(Base.metadata.sorted_tables):
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table is patients]
        if columns and table is not EscalationRow.__table__:
            found.append((table, columns))
    return found


def scrub_details(details: dict[str, Any]) -> dict[str, Any]:
    """Keep numbers, booleans and the codes (no spaces) of `SAFE_DETAIL_KEYS`; drop any text."""
    kept: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, bool | int | float) or (key in SAFE_DETAIL_KEYS and _is_code(value)):
            kept[key] = value
    return kept


def _is_code(value: Any) -> bool:
    if isinstance(value, list):
        return all(_is_code(v) for v in value)
    return isinstance(value, str) and len(value) <= _CODE_LENGTH and " " not in value


def _without(value: Any, chats: set[int]) -> Any:
    if isinstance(value, list):
        return [_without(v, chats) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value in chats:
        return ERASED
    return value


async def erase_patient(
    store: Store, patient_id: int, reason: str, now: dt.datetime, *, actor: str | None = None
) -> ErasureReport:
    """Erase the patient `patient_id` (see the module docstring). Idempotent."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session, session.begin():
        return await erase_in(session, patient_id, reason, now, actor=actor)


async def erase_in(
    session: AsyncSession,
    patient_id: int,
    reason: str,
    now: dt.datetime,
    *,
    actor: str | None = None,
) -> ErasureReport:
    patient = await session.get(PatientRow, patient_id)
    if patient is None:
        raise LookupError(f"no patient {patient_id}")
    code = patient.code
    if await session.scalar(
        select(ErasureTombstoneRow.id).where(ErasureTombstoneRow.patient_code == code)
    ):
        return ErasureReport(code, already_erased=True)
    who = actor or f"patient:{code}"
    escalations = list(
        await session.scalars(
            select(EscalationRow)
            .where(EscalationRow.patient_id == patient_id)
            .order_by(EscalationRow.id)
            .with_for_update()
        )
    )
    handed_over = [e.id for e in escalations if e.state != RESOLVED]
    for escalation_id in handed_over:
        session.add(
            AuditRow(
                at=now,
                actor=who,
                action="escalation.handed_over",
                subject=code,
                details={"id": escalation_id, "why": "patient erased their data"},
            )
        )
    for escalation in escalations:
        escalation.details = scrub_details(escalation.details)
        escalation.resolution_note = None
        if escalation.patient_response not in BUTTON_RESPONSES:
            escalation.patient_response = None

    deleted: dict[str, int] = {}
    chats = {patient.chat_id, patient.telegram_id}
    for entry in await session.scalars(select(AuditRow).where(AuditRow.subject == code)):
        cleaned = {k: _without(v, chats) for k, v in entry.details.items()}
        if cleaned != entry.details:
            entry.details = cleaned
    deliveries = await session.execute(
        delete(DeliveryRow).where(DeliveryRow.chat_id.in_(chats)).returning(DeliveryRow.id)
    )
    deleted[DeliveryRow.__tablename__] = len(deliveries.all())
    emptied = await session.execute(
        update(InboxRow)
        .where(InboxRow.queue_key.in_(chats), InboxRow.status != PENDING)
        .values(
            payload=ERASED_PAYLOAD,
            queue_key=None,
            replies=None,
            replies_state=case(
                (InboxRow.replies_state == REPLIES_PENDING, REPLIES_DROPPED),
                else_=InboxRow.replies_state,
            ),
        )
        .returning(InboxRow.id)
        .execution_options(synchronize_session=False)
    )
    deleted[f"{InboxRow.__tablename__} (emptied)"] = len(emptied.all())
    for table, columns in _patient_tables():
        condition = or_(*(column == patient_id for column in columns))
        if "chat_id" in table.c:  # a row addressed to their chat is theirs too
            condition = or_(condition, table.c.chat_id.in_(chats))
        result = await session.execute(
            delete(table).where(condition).returning(*table.primary_key)
        )
        deleted[table.name] = len(result.all())

    enrolled_at = patient.created_at
    if escalations:
        patient.telegram_id = -patient.id
        patient.chat_id = 0
        patient.display_name = None
        patient.phone = None
        patient.language = FALLBACK_LANGUAGE
        patient.country = ""
        patient.timezone = "UTC"
        patient.journey = ERASED_JOURNEY
        patient.paused_until = None
        # Empty defaults, so supervisors' commands can still load the code and resolve.
        profile = ProfileRow(patient_id=patient.id)
        convert.apply_profile(profile, Profile())
        conversation = ConversationRow(patient_id=patient.id, updated_at=now)
        convert.apply_conversation(conversation, Conversation())
        session.add_all([profile, conversation])
    else:
        await session.delete(patient)
        deleted[PatientRow.__tablename__] = 1
    kept: dict[str, Any] = {}
    if escalations:
        kept = {"escalations": len(escalations), "why": KEPT_WHY}
    session.add(
        ErasureTombstoneRow(
            patient_code=code, enrolled_at=enrolled_at, erased_at=now, reason=reason, kept=kept
        )
    )
    session.add(
        AuditRow(
            at=now,
            actor=who,
            action="patient.erased",
            subject=code,
            details={
                "reason": reason,
                "kept_escalations": len(escalations),
                "handed_over": handed_over,
            },
        )
    )
    await session.flush()
    return ErasureReport(
        patient_code=code,
        handed_over=handed_over,
        kept_escalations=len(escalations),
        deleted={k: v for k, v in deleted.items() if v},
    )
