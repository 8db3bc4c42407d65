"""A peer group of three members, through the real bot process and the emulator.

The story: Stride is added to a group and greets it; three members join (one shows her name,
two do not); someone who never said yes to the terms is invited privately, and someone the
bot cannot write to is told neutrally in the group; a non-admin tries /challenge and is
refused; the admin sets the goal; /board@otherbot is ignored; members log sessions in their
private chats, the first is celebrated at once, the goal is reached and celebrated, and a
waiting celebration goes out in one batch; a cheer; risk language in the group gets no group
message and a private crisis reply; a member leaves; the group becomes a supergroup and its
board follows; the bot is removed. Then the clinical-words scan reads every message the bot
sent to a group chat.

Members are seeded straight into the database (onboarding is tested in
test_patient_journey.py), each with a PHQ-9 check-in and a mood rating on record: clinical
data that exists and must never reach the group.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.emulator import EmulatorClient
from bot.storage.repository import Store
from content.loader import shipped_content
from dialogs.records import CheckinKind, CheckinRecord, ConsentRecord, MoodRecord
from dialogs.state import Outcome
from tests.e2e.harness import SUPERVISOR, BotProcess, Person, bots_now

pytestmark = pytest.mark.e2e

ANA, BEN, CY = 7001, 7002, 7003  # Ana is the group's creator, shows her name and cheers
DEE = 7004  # never opened a chat with Stride's terms: invited privately
EVE = 7005  # blocked the bot: cannot be written to privately
TODAY = bots_now().date()
CONSENT = shipped_content().consent
RISK_TEXT = "honestly some days I want to end my life"

# --- the clinical-words scan -------------------------------------------------------------------
#
# What must never be written in a group chat (CLINICAL_SPEC 6.4), as case-insensitive regular
# expressions, English then Spanish. Each names something Stride keeps between a patient and
# their care team: the PHQ-9 and what it is made of (instrument, items, answers, scores,
# bands), mood ratings, barriers, safety plans, risk and escalation, crisis wording and the
# crisis lines. Word boundaries keep "sad" from matching inside another word; stems (depress*,
# suicid*, escalat*) catch every form. `clinical_terms()` adds, from the shipped content,
# every PHQ-9 answer label and band label and every crisis number, so a new country's line or
# a reworded answer is covered without editing this list.
CLINICAL_WORDS = [
    r"\bPHQ",
    r"\bPHQ-?9\b",
    r"\bscores?\b",
    r"\bitems?\b",
    r"\bquestionnaire",
    r"\bcheck-?ins?\b",
    r"\bmoods?\b",
    r"\bdepress\w*",
    r"\bsuicid\w*",
    r"\bcrisis\b",
    r"\brisk\w*",
    r"\bescalat\w*",
    r"\bsafety plan",
    r"\bbarriers?\b",
    r"\bsad\b",
    r"\bself[- ]?harm",
    r"\bhopeless",
    r"\bemergenc\w*",
    r"\bcare team\b",
    r"\bsupervisor",
    r"\blifeline\b",
    r"\bsamaritans\b",
    r"\bSeveral days\b",
    r"\bMore than half the days\b",
    r"\bNearly every day\b",
    r"\bNot at all\b",
    r"\b(minimal|mild|moderate|moderately severe|severe)\b",
    # Spanish
    r"\bpuntuaci[oó]n",
    r"\bpreguntas?\b",
    r"\bcuestionario",
    r"\brevisi[oó]n",
    r"\bánimo\b",
    r"\bestado de ánimo\b",
    r"\bdepresi\w*",
    r"\bdeprimid\w*",
    r"\bcrisis\b",
    r"\briesgos?\b",
    r"\bplan de seguridad\b",
    r"\bobst[aá]culos?\b",
    r"\btriste\w*",
    r"\bautolesi\w*",
    r"\bemergencia",
    r"\bequipo de atenci[oó]n",
    r"\bVarios días\b",
    r"\bMás de la mitad de los días\b",
    r"\bCasi todos los días\b",
    r"\bNingún día\b",
    r"\b(mínima|leve|moderada|grave)\b",
]
# Crisis numbers written by hand as well (CLINICAL_SPEC 7), in case content changes.
CRISIS_NUMBERS = ["988", "9-8-8", "911", "999", "112", "000", "116 123", "13 11 14", "111", "024"]


def clinical_terms() -> list[re.Pattern[str]]:
    content = shipped_content()
    words = list(CLINICAL_WORDS)
    phq9 = content.phq9
    labels = [option.label for option in phq9.options] + [band.label for band in phq9.bands]
    for label in labels:
        words += [rf"\b{re.escape(text)}\b" for text in label.model_dump().values()]
    numbers = set(CRISIS_NUMBERS)
    for country in content.crisis.countries.values():
        numbers.add(country.emergency)
        for line in country.lines:
            numbers.update(n for n in (line.call, line.text) if n)
    words += [rf"(?<![\d-]){re.escape(number)}(?![\d-])" for number in sorted(numbers)]
    return [re.compile(word, re.IGNORECASE) for word in words]


def scan_for_clinical_words(
    messages: Iterable[str], allowed_numbers: set[int] | None = None
) -> None:
    """Fail loudly, naming the message and the word, if any text says anything clinical.

    With `allowed_numbers`, every number in a message must be one of them (the story's
    minutes and goals): a leaked PHQ-9 total or mood rating would be a number the story
    never produced.
    """
    patterns = clinical_terms()
    problems = []
    for text in messages:
        for pattern in patterns:
            if (found := pattern.search(text)) is not None:
                problems.append(f"{found.group(0)!r} (pattern {pattern.pattern}) in: {text!r}")
        if allowed_numbers is not None:
            for number in re.findall(r"\d+", text):
                if int(number) not in allowed_numbers:
                    problems.append(f"unexpected number {number} in: {text!r}")
    assert not problems, "clinical content in a group chat:\n" + "\n".join(problems)


# --- helpers -----------------------------------------------------------------------------------


@dataclass
class Group:
    """The group chat as its members see it."""

    users: EmulatorClient
    chat_id: int
    seen: int = 0

    async def say(self, user_id: int, text: str, reply_to: int | None = None) -> int:
        return await self.users.send_text(user_id, text, chat_id=self.chat_id, reply_to=reply_to)

    async def expect(self, fragment: str, timeout: float = 20) -> dict[str, Any]:
        message = await self.users.wait_for_text(
            self.chat_id, fragment, timeout, after_id=self.seen
        )
        self.seen = max(self.seen, int(message["message_id"]))
        return message

    async def bot_messages_after(self, message_id: int) -> list[dict[str, Any]]:
        return await self.users.messages(self.chat_id, after_id=message_id)


async def seed_member(store: Store, telegram_id: int, *, share: bool, cheer: bool) -> None:
    """An onboarded patient in week 1 (target 3 × 20 = 60 min) with clinical data on record."""
    now = bots_now()
    async with store.transaction() as tx:
        state = await tx.create_patient(
            telegram_id=telegram_id,
            chat_id=telegram_id,
            language="en",
            country="US",
            timezone="UTC",
            now=now,
        )
        state.patient.journey = "active"
        profile = state.profile
        profile.age, profile.resting_hr, profile.beta_blockers = 40, 60, False
        profile.activity_level, profile.preferred_modalities = "some", ["aerobic"]
        profile.training_days, profile.preferred_time = [0, 2, 4], "08:00"
        profile.programme_start = profile.phase_started = now.date()
        profile.share_name_in_groups, profile.celebrate_in_groups = share, cheer
        outcome = Outcome()
        outcome.store(
            ConsentRecord(CONSENT.id, CONSENT.current.version, now),  # no re-consent asked
            CheckinRecord(
                instrument_id="phq9",
                instrument_version="1",
                kind=CheckinKind.BASELINE,
                started_at=now,
                answers={f"phq9_{i}": 2 for i in range(1, 8)} | {"phq9_8": 0, "phq9_9": 0},
                completed_at=now,
                total=14,
                band="moderate",
            ),
            MoodRecord(at=now, score=3),
        )
        await tx.save(state, outcome, now)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10) -> bool:
    """Updates of different users run concurrently: wait until `check` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def has_size(store: Store, chat_id: int, size: int) -> bool:
    async with store.transaction() as tx:
        group = await tx.group_for_chat(chat_id)
        members = [] if group is None else await tx.group_members(group.id, TODAY, TODAY)
    return group is not None and len(members) == size


async def is_inactive(store: Store, chat_id: int) -> bool:
    async with store.transaction() as tx:
        group = await tx.group_for_chat(chat_id)
    return group is not None and not group.active


async def log_session(person: Person, minutes: int) -> None:
    await person.send("/log")
    await person.press("Aerobic exercise")
    await person.press(f"{minutes} min")
    await person.press("About right")
    await person.press("4")
    await person.press("7")
    await person.wait_for(f"{minutes} minutes")


# --- the story -----------------------------------------------------------------------------------


async def test_a_peer_group_story_never_hears_anything_clinical(
    bot: BotProcess, users: EmulatorClient, store: Store
) -> None:
    for user_id, name in ((ANA, "Ana"), (BEN, "Ben"), (CY, "Cy"), (DEE, "Dee"), (EVE, "Eve")):
        await users.create_user(user_id, name, language_code="en")
    await seed_member(store, ANA, share=True, cheer=True)
    await seed_member(store, BEN, share=False, cheer=True)
    await seed_member(store, CY, share=False, cheer=False)
    await users.block(EVE)
    bot_id = int((await users.request("GET", "/control/bot"))["bot"]["id"])
    chat = await users.create_group(
        "Morning walkers", members=[ANA, BEN, CY, DEE, EVE], creator=ANA, bot_status="left"
    )
    group = Group(users, int(chat["id"]))
    await bot.start(users)

    # Added by Ana: a greeting; three members join.
    await users.chat_member(group.chat_id, bot_id, "add", by_id=ANA)
    await group.expect("I'm Stride")
    (menu,) = [
        m["commands"]
        for m in await users.commands()
        if m["scope"] == {"type": "all_group_chats"} and not m["language_code"]
    ]
    assert [c["command"] for c in menu] == ["join", "leave", "board", "challenge", "cheer", "help"]
    await group.say(ANA, "/join")
    await group.expect("Welcome to the board, Ana!")
    ben_join = await group.say(BEN, "/join")
    await group.expect("Your minutes now count")
    await group.say(CY, "/join")
    await group.expect("Your minutes now count")

    # Not consented: a private invitation; unreachable privately: a neutral word in the group.
    await group.say(DEE, "/join")
    await group.expect("I've sent you a private message")
    await users.wait_for_text(DEE, "send /start here first", 10)
    await group.say(EVE, "/join")
    await group.expect("start a private chat with me first")

    # Only admins set the goal; a bad number is asked again with the range.
    await group.say(BEN, "/challenge 60")
    await group.expect("Only group admins can set the goal.")
    async with store.transaction() as tx:
        stored = await tx.group_for_chat(group.chat_id)
    assert stored is not None and stored.goal_minutes is None
    await group.say(ANA, "/challenge lots")
    await group.expect("from 10 to 10000")
    await group.say(ANA, "/challenge 90")
    await group.expect("New group goal: 90 minutes")

    # A command for another bot is not ours: only the second /board is answered.
    other = await group.say(CY, "/board@otherbot")
    mine = await group.say(CY, "/board")
    board = await group.expect("This week together: 0 of 90 minutes.")
    assert [m["message_id"] for m in await group.bot_messages_after(other)] == [
        board["message_id"]
    ]
    assert board["reply_to_message_id"] == mine
    assert board["text"].count("a member: 0 min") == 2 and "Ana: 0 min" in board["text"]

    # Sessions logged in private: Ana is cheered at once; the goal is reached on Cy's session.
    ana, ben, cy = Person(users, ANA), Person(users, BEN), Person(users, CY)
    await log_session(ana, 30)
    await group.expect("Ana got moving today")
    await log_session(ben, 30)
    await log_session(cy, 30)
    await group.expect("We reached 90 minutes this week")
    # Ben's cheer waits for the ten-minute window; once it has passed, the next session
    # brings one message naming everyone waiting (Cy turned cheers off: not named).
    async with store.transaction() as tx:
        stored = await tx.group_for_chat(group.chat_id)
        assert stored is not None and stored.last_celebration_at is not None
        stored.last_celebration_at -= dt.timedelta(minutes=11)
        await tx.save_group(stored)
    await log_session(ana, 10)
    batch = await group.expect("got moving today")
    assert batch["text"] == "Ana and a member got moving today. Well done!"

    await group.say(CY, "/board")
    board = await group.expect("This week together: 100 of 90 minutes.")
    assert board["text"].splitlines()[2] == "Ana: 40 min"
    # Ben keeps his name to himself: Ana's cheer answers his message without naming him.
    await group.say(ANA, "/cheer", reply_to=ben_join)
    cheer = await group.expect("Nice work! Keep it up.")
    assert cheer["reply_to_message_id"] == ben_join
    await group.say(BEN, "/cheer @ana_walks")
    await group.expect("Nice work, @ana_walks!")

    # Risk language in the group: nothing in the group, the crisis reply in private.
    before = await group.say(CY, RISK_TEXT)
    await users.wait_for_text(CY, "988", 15)
    await users.wait_for_text(SUPERVISOR, "URGENT", 15)
    assert await group.bot_messages_after(before) == []

    # Ben leaves the board; Cy leaves the chat (off the board too).
    await group.say(BEN, "/leave")
    await group.expect("You're no longer on the group board")
    await users.chat_member(group.chat_id, CY, "leave")
    assert await eventually(lambda: has_size(store, group.chat_id, 1))

    # The group becomes a supergroup: the board follows it.
    old_id = group.chat_id
    new_id = await users.migrate(old_id)
    supergroup = Group(users, new_id)
    await supergroup.say(ANA, "/board")
    moved = await supergroup.expect("This week together: 40 of 90 minutes.")
    assert moved["text"].splitlines()[2:] == ["Ana: 40 min"]
    async with store.transaction() as tx:
        assert await tx.group_for_chat(old_id) is None
        assert (await tx.group_for_chat(new_id)) is not None

    # Removed from the group: the group is inactive.
    await users.chat_member(new_id, bot_id, "remove", by_id=ANA)
    assert await eventually(lambda: is_inactive(store, new_id))

    # The scan: every message the bot sent to any group chat.
    sent = [m for chat_id in (old_id, new_id) for m in await users.messages(chat_id)]
    texts = [m.get("text") or m.get("caption") or "" for m in sent]
    assert len(texts) >= 15
    scan_for_clinical_words(texts, allowed_numbers={0, 10, 30, 40, 90, 100, 600, 10000})
