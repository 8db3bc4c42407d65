"""The control API (JSON over HTTP under /control/): play the users, read what the bot did.

Why: end-to-end tests, the browser sandbox and the rate-limit benchmark drive the emulator from
outside the bot: they create patients and groups, send messages, press buttons, inject faults,
and read back the bot's messages, violations and counters. Everything here is emulator-only;
the bot never calls it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import objects
from .actions import (
    ActionError,
    chat_member_event,
    migrate_group,
    press_button,
    press_reply_button,
    user_edit,
    user_message,
)
from .core import Emulator
from .params import as_bool, as_int
from .state import GROUP, ChatRecord
from .views import callback_view, chat_view, message_view, violation_view

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator", Emulator)
MAX_WAIT = 120.0
SSE_KEEPALIVE = 15.0

ControlHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _emu(request: web.Request) -> Emulator:
    return request.app[EMULATOR_KEY]


def guarded(handler: ControlHandler) -> ControlHandler:
    """Answer impossible actions and malformed bodies with a JSON error instead of a 500."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ActionError as exc:
            return reply({"ok": False, "error": str(exc)}, exc.status)
        except (ValueError, KeyError, TypeError) as exc:
            return reply({"ok": False, "error": f"bad request: {exc}"}, 400)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ActionError("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ActionError("the body must be a JSON object")
    return body


def _int(body: dict[str, Any], *names: str, required: bool = True) -> int | None:
    for name in names:
        if body.get(name) is not None:
            value = as_int(body[name])
            if value is None:
                raise ActionError(f"{name} must be an integer")
            return value
    if required:
        raise ActionError(f"{names[0]} is required")
    return None


def _req_int(body: dict[str, Any], *names: str) -> int:
    value = _int(body, *names)
    assert value is not None
    return value


def _opt_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return None if value is None else str(value)


def _query_float(request: web.Request, name: str, default: float = 0.0) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    return float(raw)


def _chat_or_404(emu: Emulator, raw: str) -> ChatRecord:
    chat_id = as_int(raw)
    chat = emu.world.chats.get(chat_id) if chat_id is not None else None
    if chat is None:
        raise ActionError(f"unknown chat {raw}", 404)
    return chat


# --------------------------------------------------------------------- world setup
@guarded
async def index(request: web.Request) -> web.StreamResponse:
    routes = sorted(
        {f"{r.method} {r.resource.canonical}" for r in request.app.router.routes() if r.resource}
    )
    return reply({"ok": True, "routes": routes})


@guarded
async def get_bot(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    return reply(
        {
            "ok": True,
            "bot": objects.me_dict(emu.world),
            "token_check": emu.options.token_check,
            "validate": emu.options.validate,
            "privacy_mode": emu.options.privacy_mode,
            "spec_version": emu.spec.version,
        }
    )


@guarded
async def post_user(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    user = _emu(request).world.upsert_user(
        user_id=_int(body, "id", "user_id", required=False),
        first_name=_opt_str(body, "first_name"),
        last_name=_opt_str(body, "last_name"),
        username=_opt_str(body, "username"),
        language_code=_opt_str(body, "language_code"),
        is_bot=as_bool(body["is_bot"]) if "is_bot" in body else None,
    )
    return reply({"ok": True, "user": objects.user_dict(user)})


@guarded
async def get_users(request: web.Request) -> web.StreamResponse:
    world = _emu(request).world
    users = [objects.user_dict(u) for u in world.users.values() if u.id != world.bot.id]
    return reply({"ok": True, "users": users})


@guarded
async def post_group(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    world = _emu(request).world
    members = [int(m) for m in body.get("members", [])]
    admins = [int(a) for a in body.get("admins", [])]
    creator = _int(body, "creator", required=False)
    for uid in [*members, *admins, *([creator] if creator is not None else [])]:
        if uid not in world.users:
            raise ActionError(f"unknown user {uid}: create it with POST /control/users", 404)
    chat_id = _int(body, "id", "chat_id", required=False)
    if chat_id is not None and chat_id in world.chats:
        raise ActionError(f"chat {chat_id} already exists")
    chat = world.create_chat(
        chat_type=str(body.get("type", GROUP)),
        title=str(body.get("title") or "Group"),
        chat_id=chat_id,
        username=_opt_str(body, "username"),
        members=members,
        admins=admins,
        creator=creator,
        bot_status=str(body.get("bot_status", "member")),
    )
    return reply({"ok": True, "chat": chat_view(world, chat)})


# --------------------------------------------------------------------- users act
@guarded
async def post_message(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    emu = _emu(request)
    from_id = _req_int(body, "from_id", "user_id")
    chat_id = _int(body, "chat_id", required=False)
    text = _opt_str(body, "text")
    edited_of = _int(body, "edited_of", required=False)
    if edited_of is not None:
        if text is None:
            raise ActionError("an edit needs the new text")
        outcome = user_edit(
            emu,
            chat_id=from_id if chat_id is None else chat_id,
            message_id=edited_of,
            text=text,
            from_id=from_id,
        )
        return reply({"ok": True, **outcome.as_dict()})
    data: bytes | None = None
    if body.get("data_b64"):
        try:
            data = base64.b64decode(str(body["data_b64"]), validate=True)
        except binascii.Error as exc:
            raise ActionError("data_b64 is not valid base64") from exc
    outcome = user_message(
        emu,
        from_id=from_id,
        text=text,
        chat_id=chat_id,
        kind=str(body.get("kind", "text")),
        caption=_opt_str(body, "caption"),
        reply_to_message_id=_int(body, "reply_to_message_id", required=False),
        data=data,
        emoji=_opt_str(body, "emoji"),
        contact=body["contact"] if isinstance(body.get("contact"), dict) else None,
    )
    return reply({"ok": True, **outcome.as_dict()})


@guarded
async def post_keyboard(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    outcome = press_reply_button(
        _emu(request),
        from_id=_req_int(body, "from_id", "user_id"),
        text=str(body.get("text") or ""),
        chat_id=_int(body, "chat_id", required=False),
    )
    return reply({"ok": True, **outcome.as_dict()})


@guarded
async def post_press(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    outcome = press_button(
        _emu(request),
        chat_id=_req_int(body, "chat_id"),
        message_id=_req_int(body, "message_id"),
        from_id=_int(body, "from_id", "user_id", required=False),
        text=_opt_str(body, "text"),
        data=_opt_str(body, "data") if "data" in body else _opt_str(body, "callback_data"),
    )
    return reply({"ok": True, **outcome.as_dict()})


@guarded
async def post_chat_member(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    emu = _emu(request)
    chat_id = _req_int(body, "chat_id")
    outcome = chat_member_event(
        emu,
        chat_id=chat_id,
        user_id=_int(body, "user_id", required=False) or chat_id,
        action=str(body.get("action", "")),
        by_id=_int(body, "by_id", required=False),
    )
    return reply({"ok": True, **outcome.as_dict()})


@guarded
async def post_migrate(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    outcome = migrate_group(
        _emu(request),
        chat_id=_req_int(body, "chat_id"),
        new_chat_id=_int(body, "new_chat_id", required=False),
        by_id=_int(body, "by_id", required=False),
    )
    return reply({"ok": True, **outcome.as_dict()})


# --------------------------------------------------------------------- read back
@guarded
async def get_chats(request: web.Request) -> web.StreamResponse:
    world = _emu(request).world
    chats = sorted(world.chats.values(), key=lambda c: c.last_activity, reverse=True)
    return reply({"ok": True, "chats": [chat_view(world, c) for c in chats]})


@guarded
async def get_chat(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    chat = _chat_or_404(emu, request.match_info["chat_id"])
    return reply({"ok": True, "chat": chat_view(emu.world, chat)})


@guarded
async def get_messages(request: web.Request) -> web.StreamResponse:
    """Messages of a chat in order; waits up to `wait` s until `count` new ones match."""
    emu = _emu(request)
    world = emu.world
    chat = _chat_or_404(emu, request.match_info["chat_id"])
    after_id = int(request.query.get("after_id") or 0)
    after_seq = int(request.query.get("after_seq") or 0)
    count = max(1, int(request.query.get("count") or 1))
    include_user = as_bool(request.query.get("include_user", "0")) or False
    wait = min(max(_query_float(request, "wait"), 0.0), MAX_WAIT)

    def select() -> list[dict[str, Any]]:
        return [
            message_view(world, m)
            for m in chat.messages.values()
            if (include_user or m.by_bot) and m.message_id > after_id and m.seq > after_seq
        ]

    if wait:
        await world.changed.wait_for(lambda: len(select()) >= count or world.closing, wait)
    return reply({"ok": True, "chat_id": chat.id, "messages": select(), "seq": world.change_seq})


@guarded
async def get_file_bytes(request: web.Request) -> web.StreamResponse:
    record = _emu(request).world.files.get(request.match_info["file_id"])
    if record is None:
        raise ActionError("unknown file_id", 404)
    return web.Response(body=record.data, content_type=record.mime_type)


@guarded
async def get_violations(request: web.Request) -> web.StreamResponse:
    world = _emu(request).world
    return reply({"ok": True, "violations": [violation_view(v) for v in world.violations]})


@guarded
async def delete_violations(request: web.Request) -> web.StreamResponse:
    _emu(request).world.violations.clear()
    return reply({"ok": True})


def _str_keys(counter: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in counter.items()}


@guarded
async def get_stats(request: web.Request) -> web.StreamResponse:
    emu = _emu(request)
    stats = emu.world.stats
    return reply(
        {
            "ok": True,
            "methods": dict(stats.methods),
            "errors": _str_keys(stats.errors),
            "rate_limited": stats.rate_limited,
            "rate_limited_per_chat": _str_keys(stats.rate_limited_per_chat),
            "sends_per_chat": _str_keys(stats.sends_per_chat),
            "faults_triggered": stats.faults_triggered,
            "updates_created": stats.updates_created,
            "updates_delivered": stats.updates_delivered,
            "pending_updates": len(emu.world.updates),
            "webhook_failures": stats.webhook_failures,
            "get_updates_conflicts": stats.get_updates_conflicts,
            "violations": len(emu.world.violations),
            "limits": emu.limiter.describe(),
        }
    )


@guarded
async def get_commands(request: web.Request) -> web.StreamResponse:
    world = _emu(request).world
    out = [
        {"scope": json.loads(scope), "language_code": language, "commands": commands}
        for (scope, language), commands in world.commands.items()
    ]
    return reply({"ok": True, "commands": out})


@guarded
async def get_callback(request: web.Request) -> web.StreamResponse:
    """A callback query and the bot's answer; waits up to `wait` s for the answer."""
    world = _emu(request).world
    record = world.callbacks.get(request.match_info["callback_id"])
    if record is None:
        raise ActionError("unknown callback query id", 404)
    wait = min(max(_query_float(request, "wait"), 0.0), MAX_WAIT)
    if wait:
        await world.changed.wait_for(lambda: record.answered or world.closing, wait)
    return reply({"ok": True, "callback": callback_view(record)})


@guarded
async def get_updates_view(request: web.Request) -> web.StreamResponse:
    world = _emu(request).world
    return reply({"ok": True, "updates": list(world.updates)})


@guarded
async def get_webhook(request: web.Request) -> web.StreamResponse:
    world = _emu(request).world
    return reply(
        {
            "ok": True,
            "webhook": objects.webhook_info(world),
            "secret_token_set": world.webhook.secret_token is not None,
            "delivered": world.webhook.delivered,
        }
    )


# --------------------------------------------------------------------- live stream
async def get_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every bot send/edit/delete, user message, press, violation, ..."""
    emu = _emu(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    world = emu.world
    start = request.headers.get("Last-Event-ID") or request.query.get("after")
    last = int(start) if start not in (None, "") else world.event_seq
    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
        await response.write(b"retry: 1000\n\n")
        while not emu.closing:
            if emu.world is not world:
                world, last = emu.world, 0
            events = world.events_after(last)
            for event in events:
                payload = _dumps({"seq": event.seq, "time": event.time, **event.data})
                chunk = f"id: {event.seq}\nevent: {event.kind}\ndata: {payload}\n\n"
                await response.write(chunk.encode("utf-8"))
                last = event.seq
            if not events and not await world.changed.wait(SSE_KEEPALIVE):
                await response.write(b": keepalive\n\n")
    return response


# --------------------------------------------------------------------- faults, limits, reset
@guarded
async def get_faults(request: web.Request) -> web.StreamResponse:
    return reply({"ok": True, "faults": _emu(request).faults.describe()})


@guarded
async def post_faults(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    faults = _emu(request).faults
    if "fail_next" in body:
        spec = body["fail_next"] if isinstance(body["fail_next"], dict) else {}
        faults.fail_next(
            count=int(spec.get("count", 1)),
            method=spec.get("method"),
            status=int(spec.get("status", 502)),
            description=str(spec.get("description", "Bad Gateway")),
        )
    if "delay" in body:
        spec = body["delay"] if isinstance(body["delay"], dict) else {"seconds": body["delay"]}
        count = spec.get("count")
        faults.add_delay(
            float(spec.get("seconds", 1.0)),
            method=spec.get("method"),
            count=int(count) if count is not None else None,
        )
    for key, action in (("block_chat", faults.block_chat), ("unblock_chat", faults.unblock_chat)):
        if key in body:
            raw = body[key]
            for chat_id in raw if isinstance(raw, list) else [raw]:
                action(int(chat_id))
    if body.get("fail_sends"):
        spec = body["fail_sends"] if isinstance(body["fail_sends"], dict) else {}
        faults.fail_sends(
            status=int(spec.get("status", 502)),
            description=str(spec.get("description", "Bad Gateway")),
        )
    return reply({"ok": True, "faults": faults.describe()})


@guarded
async def delete_faults(request: web.Request) -> web.StreamResponse:
    faults = _emu(request).faults
    faults.clear()
    return reply({"ok": True, "faults": faults.describe()})


@guarded
async def get_limits(request: web.Request) -> web.StreamResponse:
    return reply({"ok": True, "limits": _emu(request).limiter.describe()})


@guarded
async def post_limits(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    limiter = _emu(request).limiter
    limiter.configure(**body)
    return reply({"ok": True, "limits": limiter.describe()})


@guarded
async def post_reset(request: web.Request) -> web.StreamResponse:
    _emu(request).reset()
    return reply({"ok": True})


def add_control_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/control", index)
    r.add_get("/control/", index)
    r.add_get("/control/bot", get_bot)
    r.add_post("/control/users", post_user)
    r.add_get("/control/users", get_users)
    r.add_post("/control/groups", post_group)
    r.add_post("/control/messages", post_message)
    r.add_post("/control/press", post_press)
    r.add_post("/control/keyboard", post_keyboard)
    r.add_post("/control/chat_member", post_chat_member)
    r.add_post("/control/migrate", post_migrate)
    r.add_get("/control/chats", get_chats)
    r.add_get("/control/chats/{chat_id}", get_chat)
    r.add_get("/control/chats/{chat_id}/messages", get_messages)
    r.add_get("/control/photos/{file_id}", get_file_bytes)
    r.add_get("/control/files/{file_id}", get_file_bytes)
    r.add_get("/control/events", get_events)
    r.add_get("/control/violations", get_violations)
    r.add_delete("/control/violations", delete_violations)
    r.add_get("/control/stats", get_stats)
    r.add_get("/control/commands", get_commands)
    r.add_get("/control/callbacks/{callback_id}", get_callback)
    r.add_get("/control/updates", get_updates_view)
    r.add_get("/control/webhook", get_webhook)
    r.add_get("/control/faults", get_faults)
    r.add_post("/control/faults", post_faults)
    r.add_delete("/control/faults", delete_faults)
    r.add_get("/control/limits", get_limits)
    r.add_post("/control/limits", post_limits)
    r.add_post("/control/reset", post_reset)
