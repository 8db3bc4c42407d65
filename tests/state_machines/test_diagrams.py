"""The flow diagrams in docs/flows/ are generated from the tables and must match them."""

from __future__ import annotations

from pathlib import Path

from dialogs.diagrams import expected_files, stale

REPO = Path(__file__).resolve().parents[2]
DIAGRAMS = REPO / "docs" / "flows"


def test_diagrams_match_the_flows() -> None:
    problems = stale(DIAGRAMS)
    assert not problems, (
        f"flow diagrams missing or out of date in {DIAGRAMS.relative_to(REPO)}: "
        f"{', '.join(problems)}; run `stride diagrams` to regenerate them"
    )


def test_no_diagram_is_left_for_a_flow_that_no_longer_exists() -> None:
    leftovers = sorted(
        path.name for path in DIAGRAMS.glob("*.md") if path.name not in expected_files()
    )
    assert not leftovers, (
        f"diagrams without a flow in {DIAGRAMS.relative_to(REPO)}: {', '.join(leftovers)}; "
        "delete them and run `stride diagrams`"
    )
