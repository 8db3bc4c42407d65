"""The CSV export: one file per record kind, and every file reads back as it was written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.records import csvio, tables
from bot.records.dataset import load_dataset
from bot.records.export import all_weeks, export
from bot.storage import Store
from content.loader import Content
from tests.records.seed import ANA_TELEGRAM, MARKERS, NOW, Seeded


async def test_csv_round_trip(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    paths = await export("csv", store, content, tmp_path, NOW)
    assert sorted(p.name for p in paths) == sorted(tables.EXPORT_TABLES)
    dataset = await load_dataset(store)
    expected = {
        "patients.csv": tables.patient_rows(dataset),
        "phq9.csv": tables.phq9_rows(dataset),
        "sessions.csv": tables.session_rows(dataset),
        "escalations.csv": tables.escalation_rows(
            [e for p in dataset.patients for e in p.escalations]
        ),
        "weekly_dose.csv": tables.week_dose_rows(all_weeks(dataset, content, NOW.date(), None)),
    }
    for name, row_type in tables.EXPORT_TABLES.items():
        assert csvio.read_rows(tmp_path / name, row_type) == expected[name], name
    sessions = csvio.read_rows(tmp_path / "sessions.csv", tables.SessionRow)
    assert len(sessions) == 15
    assert {s.status for s in sessions} == {"done", "partial", "missed"}
    escalations = csvio.read_rows(tmp_path / "escalations.csv", tables.EscalationRow)
    closed = next(e for e in escalations if e.escalation_id == seeded.ben_closed_escalation)
    assert closed.seconds_to_acknowledge == 14 * 60
    assert closed.level == 1
    phq9 = csvio.read_rows(tmp_path / "phq9.csv", tables.Phq9Row)
    assert [r.total for r in phq9 if r.code == seeded.ana_code] == [16, 11, 6]
    text = "".join(p.read_text() for p in paths)
    assert MARKERS["ana"][1] not in text and str(ANA_TELEGRAM) not in text


@dataclasses.dataclass(frozen=True)
class _Row:
    name: str
    count: int | None
    share: float
    flag: bool
    day: dt.date
    at: dt.datetime | None


def test_types_survive_the_round_trip(tmp_path: Path) -> None:
    rows = [
        _Row(
            "a, with comma",
            3,
            0.25,
            True,
            dt.date(2026, 1, 2),
            dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
        ),
        _Row('quote " and\nnewline', None, -1.5, False, dt.date(2026, 12, 31), None),
    ]
    path = tmp_path / "rows.csv"
    assert csvio.write_rows(path, _Row, rows) == 2
    assert csvio.read_rows(path, _Row) == rows


def test_a_file_with_other_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("name,count\nx,1\n")
    with pytest.raises(ValueError, match="columns"):
        csvio.read_rows(path, _Row)
