"""`stride bench load` runs end to end: both bots, all patients through, figures reported.

A smoke run with three patients (one answers item 9 positively, so an alert is measured);
the figures themselves are a benchmark's business (docs/benchmarks.md), not this test's.
"""

from __future__ import annotations

import pytest

from bot import bench_load

pytestmark = pytest.mark.e2e


async def test_the_load_benchmark_drives_both_bots_to_the_end() -> None:
    options = bench_load.Options(patients=10, think=0.05)
    floor, stride = await bench_load.run(options)
    for phase in (floor, stride):
        assert phase.unfinished == 0, phase.errors
        assert phase.updates >= 10 * 12
        assert phase.cpu_s > 0
        assert phase.violations == 0
    assert stride.sql_per_update is not None and stride.sql_per_update > 0
    assert len(stride.alert_latencies) == 1  # patient 10 answered item 9 positively
    table = bench_load.report(options, floor, stride)
    assert "| CPU per update |" in table
    assert "| unfinished patients | 0 | 0 |" in table
    assert f"({floor.methods['getUpdates']:,}) |" in table  # calls, of them getUpdates


def test_the_patient_script_follows_the_crisis_path_only_when_item9_is_positive() -> None:
    negative = [step.expect for step in bench_load.patient_script(positive_item9=False)]
    positive = [step.expect for step in bench_load.patient_script(positive_item9=True)]
    assert "how difficult" in negative and "carry on" not in negative
    assert "carry on" in positive and "how difficult" not in positive
    assert bench_load.percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_repeated_runs_are_summed_up_by_their_median_ratio() -> None:
    def phase(name: str, cpu_s: float) -> bench_load.PhaseResult:
        return bench_load.PhaseResult(name=name, patients=1, updates=1000, cpu_s=cpu_s)

    runs = [
        (phase("floor", 5.0), phase("stride", 9.0)),  # 1.80
        (phase("floor", 4.0), phase("stride", 8.8)),  # 2.20
        (phase("floor", 6.0), phase("stride", 11.4)),  # 1.90
    ]
    table = bench_load.summary(runs)
    assert "| each run | 1.80, 2.20, 1.90 |" in table
    assert "| median (range) | **1.90×** (1.80–2.20) |" in table
    assert "| pooled (all CPU over all updates) | 1.95× |" in table  # 29.2 / 15
    assert "| runs over 2.0× | 1 of 3 |" in table
