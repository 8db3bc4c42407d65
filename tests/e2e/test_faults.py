"""Fault injection against the real bot, one or two runs of each case (the bench runs more).

Each case is a scenario of `bot.faultbench` (shared with `stride bench faults`, which runs
them many times and writes the tallies into docs/reliability.md). Here every case must come
out with nothing lost and nothing duplicated.
"""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator

import pytest

from bot.faultbench import scenarios
from bot.faultbench.harness import World, world

pytestmark = pytest.mark.e2e
POSTGRES = os.environ.get("TEST_POSTGRES_URL")


def _backends(*names: str) -> list[object]:
    params: list[object] = []
    for name in names:
        if name == "sqlite":
            params.append(pytest.param("sqlite", id="sqlite"))
        elif POSTGRES:
            params.append(pytest.param("postgresql", id="postgres", marks=pytest.mark.postgres))
    return params


@pytest.fixture
async def fault_world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    async with world(request.param, POSTGRES) as w:
        yield w


def clean(tally: scenarios.Tally) -> None:
    assert tally.tries > 0
    assert (tally.lost, tally.duplicated) == (0, 0), tally


@pytest.mark.parametrize("fault_world", _backends("sqlite", "postgresql"), indirect=True)
async def test_sigkill_after_item9_loses_no_alert_and_labels_any_repeat(
    fault_world: World,
) -> None:
    """No alert lost; one sent again only when the kill fell between Telegram accepting it
    and the commit (the Bot API cannot say whether it arrived), and then labelled as a
    possible repeat. The exact-once rate over many kills is `stride bench faults`'s figure."""
    tally = await scenarios.kill_after_item9(fault_world, random.Random())
    assert tally.tries > 0
    assert tally.lost == 0, tally
    assert tally.duplicated == tally.labelled, tally


@pytest.mark.parametrize("fault_world", _backends("postgresql"), indirect=True)
async def test_postgres_unreachable_under_traffic_loses_nothing(fault_world: World) -> None:
    clean(await scenarios.postgres_unavailable(fault_world, random.Random(), seconds=8))


@pytest.mark.parametrize("fault_world", _backends("sqlite"), indirect=True)
async def test_sqlite_locked_by_another_process_for_10s_loses_nothing(
    fault_world: World,
) -> None:
    clean(await scenarios.sqlite_locked(fault_world, random.Random(), seconds=10))


@pytest.mark.parametrize("fault_world", _backends("sqlite"), indirect=True)
async def test_failing_callback_answers_lose_no_press(fault_world: World) -> None:
    clean(await scenarios.callback_answers_fail(fault_world, random.Random()))


@pytest.mark.parametrize("fault_world", _backends("sqlite"), indirect=True)
async def test_a_flood_does_not_delay_another_patients_alert(fault_world: World) -> None:
    clean(await scenarios.flood(fault_world, random.Random()))


@pytest.mark.parametrize("fault_world", _backends("postgresql"), indirect=True)
async def test_two_instances_one_killed_send_every_alert_once(fault_world: World) -> None:
    """Once, or (the kill fell between Telegram accepting an alert and its commit) once
    more, labelled as a possible repeat: as after the SIGKILL above."""
    tally = await scenarios.two_instances(fault_world, random.Random())
    assert tally.tries > 0
    assert tally.lost == 0, tally
    assert tally.duplicated == tally.labelled, tally


@pytest.mark.parametrize("fault_world", _backends("postgresql"), indirect=True)
async def test_two_instances_one_killed_send_every_due_nudge_once(fault_world: World) -> None:
    clean(await scenarios.two_instances_nudges(fault_world, random.Random()))


@pytest.mark.parametrize("fault_world", _backends("sqlite"), indirect=True)
async def test_a_poison_update_is_kept_skipped_and_not_logged(fault_world: World) -> None:
    clean(await scenarios.poison_update(fault_world, random.Random()))


@pytest.mark.parametrize("fault_world", _backends("sqlite"), indirect=True)
async def test_a_burst_of_new_patients_on_sqlite_is_answered_once_each(
    fault_world: World,
) -> None:
    clean(await scenarios.burst(fault_world, random.Random(), patients=150))
