"""`stride export fhir|csv`: the dataset written as FHIR bundles or CSV files.

Both read the same dataset and the same weekly dose, so a bundle and a spreadsheet made at
the same time say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.records import csvio, tables
from bot.records.dataset import Dataset, load_dataset
from bot.records.dose import WeekDose, weekly_dose
from bot.records.fhir import build_bundle
from bot.storage import Store
from content.loader import Content


def all_weeks(
    dataset: Dataset, content: Content, today: dt.date, since: dt.date | None
) -> list[WeekDose]:
    return [
        week
        for records in dataset.patients
        for week in weekly_dose(records, content, today, since)
    ]


def write_fhir(
    dataset: Dataset, content: Content, out: Path, now: dt.datetime, since: dt.date | None = None
) -> list[Path]:
    """One `<code>.json` Bundle per patient."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for records in dataset.patients:
        weeks = weekly_dose(records, content, now.date(), since)
        bundle = build_bundle(records, content, weeks, now)
        path = out / f"{records.code}.json"
        path.write_text(bundle.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
        written.append(path)
    return written


def write_csv(
    dataset: Dataset, content: Content, out: Path, now: dt.datetime, since: dt.date | None = None
) -> list[Path]:
    """One file per record kind (see `tables.EXPORT_TABLES`)."""
    rows: dict[str, Sequence[Any]] = {
        "patients.csv": tables.patient_rows(dataset),
        "phq9.csv": tables.phq9_rows(dataset),
        "sessions.csv": tables.session_rows(dataset),
        "escalations.csv": tables.escalation_rows(
            [e for p in dataset.patients for e in p.escalations]
        ),
        "weekly_dose.csv": tables.week_dose_rows(all_weeks(dataset, content, now.date(), since)),
    }
    return csvio.write_tables(
        out, [(name, row_type, rows[name]) for name, row_type in tables.EXPORT_TABLES.items()]
    )


async def export(
    kind: str,
    store: Store,
    content: Content,
    out: Path,
    now: dt.datetime,
    *,
    since: dt.date | None = None,
    patient_code: str | None = None,
) -> list[Path]:
    dataset = await load_dataset(store, since=since, patient_code=patient_code)
    if kind == "fhir":
        return write_fhir(dataset, content, out, now, since)
    if kind == "csv":
        return write_csv(dataset, content, out, now, since)
    raise ValueError(f"unknown export kind {kind!r} (fhir or csv)")
