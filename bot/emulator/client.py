"""An async client of the emulator's control API, for tests, the sandbox and benchmarks.

Why: tests should read like a conversation ("the patient says /start, the bot answers with a
keyboard, the patient presses 'Done'"), not like HTTP plumbing; and waiting for the bot's answer
must be event-driven (long-waits on the server) so tests are fast and not flaky.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp


class EmulatorError(RuntimeError):
    """The control API refused a request (unknown chat, impossible action, ...)."""

    def __init__(self, status: int, body: object) -> None:
        super().__init__(f"emulator answered {status}: {body}")
        self.status = status
        self.body = body


class EmulatorClient:
    """Control-API client: `EmulatorClient("http://127.0.0.1:8081")`."""

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._own_session = session is None
        self._session = session
        self._timeout = timeout

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_read=None), trust_env=False
            )
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        """Call a control route and return its JSON object (EmulatorError on 4xx/5xx)."""
        session = await self._http()
        async with session.request(
            method,
            f"{self.base_url}{path}",
            json=body,
            params=query,
            timeout=aiohttp.ClientTimeout(total=seconds or self._timeout),
        ) as response:
            text = await response.text()
            try:
                data = json.loads(text) if text else {}
            except ValueError:
                data = {"raw": text}
            if response.status >= 400:
                raise EmulatorError(response.status, data)
            if not isinstance(data, dict):
                raise EmulatorError(response.status, data)
            return data

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ----------------------------------------------------------------- world setup
    async def create_user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        *,
        username: str | None = None,
        language_code: str | None = None,
        last_name: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Create or update a user (and their private chat); returns the Bot API User."""
        body: dict[str, Any] = {"first_name": first_name, "is_bot": is_bot}
        for key, value in (
            ("id", user_id),
            ("username", username),
            ("language_code", language_code),
            ("last_name", last_name),
        ):
            if value is not None:
                body[key] = value
        data = await self.request("POST", "/control/users", body=body)
        return dict(data["user"])

    async def create_group(
        self,
        title: str,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        creator: int | None = None,
        chat_type: str = "group",
        chat_id: int | None = None,
        username: str | None = None,
        bot_status: str = "member",
    ) -> dict[str, Any]:
        """A group/supergroup/channel; returns the control view of the chat (with its id)."""
        body: dict[str, Any] = {
            "title": title,
            "type": chat_type,
            "members": list(members),
            "admins": list(admins),
            "bot_status": bot_status,
        }
        if creator is not None:
            body["creator"] = creator
        if chat_id is not None:
            body["id"] = chat_id
        if username is not None:
            body["username"] = username
        data = await self.request("POST", "/control/groups", body=body)
        return dict(data["chat"])

    # ----------------------------------------------------------------- users act
    async def send_message(
        self,
        user_id: int,
        *,
        text: str | None = None,
        chat_id: int | None = None,
        kind: str = "text",
        caption: str | None = None,
        data: bytes | None = None,
        emoji: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Any user message; returns {chat_id, message_id, update_id, message}."""
        body: dict[str, Any] = {"from_id": user_id, "kind": kind}
        for key, value in (
            ("text", text),
            ("chat_id", chat_id),
            ("caption", caption),
            ("emoji", emoji),
            ("reply_to_message_id", reply_to),
        ):
            if value is not None:
                body[key] = value
        if data is not None:
            body["data_b64"] = base64.b64encode(data).decode("ascii")
        return await self.request("POST", "/control/messages", body=body)

    async def send_text(
        self, user_id: int, text: str, chat_id: int | None = None, *, reply_to: int | None = None
    ) -> int:
        """The user writes `text` (in their private chat unless chat_id); the new message id."""
        data = await self.send_message(user_id, text=text, chat_id=chat_id, reply_to=reply_to)
        return int(data["message_id"])

    async def send_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        first_name: str = "Contact",
        contact_user_id: int | None = None,
    ) -> dict[str, Any]:
        """The user shares a contact card (someone else's unless contact_user_id is theirs)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        body = {"from_id": user_id, "kind": "contact", "contact": contact}
        return await self.request("POST", "/control/messages", body=body)

    async def press_keyboard(self, user_id: int, text: str) -> dict[str, Any]:
        """Tap a reply-keyboard button in the user's private chat: its text is sent, or their
        own contact for a request_contact button (404 when no such button is shown)."""
        body = {"from_id": user_id, "text": text}
        return await self.request("POST", "/control/keyboard", body=body)

    async def edit_text(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user edits an earlier message: the bot receives edited_message."""
        body: dict[str, Any] = {"from_id": user_id, "edited_of": message_id, "text": text}
        if chat_id is not None:
            body["chat_id"] = chat_id
        return await self.request("POST", "/control/messages", body=body)

    async def press(
        self,
        chat_id: int,
        message_id: int,
        text: str | None = None,
        data: str | None = None,
        *,
        from_id: int | None = None,
    ) -> dict[str, Any]:
        """Press an inline button by text or callback data (data not on the message is
        forged and still delivered); returns {callback_query_id, update_id, forged, ...}."""
        body: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
        if text is not None:
            body["text"] = text
        if data is not None:
            body["data"] = data
        if from_id is not None:
            body["from_id"] = from_id
        return await self.request("POST", "/control/press", body=body)

    async def callback_answer(self, callback_query_id: str, wait: float = 0.0) -> dict[str, Any]:
        """The callback query record with the bot's answer (waits up to `wait` s for it)."""
        data = await self.request(
            "GET",
            f"/control/callbacks/{callback_query_id}",
            query={"wait": str(wait)},
            seconds=wait + self._timeout,
        )
        return dict(data["callback"])

    async def chat_member(
        self, chat_id: int, user_id: int, action: str, *, by_id: int | None = None
    ) -> dict[str, Any]:
        """join/add/promote/demote/leave/remove/kick/ban a member (the bot included)."""
        body: dict[str, Any] = {"chat_id": chat_id, "user_id": user_id, "action": action}
        if by_id is not None:
            body["by_id"] = by_id
        return await self.request("POST", "/control/chat_member", body=body)

    async def block(self, user_id: int) -> dict[str, Any]:
        """The user blocks the bot (my_chat_member; sends then answer 403)."""
        return await self.chat_member(user_id, user_id, "block")

    async def unblock(self, user_id: int) -> dict[str, Any]:
        return await self.chat_member(user_id, user_id, "unblock")

    async def migrate(self, chat_id: int, new_chat_id: int | None = None) -> int:
        """Upgrade a group to a supergroup; the new chat id."""
        body: dict[str, Any] = {"chat_id": chat_id}
        if new_chat_id is not None:
            body["new_chat_id"] = new_chat_id
        data = await self.request("POST", "/control/migrate", body=body)
        return int(data["new_chat_id"])

    # ----------------------------------------------------------------- read back
    async def messages(
        self,
        chat_id: int,
        after_id: int = 0,
        *,
        include_user: bool = False,
        after_seq: int = 0,
        wait: float = 0.0,
        count: int = 1,
    ) -> list[dict[str, Any]]:
        """Messages the bot sent (and edited) in a chat, in order."""
        data = await self._messages(chat_id, after_id, include_user, after_seq, wait, count)
        return list(data["messages"])

    async def _messages(
        self,
        chat_id: int,
        after_id: int,
        include_user: bool,
        after_seq: int,
        wait: float,
        count: int,
    ) -> dict[str, Any]:
        query = {
            "after_id": str(after_id),
            "after_seq": str(after_seq),
            "include_user": "1" if include_user else "0",
            "wait": str(max(wait, 0.0)),
            "count": str(count),
        }
        return await self.request(
            "GET", f"/control/chats/{chat_id}/messages", query=query, seconds=wait + self._timeout
        )

    async def wait_for_messages(
        self,
        chat_id: int,
        after_id: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - the server long-waits; this is its limit
        count: int = 1,
        *,
        include_user: bool = False,
    ) -> list[dict[str, Any]]:
        """At least `count` bot messages with id > after_id; TimeoutError otherwise."""
        data = await self._messages(chat_id, after_id, include_user, 0, timeout, count)
        found = list(data["messages"])
        if len(found) < count:
            raise TimeoutError(
                f"expected {count} message(s) in chat {chat_id} after #{after_id} within "
                f"{timeout}s, got {[m.get('text') or m.get('caption') for m in found]}"
            )
        return found

    async def wait_for_text(
        self,
        chat_id: int,
        substring: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the server long-waits; this is its limit
        *,
        after_id: int = 0,
    ) -> dict[str, Any]:
        """The first (possibly edited) bot message containing `substring`; TimeoutError if none."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seq = 0
        seen: list[str] = []
        while True:
            remaining = max(deadline - loop.time(), 0.0)
            data = await self._messages(
                chat_id, after_id, False, seq, remaining if seq else 0.0, 1
            )
            for message in data["messages"]:
                body = message.get("text") or message.get("caption") or ""
                if not message.get("deleted") and substring in body:
                    return dict(message)
                seen.append(body)
            seq = int(data["seq"])
            if remaining <= 0:
                raise TimeoutError(
                    f"no bot message containing {substring!r} in chat {chat_id} within "
                    f"{timeout}s; saw {seen[-5:]}"
                )

    async def chats(self) -> list[dict[str, Any]]:
        data = await self.request("GET", "/control/chats")
        return list(data["chats"])

    async def chat(self, chat_id: int) -> dict[str, Any]:
        data = await self.request("GET", f"/control/chats/{chat_id}")
        return dict(data["chat"])

    async def photo(self, file_id: str) -> bytes:
        session = await self._http()
        async with session.get(f"{self.base_url}/control/photos/{file_id}") as response:
            if response.status != 200:
                raise EmulatorError(response.status, await response.text())
            return await response.read()

    async def violations(self) -> list[dict[str, Any]]:
        data = await self.request("GET", "/control/violations")
        return list(data["violations"])

    async def clear_violations(self) -> None:
        await self.request("DELETE", "/control/violations")

    async def stats(self) -> dict[str, Any]:
        return await self.request("GET", "/control/stats")

    async def commands(self) -> list[dict[str, Any]]:
        data = await self.request("GET", "/control/commands")
        return list(data["commands"])

    async def pending_updates(self) -> list[dict[str, Any]]:
        data = await self.request("GET", "/control/updates")
        return list(data["updates"])

    async def webhook(self) -> dict[str, Any]:
        return await self.request("GET", "/control/webhook")

    # ----------------------------------------------------------------- faults, limits
    async def set_faults(
        self,
        *,
        fail_next: int | None = None,
        method: str | None = None,
        status: int = 502,
        description: str = "Bad Gateway",
        delay: float | None = None,
        delay_count: int | None = None,
        block_chat: int | Iterable[int] | None = None,
        fail_sends: bool = False,
    ) -> dict[str, Any]:
        """Add faults: fail the next N calls (of `method`), delay answers, block chats (403),
        or fail every send until cleared. Returns the active faults."""
        body: dict[str, Any] = {}
        if fail_next is not None:
            body["fail_next"] = {
                "count": fail_next,
                "method": method,
                "status": status,
                "description": description,
            }
        if delay is not None:
            body["delay"] = {"seconds": delay, "method": method, "count": delay_count}
        if block_chat is not None:
            body["block_chat"] = [block_chat] if isinstance(block_chat, int) else list(block_chat)
        if fail_sends:
            body["fail_sends"] = {"status": status, "description": description}
        data = await self.request("POST", "/control/faults", body=body)
        return dict(data["faults"])

    async def clear_faults(self) -> None:
        await self.request("DELETE", "/control/faults")

    async def set_limits(self, **settings: float | bool) -> dict[str, Any]:
        """enabled, global_per_second, private_per_second, private_burst, group_per_minute…"""
        data = await self.request("POST", "/control/limits", body=dict(settings))
        return dict(data["limits"])

    async def reset(self) -> None:
        await self.request("POST", "/control/reset")

    async def events(self, after: int | None = None) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """The live event stream as (kind, data) pairs; `after=0` replays the buffer."""
        session = await self._http()
        query = {} if after is None else {"after": str(after)}
        async with session.get(f"{self.base_url}/control/events", params=query) as response:
            kind = "message"
            async for raw in response.content:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    yield kind, json.loads(line.removeprefix("data: "))
                    kind = "message"
