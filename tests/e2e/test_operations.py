"""Operations end to end: SIGTERM mid-traffic loses nothing; two replicas, no double reply.

The simulated patients are the load benchmark's (bot/bench_load.py): each answers consent
and the PHQ-9 by buttons as soon as it reads a question, so updates are in flight at any
moment.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import socket
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.bench_load import FIRST_PATIENT, SimulatedPatient, Watcher
from bot.emulator import EmulatorClient, EmulatorServer
from bot.storage.repository import Store
from tests.e2e.harness import BotProcess, bot_environment

pytestmark = pytest.mark.e2e

PATIENTS = 12
THINK_S = 0.05


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _patients(emulator: EmulatorServer, watcher: Watcher) -> list[SimulatedPatient]:
    people = [
        SimulatedPatient(emulator, watcher, FIRST_PATIENT + n, THINK_S) for n in range(PATIENTS)
    ]
    for person in people:
        emulator.emulator.world.upsert_user(
            user_id=person.user_id, first_name="P", language_code="en"
        )
    return people


async def _completed_baselines(store: Store) -> dict[int, int]:
    """telegram id → answers stored in the patient's completed baseline check-in."""
    async with store.transaction() as tx:
        rows = await tx._session.execute(
            text(
                "SELECT p.telegram_id, c.answers FROM checkins c JOIN patients p "
                "ON p.id = c.patient_id WHERE c.completed_at IS NOT NULL"
            )
        )
        return {
            int(telegram_id): len(json.loads(answers) if isinstance(answers, str) else answers)
            for telegram_id, answers in rows
        }


def _questions_per_chat(emulator: EmulatorServer, people: list[SimulatedPatient]) -> Counter[str]:
    """How often each PHQ-9 question was sent to each patient (1 everywhere: no doubles)."""
    counts: Counter[str] = Counter()
    for person in people:
        chat = emulator.emulator.world.chats[person.user_id]
        for message in chat.messages.values():
            if message.by_bot and (message.text or "").startswith("Question "):
                counts[f"{person.user_id}:{message.text.splitlines()[0]}"] += 1
    return counts


async def test_sigterm_mid_traffic_finishes_in_flight_work_and_loses_nothing(
    bot: BotProcess, emulator: EmulatorServer, users: EmulatorClient, store: Store
) -> None:
    watcher = Watcher(emulator)
    people = _patients(emulator, watcher)
    await bot.start(users)
    runs = [asyncio.create_task(person.run(120)) for person in people]  # a restart included
    await asyncio.sleep(4)  # patients are mid-questionnaire, answers in flight
    assert not all(run.done() for run in runs)
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.process.wait(), 30) == 0, bot.log()  # a clean exit
    bot.polls_before = (await users.stats())["methods"].get("getUpdates", 0)
    await bot.start(users)
    await asyncio.gather(*runs, return_exceptions=True)
    assert all(person.finished for person in people), _stuck(emulator, people) + bot.log()
    baselines = await _completed_baselines(store)
    assert {p.user_id: baselines.get(p.user_id) for p in people} == {p.user_id: 9 for p in people}
    assert set(_questions_per_chat(emulator, people).values()) == {1}
    assert "Traceback" not in bot.log()


def _stuck(emulator: EmulatorServer, people: list[SimulatedPatient]) -> str:
    lines = []
    for person in people:
        if person.finished:
            continue
        chat = emulator.emulator.world.chats[person.user_id]
        last = list(chat.messages.values())[-4:]
        lines.append(
            f"{person.user_id}: "
            + " | ".join(
                f"{m.by_bot} {(m.text or '')[:30]!r} {m.reply_markup} {len(m.history)}"
                for m in last
            )
        )
    lines.append(str(emulator.emulator.world.stats))
    return "\n".join(lines) + "\n"


class RoundRobin:
    """A load balancer in front of two replicas that also re-delivers every message update
    to the other replica, as Telegram does when a webhook answer is late."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turn = itertools.cycle(range(len(ports)))
        self.served: Counter[int] = Counter()
        self.doubled = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = "application/json"
        first = next(self.turn)
        order = [self.ports[first], *(p for p in self.ports if p != self.ports[first])]
        async with aiohttp.ClientSession() as http:
            status = await self._forward(http, order, body, headers)
            if b'"callback_query"' not in body:
                other = order[1]
                self.doubled += 1
                await self._forward(http, [other], body, headers)
        return web.Response(status=status)

    async def _forward(
        self, http: aiohttp.ClientSession, ports: list[int], body: bytes, headers: dict[str, str]
    ) -> int:
        for port in ports:  # a replica that is not up yet: the next one
            try:
                url = f"http://127.0.0.1:{port}/telegram"
                async with http.post(url, data=body, headers=headers) as response:
                    self.served[port] += 1
                    return response.status
            except aiohttp.ClientConnectionError:
                continue
        return 502


@pytest.fixture
async def balancer() -> AsyncIterator[tuple[RoundRobin, int]]:
    ports = [_free_port(), _free_port()]
    proxy = RoundRobin(ports)
    app = web.Application()
    app.router.add_post("/telegram", proxy.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield proxy, port
    finally:
        await runner.cleanup()


@pytest.mark.both_databases
async def test_two_replicas_on_postgresql_serve_one_population_without_double_replies(
    bot: BotProcess,
    emulator: EmulatorServer,
    users: EmulatorClient,
    store: Store,
    database_url: str,
    balancer: tuple[RoundRobin, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas need PostgreSQL (SQLite refuses a second process)")
    proxy, proxy_port = balancer
    watcher = Watcher(emulator)
    people = _patients(emulator, watcher)
    bot.env["WEBHOOK_SECRET"] = "replica-secret"
    second = BotProcess(env=dict(bot.env), workdir=tmp_path_factory.mktemp("replica2"))
    url = f"http://127.0.0.1:{proxy_port}"
    try:
        for process, port in ((bot, proxy.ports[0]), (second, proxy.ports[1])):
            args = ("--webhook-url", url, "--listen", f"127.0.0.1:{port}", "--no-migrate")
            await process.start(users, args=args)
        await _until_listening(proxy.ports)
        await asyncio.gather(*(person.run(120) for person in people))
        assert all(person.finished for person in people)
        assert set(_questions_per_chat(emulator, people).values()) == {1}
        assert proxy.doubled >= PATIENTS  # every /start reached both replicas
        assert all(proxy.served[port] > PATIENTS for port in proxy.ports)  # both worked
        baselines = await _completed_baselines(store)
        assert {p.user_id: baselines.get(p.user_id) for p in people} == {
            p.user_id: 9 for p in people
        }
        async with store.transaction() as tx:
            count = await tx._session.scalar(text("SELECT count(*) FROM patients"))
        assert count == PATIENTS  # a doubled /start never made a second patient
    finally:
        second.kill()
        if second.process is not None:
            await second.process.wait()


async def _until_listening(ports: list[int]) -> None:
    """Each replica's webhook server is up; 30 s each, as a replica starting on a busy CI
    machine (imports, content, a PostgreSQL pool) has taken more than 10 s."""
    for port in ports:
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            await writer.wait_closed()
            break
        else:
            raise AssertionError(f"replica on port {port} never listened")


__all__ = ["bot_environment"]
