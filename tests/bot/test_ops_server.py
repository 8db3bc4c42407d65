"""/healthz and /metrics: the text parses as Prometheus' format and carries live figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops_server import OpsServer
from bot.storage import Store
from bot.storage.updates import NewUpdate
from bot.workers import Health
from dialogs.records import EscalationRequest, EscalationTrigger, Priority
from dialogs.state import Outcome

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


class FixedClock:
    def now(self) -> dt.datetime:
        return NOW


@pytest.fixture
async def server(store: Store) -> AsyncIterator[OpsServer]:
    ops = OpsServer(store, FixedClock(), "127.0.0.1", 0)
    await ops.start()
    try:
        yield ops
    finally:
        await ops.stop()


async def _get(server: OpsServer, path: str) -> tuple[int, str, str]:
    url = f"http://127.0.0.1:{server.bound_port}{path}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def _alert_pending_since(store: Store, at: dt.datetime) -> None:
    async with store.transaction() as tx:
        patient = await tx.create_patient(
            telegram_id=5, chat_id=5, language="en", country="US", timezone="UTC", now=at
        )
        request = EscalationRequest(EscalationTrigger.SOS, Priority.URGENT, {})
        escalation = await tx.save(patient, Outcome(escalations=[request]), at)
        await tx.add_deliveries(escalation[0], 0, [900001], at)


async def test_metrics_parse_as_prometheus_text_with_stride_series(
    server: OpsServer, store: Store
) -> None:
    await _alert_pending_since(store, NOW - dt.timedelta(minutes=3))
    async with store.transaction() as tx:  # two updates received, not yet handled
        await tx.store_updates(
            [NewUpdate(1, n, f"d{n}", {"update_id": n}, "message", 7, False) for n in (1, 2)],
            NOW,
        )
    status, content_type, body = await _get(server, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(body)}
    for name in (
        "stride_updates",
        "stride_update_handling_seconds",
        "stride_inbox_depth",
        "stride_alerts_pending",
        "stride_alert_oldest_pending_seconds",
        "stride_nudges_due",
        "stride_nudges_sent",
        "stride_telegram_429",
        "stride_database_errors",
        "stride_sql_statements",
        "stride_database_connections_opened",
    ):
        assert name in families, name
    value = {
        sample.name: sample.value
        for family in families.values()
        for sample in family.samples
        if not sample.labels
    }
    assert value["stride_alerts_pending"] == 1
    assert value["stride_inbox_depth"] == 2
    assert value["stride_alert_oldest_pending_seconds"] == 180
    assert value["stride_sql_statements_total"] > 0
    assert families["stride_update_handling_seconds"].type == "histogram"


async def test_healthz_reports_the_database_and_each_worker(store: Store) -> None:
    workers = {"relay": Health(True, "idle"), "nudges": Health(False, "stuck")}
    ops = OpsServer(store, FixedClock(), "127.0.0.1", 0, workers_health=lambda: workers)
    await ops.start()
    try:
        status, _, body = await _get(ops, "/healthz")
        assert status == 503
        assert body.splitlines() == ["database: ok ok", "relay: ok idle", "nudges: FAIL stuck"]
        workers["nudges"] = Health(True)
        status, _, _ = await _get(ops, "/healthz")
        assert status == 200
    finally:
        await ops.stop()
