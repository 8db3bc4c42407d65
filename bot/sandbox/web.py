"""The sandbox page and its JSON API (`/api/...`), same-origin with the page.

Every action goes through the emulator's control API, exactly as a test would drive it: the
page plays the users; the real bot sees only Telegram updates. Only the sandbox's own chats
and people can be used, POSTs must be JSON (a foreign page cannot send that without a CORS
preflight we never grant) and the Host must be loopback (no DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.emulator import EmulatorClient, EmulatorError
from bot.sandbox.cast import GROUP_TITLE, LANGUAGES, Cast
from bot.sandbox.clock_control import ACTIONS, ClockControl, nudge_tick
from bot.sandbox.events import EventHub
from bot.sandbox.views import BOT_NAME, commands_for, page_message
from dialogs.timezones import tz_for

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_TEXT = 4096
MAX_REF = 64
INVITE_WAIT = 15.0  # seconds for the bot's answer to /invite
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="8" fill="#0b3d91"/>'
    '<path d="M9 22 L16 9 L23 22" stroke="#fff" stroke-width="3.5" fill="none"/></svg>'
)


@dataclass
class SandboxContext:
    client: EmulatorClient
    cast: Cast
    clock: ClockControl
    hub: EventHub
    database: Path

    def adapt(self, message: dict[str, Any]) -> dict[str, Any]:
        return page_message(message, self.cast.names, BOT_NAME)


CONTEXT: web.AppKey[SandboxContext] = web.AppKey("sandbox", SandboxContext)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadInput(ValueError):
    """The page asked for something the sandbox does not allow (answered 400)."""


def _context(request: web.Request) -> SandboxContext:
    return request.app[CONTEXT]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.url.host not in LOOPBACK:
        return web.json_response({"ok": False, "error": "loopback hosts only"}, status=403)
    if request.method == "POST" and request.content_type != "application/json":
        return web.json_response({"ok": False, "error": "send JSON"}, status=415)
    try:
        return await handler(request)
    except (BadInput, EmulatorError) as error:
        return web.json_response({"ok": False, "error": str(error)}, status=400)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise BadInput("the body must be a JSON object") from error
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadInput(f"{name} must be a whole number")
    try:
        return int(value)
    except ValueError as error:
        raise BadInput(f"{name} must be a whole number") from error


def _chat(ctx: SandboxContext, value: object) -> int:
    chat_id = _int(value, "chat_id")
    if chat_id not in ctx.cast.chat_ids:
        raise BadInput(f"chat {chat_id} is not a sandbox chat")
    return chat_id


def _sender(ctx: SandboxContext, chat_id: int, value: object) -> int:
    """Who acts in `chat_id`: its owner in a private chat, a patient in the group."""
    if chat_id != ctx.cast.group_id:
        return chat_id
    from_id = _int(value, "from_id")
    if ctx.cast.patient(from_id) is None:
        raise BadInput("only patients write in the peer group")
    return from_id


def _clock_view(ctx: SandboxContext, now: dt.datetime, timezone: str) -> dict[str, Any]:
    local = now.astimezone(tz_for(timezone))
    return {
        "now": now.isoformat(),
        "timezone": timezone,
        "local": local.isoformat(),
        "offset_seconds": ctx.clock.clock.offset.total_seconds(),
        "nudges": nudge_tick() is not None,
    }


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def favicon(request: web.Request) -> web.StreamResponse:
    return web.Response(text=ICON, content_type="image/svg+xml")


async def state(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    cast = ctx.cast
    timezone = ctx.clock.services.settings.default_timezone
    return web.json_response(
        {
            "ok": True,
            "patients": [p.as_dict() for p in cast.patients],
            "supervisor": cast.supervisor.as_dict(),
            "group": {"id": cast.group_id, "title": GROUP_TITLE},
            "bot": {"name": BOT_NAME},
            "languages": list(LANGUAGES),
            "database": str(ctx.database),
            "clock": _clock_view(ctx, ctx.clock.clock.now(), timezone),
        }
    )


async def messages(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    chat_id = _chat(ctx, request.match_info["chat_id"])
    found = await ctx.client.messages(chat_id, include_user=True)
    visible = [ctx.adapt(m) for m in found if not m.get("deleted")]
    return web.json_response({"ok": True, "chat_id": chat_id, "messages": visible})


async def send(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    body = await _json(request)
    chat_id = _chat(ctx, body.get("chat_id"))
    from_id = _sender(ctx, chat_id, body.get("from_id"))
    text = str(body.get("text") or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise BadInput(f"write 1 to {MAX_TEXT} characters")
    sent = await ctx.client.send_message(from_id, text=text, chat_id=chat_id)
    return web.json_response({"ok": True, "message_id": sent["message_id"]})


async def press(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    body = await _json(request)
    chat_id = _chat(ctx, body.get("chat_id"))
    from_id = _sender(ctx, chat_id, body.get("from_id"))
    message_id = _int(body.get("message_id"), "message_id")
    data = body.get("data")
    text = body.get("text")
    if data is None and text is None:
        raise BadInput("press a button by its data or its text")
    pressed = await ctx.client.press(
        chat_id,
        message_id,
        text=None if text is None else str(text),
        data=None if data is None else str(data),
        from_id=from_id,
    )
    return web.json_response({"ok": True, "callback_query_id": pressed["callback_query_id"]})


async def keyboard(request: web.Request) -> web.StreamResponse:
    """A tap on the keyboard under a patient's input field (the phone question's buttons)."""
    ctx = _context(request)
    body = await _json(request)
    chat_id = _chat(ctx, body.get("chat_id"))
    if ctx.cast.patient(chat_id) is None:
        raise BadInput("only a patient's private chat has that keyboard")
    sent = await ctx.client.press_keyboard(chat_id, str(body.get("text") or ""))
    return web.json_response({"ok": True, "message_id": sent["message_id"]})


async def add_patient(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    body = await _json(request)
    try:
        person = await ctx.cast.add_patient(body.get("name"), body.get("language"))
    except ValueError as error:
        raise BadInput(str(error)) from error
    ctx.hub.publish("patients", {"patients": [p.as_dict() for p in ctx.cast.patients]})
    return web.json_response({"ok": True, "patient": person.as_dict()})


async def invite_patient(request: web.Request) -> web.StreamResponse:
    """The invite demo: the supervisor sends `/invite REF`, and a new patient opens the link
    the bot answers with (`/start CODE`, as Telegram sends a deep link) — so the patient is
    enrolled with the clinic's reference, as in a clinic running `ENROLMENT=invite`."""
    ctx = _context(request)
    body = await _json(request)
    ref = " ".join(str(body.get("ref") or "").split())[:MAX_REF]
    if not ref or " " in ref:
        raise BadInput("the clinic reference is one word, e.g. MRN-0042")
    supervisor = ctx.cast.supervisor.id
    sent = await ctx.client.send_message(supervisor, text=f"/invite {ref}")
    try:
        answer = await ctx.client.wait_for_text(
            supervisor, "?start=", timeout=INVITE_WAIT, after_id=int(sent["message_id"])
        )
    except TimeoutError as error:
        raise BadInput("the bot did not answer the invitation in time") from error
    code = str(answer["text"]).rsplit("?start=", 1)[1].split()[0]
    try:
        person = await ctx.cast.add_patient(body.get("name"), body.get("language"))
    except ValueError as error:
        raise BadInput(str(error)) from error
    ctx.hub.publish("patients", {"patients": [p.as_dict() for p in ctx.cast.patients]})
    await ctx.client.send_message(person.id, text=f"/start {code}")
    return web.json_response({"ok": True, "patient": person.as_dict(), "ref": ref})


async def commands(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    chat_id = _chat(ctx, request.query.get("chat_id"))
    person = next((p for p in (*ctx.cast.patients, ctx.cast.supervisor) if p.id == chat_id), None)
    menu = commands_for(
        await ctx.client.commands(),
        chat_id,
        person.language if person else None,
        private=chat_id != ctx.cast.group_id,
    )
    return web.json_response({"ok": True, "commands": menu})


def _patient_query(value: object) -> int | None:
    return None if value in (None, "") else _int(value, "patient_id")


async def get_clock(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    timezone = await ctx.clock.timezone_of(_patient_query(request.query.get("patient_id")))
    return web.json_response({"ok": True, **_clock_view(ctx, ctx.clock.clock.now(), timezone)})


async def post_clock(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    body = await _json(request)
    action = str(body.get("action", ""))
    if action not in ACTIONS:
        raise BadInput(f"action must be one of {', '.join(ACTIONS)}")
    move = await ctx.clock.advance(action, _patient_query(body.get("patient_id")))
    view = _clock_view(ctx, move.after, move.timezone)
    return web.json_response(
        {"ok": True, **view, "before": move.before.isoformat(), "action": action}
    )


async def photo(request: web.Request) -> web.StreamResponse:
    ctx = _context(request)
    file_id = request.match_info["file_id"]
    try:
        data = await ctx.client.photo(file_id)
    except EmulatorError:
        raise web.HTTPNotFound() from None
    content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return web.Response(body=data, content_type=content_type)


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the emulator's chat events plus clock and cast changes."""
    hub = _context(request).hub
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue = hub.subscribe()
    try:
        await response.write(b"retry: 1000\n\n")
        while True:
            try:
                chunk = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if chunk is None:
                break
            await response.write(chunk)
    except ConnectionResetError:
        pass
    finally:
        hub.unsubscribe(queue)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


def create_web_app(ctx: SandboxContext) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[CONTEXT] = ctx
    r = app.router
    r.add_get("/", index)
    r.add_get("/favicon.ico", favicon)
    r.add_static("/static/", STATIC, show_index=False)
    r.add_get("/api/state", state)
    r.add_get("/api/chats/{chat_id}/messages", messages)
    r.add_post("/api/send", send)
    r.add_post("/api/press", press)
    r.add_post("/api/patients", add_patient)
    r.add_post("/api/invites", invite_patient)
    r.add_post("/api/keyboard", keyboard)
    r.add_get("/api/commands", commands)
    r.add_get("/api/clock", get_clock)
    r.add_post("/api/clock", post_clock)
    r.add_get("/api/photos/{file_id}", photo)
    r.add_get("/api/events", events)
    return app
