"""`/healthz` and `/metrics` on a small port of their own (METRICS_HOST:METRICS_PORT).

A port of its own in both modes: python-telegram-bot's webhook server (tornado) serves one
path, and a scrape or a load balancer's health check must keep answering while updates
queue. `/healthz` answers 200 when the database answers and every worker is healthy, 503
otherwise, with one line per check; `/metrics` refreshes the database-read gauges and
answers Prometheus' text format.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web
from sqlalchemy import text

from bot import metrics
from bot.clock import Clock
from bot.storage.repository import Store
from bot.workers import Health

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 5.0


class OpsServer:
    """A `Worker` (bot.workers) serving /healthz and /metrics."""

    name = "ops server"

    def __init__(
        self,
        store: Store,
        clock: Clock,
        host: str,
        port: int,
        workers_health: Callable[[], dict[str, Health]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.host = host
        self.port = port
        self.workers_health = workers_health or dict
        self._runner: web.AppRunner | None = None

    @property
    def bound_port(self) -> int:
        """The port actually bound (useful with port 0 in tests)."""
        assert self._runner is not None, "not started"
        for site in self._runner.sites:
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                return int(server.sockets[0].getsockname()[1])
        return self.port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("health and metrics on http://%s:%d/", self.host, self.bound_port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def health(self) -> Health:
        return Health(self._runner is not None, "serving" if self._runner else "stopped")

    async def _database_ok(self) -> Health:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S), self.store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure is an unhealthy answer, not a crash
            return Health(False, type(error).__name__)
        return Health(True, "ok")

    async def _healthz(self, _request: web.Request) -> web.Response:
        checks = {"database": await self._database_ok(), **self.workers_health()}
        healthy = all(check.ok for check in checks.values())
        body = "".join(
            f"{name}: {'ok' if check.ok else 'FAIL'} {check.detail}".rstrip() + "\n"
            for name, check in checks.items()
        )
        return web.Response(text=body, status=200 if healthy else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await metrics.refresh(self.store, self.clock.now())
        except TimeoutError:
            metrics.SCRAPE_ERRORS.inc()
        response = web.Response(body=metrics.render())
        response.content_type = "text/plain"
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response
