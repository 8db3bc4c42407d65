"""The caseload: `/patients [filter]`, one line per patient, paged, with buttons.

Each line says who (code and clinic reference), where they are in the journey (and whether
they are stuck before the programme), programme week and phase, the last PHQ-9 with band and
trend, whether a check-in is overdue, sessions done / planned this week and over the last four
weeks, an open incident, and the care team's last contact. Filters pick the lines that need a
person: open incidents, overdue check-ins, not started, deteriorating.

`CaseRow` is computed from plain records by `case_row` (pure), so the rules are testable
without Telegram or a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.alerts.messages import Reader
from bot.care.commands import Call, Reply
from bot.services import Services
from bot.storage.care import PatientCard
from dialogs.programme import programme_week, week_start
from dialogs.records import Escalation, SessionStatus
from dialogs.state import PatientState

PAGE = 8
CHECKIN_DAYS = 14  # CLINICAL_SPEC 1: PHQ-9 re-administered every 14 days
STUCK_DAYS = 2  # not in the programme this long after the first message: stuck
DETERIORATION = 5  # CLINICAL_SPEC 1: a rise of 5 or more from baseline
CONTACT_ACTIONS = ("care.message_to_patient", "escalation.resolved", "incident.unreachable")
_DONE = (SessionStatus.DONE, SessionStatus.PARTIAL)


class Filter(StrEnum):
    ALL = "all"
    INCIDENTS = "incidents"
    OVERDUE = "overdue"
    NOT_STARTED = "notstarted"
    DETERIORATING = "worse"


@dataclass(frozen=True)
class CaseRow:
    patient_id: int
    code: str
    clinic_ref: str | None
    journey: str
    stuck_days: int | None
    week: int | None
    phase: int | None
    totals: tuple[int, ...]
    band: str | None
    overdue: bool
    done_week: int
    planned_week: int
    done_4w: int
    planned_4w: int
    incident: str | None
    last_contact: dt.datetime | None

    @property
    def deteriorating(self) -> bool:
        return len(self.totals) >= 2 and self.totals[-1] - self.totals[0] >= DETERIORATION

    def matches(self, wanted: Filter) -> bool:
        return {
            Filter.ALL: True,
            Filter.INCIDENTS: self.incident is not None,
            Filter.OVERDUE: self.overdue,
            Filter.NOT_STARTED: self.week is None,
            Filter.DETERIORATING: self.deteriorating,
        }[wanted]


def case_row(
    card: PatientCard,
    state: PatientState,
    incident: Escalation | None,
    last_contact: dt.datetime | None,
) -> CaseRow:
    today = state.today
    started = state.patient.journey in ("active", "paused")
    complete = [c for c in state.checkins if c.total is not None and c.completed_at]
    latest = complete[-1] if complete else None
    overdue = started and (
        latest is None
        or latest.completed_at is None
        or state.now - latest.completed_at > dt.timedelta(days=CHECKIN_DAYS)
    )
    monday = week_start(today)
    done = [s for s in state.sessions if s.status in _DONE]
    per_week = len(state.profile.training_days)
    stuck = None
    if not started and card.created_at is not None:
        days = (state.now - card.created_at).days
        stuck = days if days >= STUCK_DAYS else None
    return CaseRow(
        patient_id=card.id,
        code=card.code,
        clinic_ref=card.clinic_ref,
        journey=state.patient.journey,
        stuck_days=stuck,
        week=programme_week(state, today) if started else None,
        phase=state.profile.phase_id if started else None,
        totals=tuple(c.total for c in complete if c.total is not None),
        band=latest.band if latest else None,
        overdue=overdue,
        done_week=sum(1 for s in done if monday <= s.day <= today),
        planned_week=per_week,
        done_4w=sum(1 for s in done if today - dt.timedelta(days=28) < s.day <= today),
        planned_4w=per_week * 4,
        incident=incident.state if incident is not None else None,
        last_contact=last_contact,
    )


async def load_rows(services: Services) -> list[CaseRow]:
    now = services.clock.now()
    rows = []
    async with services.store.transaction() as tx:
        for card in await tx.patient_cards():
            if card.discharged_at is not None:
                continue
            state = await tx.load_patient_by_id(card.id, now)
            if state is None:
                continue
            incident = await tx.open_incident(card.id)
            contact = await tx.last_audit(card.code, CONTACT_ACTIONS)
            rows.append(case_row(card, state, incident, contact))
    return rows


def line(row: CaseRow, call: Call) -> str:
    reader: Reader = call.reader
    if row.week is None:
        where = call.text("care.caseload.not_started", journey=row.journey)
        if row.stuck_days is not None:
            where += " " + call.text("care.caseload.stuck", days=row.stuck_days)
    else:
        where = call.text("care.caseload.week", week=row.week, phase=row.phase)
    phq = "—"
    if row.totals:
        trend = "→".join(str(t) for t in row.totals[-3:])
        phq = f"{row.totals[-1]} ({row.band or '?'}; {trend})"
        if row.deteriorating:
            phq += " ↑"
    parts = [
        f"{row.code} ({row.clinic_ref or '—'})",
        where,
        call.text("care.caseload.phq9", phq=phq),
        call.text(
            "care.caseload.sessions",
            week=f"{row.done_week}/{row.planned_week}",
            month=f"{row.done_4w}/{row.planned_4w}",
        ),
    ]
    if row.overdue:
        parts.append(call.text("care.caseload.overdue"))
    if row.incident is not None:
        parts.append(call.text("care.caseload.incident", state=row.incident))
    contact = reader.time(row.last_contact, "%m-%d") if row.last_contact else "—"
    parts.append(call.text("care.caseload.contact", when=contact))
    return " · ".join(parts)


def page_reply(rows: list[CaseRow], wanted: Filter, page: int, call: Call) -> Reply:
    chosen = [r for r in rows if r.matches(wanted)]
    pages = max(1, -(-len(chosen) // PAGE))
    page = min(max(0, page), pages - 1)
    shown = chosen[page * PAGE : (page + 1) * PAGE]
    header = call.text(
        "care.caseload.title",
        filter=call.text(f"care.filter.{wanted.value}"),
        count=len(chosen),
        page=page + 1,
        pages=pages,
    )
    body = "\n".join(line(r, call) for r in shown) or call.text("care.caseload.empty")
    button = InlineKeyboardButton
    keyboard = [
        [button(r.code, callback_data=f"care:view:{r.patient_id}") for r in shown[i : i + 4]]
        for i in range(0, len(shown), 4)
    ]
    nav = []
    if page > 0:
        nav.append(button("◀", callback_data=f"care:list:{wanted.value}:{page - 1}"))
    if page < pages - 1:
        nav.append(button("▶", callback_data=f"care:list:{wanted.value}:{page + 1}"))
    if nav:
        keyboard.append(nav)
    keyboard += [
        [
            button(call.text(f"care.filter.{f.value}"), callback_data=f"care:list:{f.value}:0")
            for f in group
        ]
        for group in (list(Filter)[:3], list(Filter)[3:])
    ]
    return Reply(f"{header}\n\n{body}", InlineKeyboardMarkup(keyboard))


def parse_filter(text: str) -> Filter | None:
    wanted = text.strip().lower() or Filter.ALL.value
    return next((f for f in Filter if f.value == wanted), None)


async def patients(call: Call) -> Reply:
    """/patients [all|incidents|overdue|notstarted|worse]"""
    wanted = parse_filter(call.args)
    if wanted is None:
        return Reply(call.text("care.caseload.usage"))
    return page_reply(await load_rows(call.services), wanted, 0, call)


async def show_page(call: Call, rest: str) -> Reply:
    name, _, page = rest.partition(":")
    wanted = parse_filter(name)
    if wanted is None or not page.isdigit():
        return Reply(call.text("supervisor.unknown_alert"))
    return page_reply(await load_rows(call.services), wanted, int(page), call)
