"""`stride report`: the clinic report — one self-contained HTML page and the CSVs behind it.

The numbers are computed once into a `Report`; `page.render` turns it into HTML and
`write_report` writes the page beside the CSV files each table came from, so a figure on the
page can always be checked in a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.records import csvio, tables
from bot.records.dataset import Dataset, load_dataset
from bot.records.dose import WeekDose, weekly_dose
from bot.records.metrics import (
    Engagement,
    PatientOutcome,
    SafetySummary,
    WeekActivity,
    WeekOutcomes,
    engagement,
    outcomes_by_week,
    patient_outcome,
    safety_summary,
    weekly_active,
)
from bot.storage import Store
from content.loader import Content
from dialogs.records import Escalation

PAGE = "report.html"


@dataclass(frozen=True)
class Report:
    generated_at: dt.datetime
    since: dt.date | None
    dataset: Dataset
    weeks: dict[str, list[WeekDose]]
    outcomes: list[PatientOutcome]
    outcomes_by_week: list[WeekOutcomes]
    safety: SafetySummary
    engagement: Engagement
    weekly_active: list[WeekActivity]
    phq9_max: int
    thresholds: dict[str, Any]


def build_report(
    dataset: Dataset, content: Content, now: dt.datetime, since: dt.date | None = None
) -> Report:
    today = now.date()
    patients = dataset.patients
    change = content.phq9.change
    return Report(
        generated_at=now,
        since=since,
        dataset=dataset,
        weeks={p.code: weekly_dose(p, content, today, since) for p in patients},
        outcomes=[patient_outcome(p, content) for p in patients],
        outcomes_by_week=outcomes_by_week(patients, content),
        safety=safety_summary(all_escalations(dataset)),
        engagement=engagement(patients, today, dataset.erased),
        weekly_active=weekly_active(patients),
        phq9_max=content.phq9.max_total,
        thresholds={
            "response": f"a drop of at least {change.response_fraction:.0%} from baseline",
            "remission": f"a total below {change.remission_below}",
            "deterioration": f"a rise of at least {change.deterioration_rise} points",
            "meaningful improvement": f"a drop of at least {change.meaningful_change} points",
        },
    )


def all_escalations(dataset: Dataset) -> list[Escalation]:
    """Every incident, including those of patients since erased (kept as the safety record)."""
    return [e for p in dataset.patients for e in p.escalations] + dataset.erased_escalations


def report_tables(report: Report) -> list[tuple[str, type[Any], list[Any]]]:
    rows: dict[str, list[Any]] = {
        "weekly_dose.csv": tables.week_dose_rows([w for ws in report.weeks.values() for w in ws]),
        "outcomes.csv": report.outcomes,
        "outcomes_by_week.csv": report.outcomes_by_week,
        "escalations.csv": tables.escalation_rows(all_escalations(report.dataset)),
        "weekly_active.csv": report.weekly_active,
    }
    return [(name, row_type, rows[name]) for name, row_type in tables.REPORT_TABLES.items()]


def write_report(report: Report, out: Path) -> Path:
    from bot.records.page import render

    csvio.write_tables(out, report_tables(report))
    path = out / PAGE
    path.write_text(render(report), encoding="utf-8")
    return path


async def make_report(
    store: Store, content: Content, out: Path, now: dt.datetime, since: dt.date | None = None
) -> Path:
    dataset = await load_dataset(store, since=since)
    return write_report(build_report(dataset, content, now, since), out)
