"""The clinic report's numbers: outcomes, safety and engagement, from the dataset.

Thresholds come from `content/data/phq9.yaml` (`change:`) through `content.clinical.phq9`,
so the report counts response, remission, deterioration and meaningful change exactly as the
bot judges them in chat.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.records.dataset import PatientRecords
from bot.records.dose import WEEK
from content.clinical.phq9 import compare
from content.loader import Content
from dialogs import programme
from dialogs.records import CheckinRecord, Escalation, SessionStatus

RESOLVED = "resolved"
_ACTIVE = (SessionStatus.DONE, SessionStatus.PARTIAL)


def _done_at(checkin: CheckinRecord) -> dt.datetime:
    return checkin.completed_at or checkin.started_at


@dataclass(frozen=True)
class PatientOutcome:
    code: str
    baseline: int | None
    baseline_at: dt.datetime | None
    latest: int | None
    latest_at: dt.datetime | None
    change: int | None
    response: bool
    remission: bool
    deterioration: bool
    meaningful_improvement: bool


def patient_outcome(records: PatientRecords, content: Content) -> PatientOutcome:
    scored = [c for c in records.checkins if c.total is not None]
    if not scored:
        return PatientOutcome(
            records.code, None, None, None, None, None, False, False, False, False
        )
    first, last = scored[0], scored[-1]
    assert first.total is not None and last.total is not None
    if first is last:  # one administration: a baseline, no change yet
        return PatientOutcome(
            records.code,
            first.total,
            _done_at(first),
            None,
            None,
            None,
            False,
            False,
            False,
            False,
        )
    change = compare(content.phq9, first.total, last.total)
    return PatientOutcome(
        code=records.code,
        baseline=first.total,
        baseline_at=_done_at(first),
        latest=last.total,
        latest_at=_done_at(last),
        change=change.delta,
        response=change.response,
        remission=change.remission,
        deterioration=change.deterioration,
        meaningful_improvement=change.meaningful_improvement,
    )


@dataclass(frozen=True)
class WeekOutcomes:
    """Patients with a baseline and a later PHQ-9 by the end of programme week `week`."""

    week: int
    patients: int
    response: int
    remission: int
    deterioration: int
    meaningful_improvement: int


def outcomes_by_week(patients: Sequence[PatientRecords], content: Content) -> list[WeekOutcomes]:
    """For each programme week: each patient's latest PHQ-9 by its end against their baseline."""
    per_week: dict[int, list[tuple[bool, bool, bool, bool]]] = {}
    for records in patients:
        start = records.profile.programme_start
        scored = [c for c in records.checkins if c.total is not None]
        if start is None or len(scored) < 2:
            continue
        baseline = scored[0]
        assert baseline.total is not None
        last_week = max(1, (_done_at(scored[-1]).date() - start).days // 7 + 1)
        for week in range(1, last_week + 1):
            end = start + WEEK * week
            by_then = [c for c in scored[1:] if _done_at(c).date() < end]
            if not by_then or by_then[-1].total is None:
                continue
            change = compare(content.phq9, baseline.total, by_then[-1].total)
            per_week.setdefault(week, []).append(
                (
                    change.response,
                    change.remission,
                    change.deterioration,
                    change.meaningful_improvement,
                )
            )
    return [
        WeekOutcomes(
            week=week,
            patients=len(flags),
            response=sum(f[0] for f in flags),
            remission=sum(f[1] for f in flags),
            deterioration=sum(f[2] for f in flags),
            meaningful_improvement=sum(f[3] for f in flags),
        )
        for week, flags in sorted(per_week.items())
    ]


@dataclass(frozen=True)
class Durations:
    """Seconds; None when there is nothing to measure."""

    count: int
    median: float | None
    p90: float | None
    maximum: float | None


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that really occurred, as a clinic would quote it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def durations(values: Sequence[float]) -> Durations:
    if not values:
        return Durations(0, None, None, None)
    return Durations(len(values), percentile(values, 0.5), percentile(values, 0.9), max(values))


@dataclass(frozen=True)
class SafetySummary:
    incidents: int
    by_trigger: dict[str, int]
    to_acknowledge: Durations
    to_resolve: Durations
    re_escalated: int
    """Incidents re-sent at least once because nobody acknowledged them in time."""
    open: int
    by_state: dict[str, int]
    patient_responses: dict[str, int]


def safety_summary(escalations: Sequence[Escalation]) -> SafetySummary:
    to_ack = [
        (e.acknowledged_at - e.created_at).total_seconds()
        for e in escalations
        if e.acknowledged_at is not None
    ]
    to_resolve = [
        (e.resolved_at - e.created_at).total_seconds()
        for e in escalations
        if e.resolved_at is not None
    ]
    return SafetySummary(
        incidents=len(escalations),
        by_trigger=dict(Counter(e.trigger.value for e in escalations)),
        to_acknowledge=durations(to_ack),
        to_resolve=durations(to_resolve),
        re_escalated=sum(1 for e in escalations if e.level > 0),
        open=sum(1 for e in escalations if e.state != RESOLVED),
        by_state=dict(Counter(e.state for e in escalations)),
        patient_responses=dict(
            Counter(e.patient_response for e in escalations if e.patient_response)
        ),
    )


@dataclass(frozen=True)
class Engagement:
    patients: int
    consented: int
    onboarded: int
    active_last_7_days: int
    paused: int
    discharged: int
    withdrawn: int
    erased: int

    @property
    def onboarding_completion(self) -> float | None:
        return self.onboarded / self.consented if self.consented else None


@dataclass(frozen=True)
class WeekActivity:
    week_start: dt.date
    active_patients: int
    """Patients with at least one session done in full or in part that calendar week."""


def engagement(patients: Sequence[PatientRecords], today: dt.date, erased: int) -> Engagement:
    seven_days = today - dt.timedelta(days=6)
    return Engagement(
        patients=len(patients),
        consented=sum(1 for p in patients if p.consents),
        onboarded=sum(1 for p in patients if p.profile.programme_start is not None),
        active_last_7_days=sum(
            1
            for p in patients
            if any(s.status in _ACTIVE and seven_days <= s.day <= today for s in p.sessions)
        ),
        paused=sum(1 for p in patients if p.patient.journey == "paused"),
        discharged=sum(1 for p in patients if p.discharged_at is not None),
        withdrawn=sum(1 for p in patients if p.consent_withdrawn_at is not None),
        erased=erased,
    )


def weekly_active(patients: Sequence[PatientRecords]) -> list[WeekActivity]:
    """Active patients per calendar week (Monday first), from the first session on."""
    weeks: dict[dt.date, set[str]] = {}
    for p in patients:
        for s in p.sessions:
            if s.status in _ACTIVE:
                weeks.setdefault(programme.week_start(s.day), set()).add(p.code)
    return [WeekActivity(week, len(codes)) for week, codes in sorted(weeks.items())]
