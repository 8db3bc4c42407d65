"""The composition root: a typed context, the workers in their order, /healthz reporting them.

The application is built as `stride run` builds it; its workers are started and stopped the
way `post_init` / `post_shutdown` do (without the command menus, which need Telegram).
"""

from __future__ import annotations

import gc

import aiohttp
from sqlalchemy import text

from bot.app import build_application, freeze_start_up_objects
from bot.bench_load import free_port
from bot.clock import ShiftedClock
from bot.context import BotData, bot_data_of, wake_relay
from bot.ops_server import OpsServer
from bot.services import Services
from bot.storage import Store
from bot.workers import Leader
from tests.alerts.conftest import settings_for


async def test_workers_start_in_order_report_health_and_stop_in_reverse(
    database_url: str, store: Store
) -> None:
    settings = settings_for(database_url, METRICS_PORT=str(free_port()), METRICS_HOST="127.0.0.1")
    clock = ShiftedClock()
    services = Services.build(settings, clock, store=store)
    application = build_application(settings, clock, services)
    bot_data = bot_data_of(application)
    assert isinstance(bot_data, BotData) and bot_data.services is services
    workers = bot_data.workers
    names = list(workers.health())
    assert names[:3] == ["escalation relay", "ops server", "groups"]  # the relay first
    assert [n.split(" (")[0] for n in names[3:]] == ["retention", "nudges"]
    leaders = [w for w in workers._workers if isinstance(w, Leader)]
    assert [leader.lock.name for leader in leaders] == ["retention", "nudges"]

    assert application.job_queue is not None
    await application.job_queue.start()
    await workers.start()
    try:
        for leader in leaders:  # SQLite: this process always leads; PostgreSQL: it is alone
            await leader.leading.wait()
        wake_relay(application)  # the typed replacement for bot_data["wake_relay"]
        assert all(check.ok for check in workers.health().values()), workers.health()
        assert services.pipeline.on_group_activity is not None
        ops = next(w for w in workers._workers if isinstance(w, OpsServer))
        url = f"http://127.0.0.1:{ops.bound_port}/healthz"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            body = await response.text()
        assert response.status == 200, body
        for line in ("database: ok", "escalation relay: ok running", "groups: ok every 60 s"):
            assert line in body
        assert "nudges (leader lock nudges): ok leader; every 60 s" in body
    finally:
        await workers.stop()
        await application.job_queue.stop(wait=False)
    assert not any(check.ok for name, check in workers.health().items() if "leader" not in name)
    assert services.pipeline.on_group_activity is None
    assert application.job_queue.jobs() == ()
    async with store.engine.connect() as connection:  # the store is still usable
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1


def test_start_up_objects_are_frozen_out_of_the_collector_s_view() -> None:
    """What a process's entry point does once start-up is done (`freeze_start_up_objects`)."""
    threshold = gc.get_threshold()
    kept = {"a start-up object": [1, 2, 3]}
    try:
        freeze_start_up_objects()
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # frozen: no longer scanned
        assert gc.get_threshold()[0] > threshold[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert any(o is kept for o in gc.get_objects())
