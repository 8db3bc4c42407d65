"""Runs the Application on the durable inbox instead of python-telegram-bot's `Updater`.

Start order: the Application and `post_init` (the alert relay first), then the dispatcher —
which handles rows a previous process left unhandled before anything new — then the
transport (the getUpdates loop, or the webhook server). Stop order is the reverse; rows
still being handled get a few seconds, and anything unfinished simply waits in the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.inbox.dispatcher import Dispatcher
from bot.inbox.intake import Intake, bot_id_of
from bot.inbox.poller import Poller
from bot.inbox.replies import sweep, sweep_forever
from bot.inbox.safety_net import apologise, escalate_flagged
from bot.inbox.webhook import WebhookServer
from bot.leases import dead_here
from bot.services import Services

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600
WEBHOOK_PATH = "telegram"


@dataclass(frozen=True)
class Webhook:
    url: str
    host: str
    port: int
    secret: str


async def prune_forever(services: Services, stopped: asyncio.Event) -> None:
    """Forget handled updates past Telegram's redelivery window (a setting)."""
    window = dt.timedelta(hours=services.settings.update_redelivery_hours)
    while not stopped.is_set():
        try:
            async with services.store.transaction() as tx:
                cutoff = services.clock.now() - window
                forgotten = await tx.forget_inbox_before(cutoff)
                forgotten += await tx.forget_updates_before(cutoff)
            if forgotten:
                log.info("forgot %s handled update(s) older than %s", forgotten, window)
        except Exception as error:
            log.warning("inbox pruning failed (%s); trying again later", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), PRUNE_EVERY_SECONDS)


def make_dispatcher(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> Dispatcher:
    return Dispatcher(
        application,
        services,
        fallback=partial(escalate_flagged, application, services),
        apology=partial(apologise, application.bot, services),
    )


async def release_dead_leases(services: Services) -> None:
    """Rows a crashed process on this machine had leased are free at once after a restart
    (instead of after their lease): an alert or an answer waits seconds, not minutes."""
    try:
        async with services.store.transaction() as tx:
            dead = {h for h in await tx.lease_holders(services.clock.now()) if dead_here(h)}
            released = await tx.release_leases(dead)
        if released:
            log.warning("took over %s row(s) leased by a crashed process", released)
    except Exception as error:  # the leases will run out by themselves
        log.warning("could not check leases (%s)", type(error).__name__)


async def send_unsent_replies(
    services: Services, application: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    """Replies a crashed process committed but never sent go out before anything new."""
    try:
        sent = await sweep(services, application.bot)
        if sent:
            log.warning("sent the stored replies of %s update(s) after a restart", sent)
    except Exception as error:  # the periodic sweep tries again
        log.warning("could not send stored replies (%s)", type(error).__name__)


async def serve(
    application: Application[Any, Any, Any, Any, Any, Any],
    services: Services,
    webhook: Webhook | None = None,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT; `on_started` runs once start-up is done, before the
    first new update is taken (the process entry points freeze start-up's objects there)."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    intake = Intake(
        services.store, services.clock, bot_id_of(application.bot.token), services.deps.risk
    )
    dispatcher = make_dispatcher(application, services)
    dispatcher.attach(intake)
    await release_dead_leases(services)  # before the relay's recovery in post_init
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    await send_unsent_replies(services, application)  # before anything new: order per chat
    if on_started is not None:
        on_started()
    tasks = [
        loop.create_task(dispatcher.run(), name="inbox-dispatcher"),
        loop.create_task(prune_forever(services, stopped), name="inbox-pruner"),
        loop.create_task(sweep_forever(services, application.bot, stopped), name="reply-sweeper"),
    ]
    poller: Poller | None = None
    server: WebhookServer | None = None
    try:
        if webhook is None:
            poller = Poller(application.bot, intake)
            tasks.append(loop.create_task(poller.run(), name="inbox-poller"))
        else:
            server = WebhookServer(
                intake, webhook.host, webhook.port, WEBHOOK_PATH, webhook.secret
            )
            await server.start()
            await application.bot.set_webhook(
                f"{webhook.url.rstrip('/')}/{WEBHOOK_PATH}",
                secret_token=webhook.secret,
                allowed_updates=list(Update.ALL_TYPES),
            )
        log.info("Stride is running (%s)", "webhook" if webhook else "long polling")
        waiter = loop.create_task(stopped.wait())
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not waiter and task.exception() is not None:
                log.critical("%s stopped: %s", task.get_name(), type(task.exception()).__name__)
        waiter.cancel()
    finally:
        stopped.set()
        if poller is not None:
            poller.stop()
        if server is not None:
            await server.stop()
        dispatcher.stop()
        await dispatcher.drain_all()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await application.stop()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await application.shutdown()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # Give the signals back: a later event loop in this process (a test, the
            # sandbox) must see Ctrl-C again, not this finished loop's no-op handler.
            loop.remove_signal_handler(sig)
