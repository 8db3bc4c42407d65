"""Webhook mode: answer Telegram 200 only after the update is committed to the inbox.

A request without the secret-token header Telegram was given is refused (403) and never
stored. A database that cannot take the update answers 503: Telegram retries it later.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web

from bot.inbox.intake import Intake

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_app(intake: Intake, path: str, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            payload: Any = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400)
        try:
            await intake.store_once([payload])
        except Exception as error:
            log.warning(
                "update %s not stored (%s): answering 503 so Telegram retries",
                payload["update_id"],
                type(error).__name__,
            )
            return web.Response(status=503)
        return web.Response(status=200)

    app = web.Application(client_max_size=2**20)
    app.router.add_post(f"/{path.strip('/')}", receive)
    return app


class WebhookServer:
    def __init__(self, intake: Intake, host: str, port: int, path: str, secret: str) -> None:
        self.runner = web.AppRunner(make_app(intake, path, secret), access_log=None)
        self.host = host
        self.port = port

    async def start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()

    async def stop(self) -> None:
        await self.runner.cleanup()
