"""`stride doctor`: is this deployment able to keep a patient safe right now?

One line per check, `OK`, `WARNING` or `PROBLEM` with what to do. Any PROBLEM makes the exit
status non-zero, so a deploy script or a cron job can refuse to go on. The checks that matter
most are the last: every supervisor must have started the bot, or Telegram refuses to deliver
their alerts (a bot may never write first) — and nobody finds out until a patient is in crisis.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import telegram
from sqlalchemy.engine import make_url
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

from bot.config import Settings
from bot.storage.database import normalise_url
from bot.storage.migrate import pending_revisions
from content.loader import check_content


class Status(StrEnum):
    OK = "OK"
    WARNING = "WARNING"
    PROBLEM = "PROBLEM"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str

    def line(self) -> str:
        return f"{self.status.value:<8} {self.name}: {self.detail}"


def ok(name: str, detail: str) -> Check:
    return Check(name, Status.OK, detail)


def warning(name: str, detail: str) -> Check:
    return Check(name, Status.WARNING, detail)


def problem(name: str, detail: str) -> Check:
    return Check(name, Status.PROBLEM, detail)


def run(settings: Settings, echo: Callable[[str], None] = print) -> int:
    """Run every check, print one line each, return 1 if any found a problem."""
    results = asyncio.run(checks(settings))
    for result in results:
        echo(result.line())
    problems = sum(1 for r in results if r.status is Status.PROBLEM)
    echo(f"{problems} problem(s)" if problems else "All checks passed.")
    return 1 if problems else 0


async def checks(settings: Settings) -> list[Check]:
    results = configuration(settings)
    results.append(content(settings))
    stored = await database(settings)
    results.extend(stored)
    if all(r.status is Status.OK for r in stored):
        results.append(await retention(settings))
    results.extend(await telegram_checks(settings))
    return results


def configuration(settings: Settings) -> list[Check]:
    name = "configuration"
    results: list[Check] = []
    if settings.telegram_bot_token is None:
        results.append(problem(name, "TELEGRAM_BOT_TOKEN is not set: copy it from @BotFather"))
    if not settings.supervisor_ids:
        results.append(
            problem(
                name,
                "SUPERVISOR_IDS is empty: no one on the care team would be told when a patient "
                "is at risk. Set it to the supervisors' Telegram user ids",
            )
        )
    if not settings.backup_supervisor_ids:
        results.append(
            warning(
                name,
                "BACKUP_SUPERVISOR_IDS is empty: an unacknowledged alert is re-sent to the same "
                "supervisors only. Set it to the next level of the escalation chain",
            )
        )
    if settings.telegram_api_url.startswith("http://") and not _local(settings.telegram_api_url):
        results.append(problem(name, "TELEGRAM_API_URL is not https: the token would leak"))
    return results or [
        ok(
            name,
            f"{len(settings.supervisor_ids)} supervisor(s), "
            f"{len(settings.backup_supervisor_ids)} backup(s), alerts re-sent after "
            f"{settings.escalation_ack_seconds}s without acknowledgement",
        )
    ]


def _local(url: str) -> bool:
    return any(host in url for host in ("://127.0.0.1", "://localhost", "://[::1]"))


def content(settings: Settings) -> Check:
    loaded, problems = check_content(settings.content_dir)
    if problems or loaded is None:
        first = problems[0] if problems else "could not be loaded"
        return problem(
            "content",
            f"{len(problems)} problem(s) in {settings.content_dir}, first: {first}. "
            f"Run `stride content check {settings.content_dir}`",
        )
    if loaded.crisis.for_country(settings.default_country) is None:
        return warning(
            "content",
            f"no crisis line for DEFAULT_COUNTRY={settings.default_country}: patients get only "
            "the generic 'call your local emergency number'. Add the country to crisis.yaml",
        )
    return ok("content", f"{settings.content_dir} is valid")


async def database(settings: Settings) -> list[Check]:
    name = "database"
    url = make_url(normalise_url(settings.database_url))
    where = url.render_as_string(hide_password=True)
    if _missing_sqlite_file(url.get_backend_name(), url.database):
        return [problem(name, f"{where} does not exist yet: run `stride migrate`")]
    try:
        pending = await pending_revisions(settings.database_url)
    except Exception as error:  # any driver error: the message is what the operator needs
        return [problem(name, f"cannot open {where}: {error}. Check DATABASE_URL")]
    if pending:
        return [
            problem(
                name,
                f"{len(pending)} migration(s) not applied ({', '.join(pending)}): "
                "run `stride migrate`",
            )
        ]
    return [ok(name, f"{where} is reachable and up to date")]


async def retention(settings: Settings, now: dt.datetime | None = None) -> Check:
    """What the daily prune would remove now (RETENTION_DAYS): a large number means the
    prune job has not run (the bot was not running, or the job fails: see its log)."""
    from bot.clock import clock_from_environment
    from bot.storage import Store
    from bot.storage.retention import due

    name = "retention"
    store = Store.from_url(settings.database_url)
    try:
        at = now or clock_from_environment().now()
        counts = await due(store, at, settings.retention_days)
    except Exception as error:  # any driver error: the message is what the operator needs
        return warning(name, f"could not be checked: {error}")
    finally:
        await store.close()
    kept = f"free text and update ids are kept {settings.retention_days} days (RETENTION_DAYS)"
    if not counts.total:
        return ok(name, f"nothing due; {kept}")
    return warning(
        name,
        f"due for pruning: {counts.session_notes} session note(s), {counts.barrier_plans} "
        f"barrier plan(s), {counts.escalation_texts} resolved alert text(s), "
        f"{counts.processed_updates} update id(s); the daily job of `stride run` prunes "
        f"them; {kept}",
    )


def _missing_sqlite_file(backend: str, database: str | None) -> bool:
    """Opening a missing SQLite file would create an empty database: report it instead."""
    if backend != "sqlite" or database in (None, "", ":memory:"):
        return False
    return not Path(str(database)).exists()


async def telegram_checks(settings: Settings) -> list[Check]:
    if settings.telegram_bot_token is None:
        return [problem("telegram", "not checked: TELEGRAM_BOT_TOKEN is not set")]
    bot = telegram.Bot(
        settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_api_url
    )
    try:
        await bot.initialize()  # getMe
    except InvalidToken:
        return [problem("token", "Telegram rejected TELEGRAM_BOT_TOKEN: copy it again")]
    except TelegramError as error:
        return [problem("token", f"cannot reach {settings.telegram_api_url}: {error}")]
    try:
        results = [ok("token", f"the bot is @{bot.username}"), group_privacy(bot)]
        for user_id in settings.all_supervisor_ids:
            results.append(await supervisor_reachable(bot, user_id))
        if settings.supervisor_chat_id is not None:
            results.append(await team_chat_reachable(bot, settings.supervisor_chat_id))
        return results
    finally:
        await bot.shutdown()


def group_privacy(bot: telegram.Bot) -> Check:
    """With privacy mode on, a bot sees only commands in groups: risk language goes unseen."""
    if bot.bot.can_read_all_group_messages:
        return ok("groups", "the bot reads group messages, so risk language there is seen")
    return warning(
        "groups",
        "privacy mode is on: risk language written in peer-group chats is NOT seen (unless "
        "the bot is a group admin). To screen it, @BotFather → Bot Settings → Group Privacy → "
        "Turn off, and tell group members",
    )


async def supervisor_reachable(bot: telegram.Bot, user_id: int) -> Check:
    """getChat finds only users who started the bot; a chat action proves it can write."""
    name = f"supervisor {user_id}"
    start = f"ask them to open @{bot.username} in Telegram and press Start"
    try:
        await bot.get_chat(user_id)
        await bot.send_chat_action(user_id, ChatAction.TYPING)
    except Forbidden:
        return problem(name, f"HAS BLOCKED THE BOT: alerts cannot reach them; {start}")
    except BadRequest:
        return problem(name, f"HAS NEVER STARTED THE BOT: alerts cannot reach them; {start}")
    except TelegramError as error:
        return problem(name, f"could not be checked ({error}); run `stride doctor` again")
    return ok(name, "can receive alerts")


async def team_chat_reachable(bot: telegram.Bot, chat_id: int) -> Check:
    name = f"team chat {chat_id}"
    try:
        await bot.get_chat(chat_id)
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except (Forbidden, BadRequest) as error:
        return problem(
            name,
            f"CANNOT RECEIVE ALERTS ({error}): add @{bot.username} to the chat, or fix "
            "SUPERVISOR_CHAT_ID",
        )
    except TelegramError as error:
        return problem(name, f"could not be checked ({error}); run `stride doctor` again")
    return ok(name, "can receive alerts")
