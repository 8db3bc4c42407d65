"""One try of each fault, counted as a patient or supervisor would see it.

`lost`: something that should have arrived did not (an alert, a crisis reply, an answer to
a message). `duplicated`: a message that arrived more often than allowed (an alert more than
once; the crisis reply more than twice, the at-most-once-more rule for a send whose fate is
unknown). Each scenario returns a `Tally` for its tries and never raises for a lost
message: the tests assert on the tally, the bench adds tallies up.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

from bot.faultbench.harness import (
    BACKUP_SUPERVISOR,
    SUPERVISORS,
    Person,
    World,
    bot_texts,
    reach_item9,
)
from bot.faultbench.proxy import CuttableProxy
from bot.inbox.dispatcher import LEASE as INBOX_LEASE

ALERT = "URGENT"
CRISIS = "988"  # the US crisis line: in every crisis reply to a US patient
HELP = "/today"  # in the /help answer
CONSENT = "not an emergency service"
SOS = "Patient asked for help"
RISK_TEXT = "I want to end my life"
SENT_AGAIN = "Sent again after a restart"  # an alert whose earlier copy may have arrived


@dataclass
class Tally:
    tries: int = 0
    lost: int = 0
    duplicated: int = 0
    # Of the duplicated, those whose extra copy says it may repeat an earlier message: the
    # one repeat the Bot API cannot rule out after a kill between its accept and our commit.
    labelled: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.tries += other.tries
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.labelled += other.labelled
        self.notes += other.notes


def _expect(seen: int, wanted: int, allowed: int | None = None) -> tuple[int, int]:
    """(lost, duplicated) for `seen` copies where `wanted` were due, up to `allowed` fine."""
    allowed = wanted if allowed is None else allowed
    return max(0, wanted - seen), max(0, seen - allowed)


async def _until(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.2)
    return await check()


async def _alerts_arrived(world: World, fragment: str, count: int, seconds: float) -> bool:
    async def every_supervisor() -> bool:
        for chat in SUPERVISORS:
            if len(await bot_texts(world.users, chat, fragment)) < count:
                return False
        return True

    return await _until(every_supervisor, seconds)


async def _count_alerts(world: World, fragment: str, wanted: int) -> tuple[int, int]:
    lost = duplicated = 0
    for chat in SUPERVISORS:
        seen = len(await bot_texts(world.users, chat, fragment))
        more_lost, more_duplicated = _expect(seen, wanted)
        lost, duplicated = lost + more_lost, duplicated + more_duplicated
    return lost, duplicated


# ---------------------------------------------------------------- SIGKILL after item 9
async def kill_after_item9(world: World, rng: random.Random, patients: int = 3) -> Tally:
    """`patients` press item 9 together; SIGKILL at a random moment 0–2 s later; restart.

    Each patient is one try: their alert must reach each supervisor exactly once, and their
    crisis reply arrive once (twice is allowed: a send whose fate the crash hid).
    """
    bot = world.bot()
    await bot.start(world.users)
    people = [await world.person(6001 + i) for i in range(patients)]
    await asyncio.gather(*(reach_item9(p) for p in people))
    await asyncio.gather(*(p.press("Several days") for p in people))
    delay = rng.uniform(0.0, 2.0)
    await asyncio.sleep(delay)
    await bot.kill()
    await bot.start(world.users)
    await _alerts_arrived(world, ALERT, patients, 15)
    for person in people:
        await _until(lambda person=person: _has(person, CRISIS), 10)  # type: ignore[misc]
    await asyncio.sleep(2)  # time for a duplicate to show up
    lost, duplicated = await _count_alerts(world, ALERT, patients)
    tally = Tally(patients, lost, duplicated)
    await _label_repeats(world, tally, SUPERVISORS, f"kill {delay:.2f} s after the press")
    for person in people:
        crisis = len(await person.bot_messages(CRISIS))
        more_lost, more_duplicated = _expect(crisis, 1, allowed=2)
        tally.lost += more_lost
        tally.duplicated += more_duplicated
        if crisis == 2:
            tally.notes.append(f"crisis reply twice (kill {delay:.2f} s after the press)")
    await bot.stop()
    return tally


async def _label_repeats(world: World, tally: Tally, chats: tuple[int, ...], when: str) -> None:
    """Count the duplicates that say they may repeat an earlier copy (the documented window:
    a kill after Telegram accepted an alert and before the commit that records it)."""
    if not tally.duplicated:
        return
    marked = sum([len(await bot_texts(world.users, chat, SENT_AGAIN)) for chat in chats])
    tally.labelled = min(tally.duplicated, marked)
    label = "labelled as a possible repeat" if marked >= tally.duplicated else "NOT labelled"
    tally.notes.append(f"an alert sent again, {label} ({when})")


async def _has(person: Person, fragment: str) -> bool:
    return bool(await person.bot_messages(fragment))


# ---------------------------------------------------------------- the database goes away
async def _traffic_while(world: World, person: Person, helps: int) -> None:
    for _ in range(helps):
        await person.send("/help")
        await asyncio.sleep(0.3)
    await person.send(RISK_TEXT)


async def _count_traffic(world: World, person: Person, helps: int, seconds: float) -> Tally:
    async def answered() -> bool:
        return len(await person.bot_messages(HELP)) >= helps and await _has(person, CRISIS)

    await _until(answered, seconds)
    await _alerts_arrived(world, ALERT, 1, 10)
    await asyncio.sleep(1)
    lost, duplicated = _expect(len(await person.bot_messages(HELP)), helps)
    crisis_lost, crisis_duplicated = _expect(len(await person.bot_messages(CRISIS)), 1, 2)
    alert_lost, alert_duplicated = await _count_alerts(world, ALERT, 1)
    return Tally(
        helps + 1 + len(SUPERVISORS),
        lost + crisis_lost + alert_lost,
        duplicated + crisis_duplicated + alert_duplicated,
    )


async def postgres_unavailable(world: World, rng: random.Random, seconds: float = 20) -> Tally:
    """The bot's road to PostgreSQL is cut for `seconds` while a patient keeps writing."""
    url = make_url(world.database_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
        bot = world.bot(database_url=via_proxy)
        await bot.start(world.users)
        person = await world.person(6002)
        proxy.cut()
        started = time.monotonic()
        await _traffic_while(world, person, helps=5)
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
        proxy.restore()
        tally = await _count_traffic(world, person, 5, 60)
        await bot.stop()
        return tally
    finally:
        await proxy.stop()


LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


async def sqlite_locked(world: World, rng: random.Random, seconds: float = 10) -> Tally:
    """Another process holds SQLite's write lock for `seconds` while a patient writes."""
    database = make_url(world.database_url).database or ""
    bot = world.bot()
    await bot.start(world.users)
    person = await world.person(6003)
    await person.send("/help")  # the database is in use before the lock
    await person.wait_for(HELP)
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, database, str(seconds), stdout=asyncio.subprocess.PIPE
    )
    assert locker.stdout is not None
    await locker.stdout.readline()  # "locked"
    await _traffic_while(world, person, helps=4)
    await locker.wait()
    tally = await _count_traffic(world, person, 5, 60)
    await bot.stop()
    return tally


# ---------------------------------------------------------------- answerCallbackQuery fails
async def callback_answers_fail(world: World, rng: random.Random) -> Tally:
    """Every answerCallbackQuery fails (500s, then "query is too old"): no press is lost."""
    await world.users.set_faults(
        fail_next=4, method="answerCallbackQuery", status=500, description="Internal Server Error"
    )
    await world.users.set_faults(
        fail_next=1000,
        method="answerCallbackQuery",
        status=400,
        description="Bad Request: query is too old and response timeout expired or query ID "
        "is invalid",
    )
    bot = world.bot()
    await bot.start(world.users)
    person = await world.person(6004)
    presses = 10
    try:
        await reach_item9(person)
        await person.press("Several days")
        await person.wait_for(CRISIS)
        await _alerts_arrived(world, ALERT, 1, 10)
        lost, duplicated = await _count_alerts(world, ALERT, 1)
    except AssertionError:
        lost, duplicated = 1, 0
    await world.users.clear_faults()
    await bot.stop()
    return Tally(presses, lost, duplicated)


# ---------------------------------------------------------------- one patient floods
async def flood(world: World, rng: random.Random, messages: int = 200) -> Tally:
    """One patient sends `messages` texts in a few seconds; another writes risk language
    in the middle of it: their alert must reach the supervisors within 5 s."""
    bot = world.bot()
    await bot.start(world.users)
    flooder = await world.person(6005, "Flo")
    other = await world.person(6006, "Ria")
    sent = 0
    halfway = asyncio.Event()
    gate = asyncio.Semaphore(10)

    async def one(index: int) -> None:
        nonlocal sent
        async with gate:
            await world.users.send_text(flooder.user_id, f"just chatting {index}")
            sent += 1
            if sent >= messages // 2:
                halfway.set()

    flooding = [asyncio.create_task(one(i)) for i in range(messages)]
    await halfway.wait()
    await other.send(RISK_TEXT)
    started = time.monotonic()
    arrived = await _alerts_arrived(world, "end my life", 1, 5.0)
    latency = time.monotonic() - started
    await asyncio.gather(*flooding)
    _, duplicated = await _count_alerts(world, "end my life", 1)
    await bot.stop()
    tally = Tally(1, 0 if arrived else 1, duplicated)
    tally.notes.append(f"alert after {latency:.2f} s")
    return tally


# ---------------------------------------------------------------- two instances, one dies
async def two_instances(world: World, rng: random.Random, patients: int = 4) -> Tally:
    """Two Stride processes on one database; one is SIGKILLed mid-run. Every alert and
    every escalation to the next level must arrive (one incident per patient: the next level
    gets it once, the first level is not sent it again), exactly once unless the kill fell
    between Telegram accepting an alert and the commit recording it: then once more, labelled
    as a possible repeat, as after any crash (docs/reliability.md)."""
    env = {"ESCALATION_ACK_SECONDS": "60"}
    first, second = world.bot("first", **env), world.bot("second", **env)
    await first.start(world.users)
    await second.start(world.users)
    people = [await world.person(6100 + i) for i in range(patients)]
    for person in people:
        await person.send("/sos")
    delay = rng.uniform(0.0, 1.5)
    await asyncio.sleep(delay)
    await first.kill()
    # A /sos the killed process had leased but not committed is the survivor's once the
    # inbox lease runs out: wait that long before moving the clock past the acknowledgement
    # time (moving it sooner would expire the lease early and start that incident late).
    await _alerts_arrived(world, SOS, patients, INBOX_LEASE.total_seconds() + 15)
    await asyncio.to_thread(world.clock_file.write_text, "61")  # past the acknowledgement time
    await _until(lambda: _count_at_least(world, BACKUP_SUPERVISOR, SOS, patients), 20)
    await asyncio.sleep(2)
    lost, duplicated = await _count_alerts(world, SOS, patients)
    backup = len(await bot_texts(world.users, BACKUP_SUPERVISOR, SOS))
    more_lost, more_duplicated = _expect(backup, patients)
    await second.stop()
    tries = (len(SUPERVISORS) + 1) * patients
    tally = Tally(tries, lost + more_lost, duplicated + more_duplicated)
    chats = (*SUPERVISORS, BACKUP_SUPERVISOR)
    await _label_repeats(world, tally, chats, f"one process killed {delay:.2f} s after the /sos")
    return tally


async def _count_at_least(world: World, chat: int, fragment: str, count: int) -> bool:
    return len(await bot_texts(world.users, chat, fragment)) >= count


# ---------------------------------------------------------------- an unreadable update
POISON_WORDS = "poison words that must never be logged"


async def poison_update(world: World, rng: random.Random) -> Tally:
    """An update the library cannot read: stored, skipped, logged without its content; the
    next message is answered and polling does not spin."""
    bot = world.bot()
    await bot.start(world.users)
    world.emulator.emulator.world.push_update(
        "message", {"message_id": 1, "text": POISON_WORDS, "from": {"id": 6007}}
    )
    person = await world.person(6008)
    await asyncio.sleep(0.5)
    before = (await world.users.stats())["methods"].get("getUpdates", 0)
    await person.send("/help")
    answered = await _until(lambda: _has(person, HELP), 10)
    await asyncio.sleep(2)
    polls = (await world.users.stats())["methods"].get("getUpdates", 0) - before
    await bot.stop()
    store = world.store()
    try:
        async with store.transaction() as tx:
            counts = await tx.inbox_counts()
    finally:
        await store.close()
    lost = (0 if answered else 1) + (0 if counts.get("poison") == 1 else 1)
    lost += 1 if POISON_WORDS in bot.full_log() else 0
    tally = Tally(1, lost, 0)
    tally.notes.append(f"{polls} getUpdates calls in ~2.5 s")
    if polls > 20:
        tally.lost += 1
        tally.notes.append("polling spun")
    return tally


# ---------------------------------------------------------------- a burst of new patients
async def burst(world: World, rng: random.Random, patients: int = 400) -> Tally:
    """`patients` people press /start within a second or two: every one is answered once."""
    bot = world.bot()
    await bot.start(world.users)
    gate = asyncio.Semaphore(25)
    ids = [7000 + i for i in range(patients)]

    async def create(user_id: int) -> None:
        async with gate:
            await world.users.create_user(user_id, f"P{user_id}", language_code="en")

    async def start(user_id: int) -> None:
        async with gate:
            await world.users.send_text(user_id, "/start")

    await asyncio.gather(*(create(i) for i in ids))
    await asyncio.gather(*(start(i) for i in ids))
    answered: dict[int, int] = {}

    async def everyone() -> bool:
        for user_id in ids:
            if answered.get(user_id, 0) == 0:
                answered[user_id] = len(await bot_texts(world.users, user_id, CONSENT))
        return all(answered.values())

    await _until(everyone, 120)
    await asyncio.sleep(1)
    for user_id in ids:
        answered[user_id] = len(await bot_texts(world.users, user_id, CONSENT))
    await bot.stop()
    lost = sum(1 for n in answered.values() if n == 0)
    duplicated = sum(n - 1 for n in answered.values() if n > 1)
    return Tally(patients, lost, duplicated)


Scenario = Callable[[World, random.Random], Awaitable[Tally]]


async def two_instances_nudges(world: World, rng: random.Random) -> Tally:
    """Due nudges with two processes, one killed (`nudge_scenarios`, kept apart for size)."""
    from bot.faultbench.nudge_scenarios import two_instances_nudges as scenario

    return await scenario(world, rng)


# name: (what it does, the scenario, backends it runs on)
SCENARIOS: dict[str, tuple[str, Scenario, tuple[str, ...]]] = {
    "kill-after-item9": (
        "SIGKILL 0–2 s after a PHQ-9 item-9 press, restart",
        kill_after_item9,
        ("sqlite", "postgresql"),
    ),
    "postgres-unavailable": (
        "PostgreSQL unreachable for 20 s under traffic (5 messages + risk language)",
        postgres_unavailable,
        ("postgresql",),
    ),
    "sqlite-locked": (
        "SQLite write lock held by another process for 10 s under traffic",
        sqlite_locked,
        ("sqlite",),
    ),
    "callback-answers-fail": (
        "every answerCallbackQuery fails (500, then 'query is too old')",
        callback_answers_fail,
        ("sqlite", "postgresql"),
    ),
    "flood": (
        "200 messages from one patient; another's risk message alerted within 5 s",
        flood,
        ("sqlite", "postgresql"),
    ),
    "two-instances": (
        "two processes on one PostgreSQL, one SIGKILLed; alerts and re-escalations",
        two_instances,
        ("postgresql",),
    ),
    "two-instances-nudges": (
        "two processes on one PostgreSQL, one SIGKILLed and restarted; due nudges",
        two_instances_nudges,
        ("postgresql",),
    ),
    "poison-update": (
        "an update the library cannot parse",
        poison_update,
        ("sqlite", "postgresql"),
    ),
    "burst-400": (
        "400 new patients press /start at once",
        burst,
        ("sqlite",),
    ),
}
