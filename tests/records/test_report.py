"""The clinic report: its numbers, its CSVs, and a page that needs nothing from outside."""

from __future__ import annotations

import re
from pathlib import Path

from bot.records import csvio, tables
from bot.records.charts import dose_fidelity_png
from bot.records.dataset import load_dataset, load_patient_records
from bot.records.metrics import PatientOutcome, WeekOutcomes, durations, percentile
from bot.records.report import build_report, make_report, report_tables
from bot.storage import Store
from content.loader import Content
from tests.records.seed import MARKERS, NOW, Seeded


async def test_report_numbers(store: Store, seeded: Seeded, content: Content) -> None:
    report = build_report(await load_dataset(store), content, NOW)
    ana = next(o for o in report.outcomes if o.code == seeded.ana_code)
    assert (ana.baseline, ana.latest, ana.change) == (16, 6, -10)
    assert ana.response and ana.meaningful_improvement
    assert not ana.remission  # 6 is not below 5
    assert not ana.deterioration
    ben = next(o for o in report.outcomes if o.code == seeded.ben_code)
    assert (ben.baseline, ben.latest) == (18, None)  # a baseline only: no change to judge
    # Ana's follow-ups: 11 in week 3 (no response yet), 6 in week 5.
    by_week = {w.week: w for w in report.outcomes_by_week}
    assert by_week[3] == WeekOutcomes(3, 1, 0, 0, 0, 1)
    assert by_week[5] == WeekOutcomes(5, 1, 1, 0, 0, 1)
    safety = report.safety
    assert safety.incidents == 2 and safety.open == 1 and safety.re_escalated == 1
    assert safety.by_trigger == {"item9": 1, "risk_language": 1}
    assert safety.to_acknowledge.median == 14 * 60
    assert safety.patient_responses == {"safe_now": 1}
    engagement = report.engagement
    assert (engagement.patients, engagement.consented, engagement.onboarded) == (3, 3, 1)
    assert engagement.active_last_7_days == 1  # Ana's sessions of Nov 23-27
    ana_weeks = report.weeks[seeded.ana_code]
    assert [w.sessions_done + w.sessions_partial for w in ana_weeks] == [3, 2, 3, 3, 3, 0]
    assert ana_weeks[1].sessions_not_done == 1  # the missed session of week 2


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([7], 0.9) == 7
    summary = durations([60, 600, 120])
    assert (summary.count, summary.median, summary.p90, summary.maximum) == (3, 120, 600, 600)
    assert durations([]).median is None


async def test_report_page_and_csvs(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    page = await make_report(store, content, tmp_path, NOW)
    text = page.read_text()
    assert text.count("<svg") == 2  # Ana's dose chart and the outcomes chart
    assert seeded.ana_code in text
    assert "Content-Security-Policy" in text
    # only week 5 (41 % of its target) is marked low; week 6 is under way, so unmarked
    assert text.count('<tr class="low">') == 1 and "2026-11-30 (so far)" in text
    # nothing to fetch: no src/href to anywhere but the page's own anchors
    assert re.findall(r"(?:src|href)=['\"](?!#)", text) == []
    for marker in (*MARKERS["ana"], *MARKERS["ben"]):
        assert marker not in text
    report = build_report(await load_dataset(store), content, NOW)
    for name, row_type, rows in report_tables(report):
        assert csvio.read_rows(tmp_path / name, row_type) == rows, name
    outcomes = csvio.read_rows(tmp_path / "outcomes.csv", PatientOutcome)
    assert {o.code for o in outcomes} == {
        seeded.ana_code,
        seeded.ben_code,
        report.outcomes[2].code,
    }
    dose = csvio.read_rows(tmp_path / "weekly_dose.csv", tables.WeekDoseRow)
    assert dose[0].fidelity == round(54 / 60, 3)


async def test_dose_fidelity_image_for_supervisors(
    store: Store, seeded: Seeded, content: Content
) -> None:
    records = await load_patient_records(store, seeded.ana)
    assert records is not None
    png = dose_fidelity_png(records, content, NOW.date())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (640, 280)


async def test_safety_figures_keep_the_incidents_of_an_erased_patient(
    store: Store, seeded: Seeded, content: Content
) -> None:
    from bot.storage.erasure import erase_patient

    await erase_patient(store, seeded.ben, "patient_request", NOW)
    dataset = await load_dataset(store)
    report = build_report(dataset, content, NOW)
    assert seeded.ben_code not in {o.code for o in report.outcomes}  # nothing else of him
    assert report.engagement.erased == 1 and report.engagement.patients == 2
    assert report.safety.incidents == 2 and report.safety.open == 1
    assert report.safety.to_acknowledge.median == 14 * 60
    [(_, _, rows)] = [t for t in report_tables(report) if t[0] == "escalations.csv"]
    assert {r.code for r in rows} == {seeded.ben_code}
