"""Sandbox-like data for the records tests: three patients with a programme behind them.

- Ana (en): onboarded five weeks ago, PHQ-9 from 16 down to 6 (a responder), sessions done,
  partly done and missed, a note, a barrier plan and a safety plan — free text to erase.
- Ben (es): item 9 positive on his baseline: an escalation re-sent once, acknowledged and
  resolved; a risk-language message later that is still open.
- Chloé (en): consented, never finished onboarding.

Every identifying value carries a marker (`ZQX…`) or a distinctive number, so an erasure
test can look for it in every column of every table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.storage import Store
from dialogs.records import (
    AuditEvent,
    BarrierPlan,
    CheckinKind,
    CheckinRecord,
    ConsentRecord,
    EscalationRequest,
    EscalationTrigger,
    Priority,
    SessionRecord,
    SessionStatus,
)
from dialogs.state import Outcome

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
START = dt.date(2026, 10, 26)  # a Monday, five weeks before NOW
ANA_TELEGRAM = 731_000_101
BEN_TELEGRAM = 731_000_202
CHLOE_TELEGRAM = 731_000_303
MARKERS = {
    "ana": (
        "ZQX-ANA-NAME",
        "ZQX-ANA-NOTE",
        "ZQX-ANA-VALUES",
        "ZQX-ANA-PLAN",
        "ZQX-ANA-SAFETY",
        "ZQX-ANA-PHONE",
    ),
    "ben": ("ZQX-BEN-NAME", "ZQX-BEN-MESSAGE", "ZQX-BEN-RESOLUTION", "ZQX-BEN-PHONE"),
}
PHQ9_ITEMS = [f"phq9_{n}" for n in range(1, 10)]


@dataclass(frozen=True)
class Seeded:
    ana: int
    ben: int
    chloe: int
    ana_code: str
    ben_code: str
    ben_open_escalation: int
    ben_closed_escalation: int


def _answers(total: int, item9: int = 0) -> dict[str, int]:
    answers = dict.fromkeys(PHQ9_ITEMS, 0)
    answers["phq9_9"] = item9
    left = total - item9
    for item in PHQ9_ITEMS[:8]:
        step = min(3, left)
        answers[item] = step
        left -= step
    return answers


def _band(total: int) -> str:
    for limit, band in ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe")):
        if total <= limit:
            return band
    return "severe"


def checkin(
    at: dt.datetime, total: int, item9: int = 0, kind: CheckinKind = CheckinKind.SCHEDULED
) -> CheckinRecord:
    return CheckinRecord(
        instrument_id="phq9",
        instrument_version="phq9-1999",
        kind=kind,
        started_at=at - dt.timedelta(minutes=4),
        completed_at=at,
        answers=_answers(total, item9),
        difficulty=1,
        total=total,
        band=_band(total),
        safety_positive=item9 > 0,
    )


def _at(day: dt.date, hour: int = 18) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


async def seed(store: Store) -> Seeded:
    """Write the three patients through the ordinary storage API, as the bot would."""
    created = START - dt.timedelta(days=2)
    async with store.transaction() as tx:
        ana = await tx.create_patient(
            telegram_id=ANA_TELEGRAM,
            chat_id=ANA_TELEGRAM,
            language="en",
            country="GB",
            timezone="UTC",
            now=_at(created, 9),
        )
        ben = await tx.create_patient(
            telegram_id=BEN_TELEGRAM,
            chat_id=BEN_TELEGRAM,
            language="es",
            country="ES",
            timezone="UTC",
            now=_at(created, 10),
        )
        chloe = await tx.create_patient(
            telegram_id=CHLOE_TELEGRAM,
            chat_id=CHLOE_TELEGRAM,
            language="en",
            country="US",
            timezone="UTC",
            now=_at(created, 11),
        )
    consent = ConsentRecord(what="stride-consent", version="2026-11", accepted_at=_at(created, 12))

    # Ana: a programme with sessions and falling scores.
    ana.patient.display_name = "ZQX-ANA-NAME"
    ana.patient.phone = "ZQX-ANA-PHONE"  # shared with the care team (the contact button)
    ana.patient.journey = "active"
    ana.profile.age = 41
    ana.profile.resting_hr = 64
    ana.profile.beta_blockers = False
    ana.profile.values_text = "ZQX-ANA-VALUES"
    ana.profile.programme_start = START
    ana.profile.phase_started = START
    ana.profile.training_days = [0, 2, 4]
    ana.safety_plan.sections = {"coping": ["ZQX-ANA-SAFETY"]}
    ana.safety_plan.updated_at = _at(created, 13)
    sessions: list[SessionRecord] = []
    for week in range(5):
        for offset, status, minutes, effort in (
            (0, SessionStatus.DONE, 20 + 2 * week, 12),
            (2, SessionStatus.PARTIAL if week % 2 else SessionStatus.DONE, 12 + week, 13),
            (4, SessionStatus.MISSED if week == 1 else SessionStatus.DONE, 22, 12),
        ):
            day = START + dt.timedelta(days=7 * week + offset)
            done = status in (SessionStatus.DONE, SessionStatus.PARTIAL)
            sessions.append(
                SessionRecord(
                    day=day,
                    status=status,
                    planned=True,
                    modality="walking",
                    minutes=minutes if done else None,
                    exertion=effort if done else None,
                    mood_before=2,
                    mood_after=3,
                    note="ZQX-ANA-NOTE" if week == 0 and offset == 0 else None,
                    logged_at=_at(day) if done else None,
                )
            )
    ana_records = [
        consent,
        checkin(_at(created, 14), 16, kind=CheckinKind.BASELINE),
        checkin(_at(START + dt.timedelta(days=14)), 11),
        checkin(_at(START + dt.timedelta(days=28)), 6),
        BarrierPlan("time", "time.script", "ZQX-ANA-PLAN", "after work", _at(created, 15)),
        *sessions,
    ]
    async with store.transaction() as tx:
        await tx.save(ana, Outcome(records=list(ana_records)), _at(created, 15))

    # Ben: two escalations, one closed after a re-escalation, one open.
    ben.patient.display_name = "ZQX-BEN-NAME"
    ben.patient.phone = "ZQX-BEN-PHONE"
    ben.patient.journey = "onboarding"
    baseline = checkin(_at(START, 9), 18, item9=1, kind=CheckinKind.BASELINE)
    async with store.transaction() as tx:
        [closed] = await tx.save(
            ben,
            Outcome(
                records=[consent, baseline],
                escalations=[
                    EscalationRequest(
                        EscalationTrigger.ITEM9, Priority.URGENT, {"item": "phq9_9", "answer": 1}
                    )
                ],
            ),
            _at(START, 9),
        )
        [opened] = await tx.save(
            ben,
            Outcome(
                escalations=[
                    EscalationRequest(
                        EscalationTrigger.RISK_LANGUAGE,
                        Priority.URGENT,
                        {"reason": "explicit", "message": "ZQX-BEN-MESSAGE", "where": "private"},
                    )
                ]
            ),
            NOW - dt.timedelta(hours=3),
        )
        escalation = await tx.escalation(closed)
        assert escalation is not None
        escalation.state, escalation.level = "resolved", 1
        escalation.acknowledged_by, escalation.acknowledged_at = (
            555,
            _at(START, 9) + dt.timedelta(minutes=14),
        )
        escalation.resolved_by, escalation.resolved_at = 555, _at(START, 11)
        escalation.resolution_note = "ZQX-BEN-RESOLUTION"
        escalation.patient_response = "safe_now"
        escalation.next_action_at = None
        await tx.update_escalation(escalation)
        for minutes, action in (
            (0, "escalation.opened"),
            (10, "escalation.re_escalated"),
            (14, "escalation.acknowledged"),
            (120, "escalation.resolved"),
        ):
            await tx.add_audit(
                AuditEvent(action, "relay", ben.patient.code, {"id": closed}),
                _at(START, 9) + dt.timedelta(minutes=minutes),
            )
        await tx.add_audit(
            AuditEvent("escalation.opened", "relay", ben.patient.code, {"id": opened}),
            NOW - dt.timedelta(hours=3),
        )
        await tx.add_audit(
            AuditEvent(
                "escalation.delivered",
                "relay",
                ben.patient.code,
                {"id": opened, "chat": BEN_TELEGRAM, "step": -1},
            ),
            NOW - dt.timedelta(hours=3),
        )
        await tx.add_deliveries(opened, 0, [555], NOW - dt.timedelta(hours=3))
        await tx.add_deliveries(opened, 99, [BEN_TELEGRAM], NOW - dt.timedelta(hours=3))

    async with store.transaction() as tx:
        chloe.patient.journey = "onboarding"
        await tx.save(chloe, Outcome(records=[consent]), _at(created, 16))
    return Seeded(
        ana=ana.patient.id,
        ben=ben.patient.id,
        chloe=chloe.patient.id,
        ana_code=ana.patient.code,
        ben_code=ben.patient.code,
        ben_open_escalation=opened,
        ben_closed_escalation=closed,
    )
