"""A supervisor's language and time zone: /language es, /timezone Europe/Madrid.

First seen, a supervisor gets the language Telegram reports for them (if Stride has it) and
the deployment's default time zone; what they set is kept in `supervisors`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.alerts.messages import Reader
from bot.care.commands import Call, Reply
from bot.services import Services
from bot.storage.care import SupervisorPrefs
from content.texts import negotiate_language


async def reader_of(
    services: Services, user_id: int, language_code: str | None, name: str | None
) -> Reader:
    """The supervisor's reader, recording them on first sight."""
    now = services.clock.now()
    async with services.store.transaction() as tx:
        prefs = await tx.supervisor_prefs(user_id)
        if prefs is None:
            language = negotiate_language(
                language_code or services.settings.default_language,
                services.content.texts.languages,
            )
            prefs = SupervisorPrefs(
                user_id, language, services.settings.default_timezone, (name or "")[:64]
            )
            await tx.save_supervisor_prefs(prefs, now)
    return Reader(prefs.language, prefs.timezone)


async def _update(call: Call, **changes: str) -> None:
    now = call.services.clock.now()
    async with call.services.store.transaction() as tx:
        prefs = await tx.supervisor_prefs(call.user_id)
        base = prefs or SupervisorPrefs(
            call.user_id, call.reader.language, call.reader.timezone, call.first_name
        )
        await tx.save_supervisor_prefs(
            SupervisorPrefs(
                call.user_id,
                changes.get("language", base.language),
                changes.get("timezone", base.timezone),
                base.name,
            ),
            now,
        )


async def language(call: Call) -> Reply:
    wanted = call.args.strip().lower()
    languages = call.services.content.texts.languages
    if wanted not in languages:
        return Reply(call.text("care.prefs.language_usage", languages=", ".join(languages)))
    await _update(call, language=wanted)
    from bot.care.menu import register_one

    await register_one(call.bot, call.services, call.user_id, wanted)
    texts = call.services.content.texts
    return Reply(texts.get(wanted, "care.prefs.language_set"))


async def timezone(call: Call) -> Reply:
    wanted = call.args.strip()
    try:
        ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError):
        return Reply(call.text("care.prefs.timezone_usage"))
    await _update(call, timezone=wanted)
    return Reply(call.text("care.prefs.timezone_set", timezone=wanted))
