"""The HTTP server: Bot API routes (/bot{token}/{method}), file downloads and the control API.

Why: the bot must talk to the emulator over real HTTP with its real client stack (PTB + httpx),
so anything the network layer does (form encoding, multipart uploads, timeouts, status codes)
is exercised exactly as against api.telegram.org. Each request goes through the same gates as
on Telegram: token, method name, parameters, then faults and flood limits, then the method.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from . import rules
from .control import EMULATOR_KEY, add_control_routes
from .core import DEFAULT_TOKEN, LOOPBACK_HOSTS, Emulator, EmulatorOptions
from .limits import LimitConfig, is_counted
from .methods import HANDLERS, Call
from .params import ApiError, Params, UploadedFile, as_int, bad_request
from .webhook import WebhookSender

log = logging.getLogger(__name__)
MAX_UPLOAD = 50 * 1024 * 1024
NOT_VIOLATIONS = frozenset({401, 403, 409, 429})


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def _error(error: ApiError) -> web.Response:
    return _answer(error.body(), error.status)


async def read_params(request: web.Request) -> tuple[dict[str, object], dict[str, UploadedFile]]:
    """Query string plus a JSON, urlencoded or multipart body, as Telegram accepts."""
    values: dict[str, object] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.can_read_body:
        return values, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("JSON body must be an object")
        values.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    field=key,
                    filename=value.filename,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
            else:
                values[key] = value
    return values, files


def _loggable(values: dict[str, object], files: dict[str, UploadedFile]) -> dict[str, Any]:
    out: dict[str, Any] = dict(values)
    for name, upload in files.items():
        out[name] = f"<file {upload.filename or name}, {len(upload.data)} bytes>"
    return out


async def bot_api(request: web.Request) -> web.StreamResponse:
    """One Bot API call: token → method → validation → faults → limits → handler."""
    emu = request.app[EMULATOR_KEY]
    world = emu.world
    token = request.match_info["token"]
    name = request.match_info["method"]
    try:
        values, files = await read_params(request)
    except ApiError as exc:
        world.add_violation(name, "invalid_request", exc.description, {})
        return _error(exc)
    logged = _loggable(values, files)
    if not emu.token_ok(token):
        world.stats.errors[401] += 1
        return _error(ApiError(401, "Unauthorized"))
    method = emu.spec.canonical_method(name)
    world.stats.methods[method or name] += 1
    if method is None:
        world.stats.errors[404] += 1
        world.add_violation(name, "unknown_method", f"{name} is not a Bot API method", logged)
        return _error(ApiError(404, "Not Found"))
    params = Params(values, files)
    if emu.options.validate:
        problems = emu.spec.validate_request(method, values, files.keys())
        problems += rules.check_request(method, params)
        if problems:
            error = bad_request("; ".join(problems))
            world.stats.errors[400] += 1
            world.add_violation(method, "invalid_request", error.description, logged)
            return _error(error)
    handler = HANDLERS.get(method)
    if handler is None:
        error = bad_request(f"method not supported by the emulator: {method}")
        world.stats.errors[400] += 1
        world.add_violation(method, "unsupported_method", error.description, logged)
        return _error(error)
    chat_id = as_int(values.get("chat_id"))
    fault = emu.faults.decide(method, chat_id)
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.status is not None:
        world.stats.faults_triggered += 1
        world.stats.errors[fault.status] += 1
        world.emit("fault", {"method": method, "status": fault.status, "chat_id": chat_id})
        return _error(ApiError(fault.status, fault.description))
    chat = world.chats.get(chat_id) if chat_id is not None else None
    if chat is not None and is_counted(method):
        retry_after = emu.limiter.check(token, chat.id, chat.type)
        if retry_after is not None:
            world.stats.rate_limited += 1
            world.stats.rate_limited_per_chat[chat.id] += 1
            world.stats.errors[429] += 1
            world.emit(
                "rate_limited", {"method": method, "chat_id": chat.id, "retry_after": retry_after}
            )
            return _error(
                ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            )
    try:
        result = await handler(Call(emu=emu, token=token, method=method, params=params))
    except ApiError as exc:
        world.stats.errors[exc.status] += 1
        if exc.status not in NOT_VIOLATIONS and not exc.parameters:
            world.add_violation(method, "bad_request", exc.description, logged)
        return _error(exc)
    if emu.options.self_check:
        for problem in emu.spec.validate_result(method, result):
            world.add_violation(method, "emulator_bug", problem, logged)
    return _answer({"ok": True, "result": result})


async def download_file(request: web.Request) -> web.StreamResponse:
    """GET /file/bot{token}/{file_path}: the bytes behind getFile's file_path."""
    emu = request.app[EMULATOR_KEY]
    if not emu.token_ok(request.match_info["token"]):
        return _error(ApiError(401, "Unauthorized"))
    file_id = request.match_info["path"].rsplit("/", 1)[-1]
    record = emu.world.files.get(file_id)
    if record is None:
        return _error(ApiError(404, "Not Found"))
    return web.Response(body=record.data, content_type=record.mime_type)


def create_app(
    *,
    token_check: bool = False,
    limits: bool = True,
    validate: bool = True,
    bot_token: str = DEFAULT_TOKEN,
    bot_username: str = "stride_test_bot",
    bot_first_name: str = "Stride",
    privacy_mode: bool = False,
    self_check: bool = False,
    limit_config: LimitConfig | None = None,
    webhook_hosts: tuple[str, ...] = LOOPBACK_HOSTS,
    webhook_timeout: float = 10.0,
    webhook_retry_max: float = 2.0,
    max_long_poll: float = 50.0,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
) -> web.Application:
    """An aiohttp application emulating the Bot API for one bot.

    token_check: only `bot_token` is accepted (401 otherwise); off, any token works.
    limits: enforce flood limits (rates in `limit_config`); validate: check requests against
    the spec and Telegram's rules (400 + recorded violation). privacy_mode: in groups the bot
    only sees commands, mentions and replies, as with Telegram's default privacy mode.
    self_check: also check every result against the spec (mismatches recorded as
    "emulator_bug" violations; for the emulator's own tests). webhook_hosts: hosts setWebhook
    accepts. clock: wall clock for message dates; monotonic: clock of the flood limits.
    """
    config = limit_config or LimitConfig()
    if not limits:
        config.enabled = False
    emu = Emulator(
        EmulatorOptions(
            token_check=token_check,
            validate=validate,
            bot_token=bot_token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            privacy_mode=privacy_mode,
            self_check=self_check,
            webhook_hosts=webhook_hosts,
            webhook_timeout=webhook_timeout,
            webhook_retry_max=webhook_retry_max,
            max_long_poll=max_long_poll,
        ),
        limits=config,
        clock=clock,
        monotonic=monotonic,
    )
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[EMULATOR_KEY] = emu
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download_file)
    add_control_routes(app)
    app.cleanup_ctx.append(_webhook_ctx)
    app.on_shutdown.append(_on_shutdown)
    return app


async def _webhook_ctx(app: web.Application) -> AsyncIterator[None]:
    sender = WebhookSender(app[EMULATOR_KEY])
    await sender.start()
    yield
    await sender.stop()


async def _on_shutdown(app: web.Application) -> None:
    app[EMULATOR_KEY].close()


class EmulatorServer:
    """Runs the emulator on a local port; `async with EmulatorServer() as emu: ...`."""

    def __init__(self, **options: Any) -> None:
        self.app = create_app(**options)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def emulator(self) -> Emulator:
        return self.app[EMULATOR_KEY]

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8081."""
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def bot_api_base(self) -> str:
        """What to give PTB's `base_url(...)`: the token is appended to it."""
        return f"{self.url}/bot"

    @property
    def file_base(self) -> str:
        """What to give PTB's `base_file_url(...)`."""
        return f"{self.url}/file/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> EmulatorServer:
        runner = web.AppRunner(self.app, shutdown_timeout=2.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        log.info("Bot API emulator listening on %s", self.url)
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.emulator.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> EmulatorServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def serve(host: str = "127.0.0.1", port: int = 8081, **options: Any) -> None:
    """Run the emulator until cancelled (Ctrl-C)."""
    server = EmulatorServer(**options)
    await server.start(host, port)
    print(f"Bot API emulator: {server.bot_api_base}  control: {server.url}/control/", flush=True)  # noqa: T201
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
