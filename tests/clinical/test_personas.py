"""Each persona's 12 weeks, on the real code path (`stride simulate`): the trajectories the
protocol promises, asserted week by week."""

from __future__ import annotations

import pytest

from bot.simulate import Simulation, WeekRow, load_personas, simulate
from content.loader import Content

WEEKS = 12


@pytest.fixture(scope="module")
def runs(shipped: Content) -> dict[str, Simulation]:
    return {name: simulate(shipped, p, WEEKS) for name, p in load_personas().items()}


def week(run: Simulation, number: int) -> WeekRow:
    return run.rows[number - 1]


def phase_number(row: WeekRow) -> int:
    """0 for the start step, the phase number otherwise, 5 for maintenance."""
    if row.step.startswith("start"):
        return 0
    return 5 if row.step == "maintenance" else int(row.step.split()[-1])


def test_every_persona_is_simulated_for_twelve_weeks(runs: dict[str, Simulation]) -> None:
    assert set(runs) == {
        "adherent-low-energy",
        "adherent-standard",
        "three-misses-then-back",
        "readiness-yes-cleared-week-2",
        "beta-blocker",
        "always-very-hard",
    }
    assert all(len(run.rows) == WEEKS for run in runs.values())


def test_adherent_low_energy_starts_low_then_climbs(runs: dict[str, Simulation]) -> None:
    run = runs["adherent-low-energy"]
    assert week(run, 1).step == "start (P1 bottom)"
    assert week(run, 1).minutes == [20, 20, 20]
    assert "50 % HRR" in week(run, 1).target
    # Above the phase-1 bottom by week 4, phase-3 doses by week 8.
    assert phase_number(week(run, 4)) >= 1 and max(week(run, 4).minutes) > 20
    assert phase_number(week(run, 8)) >= 3
    assert min(week(run, 8).minutes) >= 40
    assert week(run, 8).planned_minutes >= 150
    assert run.step_backs == 0


def test_adherent_standard_follows_the_protocol_weeks(runs: dict[str, Simulation]) -> None:
    run = runs["adherent-standard"]
    assert [phase_number(week(run, w)) for w in (1, 3, 5, 9)] == [1, 2, 3, 4]
    # From phase 3 the default days give 4 sessions and at least 150 minutes a week.
    for number in range(5, WEEKS + 1):
        assert week(run, number).planned >= 4
        assert week(run, number).planned_minutes >= 150


def test_three_misses_step_back_once_then_climb_again(runs: dict[str, Simulation]) -> None:
    run = runs["three-misses-then-back"]
    assert run.step_backs == 1
    backs = [row for row in run.rows if row.step_backs]
    assert [row.week for row in backs] == [4]
    assert phase_number(week(run, 4)) == 2 and phase_number(week(run, 5)) == 1  # one step
    assert any(c.startswith("step_back:") for c in week(run, 4).changes)
    assert phase_number(week(run, 12)) == 3


def test_readiness_yes_holds_the_start_step_until_clearance(
    runs: dict[str, Simulation], shipped: Content
) -> None:
    run = runs["readiness-yes-cleared-week-2"]
    assert [week(run, w).step for w in (1, 2)] == ["start (P1 bottom)"] * 2
    why = shipped.texts.get("en", "progression.hold_readiness")
    assert why in week(run, 1).notes
    assert phase_number(week(run, 3)) == 1  # cleared in week 2: the gate moves them up
    never_cleared = load_personas()["readiness-yes-cleared-week-2"].model_copy(
        update={"behaviour": load_personas()["adherent-standard"].behaviour}
    )
    held = simulate(shipped, never_cleared, 8)
    assert {row.step for row in held.rows} == {"start (P1 bottom)"}
    assert any(c.startswith("hold:") and why in c for row in held.rows for c in row.changes)


def test_beta_blocker_gets_effort_targets_only(runs: dict[str, Simulation]) -> None:
    run = runs["beta-blocker"]
    assert all("bpm" not in row.target and "RPE" in row.target for row in run.rows)
    assert phase_number(week(run, 9)) == 4


def test_always_very_hard_holds_and_lowers(runs: dict[str, Simulation]) -> None:
    run = runs["always-very-hard"]
    assert {phase_number(row) for row in run.rows} == {1}
    assert any("hold: Your last sessions felt very hard" in c for c in week(run, 3).changes)
    assert all("45–55 % HRR" in week(run, w).target for w in range(2, WEEKS + 1))


def test_the_docs_show_what_the_simulator_prints(shipped: Content) -> None:
    """docs/protocol-simulations.md is regenerated output, not hand-edited."""
    from pathlib import Path

    from bot.simulate import HEADER, as_markdown

    personas = load_personas()
    expected = HEADER + "\n".join(
        as_markdown(simulate(shipped, personas[name], WEEKS)) for name in personas
    )
    docs = Path(__file__).parents[2] / "docs" / "protocol-simulations.md"
    assert docs.read_text(encoding="utf-8") == expected
